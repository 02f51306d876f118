"""custsvc object: the things serviced (boilers, elevators, laptops, installations)."""

from __future__ import annotations

from typing import Annotated

import typer

from custsvc.commands import group_help
from custsvc.commands._common import FormatOpt, LimitOpt, SearchOpt, fmt_of, run
from custsvc.commands._master import add_common_commands

app = typer.Typer(help=group_help("object"), no_args_is_help=True)

ObjectArg = Annotated[str, typer.Argument(help="Service object id, e.g. OBJ-0001.", metavar="OBJECT_ID")]
ItemOpt = Annotated[str | None, typer.Option("--item", help="Item number of the object (what it is).")]
SerialOpt = Annotated[str | None, typer.Option("--serial", help="Serial number (unique per item).")]
DescriptionOpt = Annotated[str | None, typer.Option("--description", help="Description, e.g. where it stands.")]
GroupOpt = Annotated[str | None, typer.Option("--group", help="Object group, e.g. heating, lifts.")]
COLUMNS = ["object", "customer", "item", "serial", "group", "description"]


@app.command("add")
def add(
    object_id: ObjectArg,
    customer: Annotated[str, typer.Option("--customer", help="Account of the customer who owns it.")],
    item: ItemOpt = None,
    serial: SerialOpt = None,
    description: DescriptionOpt = None,
    group: GroupOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Add a service object.

    Example: custsvc object add OBJ-0100 --customer C-3004 --item BOILER-24 --serial VB24-99001 --group heating
    """
    from custsvc import output
    from custsvc.services import master

    values = dict(object=object_id, customer=customer, item=item, serial=serial, description=description, group=group)
    record = run(lambda s: master.add(s, "object", {k: v for k, v in values.items() if v is not None}))
    output.emit_record(record, fmt=fmt_of(fmt), title=f"object {object_id}")


@app.command("list")
def list_(
    customer: Annotated[str | None, typer.Option("--customer", help="Only objects of this customer.")] = None,
    item: Annotated[str | None, typer.Option("--item", help="Only objects of this item.")] = None,
    group: Annotated[str | None, typer.Option("--group", help="Only objects of this group.")] = None,
    serial: Annotated[str | None, typer.Option("--serial", help="Only objects with this serial number.")] = None,
    search: SearchOpt = None,
    limit: LimitOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """List service objects.

    Example: custsvc object list --customer C-1001
    """
    from custsvc import output
    from custsvc.services import master

    filters = {"customer": customer, "item": item, "group": group, "serial": serial}
    rows = run(lambda s: master.list_records(s, "object", filters=filters, search=search, limit=limit), write=False)
    fields = master.kind_of("object").record_fields
    output.emit_rows(rows, fmt=fmt_of(fmt), columns=COLUMNS, empty="no service objects", fields=fields)


@app.command("update")
def update(
    object_id: ObjectArg,
    customer: Annotated[str | None, typer.Option("--customer", help="Move the object to this customer.")] = None,
    item: ItemOpt = None,
    serial: SerialOpt = None,
    description: DescriptionOpt = None,
    group: GroupOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Change a service object; only the options given change ("" clears an optional field).

    Example: custsvc object update OBJ-0001 --serial VB24-7782
    """
    from custsvc import output
    from custsvc.services import master

    values = dict(customer=customer, item=item, serial=serial, description=description, group=group)
    record = run(
        lambda s: master.update_record(s, "object", object_id, {k: v for k, v in values.items() if v is not None})
    )
    output.emit_record(record, fmt=fmt_of(fmt), title=f"object {object_id}")


add_common_commands(
    app, "object", "service object", "Service object id, e.g. OBJ-0001.", "OBJ-0001", "OBJ-0100 --customer C-3004"
)
