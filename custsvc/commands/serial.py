"""custsvc serial: one unit's whole life, where it is now, its warranty."""

from __future__ import annotations

from typing import Annotated

import typer

from custsvc.commands import group_help
from custsvc.commands._common import FormatOpt, fmt_of, run

app = typer.Typer(help=group_help("serial"), no_args_is_help=True)

MOVEMENT_COLUMNS = ["at", "qty", "from", "to", "doc_type", "doc", "actor", "note"]
INSTALL_COLUMNS = ["object", "position", "installed_at", "removed_at", "removal", "reason", "order"]
UNIT_COLUMNS = ["item", "serial", "location", "in_service_on", "warranty_end", "under_warranty"]
#: the sections ``show`` prints under the unit, with their columns (others contributed: every field)
SECTIONS = {"movements": MOVEMENT_COLUMNS, "installed": INSTALL_COLUMNS}


@app.command("show")
def show(
    serial: Annotated[str, typer.Argument(help="Serial number, e.g. PC-24-0001.", metavar="SERIAL")],
    item: Annotated[
        str | None, typer.Option("--item", help="The item, when several items have this serial number.")
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """One unit's whole life: where it is now, since when in service, its warranty end, every movement,
    and the objects and BOM positions it was installed in (when, and when and why it was removed).

    Example: custsvc serial show EC25-110231
    Example: custsvc serial show BC3-40017
    """
    from custsvc import output
    from custsvc.services.stock import serials

    record = run(lambda s: serials.show(s, serial, item), write=False)
    lists = [name for name, value in record.items() if isinstance(value, list)]
    # a list with nothing in it (never installed) prints no empty block; JSON keeps it
    sections = {name.replace("_", " "): (record[name], SECTIONS.get(name)) for name in lists if record[name]}
    output.emit_record(
        record, fmt=fmt_of(fmt), title=f"{record['item']} {record['serial']}", hide=lists, sections=sections
    )


@app.command("list")
def list_(
    item: Annotated[str | None, typer.Option("--item", help="Only this item's units.")] = None,
    location: Annotated[
        str | None,
        typer.Option(
            "--location",
            help="Only units there: stock, quarantine, scrap, vendor, customer or object:OBJECT.",
            metavar="LOC",
        ),
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """Units by item and serial number: where each is, in service since, warranty end.

    Example: custsvc serial list --location quarantine
    Example: custsvc serial list --item PUMP-EC25
    """
    from custsvc import output
    from custsvc.services.stock import serials

    rows = run(lambda s: serials.units(s, item=item, location=location), write=False)
    output.emit_rows(rows, fmt=fmt_of(fmt), columns=UNIT_COLUMNS, empty="no units", fields=serials.UNIT_FIELDS)
