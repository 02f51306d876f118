from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custsvc.domain.recurrence import (
    Interval,
    Visit,
    Window,
    combine,
    occurrences,
    parse_every,
    parse_rrule,
    parse_window,
)
from custsvc.errors import InvalidInput


def test_anchored_months_clip_to_month_end_and_never_chain():
    dates = occurrences(date(2024, 1, 31), date(2024, 1, 1), date(2024, 6, 30), every=Interval(1, "month"))
    assert dates == [
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 3, 31),
        date(2024, 4, 30),
        date(2024, 5, 31),
        date(2024, 6, 30),
    ]
    dates = occurrences(date(2025, 1, 31), date(2025, 1, 1), date(2025, 4, 30), every=Interval(1, "month"))
    assert dates == [date(2025, 1, 31), date(2025, 2, 28), date(2025, 3, 31), date(2025, 4, 30)]


def test_leap_day_yearly():
    dates = occurrences(date(2024, 2, 29), date(2024, 1, 1), date(2028, 12, 31), every=Interval(1, "year"))
    assert dates == [date(2024, 2, 29), date(2025, 2, 28), date(2026, 2, 28), date(2027, 2, 28), date(2028, 2, 29)]


def test_clipping_by_the_period():
    dates = occurrences(date(2026, 1, 5), date(2026, 3, 1), date(2026, 3, 31), every=Interval(2, "week"))
    assert dates == [date(2026, 3, 2), date(2026, 3, 16), date(2026, 3, 30)]
    assert occurrences(date(2026, 1, 5), date(2025, 1, 1), date(2025, 12, 31), every=Interval(1, "week")) == []


def test_a_line_without_interval_happens_once():
    assert occurrences(date(2026, 3, 3), date(2026, 3, 1), date(2026, 3, 31)) == [date(2026, 3, 3)]
    assert occurrences(date(2026, 3, 3), date(2026, 4, 1), date(2026, 4, 30)) == []


def test_rrule():
    rule = parse_rrule("RRULE:FREQ=MONTHLY;BYDAY=1MO")
    dates = occurrences(date(2026, 1, 1), date(2026, 1, 1), date(2026, 3, 31), rrule=rule)
    assert dates == [date(2026, 1, 5), date(2026, 2, 2), date(2026, 3, 2)]
    last = occurrences(
        date(2026, 1, 31), date(2026, 1, 1), date(2026, 4, 30), rrule=parse_rrule("FREQ=MONTHLY;BYMONTHDAY=-1")
    )
    assert last == [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)]
    for bad in ("FREQ=SOMETIMES", "DTSTART:20260101T000000\nRRULE:FREQ=DAILY", ""):
        with pytest.raises(InvalidInput):
            parse_rrule(bad)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10 days", Interval(10, "day")),
        ("1 week", Interval(1, "week")),
        ("2 weeks", Interval(2, "week")),
        ("3 months", Interval(3, "month")),
        ("1 year", Interval(1, "year")),
        ("quarterly", Interval(3, "month")),
        ("Weekly", Interval(1, "week")),
    ],
)
def test_parse_every(text, expected):
    assert parse_every(text) == expected


@pytest.mark.parametrize("bad", ["", "0 days", "every week", "3 fortnights", "-1 week"])
def test_parse_every_refuses(bad):
    with pytest.raises(InvalidInput):
        parse_every(bad, "--every")


def test_windows():
    assert Window("week").bounds(date(2026, 3, 12)) == (date(2026, 3, 9), date(2026, 3, 15))
    assert Window("month").bounds(date(2026, 2, 12)) == (date(2026, 2, 1), date(2026, 2, 28))
    assert Window("days", 2).bounds(date(2026, 3, 1)) == (date(2026, 2, 27), date(2026, 3, 3))
    assert parse_window("days:3") == Window("days", 3)
    for bad in ("fortnight", "days:0", "days:x"):
        with pytest.raises(InvalidInput):
            parse_window(bad)


def _visit(ref, key, day, window=None):
    lo, hi = window.bounds(day) if window else (day, day)
    return Visit(ref, key, day, lo, hi)


def test_combine_same_key_and_date_share_an_order():
    slots = combine(
        [
            _visit(1, "a", date(2026, 3, 2)),
            _visit(2, "a", date(2026, 3, 2)),
            _visit(3, "b", date(2026, 3, 2)),
            _visit(4, "a", date(2026, 3, 9)),
        ]
    )
    assert sorted((s.key, s.day, [v.ref for v in s.visits]) for s in slots) == [
        ("a", date(2026, 3, 2), [1, 2]),
        ("a", date(2026, 3, 9), [4]),
        ("b", date(2026, 3, 2), [3]),
    ]


def test_combine_moves_visits_inside_their_windows():
    week = Window("week")
    slots = combine(
        [
            _visit(1, "a", date(2026, 3, 10), week),
            _visit(2, "a", date(2026, 3, 12), week),
            _visit(3, "a", date(2026, 3, 16), week),
        ]
    )
    assert [(s.day, [v.ref for v in s.visits]) for s in slots] == [
        (date(2026, 3, 10), [1, 2]),
        (date(2026, 3, 16), [3]),
    ]
    two = Window("days", 2)
    slots = combine([_visit(1, "a", date(2026, 3, 10), two), _visit(2, "a", date(2026, 3, 13), two)])
    assert [(s.day, [v.ref for v in s.visits]) for s in slots] == [(date(2026, 3, 11), [1, 2])]


def test_combine_joins_existing_orders_inside_the_window():
    slots = combine(
        [_visit(1, "a", date(2026, 3, 12), Window("week"))],
        existing=[("a", date(2026, 3, 9), "SO-1"), ("b", date(2026, 3, 12), "SO-2")],
    )
    assert [(s.existing, s.day) for s in slots] == [("SO-1", date(2026, 3, 9))]


@given(
    st.lists(st.tuples(st.integers(0, 2), st.integers(0, 60), st.integers(0, 5)), min_size=1, max_size=40),
)
def test_combined_days_stay_inside_every_visits_window(items):
    base = date(2026, 1, 1)
    visits = [
        Visit(n, key, base + timedelta(days=d), base + timedelta(days=d - w), base + timedelta(days=d + w))
        for n, (key, d, w) in enumerate(items)
    ]
    slots = combine(visits)
    assert sorted(v.ref for s in slots for v in s.visits) == list(range(len(visits)))
    for slot in slots:
        for visit in slot.visits:
            assert visit.key == slot.key
            assert visit.lo <= slot.day <= visit.hi


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 1, 1)),
    st.sampled_from(["day", "week", "month", "year"]),
    st.integers(1, 12),
    st.integers(0, 400),
    st.integers(0, 400),
)
def test_occurrences_are_anchored_and_split_periods_add_up(start, unit, count, a, b):
    every = Interval(count, unit)
    lo = start + timedelta(days=a)
    mid = lo + timedelta(days=b)
    hi = mid + timedelta(days=200)
    whole = occurrences(start, lo, hi, every=every)
    parts = occurrences(start, lo, mid, every=every) + occurrences(start, mid + timedelta(days=1), hi, every=every)
    assert whole == parts
    walked, k = [], 0
    while (day := start + every.step(k)) <= hi:  # dateutil's relativedelta as the reference
        walked.append(day)
        k += 1
    assert whole == [d for d in walked if d >= lo]
