"""Parsing of the dates, times, durations and time zones users type.

Pure functions: the caller supplies the zone that naive input is read in and, where words
such as ``today`` are accepted, the current time.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from custsvc.domain.relative import DATE_FORMS, TIME_FORMS, relative_date, relative_moment
from custsvc.errors import InvalidInput, OutOfRange

#: the years custsvc accepts in dates and times; computing periods and deadlines from them never
#: leaves what Python's dates hold
FIRST_YEAR, LAST_YEAR = 1900, 2199
#: the longest duration custsvc takes (an SLA target, a visit, a setting): ten years
MAX_DURATION = timedelta(days=3660)


def in_range(day: date, field: str, text: object) -> None:
    """Refuse (exit 2) a date outside the years custsvc accepts."""
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise OutOfRange(field, text, f"dates are from {FIRST_YEAR} to {LAST_YEAR}")


@lru_cache(maxsize=256)
def zone(name: str, field: str = "timezone") -> ZoneInfo:
    """Return the IANA zone ``name`` or raise ``InvalidInput`` naming ``field``."""
    if not name or name.strip() != name or ".." in name:
        raise InvalidInput(field, name, "not a known IANA time zone (e.g. Europe/Riga)")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, IsADirectoryError, OSError):
        raise InvalidInput(field, name, "not a known IANA time zone (e.g. Europe/Riga)") from None


def parse_date(text: str, field: str = "date", *, today: date | None = None) -> date:
    """``YYYY-MM-DD``; also relative dates (``today``, ``+30d``, ``next monday`` ...) when ``today`` is given."""
    value = text.strip()
    if today is not None:
        try:
            day = relative_date(value, today, field)
        except OverflowError:
            raise OutOfRange(field, text, f"dates are from {FIRST_YEAR} to {LAST_YEAR}") from None
        if day is not None:
            in_range(day, field, text)
            return day
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        expected = f"expected a date such as {DATE_FORMS}" if today is not None else "expected a date as YYYY-MM-DD"
        raise InvalidInput(field, text, expected)
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(field, text, str(exc)) from None
    in_range(day, field, text)
    return day


def parse_datetime(text: str, field: str = "time", *, tz: tzinfo = UTC, now: datetime | None = None) -> datetime:
    """An ISO 8601 time, returned aware in UTC.

    Naive input (no offset) is read in ``tz``.  A bare date means its midnight in ``tz``.
    ``now`` (when given) lets relative times through: ``now``, ``13:00``, ``tomorrow 9:00``, ``+2h``.
    """
    value = text.strip()
    if now is not None:
        found = _relative(value, field, text, tz, now)
        if found is not None:
            return found
    if not re.match(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise InvalidInput(field, text, _expected_time(now))
    candidate = value.replace(" ", "T", 1) if " " in value and "T" not in value else value
    if candidate.endswith(("Z", "z")):
        candidate = candidate[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(candidate)
    except ValueError:
        raise InvalidInput(field, text, _expected_time(now)) from None
    in_range(parsed.date(), field, text)
    if parsed.tzinfo is None:
        parsed = localize(parsed, tz)
    return parsed.astimezone(UTC)


def _expected_time(now: datetime | None) -> str:
    if now is None:
        return "expected an ISO 8601 time such as 2026-03-10T09:30 or 2026-03-10T09:30+02:00"
    return f"expected a time such as {TIME_FORMS}"


def _relative(value: str, field: str, text: str, tz: tzinfo, now: datetime) -> datetime | None:
    try:
        found = relative_moment(value, now.astimezone(tz), field)
    except OverflowError:
        raise OutOfRange(field, text, f"dates are from {FIRST_YEAR} to {LAST_YEAR}") from None
    if found is None:
        return None
    in_range(found.date(), field, text)
    if found.tzinfo is None:
        found = localize(found, tz)
    return found.astimezone(UTC)


def localize(naive: datetime, tz: tzinfo) -> datetime:
    """Attach ``tz`` to a wall-clock time.  A time in a DST gap moves forward by the gap."""
    aware = naive.replace(tzinfo=tz)
    # zoneinfo resolves gaps with fold=0 to the offset before the gap; normalise through UTC
    # so that 02:30 on a spring-forward night becomes 03:30 local.
    round_trip = aware.astimezone(UTC).astimezone(tz)
    if round_trip.replace(tzinfo=None) != naive:
        return round_trip
    return aware


_DURATION = re.compile(
    r"(?:([0-9]+(?:\.[0-9]+)?)\s*d)?\s*(?:([0-9]+(?:\.[0-9]+)?)\s*h)?"
    r"\s*(?:([0-9]+)\s*m(?:in)?)?\s*(?:([0-9]+)\s*s)?",
    re.I,
)


def parse_duration(text: str, field: str = "duration") -> timedelta:
    """``90m``, ``4h``, ``2h30m``, ``1d`` (24 hours), ``1.5h``, or ``HH:MM``."""
    value = text.strip()
    hhmm = re.fullmatch(r"([0-9]+):([0-5][0-9])", value)
    if hhmm:
        return timedelta(hours=int(hhmm.group(1)), minutes=int(hhmm.group(2)))
    match = _DURATION.fullmatch(value)
    if not value or not match or not any(match.groups()):
        raise InvalidInput(field, text, "expected a duration such as 90m, 4h, 2h30m or 1d")
    days, hours, minutes, seconds = match.groups()
    try:
        span = timedelta(
            days=float(days or 0), hours=float(hours or 0), minutes=int(minutes or 0), seconds=int(seconds or 0)
        )
    except OverflowError:
        span = MAX_DURATION * 2
    if span > MAX_DURATION:
        raise OutOfRange(field, text, f"at most {MAX_DURATION.days} days")
    return span


def format_duration(delta: timedelta | float | int) -> str:
    """Seconds (or a timedelta) as ``2h30m``; negative values get a leading ``-``."""
    seconds = int(delta.total_seconds()) if isinstance(delta, timedelta) else int(delta)
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if hours:
        parts.append(f"{hours}h")
    if minutes:
        parts.append(f"{minutes}m")
    if secs and not hours:
        parts.append(f"{secs}s")
    return sign + ("".join(parts) or "0m")


def format_span(delta: timedelta | float | int) -> str:
    """A wall-clock span: ``2h30m`` up to a day, ``3d4h`` beyond (business time keeps ``format_duration``)."""
    seconds = int(delta.total_seconds()) if isinstance(delta, timedelta) else int(delta)
    if abs(seconds) < 86400:
        return format_duration(seconds)
    sign = "-" if seconds < 0 else ""
    days, rest = divmod(abs(seconds), 86400)
    hours = rest // 3600
    return f"{sign}{days}d" + (f"{hours}h" if hours else "")


def day_start(day: date, tz: tzinfo) -> datetime:
    """The moment (UTC) the local ``day`` begins in ``tz``: the bounds of a period of local days."""
    return localize(datetime.combine(day, time()), tz).astimezone(UTC)
