"""custsvc object: the things serviced (boilers, elevators, laptops, installations)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from custsvc.commands import group_help
from custsvc.commands._common import DATE_HINT, FormatOpt, LimitOpt, SearchOpt, fmt_of, run
from custsvc.commands._master import add_common_commands

if TYPE_CHECKING:  # pragma: no cover
    from custsvc.context import Context

app = typer.Typer(help=group_help("object"), no_args_is_help=True)

ObjectArg = Annotated[str, typer.Argument(help="Service object id, e.g. OBJ-0001.", metavar="OBJECT_ID")]
ItemOpt = Annotated[str | None, typer.Option("--item", help="Item number of the object (what it is).")]
SerialOpt = Annotated[str | None, typer.Option("--serial", help="Serial number (unique per item).")]
DescriptionOpt = Annotated[str | None, typer.Option("--description", help="Description, e.g. where it stands.")]
GroupOpt = Annotated[str | None, typer.Option("--group", help="Object group, e.g. heating, lifts.")]
InstalledOpt = Annotated[
    str | None,
    typer.Option(
        "--installed",
        help=f"The day it was installed ({DATE_HINT}); its warranty runs from then for its item's warranty.",
        metavar="<date>",
    ),
]
WarrantyUntilOpt = Annotated[
    str | None,
    typer.Option(
        "--warranty-until",
        help=f"The last day of its warranty ({DATE_HINT}), instead of the install day plus its item's warranty.",
        metavar="<date>",
    ),
]
COLUMNS = ["object", "customer", "item", "serial", "group", "description"]
#: the fields that are days: typed here they may also be today, +30d ... (an import file has YYYY-MM-DD)
DAYS = ("installed", "warranty_until")


def _given(ctx: Context, values: dict[str, Any]) -> dict[str, Any]:
    """The options given, their days read in the shop's zone ("" still clears a field)."""
    given = {k: v for k, v in values.items() if v is not None}
    for name in DAYS:
        if str(given.get(name, "")).strip():
            given[name] = ctx.day(given[name], name).isoformat()
    return given


@app.command("add")
def add(
    object_id: ObjectArg,
    customer: Annotated[str, typer.Option("--customer", help="Account of the customer who owns it.")],
    item: ItemOpt = None,
    serial: SerialOpt = None,
    description: DescriptionOpt = None,
    group: GroupOpt = None,
    installed: InstalledOpt = None,
    warranty_until: WarrantyUntilOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Add a service object.

    Example: custsvc object add OBJ-0100 --customer C-3004 --item BOILER-24 --serial VB24-99001 --group heating
    Example: custsvc object add OBJ-0101 --customer C-3004 --installed 2026-02-16 --warranty-until 2029-02-15
    """
    from custsvc import output
    from custsvc.services import master

    values = dict(object=object_id, customer=customer, item=item, serial=serial, description=description, group=group)
    values.update(installed=installed, warranty_until=warranty_until)
    record = run(lambda s: master.add(s, "object", _given(s, values)))
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
    installed: InstalledOpt = None,
    warranty_until: WarrantyUntilOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Change a service object; only the options given change ("" clears an optional field:
    --warranty-until "" lets the install day plus the item's warranty decide again).

    Example: custsvc object update OBJ-0001 --serial VB24-7782
    Example: custsvc object update OBJ-0001 --installed 2025-03-10 --warranty-until 2028-03-09
    Example: custsvc object update OBJ-0001 --warranty-until ""
    """
    from custsvc import output
    from custsvc.services import master

    values = dict(customer=customer, item=item, serial=serial, description=description, group=group)
    values.update(installed=installed, warranty_until=warranty_until)
    record = run(lambda s: master.update_record(s, "object", object_id, _given(s, values)))
    output.emit_record(record, fmt=fmt_of(fmt), title=f"object {object_id}")


add_common_commands(
    app, "object", "service object", "Service object id, e.g. OBJ-0001.", "OBJ-0001", "OBJ-0100 --customer C-3004"
)
