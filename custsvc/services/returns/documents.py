"""The documents processing makes, per return order: one credit note (through the one invoice
writer), one replacement order, a repair order per line to repair; and closing what is finished."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from custsvc.context import Context
from custsvc.domain import returns as rules
from custsvc.domain.orders import line_amount
from custsvc.models import InvoiceLine, ReturnLine, ReturnOrder
from custsvc.services.invoices.writer import DraftInvoice, DraftLine, write


def _credit_draft(plan: Any, names: dict[str, str], invoices: dict[int, str]) -> DraftInvoice | None:
    credited = [line for line, action in plan.lines if action in rules.CREDITS]
    if not credited:
        return None
    drafts = [
        DraftLine(
            description=f"Return {line.rma}/{line.line_no}: {names.get(line.item, line.item)}",
            quantity=-line.quantity,
            unit_price=line.price,
            amount=-line_amount(line.quantity, line.price),
            source_type="return",
            source=line.rma,
            credited_line_id=line.invoice_line_id,
        )
        for line in credited
    ]
    returned = {invoices[line.invoice_line_id] for line in credited if line.invoice_line_id is not None}
    return DraftInvoice(
        customer=plan.order.customer,
        kind="credit",
        credits=returned.pop() if len(returned) == 1 else None,
        note=f"Credit for return {plan.order.number}",
        lines=drafts,
    )


def _credit_notes(ctx: Context, plans: Sequence[Any], names: dict[str, str]) -> list[str]:
    ids = [line.invoice_line_id for p in plans for line, _a in p.lines if line.invoice_line_id is not None]
    invoices = dict(ctx.execute(select(InvoiceLine.id, InvoiceLine.invoice).where(InvoiceLine.id.in_(ids))).all())
    pairs = [(p, d) for p in plans if (d := _credit_draft(p, names, invoices)) is not None]
    written = write(ctx, [d for _p, d in pairs])
    for (plan, _draft), note in zip(pairs, written, strict=True):
        credited = [line for line, action in plan.lines if action in rules.CREDITS]
        for line, line_id in zip(credited, note.line_ids, strict=True):
            line.credit_line_id = line_id
    return [note.number for note in written]


def _replacements(ctx: Context, plans: Sequence[Any]) -> list[str]:
    from custsvc.services import orders

    made = []
    for plan in plans:
        # a line replaced up front (``return replace``) has its replacement already
        replaced = [line for line, action in plan.lines if action in rules.REPLACES and line.replacement_order is None]
        if not replaced:
            continue
        number = orders.create(
            ctx, customer=plan.order.customer, description=f"Replacement for return {plan.order.number}"
        )["order"]
        for line in replaced:
            orders.add_line(ctx, number, type="item", item=line.item, quantity=format(line.quantity, "f"))
            line.replacement_order = number
        made.append(number)
    return made


def _repairs(ctx: Context, plans: Sequence[Any]) -> list[str]:
    from custsvc.services import orders
    from custsvc.services.repairs import lines as repair_lines

    made = []
    for plan in plans:
        for line, action in plan.lines:
            if action != "repair" or line.object is None:
                continue
            number = orders.create(
                ctx,
                customer=plan.order.customer,
                objects=[line.object],
                description=f"Repair of return {line.rma}/{line.line_no}",
            )["order"]
            repair_lines.add(ctx, number, obj=line.object, note=f"came back on {line.rma}/{line.line_no}")
            line.repair_order = number
            made.append(number)
    return made


def _fees(ctx: Context, plans: Sequence[Any]) -> list[str]:
    """One invoice per return order for the handling fees of the goods shipped back as they are."""
    from custsvc.models import ReturnDisposition

    fees = dict(ctx.execute(select(ReturnDisposition.code, ReturnDisposition.fee).where(
        ReturnDisposition.fee.is_not(None))).all())  # fmt: skip
    drafts = []
    for plan in plans:
        charged = [line for line, action in plan.lines if action == "return-to-customer" and fees.get(line.disposition)]
        if charged:
            lines = [
                DraftLine(
                    description=f"Handling fee, return {line.rma}/{line.line_no}",
                    quantity=Decimal(1),
                    unit_price=fees[line.disposition],
                    source_type="return",
                    source=line.rma,
                )
                for line in charged
            ]
            drafts.append(DraftInvoice(customer=plan.order.customer, note=f"Return {plan.order.number}", lines=lines))
    return [written.number for written in write(ctx, drafts)]


def make(ctx: Context, plans: Sequence[Any], names: dict[str, str]) -> dict[str, list[str]]:
    return {
        "credit_notes": _credit_notes(ctx, plans, names),
        "fee_invoices": _fees(ctx, plans),
        "replacement_orders": _replacements(ctx, plans),
        "repair_orders": _repairs(ctx, plans),
    }


def close_finished(ctx: Context, orders: Sequence[ReturnOrder]) -> list[str]:
    """Close the return orders all of whose lines are finished (one query for their lines)."""
    numbers = [o.number for o in orders]
    if not numbers:
        return []
    open_left = set(
        ctx.execute(
            select(ReturnLine.rma).where(ReturnLine.rma.in_(numbers), ReturnLine.status.not_in(rules.LINE_DONE))
        ).scalars()
    )
    closed = []
    for order in orders:
        if order.number not in open_left:
            order.status, order.closed_at = "closed", ctx.now
            order.updated_at, order.updated_by = ctx.now, ctx.actor
            closed.append(order.number)
    ctx.flush()
    return closed


def replace_now(ctx: Context, rma: str, line_no: int, *, item: str | None = None, qty: str | None = None) -> dict:
    """A replacement sent before the goods arrive (``return replace``): a service order with an
    item line, recorded on the return line; processing makes no second one for it."""
    from custsvc.domain.money import parse_quantity
    from custsvc.errors import InvalidInput, RuleViolation
    from custsvc.services import orders
    from custsvc.services.returns.lines import get_line, order_for_lines
    from custsvc.services.stock import ledger

    order = order_for_lines(ctx, rma)
    line = get_line(ctx, order.number, line_no, lock=True)
    if line.replacement_order is not None:
        raise RuleViolation(
            "replace-once", f"{order.number}/{line_no} was replaced already by {line.replacement_order}"
        )
    if line.status not in ("expected", "arrived", "inspected"):
        raise RuleViolation("replace-open-line", f"{order.number}/{line_no} is {line.status}: nothing to replace")
    part = ledger.item_of(ctx, item) if item else ledger.item_of(ctx, line.item)
    quantity = parse_quantity(qty, "qty", allow_zero=False) if qty is not None else line.quantity
    if quantity > line.quantity:
        raise InvalidInput(
            "qty", format(quantity, "f"), f"{order.number}/{line_no} returns {format(line.quantity, 'f')}"
        )
    number = orders.create(
        ctx, customer=order.customer, description=f"Replacement for return {order.number}/{line_no}"
    )["order"]
    orders.add_line(ctx, number, type="item", item=part.item, quantity=format(quantity, "f"))
    line.replacement_order, line.updated_at, line.updated_by = number, ctx.now, ctx.actor
    ctx.flush()
    return {"rma": order.number, "line": line_no, "replacement_order": number, "item": part.item, "quantity": quantity}
