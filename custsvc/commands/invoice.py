"""custsvc invoice: invoices and credit notes, and their export for accounting."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from custsvc.commands import group_help
from custsvc.commands._choices import InvoiceKind
from custsvc.commands._common import DATE_HINT, FormatOpt, LimitOpt, fmt_of, run

app = typer.Typer(help=group_help("invoice"), no_args_is_help=True)
InvoiceArg = Annotated[str, typer.Argument(help="Invoice number, e.g. INV-000001.", metavar="INV")]
LIST_COLUMNS = ["invoice", "kind", "date", "customer", "currency", "total", "lines", "credits"]
LINE_COLUMNS = ["line", "description", "quantity", "unit_price", "amount", "source", "credited"]


def emit_invoice(record: dict[str, Any], fmt: str | None, *, number_only: bool = False) -> None:
    from custsvc import output

    kind = output.resolve_format(fmt)
    if number_only and kind == "plain":
        output.echo(record["invoice"])
        return
    columns = LINE_COLUMNS if record["kind"] == "invoice" else LINE_COLUMNS[:-1]
    if any(line.get("warranty_value") for line in record["line_items"]):
        columns = [*columns[:5], "warranty_value", *columns[5:]]  # what the warranty lines would have cost
    output.emit_record(
        record,
        fmt=kind,
        title=f"{'invoice' if record['kind'] == 'invoice' else 'credit note'} {record['invoice']}",
        hide=("line_items",),
        sections={"lines": (record["line_items"], columns)},
    )


def _dates(s: Any, date_from: str | None, date_to: str | None) -> tuple[Any, Any]:

    lo = s.day(date_from, "from") if date_from else None
    hi = s.day(date_to, "to") if date_to else None
    return lo, hi


@app.command("list")
def list_(
    customer: Annotated[str | None, typer.Option("--customer", help="Only this customer's invoices.")] = None,
    date_from: Annotated[
        str | None, typer.Option("--from", help=f"Invoice date on or after ({DATE_HINT}).", metavar="<date>")
    ] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", help=f"Invoice date on or before ({DATE_HINT}).", metavar="<date>")
    ] = None,
    kind: Annotated[
        InvoiceKind | None, typer.Option("--kind", help="Only invoices or credit notes.", case_sensitive=False)
    ] = None,
    limit: LimitOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """List invoices and credit notes.

    Example: custsvc invoice list --customer C-1001 --from 2026-01-01
    """
    from custsvc import output
    from custsvc.services import invoices
    from custsvc.services.invoices.reading import INVOICE_FIELDS

    def work(s: Any) -> Any:
        lo, hi = _dates(s, date_from, date_to)
        return invoices.list_invoices(s, customer=customer, date_from=lo, date_to=hi, kind=kind, limit=limit)

    rows = run(work, write=False)
    output.emit_rows(rows, fmt=fmt_of(fmt), columns=LIST_COLUMNS, empty="no invoices", fields=INVOICE_FIELDS)


@app.command("show")
def show(invoice: InvoiceArg, fmt: FormatOpt = None) -> None:
    """Show an invoice or credit note with its lines.

    Example: custsvc invoice show INV-000001
    """
    from custsvc.services import invoices

    emit_invoice(run(lambda s: invoices.show(s, invoice), write=False), fmt_of(fmt))


@app.command("export")
def export(
    date_from: Annotated[str, typer.Option("--from", help=f"First invoice date ({DATE_HINT}).", metavar="<date>")],
    date_to: Annotated[str, typer.Option("--to", help=f"Last invoice date ({DATE_HINT}).", metavar="<date>")],
    customer: Annotated[str | None, typer.Option("--customer", help="Only this customer.")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Export invoice lines for an accounting import: one row per line, credit notes negative.

    Fields: invoice, line, date, customer, currency, kind, description, quantity, unit_price, amount,
    source_type, source, period_start, period_end (of a subscription fee), credits, warranty_value
    (what a warranty line, invoiced at zero, would have cost).
    Example: custsvc invoice export --from 2026-03-01 --to 2026-03-31 --format csv
    """
    from custsvc import output
    from custsvc.services import invoices
    from custsvc.services.invoices.reading import LINE_FIELDS

    def work(s: Any) -> Any:
        lo, hi = _dates(s, date_from, date_to)
        return invoices.export_lines(s, date_from=lo, date_to=hi, customer=customer)

    output.emit_rows(
        run(work, write=False),
        fmt=fmt_of(fmt),
        columns=["invoice", "line", "date", "customer", "description", "quantity", "unit_price", "amount", "source"],
        empty="no invoice lines",
        fields=LINE_FIELDS,
    )


@app.command("credit")
def credit(
    invoice: InvoiceArg,
    line: Annotated[
        list[int] | None, typer.Option("--line", help="Credit only this line; repeatable.", min=1, max=1_000_000)
    ] = None,
    reopen: Annotated[
        bool, typer.Option("--reopen", help="Make what the lines billed billable again (order lines go back to open).")
    ] = False,
    note: Annotated[str | None, typer.Option("--note", help="Text on the credit note.")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Credit an invoice (all lines not yet credited, or --line N) with a credit note.

    Example: custsvc invoice credit INV-000004 --line 1 --reopen
    """
    from custsvc.services import invoices

    emit_invoice(
        run(lambda s: invoices.credit(s, invoice, line_nos=line or [], reopen=reopen, note=note)),
        fmt_of(fmt),
        number_only=True,
    )
