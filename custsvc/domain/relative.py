"""Dates and times as people type them in a terminal or a crontab: ``today``, ``+30d``, ``-1w``,
``next monday``, a bare ``13:00`` (today at 13:00), ``tomorrow 9:00``, ``+2h``.

Pure functions: the caller gives the current date (or the current time in the shop's zone) and
gets back ``None`` when the text is not a relative expression at all, so that it can go on to read
it as ISO 8601. A shift beyond what Python's dates hold raises ``OverflowError``.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from custsvc.errors import InvalidInput

DATE_FORMS = "2026-03-10, today, tomorrow, yesterday, +30d, -1w, +3mo, +1y, monday or next monday"
TIME_FORMS = "2026-03-10T09:30, 13:00 (today), tomorrow 9:00, next monday 8:00, now, +2h or -30min"

_DAYS = {"today": 0, "tomorrow": 1, "yesterday": -1}
_CALENDAR_UNITS = {
    **dict.fromkeys(("d", "day", "days"), "days"),
    **dict.fromkeys(("w", "wk", "week", "weeks"), "weeks"),
    **dict.fromkeys(("mo", "month", "months"), "months"),
    **dict.fromkeys(("y", "yr", "year", "years"), "years"),
}
_CLOCK_UNITS = {
    **dict.fromkeys(("h", "hr", "hour", "hours"), "hours"),
    **dict.fromkeys(("min", "mins", "minute", "minutes"), "minutes"),
}
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_STEP = re.compile(r"([+-])\s*([0-9]{1,6})\s*([a-z]+)")
_WEEKDAY = re.compile(r"(?:(next|last|this)\s+)?([a-z]{3,9})")
_CLOCK = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])(?::([0-5][0-9]))?")


def _words(text: str) -> str:
    return " ".join(text.lower().split())


def _weekday(name: str) -> int | None:
    for number, day in enumerate(_WEEKDAYS):
        if day.startswith(name) and (len(name) >= 3):
            return number
    return None


def _unit(name: str, field: str, text: str, *, clock: bool) -> tuple[str, bool]:
    """The relativedelta keyword for a unit, and whether it counts elapsed (clock) time."""
    if name in _CALENDAR_UNITS:
        return _CALENDAR_UNITS[name], False
    if clock and name in _CLOCK_UNITS:
        return _CLOCK_UNITS[name], True
    if name == "m":
        raise InvalidInput(field, text, "write +3mo for months" + (" or +30min for minutes" if clock else ""))
    known = "d, w, mo or y" if not clock else "min, h, d, w, mo or y"
    raise InvalidInput(field, text, f"unknown unit {name!r}: use {known}")


def _shifted(start: date | datetime, sign: str, amount: str, unit: str) -> date | datetime:
    from dateutil.relativedelta import relativedelta  # only when a shift is typed (keeps start-up lean)

    step = relativedelta(**{unit: int(amount)})
    try:
        return start + step if sign == "+" else start - step
    except (ValueError, OverflowError):
        raise OverflowError(unit) from None


def relative_date(text: str, today: date, field: str = "date") -> date | None:
    """``today``, ``+30d``, ``-1w``, ``+3mo``, ``monday`` (today or the next one), ``next monday``
    (after today), ``last monday`` (before today); ``None`` when ``text`` is none of these."""
    word = _words(text)
    if word in _DAYS:
        return today + timedelta(days=_DAYS[word])
    step = _STEP.fullmatch(word)
    if step:
        unit, _clock = _unit(step.group(3), field, text, clock=False)
        return _shifted(today, step.group(1), step.group(2), unit)  # type: ignore[return-value]
    named = _WEEKDAY.fullmatch(word)
    if named and (target := _weekday(named.group(2))) is not None:
        ahead = (target - today.weekday()) % 7
        if named.group(1) == "next":
            ahead = ahead or 7
        elif named.group(1) == "last":
            ahead = ahead - 7 if ahead else -7
        return today + timedelta(days=ahead)
    return None


def relative_moment(text: str, now: datetime, field: str = "time") -> datetime | None:
    """A time relative to ``now`` (aware, in the shop's zone): ``now``, ``+2h``, ``-30min``, ``+1d``
    (same wall-clock time tomorrow), ``13:00`` (today), ``tomorrow 9:00``, ``monday`` (its midnight).

    Elapsed shifts (``+2h``) come back aware; everything read on the wall clock comes back naive, in
    the shop's zone, for the caller to localize. ``None`` when ``text`` is none of these."""
    word = _words(text).replace(" at ", " ")
    if word == "now":
        return now
    step = _STEP.fullmatch(word)
    if step:
        unit, clock = _unit(step.group(3), field, text, clock=True)
        start = now.astimezone(UTC) if clock else now.replace(tzinfo=None)  # elapsed time counts in UTC
        return _shifted(start, step.group(1), step.group(2), unit)  # type: ignore[return-value]
    day_part, _, clock_part = word.rpartition(" ")
    if not _CLOCK.fullmatch(clock_part):
        day_part, clock_part = word, ""
    if not day_part:
        day = now.date()
    elif re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", day_part):
        return None  # ISO 8601, read by the caller
    else:
        found = relative_date(day_part, now.date(), field)
        if found is None:
            return None
        day = found
    return datetime.combine(day, _clock_time(clock_part))


def _clock_time(text: str) -> time:
    match = _CLOCK.fullmatch(text)
    if not match:
        return time(0, 0)
    return time(int(match.group(1)), int(match.group(2)), int(match.group(3) or 0))
