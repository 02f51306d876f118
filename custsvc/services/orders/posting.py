"""Posting an order's open lines onto one invoice for the customer (through the one invoice writer)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from custsvc.context import Context
from custsvc.errors import RuleViolation
from custsvc.models import OrderLine, ServiceOrder
from custsvc.services import invoices
from custsvc.services.orders.checks import get, require_flag, stage_of, touch
from custsvc.services.orders.events import OrderPosted
from custsvc.services.orders.lifecycle import transition


def _open_lines(ctx: Context, order: ServiceOrder) -> list[OrderLine]:
    query = select(OrderLine).where(OrderLine.order_number == order.number, OrderLine.status == "created")
    lines = list(ctx.execute(query.order_by(OrderLine.line_no)).scalars())
    if not lines:
        raise RuleViolation("lines-to-post", f"{order.number} has no open lines to post")
    if order.requires_sign_off:
        unsigned = [str(line.line_no) for line in lines if line.signed_off_at is None]
        if unsigned:
            raise RuleViolation(
                "signed-off-before-post",
                f"{order.number} must be signed off before posting (unsigned lines: {', '.join(unsigned)})",
            )
    return lines


def draft_of(order: ServiceOrder, lines: list[OrderLine]) -> invoices.DraftInvoice:
    """The invoice posting ``lines`` makes: one line per order line, its source the order."""
    drafts = [
        invoices.DraftLine(
            description=line.description or line.type,
            quantity=line.quantity,
            unit_price=line.price,
            source_type="order",
            source=order.number,
            order_line_id=line.id,
        )
        for line in lines
    ]
    return invoices.DraftInvoice(customer=order.customer, lines=drafts)


def post(ctx: Context, number: str, *, force: bool = False) -> dict[str, Any]:
    """Post the order's open lines into one invoice for the customer."""
    order = get(ctx, number, lock=True)
    require_flag(stage_of(ctx, order), "can_post", "stage-allows-post", "posting", number)
    lines = _open_lines(ctx, order)
    event = OrderPosted(order, lines)
    with transition(ctx, event, force=force):
        event.invoice = invoices.write_one(ctx, draft_of(order, lines))
        ctx.execute(
            update(OrderLine)
            .where(OrderLine.id.in_([line.id for line in lines]))
            .values(status="posted", updated_at=ctx.now, updated_by=ctx.actor)
        )
        touch(ctx, order)
    return invoices.show(ctx, event.invoice)
