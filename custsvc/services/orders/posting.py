"""Posting orders' open lines onto invoices for the customer (through the one invoice writer): one
order, or every signed-off order of a customer in one run (an invoice each, or one for them all)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update

from custsvc.context import Context
from custsvc.domain.orders import line_amount
from custsvc.errors import NotFound, RuleViolation
from custsvc.models import Customer, Invoice, OrderLine, ServiceOrder, Stage
from custsvc.services import invoices
from custsvc.services.orders.checks import get, require_flag, stage_of, touch
from custsvc.services.orders.events import OrderPosted
from custsvc.services.orders.lifecycle import transition, transitions


def _check_postable(order: ServiceOrder, lines: list[OrderLine]) -> None:
    if not lines:
        raise RuleViolation("lines-to-post", f"{order.number} has no open lines to post")
    if order.requires_sign_off:
        unsigned = [str(line.line_no) for line in lines if line.signed_off_at is None]
        if unsigned:
            raise RuleViolation(
                "signed-off-before-post",
                f"{order.number} must be signed off before posting (unsigned lines: {', '.join(unsigned)})",
            )


def _open_lines(ctx: Context, numbers: list[str]) -> dict[str, list[OrderLine]]:
    """The created lines of the orders, by order, in line order (one statement)."""
    out: dict[str, list[OrderLine]] = defaultdict(list)
    query = select(OrderLine).where(OrderLine.order_number.in_(numbers), OrderLine.status == "created")
    for line in ctx.execute(query.order_by(OrderLine.order_number, OrderLine.line_no)).scalars():
        out[line.order_number].append(line)
    return out


def billing_of(ctx: Context, lines: Iterable[OrderLine]) -> dict[Any, dict[str, Any]]:
    """What other capabilities say of how lines are billed (contribution ``order-line``): ``warranty``
    names the repair under warranty a line belongs to (it is invoiced at zero)."""
    return ctx.bus.contributions(ctx, "order-line", [line.id for line in lines])


def _draft_line(order: ServiceOrder, line: OrderLine, billing: Mapping[str, Any]) -> invoices.DraftLine:
    description = line.description or line.type
    warranty = billing.get("warranty")
    if warranty:
        return invoices.DraftLine(
            description=f"Warranty ({warranty}): {description}",
            quantity=line.quantity,
            unit_price=Decimal("0.00"),
            source_type="order",
            source=order.number,
            order_line_id=line.id,
            warranty_value=line_amount(line.quantity, line.price),
        )
    return invoices.DraftLine(
        description=description,
        quantity=line.quantity,
        unit_price=line.price,
        source_type="order",
        source=order.number,
        order_line_id=line.id,
    )


def draft_lines(
    order: ServiceOrder, lines: list[OrderLine], billing: Mapping[Any, Mapping[str, Any]] | None = None
) -> list[invoices.DraftLine]:
    """One invoice line per order line, its source the order; lines of a repair under warranty at zero."""
    return [_draft_line(order, line, (billing or {}).get(line.id) or {}) for line in lines]


def draft_of(
    order: ServiceOrder,
    lines: list[OrderLine],
    invoice_date: date | None = None,
    billing: Mapping[Any, Mapping[str, Any]] | None = None,
) -> invoices.DraftInvoice:
    """The invoice posting ``lines`` makes."""
    return invoices.DraftInvoice(
        customer=order.customer, lines=draft_lines(order, lines, billing), invoice_date=invoice_date
    )


def check_invoice_date(ctx: Context, invoice_date: date | None) -> None:
    """An invoice date given by hand may not come before the newest invoice's: invoice numbers rise
    with their dates."""
    if invoice_date is None:
        return
    latest = ctx.execute(select(func.max(Invoice.invoice_date))).scalar()
    if latest is not None and invoice_date < latest:
        raise RuleViolation(
            "invoice-dates-in-number-order",
            f"invoice date {invoice_date.isoformat()} is before the newest invoice's ({latest.isoformat()}): "
            "invoice numbers must rise with their dates",
        )


def _mark_posted(ctx: Context, orders: list[ServiceOrder], lines: dict[str, list[OrderLine]]) -> None:
    ids = [line.id for order in orders for line in lines[order.number]]
    ctx.execute(
        update(OrderLine).where(OrderLine.id.in_(ids)).values(status="posted", updated_at=ctx.now, updated_by=ctx.actor)
    )
    for order in orders:
        touch(ctx, order)


def post(ctx: Context, number: str, *, force: bool = False, invoice_date: date | None = None) -> dict[str, Any]:
    """Post the order's open lines into one invoice for the customer."""
    order = get(ctx, number, lock=True)
    require_flag(stage_of(ctx, order), "can_post", "stage-allows-post", "posting", number)
    check_invoice_date(ctx, invoice_date)
    lines = _open_lines(ctx, [number])
    _check_postable(order, lines[number])
    event = OrderPosted(order, lines[number])
    with transition(ctx, event, force=force):
        billing = billing_of(ctx, lines[number])
        event.invoice = invoices.write_one(ctx, draft_of(order, lines[number], invoice_date, billing))
        _mark_posted(ctx, [order], lines)
    return invoices.show(ctx, event.invoice)


