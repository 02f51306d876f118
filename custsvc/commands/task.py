"""custsvc task: kinds of service work with default hours and required skill."""

from __future__ import annotations

from typing import Annotated

import typer

from custsvc.commands import group_help
from custsvc.commands._common import FormatOpt, LimitOpt, SearchOpt, fmt_of, run
from custsvc.commands._master import add_common_commands

app = typer.Typer(help=group_help("task"), no_args_is_help=True)

TaskArg = Annotated[str, typer.Argument(help="Task id, e.g. BOILER-SERVICE.", metavar="TASK")]
HoursOpt = Annotated[str | None, typer.Option("--hours", help="Default hours, e.g. 1.5 (default: 1).")]
PriceOpt = Annotated[
    str | None, typer.Option("--price", help="Price per unit on order lines (per hour on hour lines), e.g. 65.00.")
]
SkillOpt = Annotated[str | None, typer.Option("--skill", help="Skill a technician needs for this task, e.g. gas.")]
COLUMNS = ["task", "description", "hours", "skill", "price"]


@app.command("add")
def add(
    task: TaskArg,
    description: Annotated[str, typer.Option("--description", help="What the task is.")],
    hours: HoursOpt = None,
    skill: SkillOpt = None,
    price: PriceOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Add a service task.

    Example: custsvc task add LEGIONELLA-TEST --description "Legionella water test" --skill plumbing --price 70.00
    """
    from custsvc import output
    from custsvc.services import master

    values = dict(task=task, description=description, hours=hours, skill=skill, price=price)
    values = {k: v for k, v in values.items() if v is not None}
    record = run(lambda s: master.add(s, "task", values))
    output.emit_record(record, fmt=fmt_of(fmt), title=f"task {task}")


@app.command("list")
def list_(
    skill: Annotated[str | None, typer.Option("--skill", help="Only tasks needing this skill.")] = None,
    search: SearchOpt = None,
    limit: LimitOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """List service tasks.

    Example: custsvc task list --skill gas
    """
    from custsvc import output
    from custsvc.services import master

    rows = run(
        lambda s: master.list_records(s, "task", filters={"skill": skill}, search=search, limit=limit), write=False
    )
    fields = master.kind_of("task").record_fields
    output.emit_rows(rows, fmt=fmt_of(fmt), columns=COLUMNS, empty="no service tasks", fields=fields)


@app.command("update")
def update(
    task: TaskArg,
    description: Annotated[str | None, typer.Option("--description", help="What the task is.")] = None,
    hours: HoursOpt = None,
    skill: SkillOpt = None,
    price: PriceOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Change a service task; only the options given change ("" clears the skill).

    Example: custsvc task update BOILER-SERVICE --hours 2 --price 70.00
    """
    from custsvc import output
    from custsvc.services import master

    values = {
        k: v for k, v in dict(description=description, hours=hours, skill=skill, price=price).items() if v is not None
    }
    record = run(lambda s: master.update_record(s, "task", task, values))
    output.emit_record(record, fmt=fmt_of(fmt), title=f"task {task}")


add_common_commands(
    app,
    "task",
    "service task",
    "Task id, e.g. BOILER-SERVICE.",
    "BOILER-SERVICE",
    'LEGIONELLA-TEST --description "Legionella water test"',
)
