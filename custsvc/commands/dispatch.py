"""custsvc dispatch: teams, checked assignments, the queue, the board, schedules and suggestions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from custsvc.commands import group_help
from custsvc.commands._common import FormatOpt, fmt_of, run
from custsvc.commands.dispatch_teams import team_app

app = typer.Typer(
    help=group_help("dispatch"),
    no_args_is_help=True,
)
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
DateOpt = Annotated[str | None, typer.Option("--date", help="First day (YYYY-MM-DD, today, tomorrow; default: today).")]
DaysOpt = Annotated[int, typer.Option("--days", help="Number of days.", min=1, max=31)]
ROW_FIELDS = ["technician", "order", "start", "end", "priority", "sla_status", "customer", "team", "line"]


# --- assigning -----------------------------------------------------------------------------------


def _emit_assignment(record: dict[str, Any], fmt: str | None, verb: str) -> None:
    from custsvc import output

    kind = output.resolve_format(fmt)
    if record.get("overridden"):
        output.warn(f"forced past: {record['overridden']}")
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
    start: Annotated[str, typer.Option("--start", help="Start time, ISO 8601 (the shop's zone if no offset).")],
    duration: Annotated[
        str | None, typer.Option("--duration", help="How long, e.g. 2h or 90m (default: the order's hours or tasks).")
    ] = None,
    line: LineOpt = None,
    force: ForceOpt = False,
    fmt: FormatOpt = None,
) -> None:
    """Put an order on a technician, refused when it overlaps their other work, falls outside their working
    time or in an absence, or they lack a task's skill.

    Dispatching moves the order from its initial stage to `planned` (recording the SLA response).
    Example: custsvc dispatch assign SO-000060 --technician T-04 --start 2026-03-11T13:00 --duration 2h
    """
    from custsvc.domain.timeparse import parse_duration
    from custsvc.services import dispatch

    length = parse_duration(duration, "duration") if duration else None

    def check(s: Any) -> Any:
        when = s.moment(start, "start")
        dispatch.check(s, order, technician, when, length, line, force)
        return when

    when = run(check, write=False)  # refusals are decided on what the dispatcher saw
    record = run(lambda s: dispatch.assign(s, order, technician, when, length, line_no=line, force=force, checked=True))
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
        output.message(f"unassigned {order} ({len(records)} assignment(s))")


@app.command("move")
def move(
    order: OrderArg,
    start: Annotated[str, typer.Option("--start", help="New start time, ISO 8601.")],
    technician: Annotated[str | None, typer.Option("--technician", help="Move to this technician too.")] = None,
    line: LineOpt = None,
    force: ForceOpt = False,
    fmt: FormatOpt = None,
) -> None:
    """Move an assignment to another time (and technician), with the same checks as assign.

    Example: custsvc dispatch move SO-000054 --start 2026-03-11T14:00 --technician T-03
    """
    from custsvc.services import dispatch

    def check(s: Any) -> Any:
        when = s.moment(start, "start")
        dispatch.check_move(s, order, when, worker_key=technician, line_no=line, force=force)
        return when

    when = run(check, write=False)
    record = run(
        lambda s: dispatch.move(s, order, when, worker_key=technician, line_no=line, force=force, checked=True)
    )
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

    Example: custsvc dispatch queue --team north
    """
    from custsvc import output
    from custsvc.services import dispatch

    rows = run(lambda s: dispatch.queue(s, team), write=False)
    output.emit_rows(
        rows,
        fmt=fmt_of(fmt),
        columns=[
            "order",
            "priority",
            "customer",
            "objects",
            "skills",
            "duration",
            "time_left",
            "sla_status",
            "technician",
        ],
        headers={"sla_status": "sla", "time_left": "time left"},
        empty="nothing to dispatch",
    )


@app.command("board")
def board(
    date: DateOpt = None,
    days: DaysOpt = 1,
    team: Annotated[str | None, typer.Option("--team", help="Only this team.")] = None,
    fmt: FormatOpt = None,
) -> None:
    """The dispatch board: per team a row per technician with their assignments on a time axis (colored
    by priority, SLA risk marked with !, absences and closed time shaded), and the orders still to dispatch.

    --format json|csv prints the schedule as rows. Example: custsvc dispatch board --date 2026-03-10 --team north
    """
    from custsvc import output
    from custsvc.services import dispatch

    data = run(lambda s: dispatch.board(s, s.day(date or "today", "date"), days, team), write=False)
    kind = output.resolve_format(fmt_of(fmt))
    rows = [{k: r[k] for k in ROW_FIELDS} for r in data["rows"]]
    if kind in ("json", "csv"):
        output.emit_rows(rows, fmt=kind)
        return
    if kind != "table":
        output.emit_rows(rows, fmt=kind, columns=ROW_FIELDS, empty="no assignments on those days")
        _emit_queue(data["queue"], kind)
        return
    _draw(data)
    _emit_queue(data["queue"], kind)


