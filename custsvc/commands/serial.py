"""custsvc serial: one unit's whole life, where it is now, its warranty."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from custsvc.commands import group_help
from custsvc.commands._common import DATE_HINT, FormatOpt, done, fmt_of, run

app = typer.Typer(help=group_help("serial"), no_args_is_help=True)

MOVEMENT_COLUMNS = ["at", "qty", "from", "to", "doc_type", "doc", "actor", "note"]
INSTALL_COLUMNS = ["object", "position", "installed_at", "removed_at", "removal", "reason", "order"]
UNIT_COLUMNS = ["item", "serial", "location", "in_service_on", "warranty_end", "under_warranty"]
#: the sections ``show`` prints under the unit, with their columns (others contributed: every field)
SECTIONS = {"movements": MOVEMENT_COLUMNS, "installed": INSTALL_COLUMNS}
SerialArg = Annotated[str, typer.Argument(help="Serial number, e.g. PC-24-0001.", metavar="SERIAL")]
ItemOpt = Annotated[str | None, typer.Option("--item", help="The item, when several items have this serial number.")]


@app.command("show")
def show(serial: SerialArg, item: ItemOpt = None, fmt: FormatOpt = None) -> None:
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


@app.command("update")
def update(
    serial: SerialArg,
    warranty_until: Annotated[
        str,
        typer.Option(
            "--warranty-until",
            help=f'The last day of the unit\'s warranty ({DATE_HINT}); "" goes back to its in service date '
            "plus its item's warranty.",
            metavar="<date>",
        ),
    ],
    item: ItemOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Set a unit's own warranty end, which counts instead of the day it went into service plus its
    item's warranty length (a goodwill extension, a warranty the vendor confirmed); --warranty-until ""
    takes it away again. Prints one line on stderr; with --format json the unit as serial list has it,
    and warranty_set (whether the end is the unit's own).

    Example: custsvc serial update EC25-110231 --warranty-until 2028-06-30
    Example: custsvc serial update EC25-110231 --warranty-until ""
    """
    from custsvc.services.stock import serials

    record = run(lambda s: serials.set_warranty_end(s, serial, item, warranty_until))
    done(record, fmt, _warranty_text(record))


def _warranty_text(record: dict[str, Any]) -> str:
    unit = f"{record['item']} {record['serial']}"
    if record["warranty_set"]:
        return f"{unit}: warranty until {record['warranty_end']}"
    if record["warranty_end"] is not None:
        since = f"in service {record['in_service_on']} + {record['warranty']}"
        return f"{unit}: warranty until {record['warranty_end']} ({since})"
    why = "its item has no warranty length" if record["in_service_on"] else "not in service yet"
    return f"{unit}: no warranty end ({why})"
