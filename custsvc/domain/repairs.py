"""The failure report's figures, as pure rules over repairs (what ``repair list --format json`` shows
of each; the README's "Repair report" section gives the same formulas).

* **repeat**: a finished repair whose fix did not hold: the same object got another repair with the
  same symptom area, created after this one finished and at most ``window`` days later (days counted
  between the local dates: 30 days later is a repeat with the default window, 31 is not);
* **first-time fix**: a finished repair done on at most one visit (the order's assignments on the
  board; a bench repair has none) that is not a repeat;
* **MTBF** of a group: the days the group's repaired objects were in service during the period
  (from the later of the period's first day and the object's day in service, to the period's last
  day, both counted) divided by the group's repairs;
* **warranty cost**: the normal price of the order lines of the group's repairs under warranty."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

DEFAULT_WINDOW = 30


@dataclass(frozen=True, slots=True)
class Repair:
    id: int
    object: str
    symptom_area: str | None
    created_on: date
    #: None while it is not finished
    finished_on: date | None
    visits: int = 0
    in_service_on: date | None = None
    warranty_cost: Decimal = Decimal("0.00")
    warranty: bool = False


#: what the repeat rule needs of a repair: (object, symptom area, created day, id, finished day, ...),
#: the days as ``date.toordinal()`` numbers, the finished day None while the repair is open; what
#: follows is the caller's and rides along
Visit = tuple[Any, ...]


def repeating(rows: list[Visit], window: int = DEFAULT_WINDOW) -> Iterator[Visit]:
    """The finished repairs followed by a repair of the same object and symptom area created on or
    after the day they finished and at most ``window`` days later. A follow-up created on the day of
    the finish counts only when it comes later (a higher id: created after).

    ``rows`` are sorted here (in place): by object, area, created day and id (ids are unique, so
    what rides along is never compared)."""
    rows.sort()
    count = len(rows)
    for at in range(count):
        row = rows[at]
        finished = row[4]
        if finished is None:
            continue
        obj, area, rid = row[0], row[1], row[3]
        later = at + 1
        while later < count:
            follow = rows[later]
            if follow[0] != obj or follow[1] != area:
                break
            gap = follow[2] - finished
            if gap > window:
                break
            if gap > 0 or (gap == 0 and follow[3] > rid):
                yield row
                break
            later += 1


def repeats(repairs: Iterable[Repair], window: int = DEFAULT_WINDOW) -> set[int]:
    """``repeated_ids`` of repairs (those without a symptom area never repeat)."""
    rows = [
        (r.object, r.symptom_area, r.created_on.toordinal(), r.id, r.finished_on.toordinal() if r.finished_on else None)
        for r in repairs
        if r.symptom_area is not None
    ]
    return {row[3] for row in repeating(rows, window)}


def first_time_fix(repair: Repair, repeated: set[int]) -> bool:
    return repair.finished_on is not None and repair.visits <= 1 and repair.id not in repeated


def days_in_service(in_service_on: date | None, first: date, last: date) -> int:
    """Days an object served within ``first`` .. ``last`` (both counted)."""
    start = max(first, in_service_on) if in_service_on else first
    return max((last - start).days + 1, 0)


@dataclass
class Figures:
    repairs: int = 0
    finished: int = 0
    repeats: int = 0
    first_time_fixes: int = 0
    warranty_repairs: int = 0
    warranty_cost: Decimal = Decimal("0.00")
    objects: dict[str, date | None] = field(default_factory=dict)

    def add(self, repair: Repair, repeated: set[int]) -> None:
        self.count(
            finished=repair.finished_on is not None,
            repeat=repair.id in repeated,
            one_visit=repair.visits <= 1,
            warranty=repair.warranty,
        )
        self.warranty_cost += repair.warranty_cost
        self.objects.setdefault(repair.object, repair.in_service_on)

    def count(self, *, finished: bool, repeat: bool, one_visit: bool, warranty: bool) -> None:
        """One more repair (a repeat and a first-time fix only when finished)."""
        self.repairs += 1
        if finished:
            self.finished += 1
            self.repeats += repeat
            self.first_time_fixes += one_visit and not repeat
        self.warranty_repairs += warranty

    def object_days(self, first: date, last: date) -> int:
        return sum(days_in_service(since, first, last) for since in self.objects.values())

    def first_time_fix_pct(self) -> Decimal | None:
        return _pct(self.first_time_fixes, self.finished)

    def repeat_pct(self) -> Decimal | None:
        return _pct(self.repeats, self.finished)

    def mtbf_days(self, first: date, last: date) -> Decimal | None:
        if not self.repairs:
            return None
        return (Decimal(self.object_days(first, last)) / self.repairs).quantize(Decimal("0.1"))


def _pct(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100 * part) / whole).quantize(Decimal("0.1"))


def group(
    repairs: Sequence[Repair], keys: Sequence[str], in_period: set[int], window: int = DEFAULT_WINDOW
) -> dict[str, Figures]:
    """The figures per key (``keys[i]`` is the group of ``repairs[i]``) of the repairs in the period;
    repairs outside it (created later) count only as follow-ups that make a repeat."""
    repeated = repeats(repairs, window)
    out: dict[str, Figures] = {}
    for repair, key in zip(repairs, keys, strict=True):
        if repair.id in in_period:
            out.setdefault(key, Figures()).add(repair, repeated)
    return out
