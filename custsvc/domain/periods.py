"""Billing periods of service subscriptions, what each one costs, and how revenue is spread.

* **Anniversary** periods are anchored on the subscription's start: the k-th period runs from
  start + k x period to the day before start + (k + 1) x period, never chained from the previous
  end, so a 31 January monthly start gives periods ending 27 February, 30 March, 29 April ...
* **Calendar** periods follow calendar days, weeks (Monday), months, quarters and years (blocks of
  ``every`` counted from January, or from the first Monday of 1970 for weeks); the first and last
  periods may be partial.
* A period that the subscription covers only in part (clipped by start, end or cancellation) is priced
  by the proration policy: ``full`` (the whole fee), ``daily`` (fee x days used / days in the period) or
  ``none`` (free).
* A period is priced by the fee and index in force on its first day: fee x index / 100.
* Reduction days lower the period's fee pro rata per day of the (full) period:
  200.00 for March, 10-11 March reduced -> -12.90 (200 x 2 / 31).

Pure: no clock, no database; money is Decimal, rounded half-up to cents where an amount is made.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from custsvc.domain.money import round_money, share_of
from custsvc.domain.recurrence import add_months

UNITS = ("day", "week", "month", "quarter", "year")
ALIGNS = ("anniversary", "calendar")
PRORATIONS = ("full", "daily", "none")
_EPOCH_MONDAY = date(1970, 1, 5)
ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Policy:
    unit: str  # day | week | month | quarter | year
    every: int = 1
    align: str = "anniversary"
    proration: str = "daily"
    accrue: str | None = None  # accrual unit, no longer than the period

    def __post_init__(self) -> None:
        if self.unit not in UNITS or self.align not in ALIGNS or self.proration not in PRORATIONS or self.every < 1:
            raise ValueError(f"invalid policy {self}")
        if self.accrue is not None and UNITS.index(self.accrue) > UNITS.index(self.unit):
            raise ValueError(f"accrual period {self.accrue} is longer than the period {self.unit}")


def shift(day: date, unit: str, n: int) -> date:
    """``day`` plus ``n`` units (months, quarters and years clip the day to the month's end)."""
    if unit == "day":
        return day + timedelta(days=n)
    if unit == "week":
        return day + timedelta(weeks=n)
    months = {"month": 1, "quarter": 3, "year": 12}[unit] * n
    return add_months(day, months)


def block_start(day: date, unit: str, every: int) -> date:
    """The first day of the calendar block (of ``every`` units) that contains ``day``."""
    if unit == "day":
        return day
    if unit == "week":
        weeks = (day - _EPOCH_MONDAY).days // 7
        return _EPOCH_MONDAY + timedelta(weeks=weeks - weeks % every)
    months_per = {"month": 1, "quarter": 3, "year": 12}[unit] * every
    index = day.year * 12 + day.month - 1
    index -= index % months_per
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """A billing period as the subscription covers it (``start``-``end``, inclusive) within the full
    period ``full_start``-``full_end``."""

    start: date
    end: date
    full_start: date
    full_end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def full_days(self) -> int:
        return (self.full_end - self.full_start).days + 1

    @property
    def partial(self) -> bool:
        return self.start != self.full_start or self.end != self.full_end


def full_period(policy: Policy, anchor: date, k: int) -> tuple[date, date]:
    """The k-th full period of a subscription that started on ``anchor``."""
    if policy.align == "anniversary":
        start = shift(anchor, policy.unit, k * policy.every)
        return start, shift(anchor, policy.unit, (k + 1) * policy.every) - ONE_DAY
    first = block_start(anchor, policy.unit, policy.every)
    start = shift(first, policy.unit, k * policy.every)
    return start, shift(first, policy.unit, (k + 1) * policy.every) - ONE_DAY


def periods(
    policy: Policy, start: date, last_day: date | None, through: date, *, after: date | None = None
) -> list[Period]:
    """Periods starting on or before ``through`` (and after ``after``, when given), clipped to the
    subscription's days ``start``..``last_day`` (its end or cancellation)."""
    out: list[Period] = []
    k = 0
    if after is not None:
        # skip ahead without walking from the start of a long subscription
        k = max(0, _index_near(policy, start, after) - 1)
    while True:
        full_start, full_end = full_period(policy, start, k)
        covered_start = max(full_start, start)
        if covered_start > through or (last_day is not None and covered_start > last_day):
            return out
        covered_end = full_end if last_day is None else min(full_end, last_day)
        if after is None or covered_start > after:
            out.append(Period(covered_start, covered_end, full_start, full_end))
        k += 1


def _index_near(policy: Policy, anchor: date, day: date) -> int:
    days = {"day": 1, "week": 7, "month": 30.44, "quarter": 91.31, "year": 365.25}[policy.unit] * policy.every
    return int((day - anchor).days / days)


@dataclass(frozen=True)
class Charge:
    """What one period costs, line by line, with the arithmetic spelled out."""

    period: Period
    fee: Decimal  # the fee in force on the period's first day
    index: Decimal  # the index in force then (100 = as agreed)
    price: Decimal  # fee x index / 100, for the full period
    base: Decimal  # the period's amount before reductions (after proration)
    reduction_days: int
    reduction: Decimal  # negative, or 0
    free: bool
    explanation: list[str] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return self.base + self.reduction


#: the accrual units that tile one invoicing unit exactly (a month holds days and itself, not weeks)
_WITHIN = {
    "day": {"day"},
    "week": {"day", "week"},
    "month": {"day", "month"},
    "quarter": {"day", "month", "quarter"},
    "year": {"day", "month", "quarter", "year"},
}
#: longer accrual units that N invoicing units make up: 3 months are a quarter, 12 a year, 4 quarters a year
_MULTIPLES = {("month", "quarter"): 3, ("month", "year"): 12, ("quarter", "year"): 4}


def accrual_fits(unit: str, every: int, accrue: str) -> bool:
    """Whether accrual periods of ``accrue`` tile an invoicing period of ``every`` x ``unit`` exactly:
    days of anything, months of quarters and years, weeks only of weeks; 6 months hold quarters and
    24 months years, 2 months hold no quarter."""
    if accrue in _WITHIN[unit]:
        return True
    multiple = _MULTIPLES.get((unit, accrue))
    return multiple is not None and every % multiple == 0


def period_price(fee: Decimal, index: Decimal) -> Decimal:
    """A full period's price: fee x index / 100, rounded half-up to cents (1000.00 at 110 -> 1100.00)."""
    return round_money(fee * index / 100)


def prorata(amount: Decimal, days: int, of_days: int) -> Decimal:
    """``amount`` for ``days`` of ``of_days`` days, rounded half-up to cents (200.00 for 2 of 31 days -> 12.90)."""
    return round_money(amount * days / of_days)


def overlap_days(first: date, last: date, other_first: date, other_last: date) -> int:
    """How many days two inclusive date ranges share."""
    lo, hi = max(first, other_first), min(last, other_last)
    return (hi - lo).days + 1 if lo <= hi else 0


def reduction_credit(fee: Decimal, index: Decimal, days: int, full_days: int) -> Decimal:
    """What reduction days already billed are credited: the period's price pro rata per day (the
    same amount a reduction line of that period takes off before billing)."""
    return prorata(period_price(fee, index), days, full_days)


def cancellation_credit(net_billed: Decimal, days_after: int, billed_days: int) -> Decimal:
    """What a cancellation credits of a billed period: what is still billed for it (net of earlier
    credits), pro rata per day for the days after the last day of service."""
    return prorata(net_billed, days_after, billed_days)


def charge(
    policy: Policy, period: Period, fee: Decimal, index: Decimal, reductions: Sequence[tuple[date, date]] = ()
) -> Charge:
    price = period_price(fee, index)
    why = [
        f"fee {fee:.2f} x index {index.normalize():f}% = {price:.2f}"
        f" for {period.full_start} - {period.full_end} ({period.full_days} days)"
    ]
    free = False
    if not period.partial:
        base = price
    elif policy.proration == "full":
        base = price
        why.append(f"partial period {period.start} - {period.end}: the whole fee (proration full)")
    elif policy.proration == "daily":
        base = prorata(price, period.days, period.full_days)
        why.append(
            f"partial period {period.start} - {period.end}:"
            f" {price:.2f} x {period.days} / {period.full_days} days = {base:.2f} (proration daily)"
        )
    else:
        base, free = Decimal("0.00"), True
        why.append(f"partial period {period.start} - {period.end}: free (proration none)")
    reduced = reduced_days(period, reductions)
    reduction = Decimal("0.00")
    if reduced and not free:
        reduction = -min(prorata(price, reduced, period.full_days), base)
        days = "day" if reduced == 1 else "days"
        why.append(f"{reduced} reduction {days}: -{price:.2f} x {reduced} / {period.full_days} = {reduction:.2f}")
    return Charge(period, fee, index, price, base, reduced, reduction, free, why)


def reduced_days(period: Period, reductions: Sequence[tuple[date, date]]) -> int:
    """Days of the period (as covered) inside any reduction, each day counted once."""
    days: set[date] = set()
    for first, last in reductions:
        lo, hi = max(first, period.start), min(last, period.end)
        day = lo
        while day <= hi:
            days.add(day)
            day += ONE_DAY
    return len(days)


def in_force(history: Sequence[tuple[date, Decimal]], day: date) -> Decimal | None:
    """The value of an effective-dated history (``(from, value)``) on ``day``."""
    current = None
    for since, value in sorted(history):
        if since <= day:
            current = value
        else:
            break
    return current


def accrual_weights(policy: Policy, first: date, last: date) -> list[tuple[date, date, Fraction]]:
    """The accrual periods ``first``..``last`` covers, each with its weight as an exact fraction: a
    full period weighs 1, a partial one its share of days (10 of 31 days: 10/31)."""
    unit = policy.accrue or policy.unit
    pieces: list[tuple[date, date, Fraction]] = []
    start = block_start(first, unit, 1) if policy.align == "calendar" else first
    k = 0
    while True:
        block_first = shift(start, unit, k)
        block_last = shift(start, unit, k + 1) - ONE_DAY
        if block_first > last:
            break
        lo, hi = max(block_first, first), min(block_last, last)
        if lo <= hi:
            pieces.append((lo, hi, Fraction((hi - lo).days + 1, (block_last - block_first).days + 1)))
        k += 1
    return pieces


def accrual_parts(policy: Policy, first: date, last: date, amount: Decimal) -> list[tuple[date, date, Decimal]]:
    """Spread ``amount`` billed for ``first``..``last`` over the accrual periods it covers.

    Full accrual periods get equal parts (a year recognized monthly: 12 equal parts); a partial one
    gets its share of days; the cents of rounding go on the last part. Exact: weights are fractions."""
    pieces = accrual_weights(policy, first, last)
    total = sum((w for _a, _b, w in pieces), Fraction(0))
    parts: list[tuple[date, date, Decimal]] = []
    given = Decimal("0.00")
    for index, (lo, hi, weight) in enumerate(pieces):
        share = amount - given if index == len(pieces) - 1 else share_of(amount, weight / total)
        given += share
        parts.append((lo, hi, share))
    return parts
