"""Pure rules of bills of materials: BOM positions, validity ranges of versions, and the difference
between two BOMs.

A validity range is ``(valid_from, valid_to)`` with ``valid_to`` inclusive and None for open-ended.
A BOM, for comparing, is a mapping of position to a tuple of values (a template's ``(item, qty,
note)``, an object's ``(item, qty, serial)``): ``diff_components`` knows nothing of what the values are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from custsvc.errors import InvalidInput

POSITION_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,39}")
#: what a version's validity says about a day
STATUSES = ("in force", "future", "expired")
_DIGITS = re.compile(r"(\d+)")


def check_position(value: Any, name: str = "position") -> str:
    """A BOM position (the slot name: ``burner``, ``R12``, ``pump/1``)."""
    text = str(value).strip()
    if not POSITION_PATTERN.fullmatch(text):
        raise InvalidInput(
            name, value, "use 1-40 letters, digits and . _ - / (starting with a letter or digit), no spaces"
        )
    return text


def position_key(position: str) -> tuple[Any, ...]:
    """Sort key that puts ``R2`` before ``R12`` (numbers in a position compare as numbers)."""
    parts = tuple((0, int(p), "") if p.isdigit() else (1, 0, p.lower()) for p in _DIGITS.split(position) if p)
    return (*parts, (-1, 0, position))  # then as typed: ``R`` before ``R1``, ``Pump`` before ``pump``


def covers(valid_from: date, valid_to: date | None, day: date) -> bool:
    """Whether the range holds ``day``."""
    return valid_from <= day and (valid_to is None or day <= valid_to)


def range_status(valid_from: date, valid_to: date | None, day: date) -> str:
    """``in force``, ``future`` or ``expired`` at ``day``."""
    if day < valid_from:
        return "future"
    if valid_to is not None and valid_to < day:
        return "expired"
    return "in force"


def ranges_meet(a_from: date, a_to: date | None, b_from: date, b_to: date | None) -> bool:
    """Whether two inclusive ranges share at least one day."""
    return (a_to is None or b_from <= a_to) and (b_to is None or a_from <= b_to)


def overlapping(ranges: Iterable[tuple[str, date, date | None]], new_from: date, new_to: date | None) -> str | None:
    """The name of the first range (by start) that shares a day with ``new_from .. new_to``, else None."""
    for name, start, end in sorted(ranges, key=lambda r: (r[1], r[0])):
        if ranges_meet(start, end, new_from, new_to):
            return name
    return None


def range_text(valid_from: date, valid_to: date | None) -> str:
    """``2026-01-01 to 2026-12-31``, ``from 2026-01-01, open-ended``."""
    if valid_to is None:
        return f"from {valid_from.isoformat()}, open-ended"
    return f"{valid_from.isoformat()} to {valid_to.isoformat()}"


@dataclass(frozen=True)
class Difference:
    """One position that differs between two BOMs: ``added`` (old is None), ``removed`` (new is None)
    or ``changed``."""

    position: str
    change: str
    old: tuple[Any, ...] | None
    new: tuple[Any, ...] | None


def diff_components(old: Mapping[str, tuple[Any, ...]], new: Mapping[str, tuple[Any, ...]]) -> list[Difference]:
    """Per position, what turns ``old`` into ``new``; unchanged positions are left out. Ordered by
    position (``position_key``)."""
    out: list[Difference] = []
    for position in sorted(set(old) | set(new), key=position_key):
        before, after = old.get(position), new.get(position)
        if before == after:
            continue
        change = "added" if before is None else "removed" if after is None else "changed"
        out.append(Difference(position, change, before, after))
    return out


def apply_differences(
    old: Mapping[str, tuple[Any, ...]], differences: Iterable[Difference]
) -> dict[str, tuple[Any, ...]]:
    """``old`` with ``differences`` applied: ``apply_differences(a, diff_components(a, b)) == b``."""
    out = dict(old)
    for difference in differences:
        if difference.new is None:
            out.pop(difference.position, None)
        else:
            out[difference.position] = difference.new
    return out
