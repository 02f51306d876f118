"""custsvc return: return orders (RMA) with a deadline for the goods, their lines, and the reasons and
dispositions they are coded with."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from custsvc.commands import group_help
from custsvc.commands._choices import ReturnStatus
from custsvc.commands._common import DATE_HINT, FormatOpt, fmt_of, run
from custsvc.commands.return_report import report
from custsvc.commands.return_setup import disposition_app, reason_app

app = typer.Typer(help=group_help("return"), no_args_is_help=True)
app.add_typer(reason_app, name="reason")
app.add_typer(disposition_app, name="disposition")
line_app = typer.Typer(help="Lines of a return order: what is expected back.", no_args_is_help=True)
app.add_typer(line_app, name="line")

RmaArg = Annotated[str, typer.Argument(help="Return order, e.g. RMA-000001.", metavar="RMA")]
LIST_COLUMNS = ["rma", "customer", "reason", "status", "deadline", "overdue", "lines", "open_lines", "created_at"]
LIST_DROP = ["reason", "created_at", "open_lines"]
#: a narrow terminal leaves out the last ones first
LINE_COLUMNS = [
    "line", "item", "quantity", "price", "amount", "status", "reason", "serial", "object", "invoice", "invoice_line",
    "disposition", "credit_note", "replacement_order", "repair_order",
]  # fmt: skip


def _emit(record: dict[str, Any], fmt: Any) -> None:
    """One return order: its header, then its lines; JSON keeps the lines as a list."""
    from custsvc import output

    kind = output.resolve_format(fmt_of(fmt))
    output.emit_record(
        record,
        fmt=kind,
        title=f"return order {record['rma']}",
        hide=["lines"] if isinstance(record.get("lines"), list) else [],
        sections={"lines": (record["lines"], LINE_COLUMNS)} if isinstance(record.get("lines"), list) else {},
    )


def _changed(record: dict[str, Any], fmt: Any, text: str) -> None:
    """A change of status: the whole return order with --format json|csv, else one message on stderr."""
    from custsvc import output

    if output.resolve_format(fmt_of(fmt)) in ("json", "csv"):
        _emit(record, fmt)
    else:
        output.message(text)


@app.command("create")
def create(
    customer: Annotated[str, typer.Option("--customer", help="Customer account the goods come back from.")],
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why they come back (a return reason; lines take it by default).")
    ] = None,
    validity: Annotated[
        int | None,
        typer.Option(
            "--validity", help="Days the goods may take to arrive (default: the return_validity_days setting)."
        ),
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="A note on the return order.")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Create a return order (RMA) and print its number; its deadline is today plus the validity days.

    Example: custsvc return create --customer C-1001 --reason wrong-item --note "Filters of the wrong size"
    Example: custsvc return create --customer C-2001 --validity 30 --format json
    """
    from custsvc import output
    from custsvc.services.returns import orders

    record = run(lambda s: orders.create(s, customer=customer, reason=reason, validity=validity, note=note))
    if output.resolve_format(fmt_of(fmt)) == "json":
        output.emit_json(record)
        return
    typer.echo(record["rma"])
    output.message(f"return order {record['rma']} for {record['customer']}, goods due by {record['deadline']}")


