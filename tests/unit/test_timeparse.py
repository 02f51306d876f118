from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custsvc.domain.timeparse import format_duration, localize, parse_date, parse_datetime, parse_duration, zone
from custsvc.errors import InvalidInput, OutOfRange

RIGA = ZoneInfo("Europe/Riga")


def test_zone_known_and_unknown():
    assert zone("Europe/Riga") == RIGA
    for bad in ("Europe/Rigaa", "", "../etc/passwd", " Europe/Riga"):
        with pytest.raises(InvalidInput) as err:
            zone(bad, "timezone")
        assert "timezone" in err.value.message


def test_parse_date():
    assert parse_date("2026-03-10") == date(2026, 3, 10)
    assert parse_date("today", today=date(2026, 3, 10)) == date(2026, 3, 10)
    assert parse_date("tomorrow", today=date(2026, 3, 10)) == date(2026, 3, 11)
    for bad in ("2026-13-01", "10/03/2026", "2026-3-1", "today"):
        with pytest.raises(InvalidInput) as err:
            parse_date(bad, "start")
        assert "start" in err.value.message


def test_parse_datetime_with_offset_and_naive_in_zone():
    assert parse_datetime("2026-03-10T09:00+02:00") == datetime(2026, 3, 10, 7, 0, tzinfo=UTC)
    assert parse_datetime("2026-03-10T09:00Z") == datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    assert parse_datetime("2026-03-10 09:00", tz=RIGA) == datetime(2026, 3, 10, 7, 0, tzinfo=UTC)
    assert parse_datetime("2026-07-10T09:00", tz=RIGA) == datetime(2026, 7, 10, 6, 0, tzinfo=UTC)
    assert parse_datetime("2026-03-10", tz=RIGA) == datetime(2026, 3, 9, 22, 0, tzinfo=UTC)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_datetime("now", now=now) == now


@pytest.mark.parametrize("bad", ["yesterday-ish", "2026-03-10T25:00", "", "10.03.2026 09:00"])
def test_parse_datetime_refuses(bad):
    with pytest.raises(InvalidInput) as err:
        parse_datetime(bad, "--now")
    assert "--now" in err.value.message


def test_localize_moves_a_time_in_the_spring_gap_forward():
    # Riga springs forward on 2026-03-29 at 03:00 -> 04:00
    gap = localize(datetime(2026, 3, 29, 3, 30), RIGA)
    assert gap.astimezone(UTC) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert gap.astimezone(RIGA).hour == 4


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90m", 5400), ("4h", 14400), ("2h30m", 9000), ("1d", 86400), ("1.5h", 5400), ("01:15", 4500), ("45s", 45)],
)
def test_parse_duration(text, seconds):
    assert parse_duration(text).total_seconds() == seconds


@pytest.mark.parametrize("bad", ["", "h", "4x", "-1h", "1:75"])
def test_parse_duration_refuses(bad):
    with pytest.raises(InvalidInput):
        parse_duration(bad, "--duration")


def test_format_duration():
    assert format_duration(timedelta(hours=2, minutes=30)) == "2h30m"
    assert format_duration(-3600) == "-1h"
    assert format_duration(0) == "0m"
    assert format_duration(42) == "42s"


@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=0, max_value=59))
def test_duration_format_parse_round_trip(hours, minutes):
    delta = timedelta(hours=hours, minutes=minutes)
    assert parse_duration(format_duration(delta)) == delta


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)))
def test_iso_output_parses_back(moment):
    moment = moment.replace(microsecond=0)
    assert parse_datetime(moment.astimezone(RIGA).isoformat()) == moment


def test_format_span_uses_days_beyond_a_day():
    from custsvc.domain.timeparse import format_span

    assert format_span(timedelta(hours=5, minutes=30)) == "5h30m"
    assert format_span(timedelta(days=7, hours=4)) == "7d4h"
    assert format_span(timedelta(days=-2)) == "-2d"


# --- relative dates and times (what people type in a terminal or a crontab) -------------------

