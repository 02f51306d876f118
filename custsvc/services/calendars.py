"""Working calendars: time zone, weekly working windows, public holidays and explicit holidays."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import delete, func, select

from custsvc.context import Context
from custsvc.domain.calendar import WEEKDAYS, BusinessCalendar, format_hours, parse_hours
from custsvc.domain.checks import check_key, check_text
from custsvc.domain.timeparse import zone
from custsvc.errors import Duplicate, InvalidInput, NotFound, RuleViolation
from custsvc.models import Calendar, CalendarHoliday


@lru_cache(maxsize=256)
def public_holidays(country: str, subdivision: str | None, year: int) -> dict[date, str]:
    import holidays

    return dict(holidays.country_holidays(country, subdiv=subdivision, years=year))


def check_country(country: str | None, subdivision: str | None) -> tuple[str | None, str | None]:
    if not country:
        if subdivision:
            raise InvalidInput("holidays-subdivision", subdivision, "needs --holidays-country")
        return None, None
    code = country.strip().upper()
    try:
        public_holidays(code, subdivision or None, 2026)
    except NotImplementedError as exc:
        field = "holidays-subdivision" if subdivision and "subdivision" in str(exc) else "holidays-country"
        value = subdivision if field == "holidays-subdivision" else country
        raise InvalidInput(field, value, f"not known to the holidays package ({exc})") from None
    return code, subdivision or None


def get(ctx: Context, code: str) -> Calendar:
    row = ctx.get(Calendar, code)
    if row is None:
        raise NotFound("calendar", code)
    return row


def _explicit(ctx: Context, code: str) -> dict[date, str]:
    rows = ctx.execute(select(CalendarHoliday.day, CalendarHoliday.name).where(CalendarHoliday.calendar == code))
    return {day: name or "holiday" for day, name in rows}


def business_calendar(ctx: Context, code: str) -> BusinessCalendar:
    """The calendar ready for business-time arithmetic (cached for the command)."""
    cache: dict[str, BusinessCalendar] = ctx.cache.setdefault("calendars", {})
    if code in cache:
        return cache[code]
    row = get(ctx, code)
    explicit = _explicit(ctx, code)
    country, subdivision = row.holidays_country, row.holidays_subdivision

    def holiday(day: date) -> str | None:
        if day in explicit:
            return explicit[day]
        if country:
            return public_holidays(country, subdivision, day.year).get(day)
        return None

    calendar = BusinessCalendar(zone(row.timezone), parse_hours(row.hours.split(";")), holiday)
    cache[code] = calendar
    return calendar


def _forget(ctx: Context, code: str) -> None:
    ctx.cache.get("calendars", {}).pop(code, None)


#: every field of a calendar as ``record`` gives it (``calendar list``)
CALENDAR_FIELDS = (
    "calendar", "timezone", "hours", "holidays_country", "holidays_subdivision", "explicit_holidays", "description",
    "created_at", "created_by", "updated_at", "updated_by",
)  # fmt: skip


def record(ctx: Context, row: Calendar) -> dict[str, Any]:
    holidays = ctx.execute(
        select(func.count()).select_from(CalendarHoliday).where(CalendarHoliday.calendar == row.calendar)
    ).scalar_one()
    return {
        "calendar": row.calendar,
        "timezone": row.timezone,
        "hours": row.hours.split("; "),
        "holidays_country": row.holidays_country,
        "holidays_subdivision": row.holidays_subdivision,
        "explicit_holidays": holidays,
        "description": row.description,
        "created_at": row.created_at,
        "created_by": row.created_by,
        "updated_at": row.updated_at,
        "updated_by": row.updated_by,
    }


def add(
    ctx: Context,
    code: str,
    *,
    timezone: str,
    hours: Sequence[str],
    country: str | None = None,
    subdivision: str | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    key = check_key(code, "calendar")
    if ctx.get(Calendar, key) is not None:
        raise Duplicate("calendar", key)
    zone(timezone, "timezone")
    if not hours:
        raise InvalidInput("hours", "", 'give the working windows, e.g. --hours "mon-fri 08:00-17:00"')
    normalized = "; ".join(format_hours(parse_hours(hours, "hours")))
    country, subdivision = check_country(country, subdivision)
    row = Calendar(
        calendar=key,
        timezone=timezone,
        hours=normalized,
        holidays_country=country,
        holidays_subdivision=subdivision,
        description=check_text(description, "description") if description else None,
        created_at=ctx.now,
        created_by=ctx.actor,
    )
    ctx.add(row)
    ctx.flush()
    return record(ctx, row)


def update(
    ctx: Context,
    code: str,
    *,
    timezone: str | None = None,
    hours: Sequence[str] = (),
    country: str | None = None,
    subdivision: str | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    row = get(ctx, code)
    if timezone is not None:
        zone(timezone, "timezone")
        row.timezone = timezone
    if hours:
        row.hours = "; ".join(format_hours(parse_hours(hours, "hours")))
    if country is not None or subdivision is not None:
        new_country = row.holidays_country if country is None else (country or None)
        new_sub = row.holidays_subdivision if subdivision is None else (subdivision or None)
        row.holidays_country, row.holidays_subdivision = check_country(new_country, new_sub)
    if description is not None:
        row.description = check_text(description, "description") or None
    row.updated_at, row.updated_by = ctx.now, ctx.actor
    ctx.flush()
    _forget(ctx, code)
    return record(ctx, row)


def list_calendars(ctx: Context) -> list[dict[str, Any]]:
    return [record(ctx, row) for row in ctx.execute(select(Calendar).order_by(Calendar.calendar)).scalars()]


def show(ctx: Context, code: str) -> dict[str, Any]:
    return record(ctx, get(ctx, code))


def remove(ctx: Context, code: str) -> dict[str, Any]:
    from custsvc.services.references import described, references_to

    row = get(ctx, code)
    refs = references_to(ctx, Calendar.__table__, code)  # type: ignore[attr-defined]
    if refs:
        listed = described(refs)
        raise RuleViolation("referenced-records-stay", f"calendar {code!r} is still referred to by {listed}")
    out = record(ctx, row)
    ctx.execute(delete(CalendarHoliday).where(CalendarHoliday.calendar == code))
    ctx.delete(row)
    ctx.flush()
    _forget(ctx, code)
    return out


def days(ctx: Context, code: str, first: date, last: date) -> list[dict[str, Any]]:
    """Each date in the range with its working windows (local times) and holiday, if any."""
    if last < first:
        raise InvalidInput("to", last.isoformat(), f"is before --from {first.isoformat()}")
    if (last - first).days > 3660:
        raise InvalidInput("to", last.isoformat(), "show at most ten years at a time")
    row = get(ctx, code)
    weekly = parse_hours(row.hours.split(";"))
    calendar = business_calendar(ctx, code)
    tz = calendar.tz
    out = []
    day = first
    while day <= last:
        holiday = calendar.holiday(day)
        windows = calendar.windows(day)
        out.append(
            {
                "date": day,
                "weekday": WEEKDAYS[day.weekday()],
                "windows": [f"{a.astimezone(tz):%H:%M}-{_end(b, a, tz)}" for a, b in windows],
                "hours": round(sum((b - a).total_seconds() for a, b in windows) / 3600, 2),
                "holiday": holiday,
                "closed": not windows,
                "regular_hours": bool(weekly.get(day.weekday())),
            }
        )
        day += timedelta(days=1)
    return out


def _end(end: Any, start: Any, tz: Any) -> str:
    local = end.astimezone(tz)
    if local.date() > start.astimezone(tz).date() and local.hour == 0 and local.minute == 0:
        return "24:00"
    return f"{local:%H:%M}"


def add_holiday(ctx: Context, code: str, day: date, name: str | None) -> dict[str, Any]:
    get(ctx, code)
    if ctx.get(CalendarHoliday, (code, day)) is not None:
        raise Duplicate("holiday", f"{code} {day.isoformat()}")
    row = CalendarHoliday(
        calendar=code,
        day=day,
        name=check_text(name, "name") if name else None,
        created_at=ctx.now,
        created_by=ctx.actor,
    )
    ctx.add(row)
    ctx.flush()
    _forget(ctx, code)
    return {"calendar": code, "date": day, "name": row.name, "created_at": row.created_at, "created_by": row.created_by}


def remove_holiday(ctx: Context, code: str, day: date) -> dict[str, Any]:
    row = ctx.get(CalendarHoliday, (code, day))
    if row is None:
        raise NotFound("holiday", f"{code} {day.isoformat()}")
    out = {"calendar": code, "date": day, "name": row.name}
    ctx.delete(row)
    ctx.flush()
    _forget(ctx, code)
    return out


def list_holidays(ctx: Context, code: str, year: int | None) -> list[dict[str, Any]]:
    """Explicit and public holidays of the calendar: of ``year``, or (default) every explicit one and
    this year's public ones."""
    row = get(ctx, code)
    explicit = _explicit(ctx, code)
    years = {year} if year else ({d.year for d in explicit} | {ctx.now.year})
    out: dict[date, dict[str, Any]] = {}
    if row.holidays_country:
        for y in sorted(years):
            for day, name in public_holidays(row.holidays_country, row.holidays_subdivision, y).items():
                out[day] = {
                    "date": day,
                    "name": name,
                    "source": f"public {row.holidays_country}"
                    + (f"-{row.holidays_subdivision}" if row.holidays_subdivision else ""),
                }
    for day, name in explicit.items():
        if year is None or day.year == year:
            out[day] = {"date": day, "name": name, "source": "explicit"}
    return [out[d] for d in sorted(out)]
