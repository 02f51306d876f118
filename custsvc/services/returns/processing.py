"""``return process``: carry out the dispositions of inspected lines, in one transaction.

Per line, by its disposition's action: the goods leave quarantine (to the shelf, scrap or the
customer; a unit for repair stays in the shop); the credited lines of a return order make one credit
note through the one invoice writer, each credit line linked to the invoice line it returns and
never more than is left of it; replaced lines make one replacement order per return order (item
lines); a repair makes a service order with a repair line for the object. A processed line is done;
one in repair waits (``in-repair``) until its repair order is resolved, then it is shipped back
(``hooks``); a return order whose lines are all done closes. Only inspected lines are taken,
locked: a second run, or one running at the same time, finds nothing left to do.

Everything is checked before anything is written: a return order that cannot be processed (a
credit beyond what is left of its invoice line) is left as it was and reported; the others go on."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from custsvc.context import Context
from custsvc.domain import returns as rules
from custsvc.domain.checks import check_key
from custsvc.domain.orders import line_amount
from custsvc.errors import NotFound, RuleViolation
from custsvc.models import InvoiceLine, Item, ReturnDisposition, ReturnLine, ReturnOrder
from custsvc.services.stock import ledger

#: where the goods go, per action (a repair keeps them in the shop until it is done)
DESTINATION = {
    "credit": "stock",
    "replace-credit": "stock",
    "scrap": "scrap",
    "replace-scrap": "scrap",
    "return-to-customer": "customer",
}


@dataclass
class _Plan:
    """What processing one return order will do, worked out before anything is written."""

    order: ReturnOrder
    lines: list[tuple[ReturnLine, str]] = field(default_factory=list)
    problem: str | None = None


def _lines(ctx: Context, rma: str | None, line_no: int | None) -> list[ReturnLine]:
    query = (
        select(ReturnLine)
        .join(ReturnOrder, ReturnOrder.number == ReturnLine.rma)
        .where(ReturnLine.status == "inspected", ReturnOrder.status == "open")
        .order_by(ReturnLine.rma, ReturnLine.line_no)
        .with_for_update(of=ReturnLine)
    )
    if rma is not None:
        query = query.where(ReturnLine.rma == rma)
    if line_no is not None:
        query = query.where(ReturnLine.line_no == line_no)
    return list(ctx.execute(query).scalars())


def _check_order(ctx: Context, rma: str, line_no: int | None) -> str:
    key = check_key(rma, "return order")
    order = ctx.get(ReturnOrder, key)
    if order is None:
        raise NotFound("return order", key)
    if order.status != "open":
        raise RuleViolation("return-open", f"{key} is {order.status}: only an open return order is processed")
    if line_no is not None:
        from custsvc.services.returns.lines import get_line

        get_line(ctx, key, line_no)
    return key


def _credit_room(ctx: Context, plans: list[_Plan]) -> None:
    """Mark the plans whose credits would take more than is left of an invoice line (one query)."""
    from custsvc.services.invoices.reading import credited_amounts

    ids = {line.invoice_line_id for plan in plans for line, action in plan.lines if action in rules.CREDITS}
    ids.discard(None)
    if not ids:
        return
    billed = {row.id: row for row in ctx.execute(select(InvoiceLine).where(InvoiceLine.id.in_(ids))).scalars()}
    left = {i: billed[i].amount - credited for i, credited in _credited(credited_amounts(ctx, list(ids)), ids).items()}
    for plan in plans:
        for line, action in plan.lines:
            if action not in rules.CREDITS or line.invoice_line_id is None:
                continue
            amount = line_amount(line.quantity, line.price)
            if amount > left[line.invoice_line_id]:
                invoiced = billed[line.invoice_line_id]
                plan.problem = (
                    f"{plan.order.number}/{line.line_no}: {invoiced.invoice}/{invoiced.line_no} has "
                    f"{left[line.invoice_line_id]} left to credit, not {amount}"
                )
            left[line.invoice_line_id] -= amount


def _credited(found: dict[int, Decimal], ids: set[Any]) -> dict[int, Decimal]:
    return {i: found.get(i, Decimal("0.00")) for i in ids}


def plan(ctx: Context, rma: str | None = None, line_no: int | None = None) -> list[_Plan]:
    """The work, per return order, of the inspected lines (of ``rma``, or of every open one)."""
    key = _check_order(ctx, rma, line_no) if rma is not None else None
    found = _lines(ctx, key, line_no)
    actions = dict(ctx.execute(select(ReturnDisposition.code, ReturnDisposition.action)).all())
    by_order: dict[str, _Plan] = {}
    for line in found:
        order_plan = by_order.get(line.rma) or by_order.setdefault(line.rma, _Plan(ctx.get(ReturnOrder, line.rma)))
        order_plan.lines.append((line, actions[line.disposition]))
    plans = list(by_order.values())
    _credit_room(ctx, plans)
    return plans


def _move_goods(ctx: Context, plans: list[_Plan]) -> None:
    """The goods that came back leave quarantine for where their action sends them."""
    items: dict[str, Item] = {}
    for order_plan in plans:
        for line, action in order_plan.lines:
            destination = DESTINATION.get(action)
            if destination is None or line.arrived_at is None:
                continue
            item = items.get(line.item) or items.setdefault(line.item, ledger.item_of(ctx, line.item))
            ledger.move(
                ctx, item, line.quantity, "quarantine", destination, doc_type="return", serial=line.serial, doc=line.rma
            )


def _mark_done(ctx: Context, plans: list[_Plan]) -> None:
    for order_plan in plans:
        for line, action in order_plan.lines:
            line.status = "in-repair" if action == "repair" else "processed"
            line.processed_at, line.updated_at, line.updated_by = ctx.now, ctx.now, ctx.actor
    ctx.flush()


def process(ctx: Context, rma: str | None = None, line_no: int | None = None) -> dict[str, Any]:
    """Carry out the inspected lines of ``rma`` (its line ``line_no``), or of every open return order."""
    from custsvc.services.returns import documents

    plans = plan(ctx, rma, line_no)
    doable = [p for p in plans if p.problem is None]
    wanted = {line.item for p in doable for line, _action in p.lines}
    names = dict(ctx.execute(select(Item.item, Item.name).where(Item.item.in_(wanted))).all()) if wanted else {}
    _move_goods(ctx, doable)
    made = documents.make(ctx, doable, names)
    _mark_done(ctx, doable)
    closed = documents.close_finished(ctx, [p.order for p in doable])
    return {
        "processed_lines": sum(len(p.lines) for p in doable),
        "return_orders": [p.order.number for p in doable],
        "closed": closed,
        **made,
        "rejected": [{"rma": p.order.number, "problem": p.problem} for p in plans if p.problem is not None],
    }


def counts(plans: list[_Plan]) -> dict[str, int]:
    """How many lines of each action the plans hold (a dry run's summary)."""
    out: dict[str, int] = defaultdict(int)
    for order_plan in plans:
        for _line, action in order_plan.lines:
            out[action] += 1
    return dict(out)
