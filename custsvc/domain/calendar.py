"""Business time: working windows per weekday in a time zone, holidays, and the arithmetic on them.

Everything is measured in real elapsed seconds inside working windows.  A window is given in local
wall-clock time (``08:00-12:00``, up to ``24:00``) and turned into UTC for each date, so a window on
a daylight-saving change day is as long as the clock says (an ``00:00-24:00`` day has 23 or 25 hours).

Pure: no clock reads, no database.  Pauses are (start, end) intervals in UTC; an end of ``None``
means the pause is still going on.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from custsvc.domain.timeparse import localize
from custsvc.errors import InvalidInput

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: how far ahead a deadline is searched before the calendar is called closed for good
HORIZON_DAYS = 3 * 366

Window = tuple[int, int]  # minutes after local midnight, end exclusive, end <= 1440
Interval = tuple[datetime, datetime]
Pause = tuple[datetime, datetime | None]


def parse_hours(specs: Sequence[str], field_name: str = "hours") -> dict[int, list[Window]]:
    """``["mon-fri 08:00-12:00,13:00-17:00", "sat 09:00-13:00"]`` -> windows per weekday (Monday 0).

    A later spec for a day replaces nothing: windows add up, and must not overlap."""
    weekly: dict[int, list[Window]] = {d: [] for d in range(7)}
    for spec in specs:
        text = spec.strip().lower()
        match = re.fullmatch(r"([a-z,\-]+)\s+(.+)", text)
        if not match:
            raise InvalidInput(field_name, spec, 'expected days and times such as "mon-fri 08:00-12:00,13:00-17:00"')
        days = _days(match.group(1), spec, field_name)
        windows = []
        for part in match.group(2).replace(" ", "").split(","):
            m = re.fullmatch(r"([0-9]{1,2}):([0-9]{2})-([0-9]{1,2}):([0-9]{2})", part)
            if not m:
                raise InvalidInput(field_name, spec, f"{part!r} is not a time range such as 08:00-12:00")
            start = int(m.group(1)) * 60 + int(m.group(2))
            end = int(m.group(3)) * 60 + int(m.group(4))
            if int(m.group(2)) > 59 or int(m.group(4)) > 59 or start >= 1440 or end > 1440 or start >= end:
                raise InvalidInput(
                    field_name, spec, f"{part!r}: a window runs from 00:00 up to 24:00 and ends after it starts"
                )
            windows.append((start, end))
        for day in days:
            weekly[day].extend(windows)
    for day, windows in weekly.items():
        windows.sort()
        for (_a_start, a_end), (b_start, _b_end) in zip(windows, windows[1:], strict=False):
            if b_start < a_end:
                raise InvalidInput(field_name, " ".join(specs), f"windows overlap on {WEEKDAYS[day]}")
    return weekly


def _days(text: str, spec: str, field_name: str) -> list[int]:
    days: list[int] = []
    for part in text.split(","):
        if "-" in part:
            first, _, last = part.partition("-")
            if first not in WEEKDAYS or last not in WEEKDAYS:
                raise InvalidInput(
                    field_name, spec, "days are mon, tue, wed, thu, fri, sat, sun (or a range like mon-fri)"
                )
            a, b = WEEKDAYS.index(first), WEEKDAYS.index(last)
            days.extend(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
        elif part in WEEKDAYS:
            days.append(WEEKDAYS.index(part))
        else:
            raise InvalidInput(field_name, spec, "days are mon, tue, wed, thu, fri, sat, sun (or a range like mon-fri)")
    return days


def format_hours(weekly: dict[int, list[Window]]) -> list[str]:
    """Weekly windows back as specs, runs of days with the same windows joined (``mon-fri 08:00-17:00``)."""
    specs: list[str] = []
    day = 0
    while day < 7:
        windows = weekly.get(day, [])
        last = day
        while last + 1 < 7 and weekly.get(last + 1, []) == windows:
            last += 1
        if windows:
            days = WEEKDAYS[day] if last == day else f"{WEEKDAYS[day]}-{WEEKDAYS[last]}"
            specs.append(f"{days} " + ",".join(f"{_hhmm(a)}-{_hhmm(b)}" for a, b in windows))
        day = last + 1
    return specs


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass
class BusinessCalendar:
    """Working windows per weekday in ``tz``, minus holidays (``holiday(day)`` gives a name or None)."""

    tz: tzinfo
    weekly: dict[int, list[Window]]
    holiday: Callable[[date], str | None] = lambda _day: None
    _cache: dict[date, list[Interval]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._open_days = {d for d, w in self.weekly.items() if w}

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.tz).date()

    def windows(self, day: date) -> list[Interval]:
        """The working intervals of a local date, in UTC (none on holidays)."""
        cached = self._cache.get(day)
        if cached is not None:
            return cached
        result: list[Interval] = []
        if self.weekly.get(day.weekday()) and not self.holiday(day):
            for start, end in self.weekly[day.weekday()]:
                a = self._at(day, start)
                b = self._at(day, end)
                if b > a:
                    result.append((a, b))
        if len(self._cache) > 20_000:
            self._cache.clear()
        self._cache[day] = result
        return result

    def _at(self, day: date, minutes: int) -> datetime:
        if minutes >= 1440:
            return localize(datetime.combine(day + timedelta(days=1), time()), self.tz).astimezone(UTC)
        return localize(datetime.combine(day, time(minutes // 60, minutes % 60)), self.tz).astimezone(UTC)

    def intervals(self, start: datetime, end: datetime | None = None) -> Iterator[Interval]:
        """Working intervals from ``start`` (clipped), in order, up to ``end`` or the horizon."""
        if not self._open_days:
            return
        day = self.local_date(start) - timedelta(days=1)  # a window may run past local midnight in UTC terms
        last_day = (
            self.local_date(end) + timedelta(days=1)
            if end is not None
            else self.local_date(start) + timedelta(days=HORIZON_DAYS)
        )
        while day <= last_day:
            for a, b in self.windows(day):
                if b <= start:
                    continue
                if end is not None and a >= end:
                    return
                yield max(a, start), min(b, end) if end is not None else b
            day += timedelta(days=1)

    def is_working(self, moment: datetime) -> bool:
        return any(a <= moment < b for a, b in self.windows(self.local_date(moment)))

    def seconds(self, start: datetime, end: datetime) -> float:
        """Business seconds between two instants (0 when end <= start)."""
        if end <= start:
            return 0.0
        return sum((b - a).total_seconds() for a, b in self.intervals(start, end))

    def next_open(self, moment: datetime) -> datetime | None:
        """``moment`` if it is in working time, else the next opening."""
        for a, _b in self.intervals(moment):
            return a
        return None

    def add(self, start: datetime, seconds: float, pauses: Sequence[Pause] = ()) -> datetime | None:
        """The instant at which ``seconds`` of business time have run from ``start``, not counting
        paused time.  A deadline that falls exactly at a window's end stays there.  ``None`` when a
        pause never ends, or the calendar has no working time within the horizon."""
        remaining = float(seconds)
        merged = merge(pauses)
        if remaining <= 0:
            opening = self.next_open(start)
            return opening if opening is not None else start
        for a, b in running(self.intervals(start), merged):
            if b is None:
                return None
            span = (b - a).total_seconds()
            if remaining <= span:
                return a + timedelta(seconds=remaining)
            remaining -= span
        return None

    def counted(self, start: datetime, end: datetime, pauses: Sequence[Pause] = ()) -> float:
        """Business seconds between ``start`` and ``end`` while the clock ran (pauses excluded)."""
        if end <= start:
            return 0.0
        total = 0.0
        for a, b in running(self.intervals(start, end), merge(pauses)):
            if b is None:
                break
            total += (b - a).total_seconds()
        return total


def merge(pauses: Iterable[Pause]) -> list[Pause]:
    """Sort and join overlapping or touching pauses; an open pause swallows everything after it."""
    result: list[list[datetime | None]] = []
    for start, end in sorted(pauses, key=lambda p: p[0]):
        if end is not None and end <= start:
            continue
        if result and (result[-1][1] is None or start <= result[-1][1]):  # type: ignore[operator]
            last_end = result[-1][1]
            if last_end is not None:
                result[-1][1] = None if end is None else max(last_end, end)
            continue
        result.append([start, end])
    return [(s, e) for s, e in result]  # type: ignore[misc]


def running(windows: Iterable[Interval], pauses: Sequence[Pause]) -> Iterator[tuple[datetime, datetime | None]]:
    """Working intervals with the (merged) pauses cut out.  After an open pause yields (t, None) once."""
    index = 0
    for a, b in windows:
        start = a
        while index < len(pauses):
            p_start, p_end = pauses[index]
            if p_end is not None and p_end <= start:
                index += 1
                continue
            if p_start >= b:
                break
            if p_start > start:
                yield start, p_start
            if p_end is None:
                yield max(start, p_start), None
                return
            start = max(start, p_end)
            if start >= b:
                break
            index += 1
        if start < b:
            yield start, b
