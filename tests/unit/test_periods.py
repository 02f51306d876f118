"""Billing periods, proration, reductions and accruals of service subscriptions."""

from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custsvc.domain.periods import Period, Policy, accrual_parts, charge, in_force, periods, reduced_days

D = Decimal


def spans(ps):
    return [(p.start, p.end) for p in ps]


def test_anniversary_months_are_anchored_on_the_start_never_chained():
    ps = periods(Policy("month"), date(2026, 1, 31), None, date(2026, 5, 31))
    assert spans(ps) == [
        (date(2026, 1, 31), date(2026, 2, 27)),
        (date(2026, 2, 28), date(2026, 3, 30)),
        (date(2026, 3, 31), date(2026, 4, 29)),
        (date(2026, 4, 30), date(2026, 5, 30)),
        (date(2026, 5, 31), date(2026, 6, 29)),
    ]
    assert not any(p.partial for p in ps)


@pytest.mark.parametrize("start", [date(2024, 1, 29), date(2024, 1, 30), date(2024, 1, 31)])
def test_starts_on_the_29th_to_31st_in_a_leap_year(start):
    ps = periods(Policy("month"), start, None, date(2024, 4, 30))
    assert ps[0].end == date(2024, 2, 28)  # start + 1 month is 29 February (clipped), so the period ends the day before
    assert ps[1].start == date(2024, 2, 29)
    assert all(b.start == a.end + timedelta(days=1) for a, b in pairwise(ps))


def test_leap_day_yearly_anniversary():
    ps = periods(Policy("year"), date(2024, 2, 29), None, date(2028, 3, 1))
    assert spans(ps)[:2] == [(date(2024, 2, 29), date(2025, 2, 27)), (date(2025, 2, 28), date(2026, 2, 27))]
    assert ps[4].start == date(2028, 2, 29)


@pytest.mark.parametrize(
    ("unit", "every", "start", "expected"),
    [
        (
            "month",
            1,
            date(2026, 3, 15),
            [(date(2026, 3, 15), date(2026, 3, 31)), (date(2026, 4, 1), date(2026, 4, 30))],
        ),
        (
            "quarter",
            1,
            date(2026, 2, 10),
            [(date(2026, 2, 10), date(2026, 3, 31)), (date(2026, 4, 1), date(2026, 6, 30))],
        ),
        ("year", 1, date(2026, 7, 1), [(date(2026, 7, 1), date(2026, 12, 31)), (date(2027, 1, 1), date(2027, 12, 31))]),
        (
            "week",
            1,
            date(2026, 3, 11),
            [(date(2026, 3, 11), date(2026, 3, 15)), (date(2026, 3, 16), date(2026, 3, 22))],
        ),
        ("day", 1, date(2026, 3, 11), [(date(2026, 3, 11), date(2026, 3, 11)), (date(2026, 3, 12), date(2026, 3, 12))]),
        (
            "month",
            2,
            date(2026, 2, 10),
            [(date(2026, 2, 10), date(2026, 2, 28)), (date(2026, 3, 1), date(2026, 4, 30))],
        ),
    ],
)
def test_calendar_periods(unit, every, start, expected):
    ps = periods(Policy(unit, every, align="calendar"), start, None, expected[-1][0])
    assert spans(ps) == expected
    assert ps[0].partial == (start != ps[0].full_start)


def test_end_and_start_clip_and_through_selects_by_period_start():
    policy = Policy("month", align="calendar")
    ps = periods(policy, date(2026, 1, 15), date(2026, 3, 10), date(2026, 12, 31))
    assert spans(ps) == [
        (date(2026, 1, 15), date(2026, 1, 31)),
        (date(2026, 2, 1), date(2026, 2, 28)),
        (date(2026, 3, 1), date(2026, 3, 10)),
    ]
    assert periods(policy, date(2026, 5, 1), None, date(2026, 4, 30)) == []  # never before the start
    assert spans(periods(policy, date(2026, 1, 1), None, date(2026, 3, 1)))[-1] == (date(2026, 3, 1), date(2026, 3, 31))
    assert spans(periods(policy, date(2026, 1, 1), None, date(2026, 6, 30), after=date(2026, 4, 30))) == [
        (date(2026, 5, 1), date(2026, 5, 31)),
        (date(2026, 6, 1), date(2026, 6, 30)),
    ]


def test_reduction_example_from_the_reference():
    march = Period(date(2026, 3, 1), date(2026, 3, 31), date(2026, 3, 1), date(2026, 3, 31))
    result = charge(
        Policy("month", align="calendar"), march, D("200.00"), D(100), [(date(2026, 3, 10), date(2026, 3, 11))]
    )
    assert (result.base, result.reduction, result.total) == (D("200.00"), D("-12.90"), D("187.10"))


