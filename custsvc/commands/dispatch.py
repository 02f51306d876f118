"""custsvc dispatch: teams, checked assignments, the queue, the board, schedules and suggestions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from custsvc.commands import group_help
from custsvc.commands._common import DATE_HINT, TIME_HINT, FormatOpt, fmt_of, run
from custsvc.commands.dispatch_teams import draw_days, draw_week, team_app

app = typer.Typer(help=group_help("dispatch"), no_args_is_help=True)
app.add_typer(team_app, name="team")

OrderArg = Annotated[str, typer.Argument(help="Service order number.", metavar="ORDER")]
LineOpt = Annotated[int | None, typer.Option("--line", help="Only this line of the order.", min=1, max=1_000_000)]
ForceOpt = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Override a working-time, absence or skill refusal (never an overlap); the override is recorded.",
    ),
]
DateOpt = Annotated[
    str | None, typer.Option("--date", help=f"First day ({DATE_HINT}; default: today).", metavar="<date>")
]
DaysOpt = Annotated[int, typer.Option("--days", help="Number of days.", min=1, max=31)]
StrictOpt = Annotated[bool, typer.Option("--strict", help="Refuse a visit ending after the SLA resolution deadline.")]
#: what the schedule shows: the first five stay at 80 columns, the others give way first
SCHEDULE_COLUMNS = ["time", "order", "customer_name", "phone", "stage", "address", "objects", "tasks", "what"]
#: what the queue shows (json and csv: every field)
QUEUE_COLUMNS = [
    "order", "priority", "customer", "objects", "skills", "duration", "time_left", "sla_status", "technician",
]  # fmt: skip
ROW_FIELDS = ["technician", "order", "start", "end", "priority", "sla_status", "customer", "team", "line", "late"]


# --- assigning -----------------------------------------------------------------------------------


def _emit_assignment(record: dict[str, Any], fmt: str | None, verb: str) -> None:
    from custsvc import output

    kind = output.resolve_format(fmt)
    if record.get("overridden"):
        output.warn(f"forced past: {record['overridden']}")
    if record.get("late"):
        from custsvc import state
        from custsvc.services.dispatch import late_message

        output.warn(late_message(record["order"], record["end"], record["resolution_due"], state.current().zone))
    if kind in ("json", "csv"):
        output.emit_record(record, fmt=kind)
    else:
        output.message(
            f"{verb} {record['order']}{'/' + str(record['line']) if record['line'] else ''} to {record['technician']} "
            f"{output.text_value(record['start'])}-{output.text_value(record['end'])[11:]} ({record['duration']})",
            force=True,
        )


@app.command("assign")
def assign(
    order: OrderArg,
    technician: Annotated[
        str, typer.Option("--technician", help="The technician (a worker with the technician role).")
    ],
    start: Annotated[str, typer.Option("--start", help=f"Start time ({TIME_HINT}).", metavar="<time>")],
    duration: Annotated[
        str | None, typer.Option("--duration", help="How long, e.g. 2h or 90m (default: the order's hours or tasks).")
    ] = None,
    line: LineOpt = None,
    force: ForceOpt = False,
    strict: StrictOpt = False,
    fmt: FormatOpt = None,
) -> None:
    """Put an order (or one line) on a technician at a time.

    Refused when it overlaps their other work, falls outside their working time or in an absence, they
    lack a task's skill, or the order (line) has an open assignment already (reassigning is `dispatch
    move ORDER --technician T`). A visit that ends after the order's SLA resolution deadline gets a
    warning (--strict refuses it).

    Dispatching moves the order from its initial stage to `planned` (recording the SLA response).
    Example: custsvc dispatch assign SO-000060 --technician T-04 --start 2026-03-11T13:00 --duration 2h
    """
    from custsvc.domain.timeparse import parse_duration
    from custsvc.services import dispatch

    length = parse_duration(duration, "duration") if duration else None

    def check(s: Any) -> Any:
        when = s.moment(start, "start")
        dispatch.check(s, order, technician, when, length, line, force, strict=strict)
        return when

    when = run(check, write=False)  # refusals are decided on what the dispatcher saw
    record = run(
        lambda s: dispatch.assign(
            s, order, technician, when, length, line_no=line, force=force, checked=True, strict=strict
        )
    )
    _emit_assignment(record, fmt_of(fmt), "assigned")


@app.command("unassign")
def unassign(order: OrderArg, line: LineOpt = None, fmt: FormatOpt = None) -> None:
    """Take an order (or one line) off the board.

    Example: custsvc dispatch unassign SO-000054
    """
    from custsvc import output
    from custsvc.services import dispatch

    records = run(lambda s: dispatch.unassign(s, order, line))
    if output.resolve_format(fmt_of(fmt)) == "json":
        output.emit_json(records)
    else:
        output.message(f"unassigned {order} ({output.counted(len(records), 'assignment')})")


@app.command("move")
def move(
    order: OrderArg,
    start: Annotated[str, typer.Option("--start", help=f"New start time ({TIME_HINT}).", metavar="<time>")],
    technician: Annotated[str | None, typer.Option("--technician", help="Move to this technician too.")] = None,
    line: LineOpt = None,
    force: ForceOpt = False,
    strict: StrictOpt = False,
    fmt: FormatOpt = None,
) -> None:
    """Move an assignment to another time or technician (how an order is reassigned).

    The same checks as assign; a visit that ends after the SLA resolution deadline gets a warning
    (--strict refuses it).

    Example: custsvc dispatch move SO-000054 --start 2026-03-11T14:00 --technician T-03
    """
    from custsvc.services import dispatch

    options = {"worker_key": technician, "line_no": line, "force": force, "strict": strict}

    def check(s: Any) -> Any:
        when = s.moment(start, "start")
        dispatch.check_move(s, order, when, **options)
        return when

    when = run(check, write=False)
    record = run(lambda s: dispatch.move(s, order, when, checked=True, **options))
    _emit_assignment(record, fmt_of(fmt), "moved")


# --- the queue, the board, schedules -------------------------------------------------------------


@app.command("queue")
def queue(
    team: Annotated[
        str | None, typer.Option("--team", help="Only orders this team can take (preferred technician or skills).")
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """Orders not yet dispatched, by SLA resolution deadline, with priority, customer, object, skill and time left.

    Only orders with work to do on site wait here: an open hour line, an open line with a task, or no
    lines yet (a fresh call); orders of only fee or item lines (monthly fees, deliveries) never do.
    Example: custsvc dispatch queue --team north
    """
    from custsvc import output
    from custsvc.commands._sla_render import with_time_left
    from custsvc.services import dispatch
    from custsvc.services.dispatch.board import QUEUE_FIELDS

    rows = run(lambda s: dispatch.queue(s, team), write=False)
    kind = output.resolve_format(fmt_of(fmt))
    output.emit_rows(
        rows if kind in ("json", "csv") else with_time_left(rows),
        fmt=kind,
        columns=QUEUE_COLUMNS,
        headers={"sla_status": "sla", "time_left": "time left"},
        empty="nothing to dispatch",
        drop=["objects", "technician", "duration", "skills"],
        fields=QUEUE_FIELDS,
    )


@app.command("board")
def board(
    date: DateOpt = None,
    days: DaysOpt = 1,
    team: Annotated[str | None, typer.Option("--team", help="Only this team.")] = None,
    all_days: Annotated[
        bool, typer.Option("--all-days", help="With --days N: also show the days nobody works (weekends, holidays).")
    ] = False,
    fmt: FormatOpt = None,
) -> None:
    """The dispatch board: each technician's day on a time axis, or a week of days.

    Per team a row per technician with their assignments on a time axis (colored
    by priority, or a letter per priority without color; SLA risk marked with !, a visit that ends after
    its SLA deadline with », absences and closed time shaded), and the orders still to dispatch. With
    --days N (more than 1) the days are columns with each technician's hours booked/available (! when
    over), days nobody works left out unless --all-days.

    --format json|csv prints the schedule as rows. Example: custsvc dispatch board --date 2026-03-10 --team north
    """
    from custsvc import output
    from custsvc.services import dispatch

    data = run(lambda s: dispatch.board(s, s.day(date or "today", "date"), days, team), write=False)
    kind = output.resolve_format(fmt_of(fmt))
    rows = [{k: r[k] for k in ROW_FIELDS} for r in data["rows"]]
    if kind in ("json", "csv"):
        output.emit_rows(rows, fmt=kind, fields=ROW_FIELDS)
        return
    if kind != "table":
        output.emit_rows(rows, fmt=kind, columns=ROW_FIELDS, empty="no assignments on those days")
    elif days > 1:
        draw_week(data, all_days)
    else:
        draw_days(data)
    _emit_queue(data["queue"], kind)


def _emit_queue(rows: list[dict[str, Any]], kind: str) -> None:
    from custsvc import output

    if not rows:
        output.message("nothing left to dispatch")
        return
    from custsvc.commands._sla_render import with_time_left

    output.echo()
    output.emit_rows(
        with_time_left(rows),
        fmt=kind,
        columns=["order", "priority", "customer", "skills", "duration", "time_left", "sla_status"],
        headers={"sla_status": "sla", "time_left": "time left"},
        title=f"Not dispatched ({len(rows)})",
        drop=["duration", "skills"],
    )


@app.command("schedule")
def schedule(
    worker: Annotated[
        str | None,
        typer.Argument(help="The technician (default: the acting worker, --as / CUSTSVC_USER).", metavar="WORKER"),
    ] = None,
    date: DateOpt = None,
    days: DaysOpt = 1,
    ics: Annotated[
        Path | None, typer.Option("--ics", help="Also write the schedule to this iCalendar (.ics) file.")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="With --ics: also write the visits dropped since this time (order or line canceled, unassigned, "
            "order deleted, moved to another technician) as cancelled events, for a calendar that read an "
            f"earlier file ({TIME_HINT}).",
            metavar="<time>",
        ),
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """One technician's own list: times, customers, phones, stages, addresses, objects and task notes.

    Without WORKER: the acting worker's (--as / CUSTSVC_USER), who must be a technician.

    Example: custsvc dispatch schedule T-01 --days 5 --ics anna.ics
    """
    from custsvc import output
    from custsvc.services import dispatch

    if since is not None and ics is None:
        raise typer.BadParameter("--since needs --ics", param_hint="--since")

    def work(s: Any) -> Any:
        who = dispatch.schedule_technician(s, worker)
        first = s.day(date or "today", "date")
        if ics is None:
            return who, dispatch.schedule_rows(s, first, days, worker=who), None, 0
        return who, *dispatch.schedule_file(s, who, first, days, s.moment(since, "since") if since else None)

    who, rows, calendar, cancelled = run(work, write=False)
    if ics is not None:
        ics.write_bytes(calendar)
        output.message(
            f"wrote {output.counted(len(rows), 'visit')}"
            + (f" and {output.counted(cancelled, 'cancellation')}" if since else "")
            + f" to {ics}"
        )
    _emit_schedule(rows, who, fmt_of(fmt))


def _emit_schedule(rows: list[dict[str, Any]], worker: str, fmt: str | None) -> None:
    """On a terminal one table per day (times only, so that the useful columns fit 80 columns); in
    plain text and markdown one list with dates."""
    from custsvc import output, state

    kind = output.resolve_format(fmt)
    if kind in ("json", "csv"):
        from custsvc.services.dispatch.board import SCHEDULE_FIELDS

        output.emit_rows(rows, fmt=kind, fields=SCHEDULE_FIELDS)
        return
    if not rows:
        output.message(f"nothing scheduled for {worker}")
        return
    days: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        start = output.text_value(r["start"])
        day = f"{r['start'].astimezone(state.current().zone):%a %Y-%m-%d}" if kind == "table" else ""
        time = f"{start[11:] if day else start}-{output.text_value(r['end'])[11:]}"
        days.setdefault(day, []).append({**r, "time": time, "what": r["description"] or ", ".join(r["tasks"])})
    for index, (day, shown) in enumerate(days.items()):
        if index:
            output.echo()
        output.emit_rows(
            shown,
            fmt=kind,
            columns=[*SCHEDULE_COLUMNS, "priority"],
            headers={"customer_name": "customer"},
            title=f"Schedule of {worker} {rows[0]['technician_name']}" + (f", {day}" if day else ""),
            drop=["objects", "tasks", "priority", "what", "address"],
        )


@app.command("suggest")
def suggest(
    date: DateOpt = None,
    days: DaysOpt = 1,
    team: Annotated[str | None, typer.Option("--team", help="Only this team's technicians and orders.")] = None,
    apply: Annotated[
        bool, typer.Option("--apply", help="Make the proposed assignments (all in one transaction).")
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Also list the orders left for later (visits after these days).")
    ] = False,
    time_limit: Annotated[float, typer.Option("--time-limit", help="Seconds to improve the plan (0: off).", min=0)] = 5,
    fmt: FormatOpt = None,
) -> None:
    """Propose a technician and start for each order still to dispatch.

    The plan misses as few SLA resolution deadlines as possible (skills, working time, absences and
    existing work respected; the preferred technician where it costs nothing). See README: how suggest works.

    Example: custsvc dispatch suggest --date tomorrow --days 2 --apply
    """
    from custsvc import output
    from custsvc.services import dispatch

    first = date or "today"
    with output.busy("planning ..."):
        result = run(lambda s: dispatch.suggest(s, s.day(first, "date"), days, team=team, apply=apply,
                                                time_limit=time_limit), write=apply)  # fmt: skip
    kind = output.resolve_format(fmt_of(fmt))
    if kind == "json":
        output.emit_json(result)
        return
    if kind == "csv":
        from custsvc.services.dispatch.suggest import PROPOSAL_FIELDS

        output.emit_rows(result["proposals"], fmt=kind, fields=PROPOSAL_FIELDS)
        return
    output.emit_rows(
        result["proposals"],
        fmt=kind,
        columns=["order", "technician", "start", "end", "priority", "customer", "late", "reason"],
        title="Proposed assignments" + (" (applied)" if apply else ""),
        empty="nothing to propose",
    )
    if result["unplaced"]:
        output.echo()
        output.emit_rows(
            result["unplaced"], fmt=kind, columns=["order", "priority", "customer", "reason"], title="Could not place"
        )
    if result["later"]:
        output.message(
            f"{output.counted(len(result['later']), 'order')} left for later (visits planned after these days)"
            + (f": {', '.join(result['later'])}" if verbose else "; --verbose lists them")
        )
    output.message(_suggested(output, result, apply), force=True)


def _suggested(output: Any, result: dict[str, Any], apply: bool) -> str:
    search = result["search"] or {"missed_before": 0, "missed_after": 0}
    saved = search["missed_before"] - search["missed_after"]
    method = "exact search" if result["exact"] else "deadline-first heuristic"
    method += f", {saved} fewer after the improvement search" if saved else ""
    return (
        f"{len(result['proposals'])} of {output.counted(result['orders'], 'order')} placed on "
        f"{output.counted(result['technicians'], 'technician')}, "
        f"{output.counted(result['missed_deadlines'], 'SLA deadline')} missed ({method})"
        + ("; applied" if apply else "; nothing written (add --apply)")
    )
