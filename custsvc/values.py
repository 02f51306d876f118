"""Values as people and programs read them: JSON values, table text, CSV cells, and which values are
colored. Pure, and light enough for ``custsvc --help``."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any

from custsvc import state
from custsvc.textsafe import csv_cell, json_safe, visible

#: values that mean something, colored in Rich tables (only in the columns a command marks as styled)
VALUE_STYLES = {
    "high": "bold red",
    "normal": "yellow",
    "low": "green",
    "gold": "bold yellow",
    "silver": "bright_white",
    "bronze": "dark_orange3",
    "breached": "bold red",
    "at-risk": "bold yellow",
    "paused": "blue",
    "on-track": "green",
    "met": "bold green",
    "open": "cyan",
    "canceled": "dim",
    "closed": "dim",
    "posted": "green",
}
STYLED_KEYS = {"tier", "priority", "status", "sla_status", "progress", "state"}


def json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.astimezone(state.current().zone).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [json_value(v) for v in value]
    return value


def text_value(value: Any) -> str:
    """A value as people read it in a table or plain text: control characters written out."""
    return visible(_text(value))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.astimezone(state.current().zone).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return ", ".join(_text(v) for v in value)
    return str(value)


def csv_value(value: Any) -> str:
    """A value in a CSV cell: the text itself, but never one a spreadsheet runs as a formula (a cell
    that starts with ``=``, ``+``, ``-``, ``@``, tab or CR gets a leading ``'``) unless ``--csv-raw``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(state.current().zone).isoformat(timespec="seconds")
    if isinstance(value, (list, tuple, set, frozenset)):
        return ",".join(csv_value(v) for v in value)
    text = _text(value)
    return text if state.current().csv_raw else csv_cell(text)


def dumps(value: Any) -> str:
    """Values as JSON text: UTF-8, with the control characters JSON would leave raw escaped."""
    return json_safe(json.dumps(json_value(value), indent=2, ensure_ascii=False))


def line_encoder() -> Callable[[Mapping[str, Any]], str]:
    """A function writing a record as JSON on one line, by the C encoder: the same value as ``dumps``
    (``json_value`` only for what JSON has no type of its own for), fast enough for a list of a
    million records. The controls JSON leaves raw are not escaped yet: ``json_safe`` the text."""
    zone = state.current().zone

    def default(value: Any) -> Any:
        kind = type(value)
        if kind is datetime:
            return value.astimezone(zone).isoformat(timespec="seconds")
        if kind is Decimal:
            return format(value, "f")
        if kind is date:
            return value.isoformat()
        converted = json_value(value)
        if converted is value:
            raise TypeError(f"{type(value).__name__} is not JSON")
        return converted

    encode = json.JSONEncoder(ensure_ascii=False, default=default, separators=(", ", ": ")).encode

    def line(record: Mapping[str, Any]) -> str:
        try:
            return encode(record)
        except TypeError:  # a key JSON cannot take as it is (a date ...)
            return encode(json_value(record))

    return line


def _is_numeric(values: Iterable[Any]) -> bool:
    seen = False
    for value in values:
        if value is None or value == "":
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
            return False
        seen = True
    return seen


def word(count: int, singular: str, plural: str | None = None) -> str:
    """The word that goes with ``count``: ``order`` / ``orders``, ``is`` / ``are`` (``word(n, "is", "are")``)."""
    return singular if count == 1 else plural or singular + "s"


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """``1 order``, ``3 orders``, ``2 invoices``: a count with its noun in the right number."""
    return f"{count} {word(count, noun, plural)}"