def test_index_and_proration_policies():
    period = Period(date(2026, 3, 11), date(2026, 3, 31), date(2026, 3, 1), date(2026, 3, 31))
    assert charge(Policy("month", proration="daily"), period, D("1000.00"), D(110)).base == D(
        "745.16"
    )  # 1100 x 21 / 31
    assert charge(Policy("month", proration="full"), period, D("1000.00"), D(110)).base == D("1100.00")
    free = charge(Policy("month", proration="none"), period, D("1000.00"), D(110))
    assert (free.base, free.free, free.total) == (D("0.00"), True, D("0.00"))
    assert charge(
        Policy("month"),
        Period(date(2026, 3, 1), date(2026, 3, 31), date(2026, 3, 1), date(2026, 3, 31)),
        D("1000"),
        D("103.5"),
    ).price == D("1035.00")


def test_a_cancellation_mid_period_is_a_partial_last_period():
    policy = Policy("month", proration="daily")
    ps = periods(policy, date(2026, 1, 1), date(2026, 3, 15), date(2026, 12, 31))
    assert spans(ps)[-1] == (date(2026, 3, 1), date(2026, 3, 15))
    assert charge(policy, ps[-1], D("310.00"), D(100)).base == D("150.00")


def test_reductions_spanning_two_periods_split_by_period():
    policy = Policy("month", align="calendar")
    feb, march = periods(policy, date(2026, 2, 1), None, date(2026, 3, 1))
    cut = [(date(2026, 2, 26), date(2026, 3, 3))]
    assert (reduced_days(feb, cut), reduced_days(march, cut)) == (3, 3)
    assert charge(policy, feb, D("280.00"), D(100), cut).reduction == D("-30.00")
    assert charge(policy, march, D("310.00"), D(100), cut).reduction == D("-30.00")


def test_price_change_mid_subscription_prices_each_period_by_its_start():
    history = [(date(2026, 1, 1), D("49.00")), (date(2026, 3, 15), D("55.00"))]
    policy = Policy("month")
    fees = [in_force(history, p.start) for p in periods(policy, date(2026, 1, 10), None, date(2026, 5, 31))]
    assert fees == [D("49.00"), D("49.00"), D("49.00"), D("55.00"), D("55.00")]  # periods start Jan 10 ... May 10
    assert in_force(history, date(2025, 12, 31)) is None


def test_yearly_fee_recognized_monthly_in_twelve_equal_parts():
    policy = Policy("year", accrue="month")
    parts = accrual_parts(policy, date(2026, 3, 15), date(2027, 3, 14), D("1000.00"))
    assert len(parts) == 12
    assert [p[2] for p in parts] == [D("83.33")] * 11 + [D("83.37")]
    assert parts[0][:2] == (date(2026, 3, 15), date(2026, 4, 14)) and parts[-1][1] == date(2027, 3, 14)


def test_calendar_accruals_follow_calendar_months_and_weigh_partial_ones():
    policy = Policy("quarter", align="calendar", accrue="month")
    parts = accrual_parts(policy, date(2026, 1, 16), date(2026, 3, 31), D("300.00"))
    assert [(a, b) for a, b, _ in parts] == [
        (date(2026, 1, 16), date(2026, 1, 31)),
        (date(2026, 2, 1), date(2026, 2, 28)),
        (date(2026, 3, 1), date(2026, 3, 31)),
    ]
    assert sum(p[2] for p in parts) == D("300.00") and parts[0][2] < parts[1][2]


def test_accrual_no_longer_than_the_period():
    with pytest.raises(ValueError):
        Policy("month", accrue="year")


policies = st.builds(
    Policy,
    unit=st.sampled_from(["day", "week", "month", "quarter", "year"]),
    every=st.integers(1, 3),
    align=st.sampled_from(["anniversary", "calendar"]),
    proration=st.sampled_from(["full", "daily", "none"]),
)
days = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))


@settings(max_examples=300, deadline=None)
@given(policies, days, st.integers(0, 400), st.one_of(st.none(), st.integers(0, 800)))
def test_periods_tile_the_subscription_without_gaps_or_overlaps(policy, start, span, length):
    through = start + timedelta(days=span)
    last = None if length is None else start + timedelta(days=length)
    ps = periods(policy, start, last, through)
    if not ps:
        assert last is not None and last < start or through < start
        return
    assert ps[0].start == start
    for a, b in pairwise(ps):
        assert b.start == a.end + timedelta(days=1)
    for p in ps:
        assert p.full_start <= p.start <= p.end <= p.full_end
        assert p.start <= through
        assert last is None or p.end <= last
    # catching up in two runs gives the same periods as one run
    mid = start + timedelta(days=span // 2)
    first = periods(policy, start, last, mid)
    rest = periods(policy, start, last, through, after=first[-1].start if first else None)
    assert first + rest == ps


@given(
    st.decimals(min_value=0, max_value=100000, places=2),
    policies.filter(lambda p: p.unit != "day"),
    days,
    st.integers(1, 400),
)
def test_accrual_parts_add_up_exactly(amount, policy, first, length):
    policy = Policy(policy.unit, policy.every, policy.align, policy.proration, accrue="day")
    last = first + timedelta(days=length)
    parts = accrual_parts(policy, first, last, amount)
    assert sum(p[2] for p in parts) == amount
    assert parts[0][0] == first and parts[-1][1] == last