def _signed_off_orders(ctx: Context, customer: str) -> tuple[list[ServiceOrder], list[dict[str, str]]]:
    """The customer's signed-off orders with open lines: those whose stage allows posting, and the
    others with the reason they wait."""
    has_open = select(OrderLine.id).where(OrderLine.order_number == ServiceOrder.number, OrderLine.status == "created")
    query = (
        select(ServiceOrder, Stage.can_post)
        .join(Stage, Stage.stage == ServiceOrder.stage)
        .where(ServiceOrder.customer == customer, ServiceOrder.signed_off_at.is_not(None), has_open.exists())
        .order_by(ServiceOrder.number)
        .with_for_update(of=ServiceOrder)
    )
    ready, waiting = [], []
    for order, can_post in ctx.execute(query):
        if can_post:
            ready.append(order)
        else:
            waiting.append({"order": order.number, "reason": f"stage {order.stage!r} does not allow posting"})
    return ready, waiting


def _drafts(
    ctx: Context,
    customer: str,
    orders: list[ServiceOrder],
    lines: dict[str, list[OrderLine]],
    *,
    one_invoice: bool,
    invoice_date: date | None,
) -> list[invoices.DraftInvoice]:
    """An invoice per order, or one for them all."""
    billing = billing_of(ctx, [line for order in orders for line in lines[order.number]])
    if one_invoice and orders:
        merged = [line for order in orders for line in draft_lines(order, lines[order.number], billing)]
        return [invoices.DraftInvoice(customer=customer, lines=merged, invoice_date=invoice_date)]
    return [draft_of(order, lines[order.number], invoice_date, billing) for order in orders]


def post_signed_off(
    ctx: Context, customer: str, *, one_invoice: bool = False, invoice_date: date | None = None, force: bool = False
) -> dict[str, Any]:
    """Post every signed-off order of ``customer`` whose stage allows it: an invoice per order, or one
    invoice for them all (``one_invoice``). The others are reported with why they wait."""
    if ctx.get(Customer, customer) is None:
        raise NotFound("customer", customer)
    check_invoice_date(ctx, invoice_date)
    orders, waiting = _signed_off_orders(ctx, customer)
    lines = _open_lines(ctx, [o.number for o in orders])
    for order in orders:
        _check_postable(order, lines[order.number])
    events = [OrderPosted(order, lines[order.number]) for order in orders]
    drafts = _drafts(ctx, customer, orders, lines, one_invoice=one_invoice, invoice_date=invoice_date)
    with transitions(ctx, events, force=force):
        written = invoices.write(ctx, drafts)
        for at, event in enumerate(events):
            event.invoice = written[0 if one_invoice else at].number
        _mark_posted(ctx, orders, lines)
    return {
        "customer": customer,
        "invoices": [w.number for w in written],
        "orders": [{"order": e.order.number, "invoice": e.invoice, "lines": len(e.lines)} for e in events],
        "total": sum((w.total for w in written), Decimal("0.00")),
        "waiting": waiting,
    }
