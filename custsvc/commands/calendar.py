"""custsvc calendar: working calendars with time zone, windows and holidays (for SLAs and dispatch)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from custsvc.commands import group_help
from custsvc.commands._common import DATE_HINT, FormatOpt, done, fmt_of, run

app = typer.Typer(help=group_help("calendar"), no_args_is_help=True)
holiday_app = typer.Typer(help="Explicit holidays of a calendar (on top of the public ones).", no_args_is_help=True)
app.add_typer(holiday_app, name="holiday")

CalendarArg = Annotated[str, typer.Argument(help="Calendar id, e.g. riga-office.", metavar="CAL")]
HoursOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--hours",
        help=(
            'Working windows, e.g. "mon-fri 08:00-12:00,13:00-17:00"; '
            'repeat for more days ("sat 09:00-13:00"). Up to 24:00.'
        ),
    ),
]
LIST_COLUMNS = [
    "calendar",
    "timezone",
    "hours",
    "holidays_country",
    "holidays_subdivision",
    "explicit_holidays",
    "description",
]


@app.command("add")
def add(
    calendar: CalendarArg,
    timezone: Annotated[str, typer.Option("--timezone", help="IANA time zone the windows are in, e.g. Europe/Riga.")],
    hours: HoursOpt = None,
    country: Annotated[
        str | None, typer.Option("--holidays-country", help="Public holidays of this country (ISO code, e.g. LV).")
    ] = None,
    subdivision: Annotated[
        str | None, typer.Option("--holidays-subdivision", help="...and of this region of it (e.g. BY for Bavaria).")
    ] = None,
    description: Annotated[str | None, typer.Option("--description", help="What the calendar is for.")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Add a working calendar.

    Example: custsvc calendar add tallinn-office --timezone Europe/Tallinn --hours "mon-fri 08:00-12:00,13:00-17:00" --holidays-country EE
    """  # noqa: E501 (an example stays on one line, to be copied whole)
    from custsvc import output
    from custsvc.services import calendars

    record = run(
        lambda s: calendars.add(
            s,
            calendar,
            timezone=timezone,
            hours=hours or [],
            country=country,
            subdivision=subdivision,
            description=description,
        )
    )
    output.emit_record(record, fmt=fmt_of(fmt), title=f"calendar {calendar}")


@app.command("update")
def update(
    calendar: CalendarArg,
    timezone: Annotated[str | None, typer.Option("--timezone", help="IANA time zone.")] = None,
    hours: HoursOpt = None,
    country: Annotated[
        str | None, typer.Option("--holidays-country", help='Public holidays of this country ("" for none).')
    ] = None,
    subdivision: Annotated[
        str | None, typer.Option("--holidays-subdivision", help='Region of the country ("" for none).')
    ] = None,
    description: Annotated[str | None, typer.Option("--description", help="What the calendar is for.")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Change a calendar; --hours replaces all working windows.

    Open orders' deadlines follow the calendar as it is now. Example: custsvc calendar update riga-office --hours "mon-fri 08:00-16:00"
    """  # noqa: E501 (an example stays on one line, to be copied whole)
    from custsvc import output
    from custsvc.services import calendars

    record = run(
        lambda s: calendars.update(
            s,
            calendar,
            timezone=timezone,
            hours=hours or [],
            country=country,
            subdivision=subdivision,
            description=description,
        )
    )
    output.emit_record(record, fmt=fmt_of(fmt), title=f"calendar {calendar}")


@app.command("list")
def list_(fmt: FormatOpt = None) -> None:
    """List calendars.

    Example: custsvc calendar list
    """
    from custsvc import output
    from custsvc.services import calendars

    output.emit_rows(
        run(calendars.list_calendars, write=False),
        fmt=fmt_of(fmt),
        columns=LIST_COLUMNS,
        empty="no calendars",
        fields=calendars.CALENDAR_FIELDS,
    )


@app.command("show")
def show(
    calendar: CalendarArg,
    date_from: Annotated[
        str | None, typer.Option("--from", help=f"First date to show ({DATE_HINT}; default: today).", metavar="<date>")
    ] = None,
    date_to: Annotated[
        str | None,
        typer.Option("--to", help=f"Last date to show ({DATE_HINT}; default: two weeks on).", metavar="<date>"),
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """Show the working windows of each date in a range, holidays marked.

    Example: custsvc calendar show riga-office --from 2026-12-21 --to 2027-01-03
    """
    from datetime import timedelta

    from custsvc import output
    from custsvc.services import calendars

    def work(s: Any) -> Any:
        first = s.day(date_from or "today", "from")
        last = s.day(date_to, "to") if date_to else first + timedelta(days=13)
        return calendars.show(s, calendar), calendars.days(s, calendar, first, last)

    head, days = run(work, write=False)
    kind = output.resolve_format(fmt_of(fmt))
    if kind in ("json", "csv"):
        output.emit_rows(days, fmt=kind)
        return
    rows = [{**d, "windows": ", ".join(d["windows"]) or "closed", "holiday": d["holiday"] or ""} for d in days]
    output.emit_rows(
        rows,
        fmt=kind,
        columns=["date", "weekday", "windows", "hours", "holiday"],
        title=f"calendar {calendar} ({head['timezone']})",
    )


@app.command("remove")
def remove(calendar: CalendarArg, fmt: FormatOpt = None) -> None:
    """Remove a calendar no SLA, worker or order uses.

    Example: custsvc calendar add summer --timezone Europe/Riga --hours "mon-thu 08:00-16:00"
    Example: custsvc calendar remove summer
    """
    from custsvc.services import calendars

    done({**run(lambda s: calendars.remove(s, calendar)), "removed": True}, fmt, f"removed calendar {calendar}")


@holiday_app.command("add")
def holiday_add(
    calendar: CalendarArg,
    day: Annotated[str, typer.Argument(help=f"The date ({DATE_HINT}).", metavar="DATE")],
    name: Annotated[str | None, typer.Option("--name", help="What the day is, e.g. Company day.")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Add an explicit holiday (the calendar is closed that day).

    Example: custsvc calendar holiday add riga-office 2026-12-28 --name "Company day"
    """
    from custsvc import output
    from custsvc.services import calendars

    output.emit_record(run(lambda s: calendars.add_holiday(s, calendar, s.day(day, "date"), name)), fmt=fmt_of(fmt))


@holiday_app.command("remove")
def holiday_remove(
    calendar: CalendarArg,
    day: Annotated[str, typer.Argument(help=f"The date ({DATE_HINT}).", metavar="DATE")],
    fmt: FormatOpt = None,
) -> None:
    """Remove an explicit holiday.

    Example: custsvc calendar holiday add riga-office 2026-12-28 --name "Company day"
    Example: custsvc calendar holiday remove riga-office 2026-12-28
    """
    from custsvc.services import calendars

    done(
        {**run(lambda s: calendars.remove_holiday(s, calendar, s.day(day, "date"))), "removed": True},
        fmt,
        f"removed holiday {day} from {calendar}",
    )


@holiday_app.command("list")
def holiday_list(
    calendar: CalendarArg,
    year: Annotated[
        int | None,
        typer.Option(
            "--year",
            min=1900,
            max=2199,
            help="Only this year (default: explicit ones and this year's public ones).",
        ),
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """List a calendar's holidays, public and explicit.

    Example: custsvc calendar holiday list riga-office --year 2026
    """
    from custsvc import output
    from custsvc.services import calendars

    output.emit_rows(
        run(lambda s: calendars.list_holidays(s, calendar, year), write=False),
        fmt=fmt_of(fmt),
        columns=["date", "name", "source"],
        empty="no holidays",
    )
