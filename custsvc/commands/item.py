"""custsvc item: parts and products with unit and price."""

from __future__ import annotations

from typing import Annotated

import typer

from custsvc.commands import group_help
from custsvc.commands._common import FormatOpt, LimitOpt, SearchOpt, fmt_of, run
from custsvc.commands._master import add_common_commands

app = typer.Typer(help=group_help("item"), no_args_is_help=True)

ItemArg = Annotated[str, typer.Argument(help="Item number, e.g. PUMP-200.", metavar="ITEM")]
UnitOpt = Annotated[str | None, typer.Option("--unit", help="Unit of measure, e.g. pcs, m, l, h (default: pcs).")]
PriceOpt = Annotated[str | None, typer.Option("--price", help="Sales price per unit, e.g. 12.50 (default: 0.00).")]
WarrantyOpt = Annotated[
    str | None,
    typer.Option(
        "--warranty",
        help='Warranty of a unit from when it is installed or delivered: 24m, 18 months, 2y ("" clears it).',
    ),
]
ReorderOpt = Annotated[
    str | None,
    typer.Option(
        "--reorder-level",
        help='`stock list` hints to reorder when the shelf holds less than this ("" clears it).',
        metavar="N",
    ),
]
COLUMNS = ["item", "name", "unit", "price", "serialized", "warranty", "reorder_level"]
#: what a narrow terminal leaves out first
DROP = ["reorder_level", "warranty", "unit"]


@app.command("add")
def add(
    item: ItemArg,
    name: Annotated[str, typer.Option("--name", help="Item name.")],
    unit: UnitOpt = None,
    price: PriceOpt = None,
    serialized: Annotated[
        bool, typer.Option("--serialized", help="Track its units one by one, by serial number.")
    ] = False,
    warranty: WarrantyOpt = None,
    reorder_level: ReorderOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Add an item.

    Example: custsvc item add PUMP-200 --name "Circulation pump" --unit pcs --price 189.00
    Example: custsvc item add PUMP-300 --name "Heating pump" --price 240.00 --serialized --warranty 24m
    """
    from custsvc import output
    from custsvc.services import master

    given = dict(item=item, name=name, unit=unit, price=price, warranty=warranty, reorder_level=reorder_level)
    values = {k: v for k, v in given.items() if v is not None}
    if serialized:
        values["serialized"] = True
    record = run(lambda s: master.add(s, "item", values))
    output.emit_record(record, fmt=fmt_of(fmt), title=f"item {item}")


@app.command("list")
def list_(search: SearchOpt = None, limit: LimitOpt = None, fmt: FormatOpt = None) -> None:
    """List items, by number.

    Example: custsvc item list --search pump
    """
    from custsvc import output
    from custsvc.services import master

    rows = run(lambda s: master.list_records(s, "item", search=search, limit=limit), write=False)
    fields = master.kind_of("item").record_fields
    output.emit_rows(rows, fmt=fmt_of(fmt), columns=COLUMNS, empty="no items", fields=fields, drop=DROP)


@app.command("update")
def update(
    item: ItemArg,
    name: Annotated[str | None, typer.Option("--name", help="Item name.")] = None,
    unit: UnitOpt = None,
    price: PriceOpt = None,
    serialized: Annotated[
        bool | None,
        typer.Option(
            "--serialized/--not-serialized",
            help="Track its units by serial number, or not (refused once the stock ledger has movements of it).",
            show_default=False,
        ),
    ] = None,
    warranty: WarrantyOpt = None,
    reorder_level: ReorderOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Change an item; only the options given change.

    Example: custsvc item update PUMP-CIRC --price 199.00
    Example: custsvc item update FILTER-G4 --reorder-level 20 --warranty ""
    """
    from custsvc import output
    from custsvc.services import master

    given = dict(name=name, unit=unit, price=price, serialized=serialized, warranty=warranty)
    values = {k: v for k, v in {**given, "reorder_level": reorder_level}.items() if v is not None}
    record = run(lambda s: master.update_record(s, "item", item, values))
    output.emit_record(record, fmt=fmt_of(fmt), title=f"item {item}")


add_common_commands(
    app, "item", "item", "Item number, e.g. PUMP-CIRC.", "PUMP-CIRC", 'SEAL-KIT --name "Boiler seal kit" --price 18.50'
)
