"""Dates in the fixtures are relative to the day the demo is loaded: ``-9m+3d`` is nine months back,
then three days on."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta

from custsvc.domain.timeparse import localize
from custsvc.errors import CustSvcError

_RELATIVE = re.compile(r"([+-]\d+)([dwm])")


def relative_day(text: str, today: date) -> date:
    """``-9m+3d``: nine months back, then three days on, from ``today``."""
    day = today
    spec = text.split()[0]
    if not _RELATIVE.fullmatch(spec) and not re.fullmatch(r"(?:[+-]\d+[dwm])+", spec):
        raise CustSvcError(f"fixture date {text!r} is not like -9m+3d")
    for amount, unit in _RELATIVE.findall(spec):
        n = int(amount)
        day = day + (relativedelta(months=n) if unit == "m" else timedelta(days=n * (7 if unit == "w" else 1)))
    return day


def relative_time(text: str, today: date, tz: Any) -> datetime:
    day = relative_day(text, today)
    parts = text.split()
    hour, minute = (int(x) for x in parts[1].split(":")) if len(parts) > 1 else (9, 0)
    return localize(datetime.combine(day, time(hour, minute)), tz).astimezone(UTC)
