from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custsvc.domain.timeparse import format_duration, localize, parse_date, parse_datetime, parse_duration, zone
from custsvc.errors import InvalidInput

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