def _emit_queue(rows: list[dict[str, Any]], kind: str) -> None:
    from custsvc import output

    if not rows:
        output.message("nothing left to dispatch")
        return
    output.echo()
    output.emit_rows(
        rows,
        fmt=kind,
        columns=["order", "priority", "customer", "skills", "duration", "time_left", "sla_status"],
        headers={"sla_status": "sla", "time_left": "time left"},
        title=f"Not dispatched ({len(rows)})",
    )


def _draw(data: dict[str, Any]) -> None:
    from custsvc import output, state
    from custsvc.board import Bar, Lane, TeamBlock, render_board

    console = output.console()
    tz = state.current().zone
    for day in data["days"]:
        teams: dict[str, list[Any]] = {}
        for lane in day["lanes"]:
            shaded = _closed(day["start"], day["end"], lane["windows"]) + [
                (a, b, "absence") for a, b, _reason in lane["absences"]
            ]
            bars = [
                Bar(
                    r["start"],
                    r["end"],
                    f"{r['order']} {r['customer']}",
                    r["priority"],
                    at_risk=r["sla_status"] in ("at-risk", "breached"),
                )
                for r in lane["bars"]
            ]
            teams.setdefault(lane["team"] or "no team", []).append(
                Lane(f"{lane['worker']} {lane['name']}", bars, shaded)
            )
        blocks = [TeamBlock(name, lanes) for name, lanes in teams.items()]
        title = f"Dispatch board {day['date']:%a %Y-%m-%d}"
        console.print(render_board(day["start"], day["end"], blocks, width=console.width, tz=tz, title=title))


def _closed(start: Any, end: Any, windows: list[tuple[Any, Any]]) -> list[tuple[Any, Any, str]]:
    closed, current = [], start
    for a, b in sorted(windows):
        if a > current:
            closed.append((current, min(a, end), "closed"))
        current = max(current, b)
    if current < end:
        closed.append((current, end, "closed"))
    return [c for c in closed if c[0] < c[1]]


@app.command("schedule")
def schedule(
    worker: Annotated[str, typer.Argument(help="The technician.", metavar="WORKER")],
    date: DateOpt = None,
    days: DaysOpt = 1,
    ics: Annotated[
        Path | None, typer.Option("--ics", help="Also write the schedule to this iCalendar (.ics) file.")
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """One technician's own list: times, customers, addresses, objects and task notes.

    Example: custsvc dispatch schedule T-01 --days 5 --ics anna.ics
    """
    from custsvc import output
    from custsvc.services import dispatch

    def work(s: Any) -> Any:
        dispatch.technician(s, worker)
        return dispatch.schedule_rows(s, s.day(date or "today", "date"), days, worker=worker)

    rows = run(work, write=False)
    if ics is not None:
        ics.write_bytes(dispatch.ics(rows, worker))
        output.message(f"wrote {len(rows)} assignment(s) to {ics}")
    shown = [
        {
            **r,
            "time": f"{output.text_value(r['start'])}-{output.text_value(r['end'])[11:]}",
            "what": r["description"] or ", ".join(r["tasks"]),
        }
        for r in rows
    ]
    kind = output.resolve_format(fmt_of(fmt))
    if kind in ("json", "csv"):
        output.emit_rows(rows, fmt=kind)
        return
    output.emit_rows(
        shown,
        fmt=kind,
        columns=["time", "order", "customer_name", "address", "objects", "tasks", "what", "priority", "phone"],
        headers={"customer_name": "customer"},
        title=f"Schedule of {worker}",
        empty=f"nothing scheduled for {worker}",
    )


@app.command("suggest")
def suggest(
    date: DateOpt = None,
    days: DaysOpt = 1,
    team: Annotated[str | None, typer.Option("--team", help="Only this team's technicians and orders.")] = None,
    apply: Annotated[
        bool, typer.Option("--apply", help="Make the proposed assignments (all in one transaction).")
    ] = False,
    fmt: FormatOpt = None,
) -> None:
    """Propose technician and start for the orders still to dispatch, missing as few SLA resolution
    deadlines as possible (skills, working time, absences and existing work respected; the preferred
    technician where it costs nothing). See README: how suggest works.

    Example: custsvc dispatch suggest --date tomorrow --days 2 --apply
    """
    from custsvc import output
    from custsvc.services import dispatch

    with output.busy("planning ..."):
        result = run(
            lambda s: dispatch.suggest(s, s.day(date or "today", "date"), days, team=team, apply=apply), write=apply
        )
    kind = output.resolve_format(fmt_of(fmt))
    if kind == "json":
        output.emit_json(result)
        return
    if kind == "csv":
        output.emit_rows(result["proposals"], fmt=kind)
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
            f"{len(result['later'])} visit(s) planned after these days are left for later: {', '.join(result['later'])}"
        )
    method = "exact search" if result["exact"] else "deadline-first heuristic"
    output.message(
        f"{len(result['proposals'])} of {result['orders']} order(s) placed on {result['technicians']} technician(s), "
        f"{result['missed_deadlines']} SLA deadline(s) missed ({method})"
        + ("; applied" if apply else "; nothing written (add --apply)"),
        force=True,
    )
