"""custsvc bom replace | add | remove | set-qty | serial: changes of an object's own BOM, each one
history line and the next version; registered on the ``bom`` group by ``custsvc/commands/bom.py``."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from custsvc.commands._common import Format, FormatOpt, fmt_of, run

ObjectArg = Annotated[str, typer.Argument(help="Service object, e.g. OBJ-0001.", metavar="OBJECT")]
PositionArg = Annotated[str, typer.Argument(help="BOM position (the slot), e.g. pump.", metavar="POSITION")]
ReasonOpt = Annotated[str | None, typer.Option("--reason", help="Why, for the history, e.g. worn or upgrade.")]
OrderOpt = Annotated[
    str | None,
    typer.Option("--order", help="The service order the change is made under (its stage must allow changes)."),
]
FaultyOpt = Annotated[
    bool, typer.Option("--faulty", help="The part that leaves is faulty: it goes to quarantine, not back to stock.")
]
InvoiceOpt = Annotated[
    bool, typer.Option("--invoice", help="Add an item line for the new part to --order, at the item's price.")
]


def report(record: dict[str, Any], fmt: Format | None) -> None:
    """A change as JSON, else a sentence on stderr (a change that changed nothing says so)."""
    from custsvc import output

    if output.resolve_format(fmt_of(fmt)) == "json":
        output.emit_json(record)
        return
    if not record["changed"]:
        output.message(record["note"])
        return
    what = {
        "replace": "replaced",
        "add": "added",
        "remove": "removed",
        "set-qty": "quantity set",
        "serial": "serial set",
    }
    old, new = record["old"], record["new"]
    arrow = f"{old} -> {new}" if old and new else (new or old or "")
    line = f" (order line {record['order_line']} on {record['order']})" if record["order_line"] else ""
    output.message(
        f"{record['object']} {record['position']}: {what[record['change']]}, {arrow}; version {record['version']}{line}"
    )


def replace(
    obj: ObjectArg,
    position: PositionArg,
    item: Annotated[str | None, typer.Option("--item", help="The new part's item (default: the same item).")] = None,
    new_serial: Annotated[
        str | None, typer.Option("--new-serial", help="The new unit's serial number (serialized items; from stock).")
    ] = None,
    faulty: FaultyOpt = False,
    reason: ReasonOpt = None,
    order: OrderOpt = None,
    invoice: InvoiceOpt = False,
    fmt: FormatOpt = None,
) -> None:
    """Replace the part at a position: the old one leaves (to quarantine with --faulty, else to stock),
    the new one comes from stock.

    Repeating the same change (the same unit is in place already) changes nothing and invoices nothing.

    Example: custsvc bom replace OBJ-0002 pump --new-serial EC25-90413 --faulty --reason "bearing noise"
    Example: custsvc bom replace OBJ-0005 pump --reason "worn impeller"
    """
    from custsvc.services.bom import objects_change

    record = run(
        lambda s: objects_change.replace(
            s,
            obj,
            position,
            item=item,
            new_serial=new_serial,
            faulty=faulty,
            reason=reason,
            order=order,
            invoice=invoice,
        )
    )
    report(record, fmt)


def add(
    obj: ObjectArg,
    position: Annotated[str, typer.Option("--position", help="The new position (the slot), e.g. filter.")],
    item: Annotated[str, typer.Option("--item", help="The part's item.")],
    qty: Annotated[str | None, typer.Option("--qty", help="How many (default 1; 1 for a serialized item).")] = None,
    serial: Annotated[
        str | None, typer.Option("--serial", help="The unit's serial number (serialized items; from stock).")
    ] = None,
    reason: ReasonOpt = None,
    order: OrderOpt = None,
    invoice: InvoiceOpt = False,
    fmt: FormatOpt = None,
) -> None:
    """Add a part at a new position, from stock.

    Example: custsvc bom add OBJ-0002 --position mixing-valve --item VALVE-3W --reason "second heating circuit"
    """
    from custsvc.services.bom import objects_change

    record = run(
        lambda s: objects_change.add(
            s, obj, position, item, qty=qty, serial=serial, reason=reason, order=order, invoice=invoice
        )
    )
    report(record, fmt)


def remove(
    obj: ObjectArg,
    position: PositionArg,
    faulty: FaultyOpt = False,
    reason: ReasonOpt = None,
    order: OrderOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Remove the part at a position: it goes to quarantine with --faulty, else back to stock.

    Example: custsvc bom remove OBJ-0001 mixing-valve --reason "circuit closed"
    """
    from custsvc.services.bom import objects_change

    record = run(lambda s: objects_change.remove(s, obj, position, faulty=faulty, reason=reason, order=order))
    report(record, fmt)


def set_qty(
    obj: ObjectArg,
    position: PositionArg,
    qty: Annotated[str, typer.Argument(help="The new quantity, e.g. 2.", metavar="N")],
    reason: ReasonOpt = None,
    order: OrderOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Change the quantity at a position (not of a serialized item): the difference comes from stock
    or goes back to it.

    Example: custsvc bom set-qty OBJ-0003 refrigerant 14 --reason "charge topped up"
    """
    from custsvc.services.bom import objects_change

    record = run(lambda s: objects_change.set_qty(s, obj, position, qty, reason=reason, order=order))
    report(record, fmt)


def serial(
    obj: ObjectArg,
    position: PositionArg,
    serial: Annotated[str, typer.Argument(help="The installed unit's serial number.", metavar="SERIAL")],
    reason: ReasonOpt = None,
    order: OrderOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Give the serial number of the unit installed at a position (of a serialized item), known only now.

    A unit the shop never saw becomes known as installed in the object; a known one must be in stock
    or at the customer's.

    Example: custsvc bom serial OBJ-0005 controller BHP-6188
    """
    from custsvc.services.bom import objects_change

    record = run(lambda s: objects_change.set_serial(s, obj, position, serial, reason=reason, order=order))
    report(record, fmt)
