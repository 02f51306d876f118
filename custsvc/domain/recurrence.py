"""Recurring dates of agreement lines, time windows, and combining visits onto fewer orders.

Dates are **anchored** on the line's start: the k-th date is ``start + k x interval``, never the
previous date plus one interval, so a line starting 31 January monthly falls on 28/29 February,
31 March, 30 April ... (``relativedelta`` clips the day to the month's end).
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta

from custsvc.errors import InvalidInput, OutOfRange

UNITS = {"day": "days", "week": "weeks", "month": "months", "year": "years"}
WORDS = {
    "daily": (1, "day"),
    "weekly": (1, "week"),
    "biweekly": (2, "week"),
    "fortnightly": (2, "week"),
    "monthly": (1, "month"),
    "quarterly": (3, "month"),
    "yearly": (1, "year"),
    "annually": (1, "year"),
}


@dataclass(frozen=True)
class Interval:
    count: int
    unit: str  # day | week | month | year

    def __str__(self) -> str:
        return f"{self.count} {self.unit}{'s' if self.count != 1 else ''}"

    def step(self, k: int) -> relativedelta:
        return relativedelta(**{UNITS[self.unit]: self.count * k})  # type: ignore[arg-type]

    def nth(self, start: date, k: int) -> date:
        """``start + k x interval`` (months and years clip the day to the month's end)."""
        n = self.count * k
        if self.unit == "day":
            return start + timedelta(days=n)
        if self.unit == "week":
            return start + timedelta(weeks=n)
        return add_months(start, n * 12 if self.unit == "year" else n)

    @property
    def approx_days(self) -> float:
        return self.count * {"day": 1, "week": 7, "month": 30.436875, "year": 365.2425}[self.unit]


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def add_months(day: date, months: int) -> date:
    """Calendar months later, the day clipped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = _MONTH_DAYS[month] + (1 if month == 1 and (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)) else 0)
    return date(year, month + 1, min(day.day, last))


def parse_every(text: str, field: str = "every") -> Interval:
    """``10 days``, ``1 week``, ``2 weeks``, ``3 months``, ``1 year`` (or ``weekly``, ``quarterly`` ...)."""
    value = text.strip().lower()
    if value in WORDS:
        count, unit = WORDS[value]
        return Interval(count, unit)
    match = re.fullmatch(r"([0-9]+)\s*(day|week|month|year)s?", value)
    if not match or int(match.group(1)) < 1:
        raise InvalidInput(field, text, 'expected an interval such as "10 days", "2 weeks", "3 months" or "1 year"')
    if int(match.group(1)) > 1000:
        raise OutOfRange(field, text, "at most 1000 days, weeks, months or years")
    return Interval(int(match.group(1)), match.group(2))


#: visits are days: rules that repeat within a day are refused
SUB_DAILY = ("SECONDLY", "MINUTELY", "HOURLY")
TIME_PARTS = ("BYHOUR", "BYMINUTE", "BYSECOND")
#: the most visits one agreement line may make in one generation run (ten years of daily visits)
MAX_VISITS_PER_RUN = 3660


class TooManyVisits(Exception):
    """A line would make more than ``MAX_VISITS_PER_RUN`` visits in the period asked for."""

    def __init__(self, count: int) -> None:
        super().__init__(count)
        self.count = count


def _rule_parts(value: str, field: str, text: str) -> dict[str, str]:
    parts: dict[str, str] = {}
    for part in value.split(";"):
        name, sep, setting = part.partition("=")
        if not sep or not name.strip():
            raise InvalidInput(field, text, f"expected NAME=VALUE parts separated by ';', not {part!r}")
        parts[name.strip().upper()] = setting.strip().upper()
    return parts


def _check_rule_parts(parts: dict[str, str], field: str, text: str) -> None:
    """Visits are whole days: no rule that repeats within a day, and an interval of at least 1."""
    freq = parts.get("FREQ", "")
    if freq in SUB_DAILY:
        raise InvalidInput(field, text, f"FREQ={freq} repeats within a day; visits are days (DAILY at the most)")
    time_parts = [p for p in TIME_PARTS if p in parts]
    if time_parts:
        raise InvalidInput(field, text, f"{time_parts[0]} sets times of day; visits are days")
    interval = parts.get("INTERVAL", "1")
    if not interval.isascii() or not interval.isdigit() or not 1 <= int(interval) <= 1000:
        raise InvalidInput(field, text, f"INTERVAL={interval} must be a whole number from 1 to 1000")


def parse_rrule(text: str, field: str = "rrule") -> str:
    """An RFC 5545 recurrence rule (``FREQ=MONTHLY;BYMONTHDAY=-1``), checked; the line's start is DTSTART.

    Refused: rules that repeat within a day (``SECONDLY``, ``MINUTELY``, ``HOURLY``, ``BYHOUR`` ...)
    and a zero interval: generating from them would never end."""
    from dateutil.rrule import rrulestr

    value = text.strip()
    if value.upper().startswith("RRULE:"):
        value = value[6:]
    if not value or "DTSTART" in value.upper() or "\n" in value:
        raise InvalidInput(
            field, text, "expected a rule such as FREQ=WEEKLY;BYDAY=MO (the line's start is its DTSTART)"
        )
    _check_rule_parts(_rule_parts(value, field, text), field, text)
    try:
        rrulestr(value, dtstart=datetime(2000, 1, 1))
    except (ValueError, TypeError, OverflowError) as exc:
        raise InvalidInput(field, text, f"not a valid RFC 5545 rule: {exc}") from None
    return value


def occurrences(
    start: date,
    lo: date,
    hi: date,
    *,
    every: Interval | None = None,
    rrule: str | None = None,
    limit: int = MAX_VISITS_PER_RUN,
) -> list[date]:
    """The line's dates within ``[lo, hi]``.  No interval and no rule: the start date once.

    More than ``limit`` dates: ``TooManyVisits`` with how many there are (counted, never more than a
    day each, so the count is bounded by the period's days)."""
    if hi < lo:
        return []
    if rrule:
        dates = _rule_dates(rrule, start, lo, hi)
    elif every is None:
        dates = [start] if lo <= start <= hi else []
    else:
        dates = _interval_dates(every, start, lo, hi)
    if len(dates) > limit:
        raise TooManyVisits(len(dates))
    return dates


def _rule_dates(rrule: str, start: date, lo: date, hi: date) -> list[date]:
    from dateutil.rrule import rrulestr

    rule = rrulestr(rrule, dtstart=datetime.combine(start, datetime.min.time()))
    begin = datetime.combine(max(lo, start), datetime.min.time())
    end = datetime.combine(hi, datetime.min.time())
    return _days(rule, begin, end)


def _days(rule: Any, begin: datetime, end: datetime) -> list[date]:
    """The distinct days of ``rule`` from ``begin`` to ``end`` (a rule may name a day twice)."""
    days: dict[date, None] = {}
    for moment in rule.xafter(begin, inc=True):
        if moment > end:
            break
        days[moment.date()] = None
    return list(days)


def _interval_dates(every: Interval, start: date, lo: date, hi: date) -> list[date]:
    # jump close to lo instead of walking from the start of a long-running line
    k = max(0, int((lo - start).days / every.approx_days) - 1)
    while k > 0 and every.nth(start, k) >= lo:
        k -= 1
    dates = []
    while True:
        current = every.nth(start, k)
        if current > hi:
            return dates
        if current >= lo:
            dates.append(current)
        k += 1


@dataclass(frozen=True)
class Window:
    """How far a visit may move so that lines land on fewer orders: its ISO week, its month, or +-N days."""

    kind: str  # week | month | days
    days: int = 0

    def __str__(self) -> str:
        return f"days:{self.days}" if self.kind == "days" else self.kind

    def bounds(self, day: date) -> tuple[date, date]:
        if self.kind == "week":
            monday = day - timedelta(days=day.weekday())
            return monday, monday + timedelta(days=6)
        if self.kind == "month":
            first = day.replace(day=1)
            return first, first + relativedelta(months=1) - timedelta(days=1)
        return day - timedelta(days=self.days), day + timedelta(days=self.days)


def parse_window(text: str, field: str = "window") -> Window:
    value = text.strip().lower()
    if value in ("week", "month"):
        return Window(value)
    match = re.fullmatch(r"days:([0-9]+)", value)
    if match and 0 < int(match.group(1)) <= 366:
        return Window("days", int(match.group(1)))
    raise InvalidInput(field, text, "expected week, month or days:N (e.g. days:3)")


@dataclass(frozen=True)
class Visit:
    """One dated occurrence of a line, with the range it may move within."""

    ref: Any  # what the caller needs back (e.g. the agreement line)
    key: Hashable  # the grouping key (combine rule)
    day: date  # the anchored date
    lo: date
    hi: date


@dataclass
class Slot:
    """A group of visits that go on one order, on ``day``."""

    key: Hashable
    day: date
    visits: list[Visit]
    existing: Any = None  # an existing order the visits join


def combine(visits: Sequence[Visit], existing: Sequence[tuple[Hashable, date, Any]] = ()) -> list[Slot]:
    """Put visits on as few orders as their windows allow.

    First each visit joins an ``existing`` order (key, day, order) of its key whose day lies in its
    window (the nearest one).  The rest are grouped greedily in date order: a visit joins the group
    while the windows of all its visits still overlap; the group's day is the earliest visit date that
    lies in that overlap, else the overlap's first day.  Without windows (lo == hi == day) this puts
    the visits of the same key and date on one order, as the combine rule asks.
    """
    by_key: dict[Hashable, list[tuple[date, Any]]] = {}
    for key, day, order in existing:
        by_key.setdefault(key, []).append((day, order))
    joined: dict[tuple[Hashable, Any], Slot] = {}
    rest: list[Visit] = []
    for visit in visits:
        candidates = [
            (abs((day - visit.day).days), day, order)
            for day, order in by_key.get(visit.key, [])
            if visit.lo <= day <= visit.hi
        ]
        if candidates:
            _distance, day, order = min(candidates, key=lambda c: (c[0], c[1]))
            slot = joined.setdefault((visit.key, order), Slot(visit.key, day, [], existing=order))
            slot.visits.append(visit)
        else:
            rest.append(visit)

    slots = list(joined.values())
    groups: dict[Hashable, list[Visit]] = {}
    for visit in rest:
        groups.setdefault(visit.key, []).append(visit)
    for key, members in groups.items():
        members.sort(key=lambda v: (v.day, v.lo))
        current: list[Visit] = []
        lo = hi = None
        for visit in members:
            if current and max(lo, visit.lo) <= min(hi, visit.hi):  # type: ignore[type-var]
                current.append(visit)
                lo, hi = max(lo, visit.lo), min(hi, visit.hi)  # type: ignore[type-var]
                continue
            if current:
                slots.append(_slot(key, current, lo, hi))  # type: ignore[arg-type]
            current, lo, hi = [visit], visit.lo, visit.hi
        if current:
            slots.append(_slot(key, current, lo, hi))  # type: ignore[arg-type]
    slots.sort(key=lambda s: (s.day, str(s.key)))
    return slots


def _slot(key: Hashable, visits: list[Visit], lo: date, hi: date) -> Slot:
    inside = [v.day for v in visits if lo <= v.day <= hi]
    return Slot(key, min(inside) if inside else lo, visits)
