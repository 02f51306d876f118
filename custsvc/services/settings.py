"""Shop-wide settings: the shop's time zone and currency."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import tzinfo
from typing import Any

from sqlmodel import select

from custsvc.context import Context
from custsvc.domain.checks import check_text
from custsvc.domain.timeparse import zone
from custsvc.errors import InvalidInput, NotFound
from custsvc.models import Setting


def check_currency(value: str, field: str = "currency") -> str:
    """An ISO 4217 currency code (EUR, USD, SEK ...), checked against pycountry's list."""
    code = value.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code, flags=re.ASCII) or not _iso_4217(code):
        raise InvalidInput(field, value, "expected an ISO 4217 currency code such as EUR")
    return code


def _iso_4217(code: str) -> bool:
    import pycountry

    return pycountry.currencies.get(alpha_3=code) is not None


def _zone_name(value: str, field: str) -> str:
    zone(value.strip(), field)
    return value.strip()


def _yes_no(value: str, field: str) -> str:
    text = value.strip().lower()
    if text in ("yes", "true", "1", "on"):
        return "yes"
    if text in ("no", "false", "0", "off"):
        return "no"
    raise InvalidInput(field, value, "expected yes or no")


def _warn_refuse(value: str, field: str) -> str:
    text = value.strip().lower()
    if text not in ("warn", "refuse"):
        raise InvalidInput(field, value, "expected warn or refuse")
    return text


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_weekdays(value: str, field: str = "workdays") -> list[int]:
    """``mon-fri``, ``mon-fri,sat``, ``mon,wed,fri`` -> weekday numbers (Monday 0)."""
    days: list[int] = []
    for part in value.strip().lower().split(","):
        part = part.strip()
        if "-" in part:
            first, _, last = part.partition("-")
            if first not in WEEKDAYS or last not in WEEKDAYS:
                raise InvalidInput(field, value, "expected days such as mon-fri or mon,wed,fri")
            a, b = WEEKDAYS.index(first), WEEKDAYS.index(last)
            span = range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)]
            days.extend(span)
        elif part in WEEKDAYS:
            days.append(WEEKDAYS.index(part))
        else:
            raise InvalidInput(field, value, "expected days such as mon-fri or mon,wed,fri")
    return sorted(set(days))


def _workdays(value: str, field: str) -> str:
    parse_weekdays(value, field)
    return value.strip().lower()


def _duration(value: str, field: str) -> str:
    from custsvc.domain.timeparse import parse_duration

    if parse_duration(value, field).total_seconds() <= 0:
        raise InvalidInput(field, value, "must be longer than zero")
    return value.strip()


def _percent(value: str, field: str) -> str:
    text = value.strip().rstrip("%")
    if not text.isascii() or not text.isdigit() or not 0 < int(text) < 100:
        raise InvalidInput(field, value, "expected a percentage between 1 and 99")
    return str(int(text))


def _days(value: str, field: str) -> str:
    text = value.strip().removesuffix("d")
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= 3650:
        raise InvalidInput(field, value, "expected a number of days from 1 to 3650")
    return str(int(text))


def _name(value: str, field: str) -> str:
    return check_text(value, field)


#: key -> (default, validator returning the stored text, help)
KEYS: dict[str, tuple[str, Callable[[str, str], str], str]] = {
    "timezone": ("UTC", _zone_name, "the shop's IANA time zone; times without an offset are read in it"),
    "currency": ("EUR", check_currency, "the currency of prices and invoices (ISO 4217)"),
    "sign_off_required": ("yes", _yes_no, "new service orders must be signed off before they are posted"),
    "workdays": ("mon-fri", _workdays, "the shop's working days; generated orders on other days get a warning"),
    "sla_at_risk_pct": (
        "25",
        _percent,
        "an open SLA target is at risk when at most this share of its business time is left",
    ),
    "calendar": (
        "",
        _name,
        "the shop's working calendar, for technicians without their own (empty: mon-fri 08:00-17:00)",
    ),
    "planned_stage": ("planned", _name, "the stage an order moves to from the initial stage when it is dispatched"),
    "visit_duration": ("2h", _duration, "how long a visit takes when the order's lines name no hours or tasks"),
    "return_validity_days": ("90", _days, "days a return order stays open for goods to arrive (its deadline)"),
    "negative_stock": (
        "warn",
        _warn_refuse,
        "posting item lines that take the shelf below zero: warn, or refuse (--force overrides)",
    ),
}


def _check_key(key: str) -> None:
    if key not in KEYS:
        raise NotFound("setting", key)


def get(ctx: Context, key: str) -> str:
    """The setting's value, read once per command (a missing row would otherwise be a query per call)."""
    _check_key(key)
    cached = ctx.cache.get(f"setting:{key}")
    if cached is None:
        row = ctx.get(Setting, key)
        cached = ctx.cache[f"setting:{key}"] = row.value if row else KEYS[key][0]
    return cached


def set_value(ctx: Context, key: str, value: str) -> dict[str, Any]:
    _check_key(key)
    stored = KEYS[key][1](value, key)
    if key == "calendar" and stored:
        from custsvc.models import Calendar

        if ctx.get(Calendar, stored) is None:
            raise NotFound("calendar", stored)
    if key == "planned_stage" and stored:
        from custsvc.models import Stage

        if ctx.get(Stage, stored) is None:
            raise NotFound("stage", stored)
    row = ctx.get(Setting, key)
    if row is None:
        ctx.add(Setting(key=key, value=stored))
    else:
        row.value = stored
    ctx.flush()
    ctx.cache[f"setting:{key}"] = stored
    return {"key": key, "value": stored}


def all_settings(ctx: Context) -> list[dict[str, Any]]:
    stored = {row.key: row.value for row in ctx.execute(select(Setting)).scalars()}
    return [
        {"key": key, "value": stored.get(key, default), "default": default, "description": text}
        for key, (default, _validate, text) in KEYS.items()
    ]


def timezone(ctx: Context) -> tzinfo:
    row = ctx.get(Setting, "timezone")
    return zone(row.value if row else KEYS["timezone"][0])


def currency(ctx: Context) -> str:
    return get(ctx, "currency")
