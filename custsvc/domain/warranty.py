"""Warranty of a unit: it runs from the day the unit went into service (installed or delivered) for
the item's warranty length in calendar months, unless an end was set for the unit itself.

A pump with 24 months' warranty installed 2025-03-10 is covered until 2027-03-10 inclusive: an order
created 2027-03-09 is under warranty, one created 2027-03-11 is not."""

from __future__ import annotations

import re
from datetime import date

from custsvc.domain.recurrence import add_months
from custsvc.errors import InvalidInput

#: warranties longer than this many months are refused (a typo, not a warranty)
MAX_MONTHS = 1200
_LENGTH = re.compile(r"^\s*(\d{1,4})\s*(mo|months?|m|y|years?)?\s*$", re.IGNORECASE)


def parse_warranty(text: str, field: str = "warranty") -> int:
    """``24m``, ``24mo``, ``24 months``, ``2y`` or a bare ``24`` (months): the length in months."""
    match = _LENGTH.match(str(text))
    if not match:
        raise InvalidInput(field, text, "expected a length such as 24m, 18 months or 2y")
    count, unit = int(match.group(1)), (match.group(2) or "m").lower()
    months = count * 12 if unit.startswith("y") else count
    if not 0 <= months <= MAX_MONTHS:
        raise InvalidInput(field, text, f"must be at most {MAX_MONTHS // 12} years")
    return months


def warranty_end(in_service: date | None, months: int | None, explicit: date | None = None) -> date | None:
    """The last day covered, or None when nothing says (no warranty length, never in service)."""
    if explicit is not None:
        return explicit
    if in_service is None or not months:
        return None
    return add_months(in_service, months)


def under_warranty(end: date | None, day: date) -> bool:
    return end is not None and day <= end


def months_text(months: int | None) -> str | None:
    """How a warranty length is shown: ``24m``."""
    return None if months is None else f"{months}m"
