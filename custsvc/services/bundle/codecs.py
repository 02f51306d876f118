"""A value of a bundle field as a file holds it, and back: exact and the same on every database.

Times are written in UTC with their offset (``2026-03-10T07:00:00+00:00``, microseconds when there
are any), money with its two places, quantities with up to three, yes/no as ``true`` / ``false``.
In CSV an empty cell is a missing value; JSON says ``null``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from custsvc.errors import InvalidInput

_INT = re.compile(r"[+-]?[0-9]{1,18}")
_TRUE, _FALSE = ("true", "yes", "1"), ("false", "no", "0")


def encode(codec: str, value: Any) -> Any:
    """The JSON value of a stored value (CSV writes it as text)."""
    if value is None:
        return None
    if codec == "datetime":
        return value.astimezone(UTC).isoformat()
    if codec == "date":
        return value.isoformat()
    if codec in ("money", "qty"):
        return format(value, "f")
    return value


def csv_text(codec: str, value: Any) -> str:
    value = encode(codec, value)
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    return str(value)


def _int(value: Any, name: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _INT.fullmatch(value.strip()):
        return int(value)
    raise InvalidInput(name, value, "expected a whole number")


def _bool(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
        return value.strip().lower() in _TRUE
    raise InvalidInput(name, value, "expected true or false")


def _date(value: Any, name: str) -> date:
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidInput(name, value, "expected a date as YYYY-MM-DD") from None


def _datetime(value: Any, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidInput(name, value, "expected a time as YYYY-MM-DDTHH:MM:SS+HH:MM") from None
    if moment.tzinfo is None:
        raise InvalidInput(name, value, "the time has no offset: add one, e.g. +00:00")
    return moment.astimezone(UTC)


def _decimal(places: int) -> Callable[[Any, str], Decimal]:
    step = Decimal(1).scaleb(-places)

    def read(value: Any, name: str) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
            raise InvalidInput(name, value, "expected a number")
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise InvalidInput(name, value, "expected a number") from None
        if not number.is_finite() or number != number.quantize(step) or abs(number) >= Decimal(10) ** 15:
            raise InvalidInput(name, value, f"expected a number with at most {places} decimal places")
        return number.quantize(step) if places == 2 else number

    return read


def _text(value: Any, name: str) -> str:
    if isinstance(value, str):
        return value
    raise InvalidInput(name, value, "expected text")


_READERS: dict[str, Callable[[Any, str], Any]] = {
    "text": _text,
    "int": _int,
    "bool": _bool,
    "date": _date,
    "datetime": _datetime,
    "money": _decimal(2),
    "qty": _decimal(3),
}


def decode(codec: str, value: Any, name: str, *, from_csv: bool) -> Any:
    """A file's value as the database takes it; ``None`` for a missing one (an empty CSV cell)."""
    if value is None or (from_csv and value == ""):
        return None
    return _READERS[codec](value, name)