@line_app.command("add")
def line_add(
    rma: RmaArg,
    item: Annotated[str, typer.Option("--item", help="The item expected back.")],
    qty: Annotated[str, typer.Option("--qty", help="How many (1 with --serial).")],
    serial: Annotated[
        str | None, typer.Option("--serial", help="The unit expected back, by serial number (the customer's).")
    ] = None,
    obj: Annotated[
        str | None, typer.Option("--object", help="The service object expected back (the customer's).")
    ] = None,
    invoice: Annotated[
        str | None, typer.Option("--invoice", help="The invoice the goods were billed on (with --invoice-line).")
    ] = None,
    invoice_line: Annotated[
        int | None,
        typer.Option(
            "--invoice-line", help="The line of that invoice: it caps the quantity and sets the price.", min=1
        ),
    ] = None,
    price: Annotated[
        str | None, typer.Option("--price", help="Unit price credited (default: the item's; not with --invoice).")
    ] = None,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why this line comes back (default: the return order's reason).")
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """Expect something back on a created or open return order; prints the line number.

    Example: custsvc return create --customer C-1001 --reason wrong-item
    Example: custsvc return line add RMA-000009 --item FILTER-G4 --qty 2 --invoice INV-000152 --invoice-line 2
    Example: custsvc return line add RMA-000009 --item IGNITION-EL --qty 1 --price 20
    """
    from custsvc import output
    from custsvc.services.returns import lines

    record = run(
        lambda s: lines.add(
            s, rma, item=item, qty=qty, serial=serial, obj=obj, invoice=invoice, invoice_line=invoice_line,
            price=price, reason=reason,
        )
    )  # fmt: skip
    if output.resolve_format(fmt_of(fmt)) == "json":
        output.emit_json(record)
        return
    typer.echo(str(record["line"]))
    output.message(f"return line {record['rma']}/{record['line']}: {record['quantity']} {record['item']} expected")


@app.command("open")
def open_(rma: RmaArg, fmt: FormatOpt = None) -> None:
    """Open a created return order that has lines: the goods are expected now, until the deadline.

    Example: custsvc return create --customer C-1001
    Example: custsvc return line add RMA-000009 --item FILTER-G4 --qty 2
    Example: custsvc return open RMA-000009
    """
    from custsvc.services.returns import orders

    record = run(lambda s: orders.open_(s, rma))
    _changed(record, fmt, f"opened {record['rma']}: goods expected by {record['deadline']}")


@app.command("cancel")
def cancel(rma: RmaArg, fmt: FormatOpt = None) -> None:
    """Cancel a return order that was not opened yet.

    Example: custsvc return create --customer C-1001
    Example: custsvc return cancel RMA-000009
    """
    from custsvc.services.returns import orders

    record = run(lambda s: orders.cancel(s, rma))
    _changed(record, fmt, f"canceled {record['rma']}")


@app.command("close")
def close(
    rma: RmaArg,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Close although lines are open: they are marked lost.")
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """Close an open return order once every line is finished (or with --reason, marking the rest lost).

    Example: custsvc return create --customer C-1001
    Example: custsvc return line add RMA-000009 --item FILTER-G4 --qty 2
    Example: custsvc return open RMA-000009
    Example: custsvc return close RMA-000009 --reason "Customer kept the filters"
    """
    from custsvc.services.returns import orders
    from custsvc.values import counted

    record = run(lambda s: orders.close(s, rma, reason=reason))
    lost = sum(1 for line in record["lines"] if line["status"] == "lost")
    _changed(record, fmt, f"closed {record['rma']}" + (f" ({counted(lost, 'line')} lost)" if lost else ""))


@app.command("arrive")
def arrive(
    rma: RmaArg,
    line: Annotated[int, typer.Option("--line", help="The expected line the goods are for.", min=1)],
    qty: Annotated[str, typer.Option("--qty", help="How many arrived (less than expected splits the line).")],
    serial: Annotated[str | None, typer.Option("--serial", help="The unit that arrived, by serial number.")] = None,
    late: Annotated[bool, typer.Option("--late", help="Accept goods that arrive after the deadline.")] = False,
    fmt: FormatOpt = None,
) -> None:
    """Register goods that came back: they go to quarantine until inspected; prints the arrived line.

    Less than expected splits the line: what arrived becomes a line of its own, the rest stays
    expected. After the deadline it needs --late.

    Example: custsvc return create --customer C-1001
    Example: custsvc return line add RMA-000009 --item FILTER-G4 --qty 4
    Example: custsvc return open RMA-000009
    Example: custsvc return arrive RMA-000009 --line 1 --qty 3
    """
    from custsvc import output
    from custsvc.services.returns import arrivals

    record = run(lambda s: arrivals.arrive(s, rma, line, qty=qty, serial=serial, late=late))
    if output.resolve_format(fmt_of(fmt)) == "json":
        output.emit_json(record)
        return
    typer.echo(str(record["line"]))
    split = f" (split from line {record['split_from']})" if record["split_from"] else ""
    output.message(
        f"arrived {record['rma']}/{record['line']}: {record['quantity']} {record['item']}{split}, in quarantine"
    )


@app.command("inspect")
def inspect(
    rma: RmaArg,
    line: Annotated[int, typer.Option("--line", help="The arrived line inspected.", min=1)],
    disposition: Annotated[
        str, typer.Option("--disposition", help="What happens to it (see custsvc return disposition list).")
    ],
    note: Annotated[str | None, typer.Option("--note", help="What the inspection found.")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Decide what happens to an arrived line (credit-only needs no goods back).

    Example: custsvc return create --customer C-1001
    Example: custsvc return line add RMA-000009 --item FILTER-G4 --qty 2
    Example: custsvc return open RMA-000009
    Example: custsvc return arrive RMA-000009 --line 1 --qty 2
    Example: custsvc return inspect RMA-000009 --line 1 --disposition scrap --note "Torn"
    """
    from custsvc import output
    from custsvc.services.returns import arrivals

    record = run(lambda s: arrivals.inspect(s, rma, line, disposition=disposition, note=note))
    if output.resolve_format(fmt_of(fmt)) == "json":
        output.emit_json(record)
        return
    output.message(f"inspected {record['rma']}/{record['line']}: {record['disposition']}")


def _processed(result: dict[str, Any]) -> str:
    from custsvc.values import counted

    made = [
        counted(len(result[key]), noun)
        for key, noun in (("credit_notes", "credit note"), ("replacement_orders", "replacement order"),
                          ("repair_orders", "repair order"))
        if result[key]
    ]  # fmt: skip
    orders = counted(len(result["return_orders"]), "return order")
    done = f"processed {counted(result['processed_lines'], 'line')} of {orders}"
    return done + (f": {', '.join(made)}" if made else "")


@app.command("process")
def process(
    rma: Annotated[str | None, typer.Argument(help="The return order (or --all).", metavar="RMA")] = None,
    line: Annotated[int | None, typer.Option("--line", help="Only this line of it.", min=1)] = None,
    every: Annotated[bool, typer.Option("--all", help="Every open return order (what cron runs).")] = False,
    fmt: FormatOpt = None,
) -> None:
    """Carry out the inspected lines' dispositions, in one transaction: stock moves, one credit note per
    return order, replacement and repair orders; a return order with every line done closes.

    Safe to run again or at the same time: a line is processed once. Exit 4 when some return orders
    were rejected (named on stderr) and the rest processed.

    Example: custsvc return create --customer C-1001
    Example: custsvc return line add RMA-000009 --item FILTER-G4 --qty 2
    Example: custsvc return open RMA-000009
    Example: custsvc return arrive RMA-000009 --line 1 --qty 2
    Example: custsvc return inspect RMA-000009 --line 1 --disposition credit
    Example: custsvc return process --all
    """
    from custsvc import output
    from custsvc.errors import EXIT_PARTIAL, Usage
    from custsvc.services.returns import processing

    if (rma is None) == (not every) or (every and line is not None):
        raise Usage("name a return order (RMA, optionally --line N) or give --all")
    result = run(lambda s: processing.process(s, rma, line))
    if output.resolve_format(fmt_of(fmt)) == "json":
        output.emit_json(result)
    elif result["processed_lines"]:
        output.message(_processed(result))
    for rejected in result["rejected"]:
        output.warn(f"{rejected['rma']} not processed: {rejected['problem']}")
    if result["rejected"]:
        raise typer.Exit(EXIT_PARTIAL)


@app.command("replace")
def replace(
    rma: RmaArg,
    line: Annotated[int, typer.Option("--line", help="The line replaced.", min=1)],
    item: Annotated[str | None, typer.Option("--item", help="Replace with this item (default: the same).")] = None,
    qty: Annotated[str | None, typer.Option("--qty", help="How many (default: the line's quantity).")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Send a replacement before the goods come back: a service order with an item line; prints its number.

    Example: custsvc return create --customer C-1001 --reason defective
    Example: custsvc return line add RMA-000009 --item FILTER-G4 --qty 2
    Example: custsvc return replace RMA-000009 --line 1
    """
    from custsvc import output
    from custsvc.services.returns import documents

    record = run(lambda s: documents.replace_now(s, rma, line, item=item, qty=qty))
    if output.resolve_format(fmt_of(fmt)) == "json":
        output.emit_json(record)
        return
    typer.echo(record["replacement_order"])
    output.message(f"replacement for {record['rma']}/{record['line']}: {record['replacement_order']}")


@app.command("list")
def list_(
    status: Annotated[
        ReturnStatus | None, typer.Option("--status", help="Only return orders in this status.", case_sensitive=False)
    ] = None,
    customer: Annotated[str | None, typer.Option("--customer", help="Only this customer's return orders.")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only open return orders past their deadline.")] = False,
    date_from: Annotated[
        str | None, typer.Option("--from", help=f"Created on or after this day ({DATE_HINT}).", metavar="<date>")
    ] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", help=f"Created on or before this day ({DATE_HINT}).", metavar="<date>")
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """Return orders by number, with how many lines each has and how many are still open.

    Example: custsvc return list --status open
    Example: custsvc return list --overdue --format json
    Example: custsvc return list --customer C-1001 --from -30d
    """
    from custsvc import output
    from custsvc.services.returns import orders

    rows = run(
        lambda s: orders.list_returns(
            s, status=status, customer=customer, overdue=overdue, date_from=date_from, date_to=date_to
        ),
        write=False,
    )
    output.emit_rows(
        rows,
        fmt=fmt_of(fmt),
        columns=LIST_COLUMNS,
        empty="no return orders",
        title="return orders",
        fields=orders.FIELDS,
        drop=LIST_DROP,
    )


@app.command("show")
def show(rma: RmaArg, fmt: FormatOpt = None) -> None:
    """One return order: its header, deadline and whether it is overdue, and its lines.

    Example: custsvc return create --customer C-1001 --reason wrong-item
    Example: custsvc return line add RMA-000009 --item FILTER-G4 --qty 2 --invoice INV-000152 --invoice-line 2
    Example: custsvc return show RMA-000009
    """
    from custsvc.services.returns import orders

    _emit(run(lambda s: orders.show(s, rma), write=False), fmt)


app.command("report")(report)
