"""custsvc order post: one order's open lines onto an invoice, or every signed-off order of a customer."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from custsvc.commands._common import DATE_HINT, ForceOpt, FormatOpt, fmt_of, run


def post(
    order: Annotated[
        str | None, typer.Argument(help="The order to post (or --customer with --signed-off).", metavar="ORDER")
    ] = None,
    customer: Annotated[
        str | None, typer.Option("--customer", help="With --signed-off: every signed-off order of this customer.")
    ] = None,
    signed_off: Annotated[
        bool, typer.Option("--signed-off", help="Post the customer's signed-off orders whose stage allows it.")
    ] = False,
    one_invoice: Annotated[
        bool, typer.Option("--one-invoice", help="With --customer: one invoice for all the orders, not one each.")
    ] = False,
    invoice_date: Annotated[
        str | None,
        typer.Option(
            "--date",
            help=f"Invoice date ({DATE_HINT}; default: today); not before the newest invoice's.",
            metavar="<date>",
        ),
    ] = None,
    force: ForceOpt = False,
    fmt: FormatOpt = None,
) -> None:
    """Post the order's open lines into an invoice (stage must allow posting; signed off if required).

    Prints the invoice number (the whole invoice with --format json). With --customer C --signed-off it
    posts every signed-off order of C in one run and prints the invoice numbers; orders whose stage
    does not allow posting yet are listed on stderr.

    Example: custsvc order post SO-000044
    Example: custsvc order post --customer C-1001 --signed-off --one-invoice
    """
    from custsvc.commands.invoice import emit_invoice
    from custsvc.services import orders

    if order is not None and (customer or signed_off):
        raise _usage("give an ORDER, or --customer with --signed-off, not both")
    if order is None:
        if not (customer and signed_off):
            raise _usage("give the ORDER to post, or --customer C --signed-off")
        _post_signed_off(customer, one_invoice, invoice_date, force, fmt_of(fmt))
        return
    if one_invoice:
        raise _usage("--one-invoice goes with --customer C --signed-off")

    def work(s: Any) -> Any:
        day = s.day(invoice_date, "date") if invoice_date else None
        return orders.post(s, order, force=force, invoice_date=day)

    emit_invoice(run(work), fmt_of(fmt), number_only=True)


def _usage(text: str) -> Exception:
    from custsvc.errors import Usage

    return Usage(text)


def _post_signed_off(customer: str, one_invoice: bool, invoice_date: str | None, force: bool, fmt: str | None) -> None:
    from custsvc import output
    from custsvc.services import orders

    def work(s: Any) -> Any:
        day = s.day(invoice_date, "date") if invoice_date else None
        return orders.post_signed_off(s, customer, one_invoice=one_invoice, invoice_date=day, force=force)

    result = run(work)
    if output.resolve_format(fmt) == "json":
        output.emit_json(result)
        return
    for number in result["invoices"]:
        output.echo(number)
    for waiting in result["waiting"]:
        output.message(f"{waiting['order']} waits: {waiting['reason']}")
    posted = len(result["orders"])
    if posted:
        invoiced = output.counted(len(result["invoices"]), "invoice")
        output.message(f"posted {output.counted(posted, 'order')} of {customer} on {invoiced}")
    else:
        output.message(f"nothing to post for {customer}: no signed-off order with open lines")
