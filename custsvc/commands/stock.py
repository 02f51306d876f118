"""custsvc stock: receive, adjust and move parts; on-hand per location from the ledger of movements."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from custsvc.commands import group_help
from custsvc.commands._common import DATE_HINT, FormatOpt, LimitOpt, fmt_of, run

app = typer.Typer(help=group_help("stock"), no_args_is_help=True)

ItemArg = Annotated[str, typer.Argument(help="Item number, e.g. FILTER-G4.", metavar="ITEM")]
QtyOpt = Annotated[str, typer.Option("--qty", help="How many, in the item's unit.", metavar="N")]
SerialsOpt = Annotated[
    list[str] | None,
    typer.Option("--serial", help="Serial number of one unit of a serialized item; one per unit, repeatable."),
]
NoteOpt = Annotated[str | None, typer.Option("--note", help="A note on the ledger rows, e.g. a delivery note.")]
LOCATIONS = "stock, quarantine, scrap, vendor, customer or object:OBJECT"
LIST_COLUMNS = ["item", "name", "location", "on_hand", "unit", "reorder_level", "hint"]
LEDGER_COLUMNS = ["id", "at", "item", "serial", "qty", "from", "to", "doc_type", "doc", "actor", "note"]


def _emit_moved(record: dict[str, Any], fmt: str | None, verb: str) -> None:
    from custsvc import output

    title = f"{verb} {record['qty']} {record['unit']} of {record['item']}"
    output.emit_record(record, fmt=fmt, title=title)


@app.command("receive")
def receive(
    item: ItemArg,
    qty: QtyOpt,
    serial: SerialsOpt = None,
    note: NoteOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Receive parts from the vendor onto the shelf.

    A serialized item needs one --serial per unit, each new to the shop (a known serial is refused,
    exit 3, naming where that unit is).

    Example: custsvc stock receive FILTER-G4 --qty 20 --note "delivery note 4711"
    Example: custsvc stock receive PUMP-EC25 --qty 2 --serial EC25-90500 --serial EC25-90501
    """
    from custsvc.services.stock import moves

    record = run(lambda s: moves.receive(s, item, qty, serial or [], note))
    _emit_moved(record, fmt_of(fmt), "received")


@app.command("adjust")
def adjust(
    item: ItemArg,
    qty: Annotated[str, typer.Option("--qty", help="The correction: +N found on the shelf, -N missing.", metavar="±N")],
    reason: Annotated[str, typer.Option("--reason", help="Why the count is corrected (required).")],
    serial: Annotated[
        str | None, typer.Option("--serial", help="The unit of a serialized item that is lost (with --qty -1).")
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """Correct the shelf's count after counting it.

    A unit of a serialized item found on the shelf is received (`stock receive --serial`), not
    adjusted.

    Example: custsvc stock adjust FILTER-G4 --qty -2 --reason "counted 42"
    Example: custsvc stock adjust IGNITION-EL --qty +2 --reason "found in the van"
    """
    from custsvc.services.stock import moves

    record = run(lambda s: moves.adjust(s, item, qty, reason, serial))
    _emit_moved(record, fmt_of(fmt), "adjusted")


@app.command("move")
def move(
    item: ItemArg,
    qty: QtyOpt,
    source: Annotated[str, typer.Option("--from", help=f"Where the parts are: {LOCATIONS}.", metavar="LOC")],
    target: Annotated[str, typer.Option("--to", help=f"Where they go: {LOCATIONS}.", metavar="LOC")],
    serial: SerialsOpt = None,
    note: NoteOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Move parts between two locations.

    The shelf, quarantine, scrap and an object cannot give more than they hold; the vendor and
    customers are outside the shop and can.

    Example: custsvc stock move PUMP-EC25 --qty 1 --from quarantine --to vendor --serial EC25-120477
    Example: custsvc stock move VALVE-3W --qty 1 --from customer --to quarantine --note "came back faulty"
    """
    from custsvc.services.stock import moves

    record = run(lambda s: moves.move_parts(s, item, qty, source, target, serial or [], note))
    _emit_moved(record, fmt_of(fmt), "moved")


@app.command("list")
def list_(
    item: Annotated[str | None, typer.Option("--item", help="Only this item.")] = None,
    location: Annotated[
        str | None, typer.Option("--location", help=f"Only this location: {LOCATIONS}.", metavar="LOC")
    ] = None,
    below: Annotated[
        str | None, typer.Option("--below", help="Only the shelf's rows holding less than N.", metavar="N")
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """On-hand per item and location, from the ledger.

    Without --location: the shelf, quarantine and scrap. Items with a reorder level are listed on the
    shelf even when it holds none; the hint says how many to reorder to reach the level.

    Example: custsvc stock list
    Example: custsvc stock list --below 2
    Example: custsvc stock list --location quarantine
    """
    from custsvc import output
    from custsvc.services.stock import listing

    rows = run(lambda s: listing.stock_list(s, item=item, location=location, below=below), write=False)
    output.emit_rows(
        rows,
        fmt=fmt_of(fmt),
        columns=LIST_COLUMNS,
        empty="no parts on hand",
        fields=listing.LIST_FIELDS,
        drop=["reorder_level", "name", "unit"],
    )


@app.command("ledger")
def ledger(
    item: Annotated[str | None, typer.Option("--item", help="Only this item's movements.")] = None,
    serial: Annotated[str | None, typer.Option("--serial", help="Only this serial number's movements.")] = None,
    first: Annotated[
        str | None, typer.Option("--from", help=f"From this day on ({DATE_HINT}).", metavar="<date>")
    ] = None,
    last: Annotated[
        str | None, typer.Option("--to", help=f"Up to this day, inclusive ({DATE_HINT}).", metavar="<date>")
    ] = None,
    limit: LimitOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """The movements of parts, oldest first (with --limit: the newest N).

    Example: custsvc stock ledger --item PUMP-EC25
    Example: custsvc stock ledger --serial EC25-90411
    Example: custsvc stock ledger --item FILTER-G4 --from -30d
    """
    from custsvc import output
    from custsvc.services.stock import listing

    rows = run(
        lambda s: listing.ledger_rows(
            s,
            item=item,
            serial=serial,
            first=s.day(first, "from") if first else None,
            last=s.day(last, "to") if last else None,
            limit=limit,
        ),
        write=False,
    )
    output.emit_rows(
        rows,
        fmt=fmt_of(fmt),
        columns=LEDGER_COLUMNS,
        empty="no movements",
        fields=listing.LEDGER_FIELDS,
        drop=["note", "actor", "id", "doc_type", "serial"],
    )
