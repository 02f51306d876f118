"""custsvc worker: technicians, dispatchers and managers, with skills and team."""

from __future__ import annotations

from typing import Annotated

import typer

from custsvc.commands._common import FormatOpt, LimitOpt, SearchOpt, fmt_of, run
from custsvc.commands._master import add_common_commands

app = typer.Typer(help="Workers: technicians, dispatchers and managers, with skills and dispatch team.", no_args_is_help=True)

WorkerArg = Annotated[str, typer.Argument(help="Worker id, e.g. T-01.", metavar="WORKER_ID")]
EmailOpt = Annotated[str | None, typer.Option("--email", help="E-mail address.")]
PhoneOpt = Annotated[str | None, typer.Option("--phone", help="Phone number.")]
COLUMNS = ["worker", "name", "roles", "team", "skills"]


@app.command("add")
def add(
    worker: WorkerArg,
    name: Annotated[str, typer.Option("--name", help="Full name.")],
    role: Annotated[list[str], typer.Option("--role", help="technician, dispatcher or manager; repeat for several.")],
    skill: Annotated[list[str] | None, typer.Option("--skill", help="A skill, e.g. gas; repeat for several.")] = None,
    team: Annotated[str | None, typer.Option("--team", help="Dispatch team (see `custsvc dispatch team add`).")] = None,
    email: EmailOpt = None,
    phone: PhoneOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Add a worker.

    Example: custsvc worker add T-01 --name "Anna Berzina" --role technician --skill gas --skill electrical --team north
    """
    from custsvc import output
    from custsvc.services import master

    values = dict(worker=worker, name=name, roles=role, skills=skill or [], team=team, email=email, phone=phone)
    record = run(lambda s: master.add(s, "worker", {k: v for k, v in values.items() if v is not None}))
    output.emit_record(record, fmt=fmt_of(fmt), title=f"worker {worker}")


@app.command("list")
def list_(
    role: Annotated[str | None, typer.Option("--role", help="Only workers with this role.")] = None,
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
    output.emit_rows(rows, fmt=fmt_of(fmt), columns=COLUMNS, empty="no workers")


@app.command("update")
def update(
    worker: WorkerArg,
    name: Annotated[str | None, typer.Option("--name", help="Full name.")] = None,
    role: Annotated[list[str] | None, typer.Option("--role", help="Replace the roles; repeat for several.")] = None,
    skill: Annotated[list[str] | None, typer.Option("--skill", help="Replace the skills; repeat for several.")] = None,
    add_skill: Annotated[list[str] | None, typer.Option("--add-skill", help="Add a skill; repeatable.")] = None,
    remove_skill: Annotated[list[str] | None, typer.Option("--remove-skill", help="Remove a skill; repeatable.")] = None,
    team: Annotated[str | None, typer.Option("--team", help='Move to this dispatch team ("" for none).')] = None,
    email: EmailOpt = None,
    phone: PhoneOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Change a worker; only the options given change.

    Example: custsvc worker update T-01 --add-skill refrigeration --team south
    """
    from custsvc import output
    from custsvc.services import workers

    values = dict(name=name, roles=role, skills=skill, team=team, email=email, phone=phone)
    given = {k: v for k, v in values.items() if v is not None}
    record = run(lambda s: workers.update_worker(s, worker, given, add_skill or [], remove_skill or []))
    output.emit_record(record, fmt=fmt_of(fmt), title=f"worker {worker}")


add_common_commands(app, "worker", "worker", "Worker id, e.g. T-01.", "T-01")
