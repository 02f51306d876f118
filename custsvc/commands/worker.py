"""custsvc worker: technicians, dispatchers and managers, with skills and team."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from custsvc.commands import group_help
from custsvc.commands._choices import Role, Roles
from custsvc.commands._common import TIME_HINT, FormatOpt, LimitOpt, SearchOpt, done, fmt_of, run
from custsvc.commands._master import add_common_commands

app = typer.Typer(help=group_help("worker"), no_args_is_help=True)
absence_app = typer.Typer(
    help="Absences of workers (holidays, sick leave, training): no assignments then.", no_args_is_help=True
)
app.add_typer(absence_app, name="absence")

WorkerArg = Annotated[str, typer.Argument(help="Worker id, e.g. T-01.", metavar="WORKER_ID")]
EmailOpt = Annotated[str | None, typer.Option("--email", help="E-mail address.")]
PhoneOpt = Annotated[str | None, typer.Option("--phone", help="Phone number.")]
COLUMNS = ["worker", "name", "roles", "team", "skills", "calendar"]
CalendarOpt = Annotated[
    str | None, typer.Option("--calendar", help="Working calendar (default: the shop's; \"\" for the shop's).")
]


@app.command("add")
def add(
    worker: WorkerArg,
    name: Annotated[str, typer.Option("--name", help="Full name.")],
    role: Annotated[
        list[Roles], typer.Option("--role", help="What the worker does; repeat for several.", case_sensitive=False)
    ],
    skill: Annotated[list[str] | None, typer.Option("--skill", help="A skill, e.g. gas; repeat for several.")] = None,
    team: Annotated[str | None, typer.Option("--team", help="Dispatch team (see `custsvc dispatch team add`).")] = None,
    email: EmailOpt = None,
    phone: PhoneOpt = None,
    calendar: CalendarOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Add a worker.

    Example: custsvc worker add T-07 --name "Ieva Zarina" --role technician --skill gas --team south
    """
    from custsvc import output
    from custsvc.services import master

    values = dict(
        worker=worker,
        name=name,
        roles=[r.value for r in role],
        skills=skill or [],
        team=team,
        email=email,
        phone=phone,
        calendar=calendar,
    )
    record = run(lambda s: master.add(s, "worker", {k: v for k, v in values.items() if v is not None}))
    output.emit_record(record, fmt=fmt_of(fmt), title=f"worker {worker}")


@app.command("list")
def list_(
    role: Annotated[
        Role | None, typer.Option("--role", help="Only workers with this role.", case_sensitive=False)
    ] = None,
    skill: Annotated[str | None, typer.Option("--skill", help="Only workers with this skill.")] = None,
    team: Annotated[str | None, typer.Option("--team", help="Only members of this team.")] = None,
    search: SearchOpt = None,
    limit: LimitOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """List workers.

    Example: custsvc worker list --role technician --skill gas
    """
    from custsvc import output
    from custsvc.services import master

    filters = {"roles": role, "skills": skill, "team": team}
    rows = run(lambda s: master.list_records(s, "worker", filters=filters, search=search, limit=limit), write=False)
    fields = master.kind_of("worker").record_fields
    output.emit_rows(rows, fmt=fmt_of(fmt), columns=COLUMNS, empty="no workers", fields=fields)


@app.command("update")
def update(
    worker: WorkerArg,
    name: Annotated[str | None, typer.Option("--name", help="Full name.")] = None,
    role: Annotated[
        list[Roles] | None, typer.Option("--role", help="Replace the roles; repeat for several.", case_sensitive=False)
    ] = None,
    skill: Annotated[list[str] | None, typer.Option("--skill", help="Replace the skills; repeat for several.")] = None,
    add_skill: Annotated[list[str] | None, typer.Option("--add-skill", help="Add a skill; repeatable.")] = None,
    remove_skill: Annotated[
        list[str] | None, typer.Option("--remove-skill", help="Remove a skill; repeatable.")
    ] = None,
    team: Annotated[str | None, typer.Option("--team", help='Move to this dispatch team ("" for none).')] = None,
    email: EmailOpt = None,
    phone: PhoneOpt = None,
    calendar: CalendarOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Change a worker; only the options given change.

    Example: custsvc worker update T-01 --add-skill refrigeration --team south
    """
    from custsvc import output
    from custsvc.services import workers

    values = dict(
        name=name,
        roles=None if role is None else [r.value for r in role],
        skills=skill,
        team=team,
        email=email,
        phone=phone,
        calendar=calendar,
    )
    given = {k: v for k, v in values.items() if v is not None}
    record = run(lambda s: workers.update_worker(s, worker, given, add_skill or [], remove_skill or []))
    output.emit_record(record, fmt=fmt_of(fmt), title=f"worker {worker}")


add_common_commands(
    app, "worker", "worker", "Worker id, e.g. T-01.", "T-01", 'T-07 --name "Ieva Zarina" --role technician'
)


WhenOpt = f"{TIME_HINT}; a date alone means its midnight."


@absence_app.command("add")
def absence_add(
    worker: WorkerArg,
    starts: Annotated[str, typer.Option("--from", help=f"Start of the absence: {WhenOpt}", metavar="<time>")],
    ends: Annotated[str, typer.Option("--to", help=f"End of the absence (exclusive): {WhenOpt}", metavar="<time>")],
    reason: Annotated[str | None, typer.Option("--reason", help="Why, e.g. vacation, sick, training.")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Record an absence; assignments inside it are refused (existing ones are listed as clashes).

    Example: custsvc worker absence add T-02 --from 2026-03-16 --to 2026-03-21 --reason vacation
    """
    from custsvc import output
    from custsvc.services import dispatch

    def work(s: Any) -> Any:
        return dispatch.add_absence(s, worker, s.moment(starts, "from"), s.moment(ends, "to"), reason)

    record = run(work)
    for clash in record["clashing_assignments"]:
        output.warn(f"{worker} is assigned {clash} during this absence")
    output.emit_record(record, fmt=fmt_of(fmt), title=f"absence {record['id']}")


@absence_app.command("list")
def absence_list(
    worker: Annotated[str | None, typer.Argument(help="Only this worker.", metavar="WORKER_ID")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Past absences too (default: those not over yet).")] = False,
    fmt: FormatOpt = None,
) -> None:
    """List absences.

    Example: custsvc worker absence list T-02
    """
    from custsvc import output
    from custsvc.services import dispatch
    from custsvc.services.dispatch.availability import ABSENCE_FIELDS

    rows = run(lambda s: dispatch.list_absences(s, worker, None if all_ else s.now), write=False)
    columns = ["id", "worker", "from", "to", "reason"]
    output.emit_rows(rows, fmt=fmt_of(fmt), columns=columns, empty="no absences", fields=ABSENCE_FIELDS)


@absence_app.command("remove")
def absence_remove(
    absence: Annotated[int, typer.Argument(help="Absence id (see `absence list`).", metavar="ID", min=1, max=2**62)],
    fmt: FormatOpt = None,
) -> None:
    """Remove an absence.

    Example: custsvc worker absence remove 3
    """
    from custsvc.services import dispatch

    done({**run(lambda s: dispatch.remove_absence(s, absence)), "removed": True}, fmt, f"removed absence {absence}")