WED = date(2026, 12, 2)  # a Wednesday
NOW = datetime(2026, 12, 2, 8, 15, tzinfo=UTC)  # 10:15 in Riga


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", WED),
        ("Tomorrow", date(2026, 12, 3)),
        ("yesterday", date(2026, 12, 1)),
        ("+30d", date(2027, 1, 1)),
        ("-1w", date(2026, 11, 25)),
        ("+2 weeks", date(2026, 12, 16)),
        ("+3mo", date(2027, 3, 2)),
        ("+1y", date(2027, 12, 2)),
        ("wednesday", WED),  # today is one
        ("next wednesday", date(2026, 12, 9)),
        ("last wed", date(2026, 11, 25)),
        ("monday", date(2026, 12, 7)),
        ("next monday", date(2026, 12, 7)),
        ("last monday", date(2026, 11, 30)),
    ],
)
def test_relative_dates(text, expected):
    assert parse_date(text, "to", today=WED) == expected


def test_month_steps_end_on_the_last_day_of_a_short_month():
    assert parse_date("+1mo", today=date(2027, 1, 31)) == date(2027, 2, 28)


@pytest.mark.parametrize(
    ("text", "local"),
    [
        ("now", datetime(2026, 12, 2, 10, 15)),
        ("13:00", datetime(2026, 12, 2, 13, 0)),
        ("9:30", datetime(2026, 12, 2, 9, 30)),
        ("today at 13:00", datetime(2026, 12, 2, 13, 0)),
        ("tomorrow 9:00", datetime(2026, 12, 3, 9, 0)),
        ("next monday 8:00", datetime(2026, 12, 7, 8, 0)),
        ("monday", datetime(2026, 12, 7, 0, 0)),
        ("+2h", datetime(2026, 12, 2, 12, 15)),
        ("-30min", datetime(2026, 12, 2, 9, 45)),
        ("+1d", datetime(2026, 12, 3, 10, 15)),
        ("2026-03-10 13:00", datetime(2026, 3, 10, 13, 0)),
    ],
)
def test_relative_times_in_the_shop_zone(text, local):
    assert parse_datetime(text, "start", tz=RIGA, now=NOW).astimezone(RIGA).replace(tzinfo=None) == local


def test_a_calendar_day_across_the_clock_change_keeps_the_wall_clock_and_hours_do_not():
    before = datetime(2026, 3, 28, 10, 0, tzinfo=RIGA).astimezone(UTC)  # Riga springs forward that night
    assert parse_datetime("+1d", tz=RIGA, now=before).astimezone(RIGA).hour == 10
    assert parse_datetime("+24h", tz=RIGA, now=before).astimezone(RIGA).hour == 11


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("+3m", "write +3mo for months"),
        ("+3x", "unknown unit 'x'"),
        ("next blah", "expected a date such as"),
        ("13:61", "expected a date such as"),
    ],
)
def test_relative_dates_refused(text, says):
    with pytest.raises(InvalidInput) as err:
        parse_date(text, "to", today=WED)
    assert says in err.value.message
    assert err.value.message.startswith(f"invalid to {text!r}")


@pytest.mark.parametrize("text", ["+999999y", "-999999d", "+200y"])
def test_relative_dates_beyond_the_years_kept_are_out_of_range(text):
    with pytest.raises(OutOfRange):
        parse_date(text, "to", today=WED)
    with pytest.raises(OutOfRange):
        parse_datetime(text, "start", tz=RIGA, now=NOW)


@given(st.integers(min_value=-20000, max_value=20000))
def test_day_steps_are_plain_arithmetic(days):
    text = f"{'+' if days >= 0 else '-'}{abs(days)}d"
    assert parse_date(text, today=WED) == WED + timedelta(days=days)


@given(st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]), st.dates(date(2000, 1, 1), date(2100, 1, 1)))
def test_weekdays_land_on_that_weekday_within_a_week(name, today):
    plain, following, previous = (parse_date(f"{w}{name}", today=today) for w in ("", "next ", "last "))
    assert {plain.weekday(), following.weekday(), previous.weekday()} == {plain.weekday()}
    assert 0 <= (plain - today).days < 7
    assert 1 <= (following - today).days <= 7
    assert -7 <= (previous - today).days <= -1
