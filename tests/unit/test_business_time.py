"""Business-time arithmetic, against hand-worked cases and properties."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custsvc.domain.calendar import BusinessCalendar, format_hours, merge, parse_hours, running
from custsvc.domain.sla import Clock, evaluate, pauses_from_log
from custsvc.errors import InvalidInput

RIGA = ZoneInfo("Europe/Riga")
H = 3600


def riga(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=RIGA).astimezone(UTC)


def office(holidays=()):
    days = set(holidays)
    return BusinessCalendar(
        RIGA, parse_hours(["mon-fri 08:00-12:00,13:00-17:00"]), lambda d: "holiday" if d in days else None
    )


# --- parsing -----------------------------------------------------------------------------------


def test_parse_hours():
    weekly = parse_hours(["mon-fri 08:00-12:00,13:00-17:00", "sat 09:00-13:00", "sun 20:00-24:00"])
    assert weekly[0] == [(480, 720), (780, 1020)] and weekly[5] == [(540, 780)] and weekly[6] == [(1200, 1440)]
    assert format_hours(weekly) == ["mon-fri 08:00-12:00,13:00-17:00", "sat 09:00-13:00", "sun 20:00-24:00"]
    assert parse_hours(["fri-mon 10:00-11:00"])[6] == [(600, 660)]


@pytest.mark.parametrize(
    "bad",
    [
        "mon-fri",
        "someday 08:00-12:00",
        "mon 12:00-08:00",
        "mon 08:00-24:30",
        "mon 08:00-12:00,11:00-13:00",
        "mon 8-12",
        "mon 24:00-24:00",
    ],
)
def test_parse_hours_refuses(bad):
    with pytest.raises(InvalidInput) as err:
        parse_hours([bad], "--hours")
    assert "--hours" in err.value.message


# --- hand-worked deadlines ---------------------------------------------------------------------


def test_deadline_across_a_weekend():
    # Fri 16:00 + 4h: Fri 16-17 (1h), Mon 08-11 (3h)
    assert office().add(riga(2026, 3, 6, 16), 4 * H) == riga(2026, 3, 9, 11)


def test_creation_outside_hours_starts_at_the_next_opening():
    assert office().add(riga(2026, 3, 7, 10), 1 * H) == riga(2026, 3, 9, 9)  # Saturday -> Monday 08:00
    assert office().add(riga(2026, 3, 9, 12, 30), 30 * 60) == riga(2026, 3, 9, 13, 30)  # lunch break


def test_a_deadline_at_a_window_end_stays_there():
    assert office().add(riga(2026, 3, 9, 8), 4 * H) == riga(2026, 3, 9, 12)  # not 13:00
    assert office().add(riga(2026, 3, 9, 8), 8 * H) == riga(2026, 3, 9, 17)  # not Tuesday 08:00


def test_holidays_are_skipped():
    # 18 Nov 2026 (Wed) is a public holiday in Latvia: Tue 16:00 + 2h -> Thu 09:00
    assert office([date(2026, 11, 18)]).add(riga(2026, 11, 17, 16), 2 * H) == riga(2026, 11, 19, 9)


def test_several_windows_per_day():
    calendar = BusinessCalendar(RIGA, parse_hours(["mon-fri 07:00-09:00,11:00-12:00,15:00-16:00"]))
    assert calendar.add(riga(2026, 3, 9, 8), 2.5 * H) == riga(2026, 3, 9, 15, 30)
    assert calendar.seconds(riga(2026, 3, 9, 0), riga(2026, 3, 10, 0)) == 4 * H


def test_windows_to_midnight():
    calendar = BusinessCalendar(RIGA, parse_hours(["mon-sun 20:00-24:00"]))
    assert calendar.add(riga(2026, 3, 9, 23), 2 * H) == riga(2026, 3, 10, 21)
    assert calendar.add(riga(2026, 3, 9, 20), 4 * H) == riga(2026, 3, 10, 0)  # ends at 24:00


def test_daylight_saving_change_in_the_calendars_zone():
    around_the_clock = BusinessCalendar(RIGA, parse_hours(["mon-sun 00:00-24:00"]))
    # Riga springs forward on Sun 29 Mar 2026: that day has 23 hours
    assert around_the_clock.seconds(riga(2026, 3, 29), riga(2026, 3, 30)) == 23 * H
    assert around_the_clock.seconds(riga(2026, 10, 25), riga(2026, 10, 26)) == 25 * H  # and falls back
    assert around_the_clock.add(riga(2026, 3, 28, 12), 24 * H) == riga(2026, 3, 29, 13)
    # office hours keep their wall-clock times across the change: Fri 16:00 +02:00 + 2h -> Mon 09:00 +03:00
    deadline = office().add(riga(2026, 3, 27, 16), 2 * H)
    assert deadline == datetime(2026, 3, 30, 6, 0, tzinfo=UTC)
    assert deadline.astimezone(RIGA).hour == 9


def test_pauses_outside_hours_move_nothing():
    clock = office()
    start = riga(2026, 3, 9, 9)
    assert clock.add(start, 4 * H, [(riga(2026, 3, 9, 18), riga(2026, 3, 10, 7))]) == riga(2026, 3, 9, 14)


def test_pauses_move_the_deadline_by_their_business_time():
    clock = office()
    start = riga(2026, 3, 9, 9)
    # paused Mon 11:00-19:00: 1h + 4h of business time; 2h counted before it, 2h left from Tue 08:00
    assert clock.add(start, 4 * H, [(riga(2026, 3, 9, 11), riga(2026, 3, 9, 19))]) == riga(2026, 3, 10, 10)
    # a pause starting outside hours and ending inside them
    assert clock.add(start, 4 * H, [(riga(2026, 3, 9, 18), riga(2026, 3, 10, 9))]) == riga(2026, 3, 9, 14)
    assert clock.add(start, 8 * H, [(riga(2026, 3, 9, 18), riga(2026, 3, 10, 9))]) == riga(2026, 3, 10, 10)
    assert clock.add(start, 4 * H, [(riga(2026, 3, 9, 11), None)]) is None  # still paused


def test_a_closed_calendar_has_no_deadline():
    assert BusinessCalendar(RIGA, {d: [] for d in range(7)}).add(riga(2026, 3, 9), H) is None


# --- the clock of an order ---------------------------------------------------------------------


def test_clock_met_breached_paused_and_at_risk():
    calendar = office()
    start = riga(2026, 3, 9, 9)
    clock = Clock(start, response_target=1 * H, resolution_target=4 * H, responded_at=riga(2026, 3, 9, 9, 30))
    state = evaluate(calendar, clock, riga(2026, 3, 9, 10))
    assert (state.response.state, state.resolution.state, state.status) == ("met", "pending", "on-track")
    assert state.resolution.due == riga(2026, 3, 9, 14)
    assert state.status == "on-track" and state.compliance_pct == 25.0
    assert evaluate(calendar, clock, riga(2026, 3, 9, 13, 15)).status == "at-risk"  # 45 min of 4h left
    assert evaluate(calendar, clock, riga(2026, 3, 9, 14, 1)).status == "breached"
    clock.pauses = [(riga(2026, 3, 9, 11), None)]
    paused = evaluate(calendar, clock, riga(2026, 3, 9, 16))
    assert paused.status == "paused" and paused.resolution.seconds == 2 * H
    assert paused.paused_seconds == 4 * H  # 11-12 and 13-16
    clock.pauses = [(riga(2026, 3, 9, 11), riga(2026, 3, 9, 16))]
    clock.resolved_at = riga(2026, 3, 9, 17)
    done = evaluate(calendar, clock, riga(2026, 3, 10, 12))
    assert done.status == "met" and done.resolution.due == riga(2026, 3, 10, 9)  # 2h + 1h Monday, 1h Tuesday
    assert done.resolution.seconds == 3 * H and done.compliance_pct == 75.0


def test_a_pause_after_the_deadline_does_not_undo_a_breach():
    calendar = office()
    clock = Clock(riga(2026, 3, 9, 9), H, 2 * H, pauses=[(riga(2026, 3, 9, 13), None)])
    state = evaluate(calendar, clock, riga(2026, 3, 9, 16))
    assert state.status == "breached" and state.resolution.due == riga(2026, 3, 9, 11)


def test_pauses_from_the_log_join_stage_and_manual_stops():
    t = [riga(2026, 3, 9, h) for h in range(8, 18)]
    events = [(t[1], "pause"), (t[2], "stop"), (t[3], "resume"), (t[5], "start"), (t[7], "pause")]
    assert pauses_from_log(events) == [(t[1], t[5]), (t[7], None)]


# --- properties --------------------------------------------------------------------------------

moments = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)).map(
    lambda d: d.replace(tzinfo=UTC, microsecond=0)
)
hours_specs = st.sampled_from(
    [
        ["mon-fri 08:00-12:00,13:00-17:00"],
        ["mon-sun 00:00-24:00"],
        ["mon-sat 20:00-24:00", "sun 00:00-02:00"],
        ["tue,thu 09:30-10:00,15:00-18:45"],
    ]
)
zones = st.sampled_from([RIGA, ZoneInfo("America/New_York"), ZoneInfo("Australia/Lord_Howe"), UTC])
holiday_days = st.sets(st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 1, 1)), max_size=20)


def calendar_of(spec, tz, days):
    return BusinessCalendar(tz, parse_hours(spec), lambda d: "h" if d in days else None)


@settings(max_examples=150, deadline=None)
@given(hours_specs, zones, holiday_days, moments, st.integers(1, 200 * H))
def test_a_deadline_is_in_working_time_or_at_a_window_end(spec, tz, days, start, seconds):
    calendar = calendar_of(spec, tz, days)
    due = calendar.add(start, seconds)
    assert due is not None
    day = calendar.local_date(due)
    ends = [b for d in (day - timedelta(days=1), day) for _a, b in calendar.windows(d)]
    assert calendar.is_working(due) or due in ends
    assert calendar.seconds(start, due) == pytest.approx(seconds)


@settings(max_examples=150, deadline=None)
@given(hours_specs, zones, holiday_days, moments, st.integers(1, 100 * H), moments, st.integers(0, 30 * 24 * H))
def test_adding_a_pause_never_makes_a_deadline_earlier(spec, tz, days, start, seconds, pause_start, pause_length):
    calendar = calendar_of(spec, tz, days)
    plain = calendar.add(start, seconds)
    paused = calendar.add(start, seconds, [(pause_start, pause_start + timedelta(seconds=pause_length))])
    assert paused >= plain
    paused_time = (
        calendar.seconds(max(start, pause_start), min(paused, pause_start + timedelta(seconds=pause_length)))
        if pause_start < paused
        else 0
    )
    assert calendar.seconds(start, paused) == pytest.approx(seconds + paused_time)


@settings(max_examples=150, deadline=None)
@given(hours_specs, zones, holiday_days, moments, st.integers(0, 60 * 24 * H), st.integers(0, 60 * 24 * H))
def test_business_time_is_additive(spec, tz, days, a, x, y):
    calendar = calendar_of(spec, tz, days)
    b = a + timedelta(seconds=x)
    c = b + timedelta(seconds=y)
    assert calendar.seconds(a, c) == pytest.approx(calendar.seconds(a, b) + calendar.seconds(b, c))


@given(st.lists(st.tuples(st.integers(0, 100), st.integers(1, 30)), max_size=8))
def test_merged_pauses_are_disjoint_and_cover_the_same_time(raw):
    base = datetime(2026, 1, 1, tzinfo=UTC)
    pauses = [(base + timedelta(hours=s), base + timedelta(hours=s + n)) for s, n in raw]
    merged = merge(pauses)
    for (_a, b), (c, _d) in zip(merged, merged[1:], strict=False):
        assert b < c
    covered = {h for s, n in raw for h in range(s, s + n)}
    assert covered == {
        h for a, b in merged for h in range(int((a - base).total_seconds() // H), int((b - base).total_seconds() // H))
    }
    windows = [(base, base + timedelta(hours=200))]
    running_hours = sum((b - a).total_seconds() for a, b in running(windows, merged)) / H
    assert running_hours == 200 - len(covered)
