"""The lines of a return order: what is expected back (an item, a unit by serial or an object, a
quantity), at what price, and which invoice line it returns.

A line that returns an invoice line takes its unit price, and may not take back more than was
invoiced on it minus what the lines of other return orders (not canceled, not lost) take already;
the invoice line is locked while that is counted, so two return orders cannot both take the rest."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from custsvc.context import Context
from custsvc.domain import returns as rules
from custsvc.domain.checks import check_key
from custsvc.domain.locations import object_of
from custsvc.domain.money import parse_money, parse_quantity
from custsvc.domain.orders import line_amount
from custsvc.errors import BadUsage, InvalidInput, NotFound, RuleViolation
from custsvc.models import (
    Invoice,
    InvoiceLine,
    Item,
    OrderLine,
    ReturnLine,
    ReturnOrder,
    ReturnReason,
    SerialUnit,
    ServiceObject,
    StockMove,
)
from custsvc.services.batch import select_in

#: return orders in these take no new lines
CLOSED = ("closed", "canceled")


def order_for_lines(ctx: Context, rma: str) -> ReturnOrder:
    """The return order, locked, while it takes lines (created or open)."""
    key = check_key(rma, "return order")
    order = ctx.execute(select(ReturnOrder).where(ReturnOrder.number == key).with_for_update()).scalar_one_or_none()
    if order is None:
        raise NotFound("return order", key)
    if order.status in CLOSED:
        raise RuleViolation("return-takes-lines", f"{key} is {order.status}: it takes no more lines")
    return order


def _item(ctx: Context, item: str) -> Item:
    row = ctx.get(Item, check_key(item, "item"))
    if row is None:
        raise NotFound("item", item)
    return row


def _reason(ctx: Context, reason: str | None, default: str | None) -> str | None:
    if reason is None or not reason.strip():
        return default
    key = check_key(reason, "reason")
    if ctx.get(ReturnReason, key) is None:
        raise NotFound("return reason", key)
    return key


def _customer_of_unit(ctx: Context, unit: SerialUnit) -> str | None:
    """Whose the unit is: the customer of the object it is installed in, or the one an order
    delivered it to (the last movement that took it to ``customer``)."""
    obj = object_of(unit.location)
    if obj is not None:
        row = ctx.get(ServiceObject, obj)
        return row.customer if row else None
    if unit.location != "customer":
        return None
    from custsvc.models import ServiceOrder

    query = (
        select(ServiceOrder.customer)
        .join(StockMove, StockMove.doc == ServiceOrder.number)
        .where(StockMove.item == unit.item, StockMove.serial == unit.serial, StockMove.to_location == "customer")
        .order_by(StockMove.at.desc(), StockMove.id.desc())
        .limit(1)
    )
    return ctx.execute(query).scalar_one_or_none()


def _check_serial(ctx: Context, order: ReturnOrder, item: Item, serial: str, qty: Decimal) -> str:
    key = check_key(serial, "serial")
    if not item.serialized:
        raise InvalidInput("serial", key, f"item {item.item} is not serialized")
    if qty != 1:
        raise InvalidInput("qty", format(qty, "f"), "a line for one unit (--serial) returns 1")
    unit = ctx.execute(
        select(SerialUnit).where(SerialUnit.item == item.item, SerialUnit.serial == key)
    ).scalar_one_or_none()
    if unit is None:
        raise NotFound("serial", f"{key} (of {item.item})")
    owner = _customer_of_unit(ctx, unit)
    if owner != order.customer:
        where = f"it is at {unit.location}" if owner is None else f"it belongs to {owner}"
        raise RuleViolation("return-own-unit", f"unit {item.item} {key} is not {order.customer}'s: {where}")
    return key


def _check_object(ctx: Context, order: ReturnOrder, obj: str) -> str:
    key = check_key(obj, "object")
    row = ctx.get(ServiceObject, key)
    if row is None:
        raise NotFound("service object", key)
    if row.customer != order.customer:
        raise RuleViolation("return-own-unit", f"service object {key} belongs to {row.customer}, not {order.customer}")
    return key


def _invoice_line(ctx: Context, order: ReturnOrder, invoice: str, line_no: int, item: Item) -> InvoiceLine:
    """The invoice line returned, locked: of an invoice (not a credit note) to the same customer,
    billing this item."""
    number = check_key(invoice, "invoice")
    head = ctx.get(Invoice, number)
    if head is None:
        raise NotFound("invoice", number)
    if head.kind != "invoice":
        raise RuleViolation("return-invoiced-lines", f"{number} is a credit note: return lines refer to invoices")
    if head.customer != order.customer:
        raise RuleViolation("return-own-invoice", f"{number} is {head.customer}'s invoice, not {order.customer}'s")
    query = select(InvoiceLine).where(InvoiceLine.invoice == number, InvoiceLine.line_no == line_no)
    row = ctx.execute(query.with_for_update()).scalar_one_or_none()
    if row is None:
        raise NotFound("invoice line", f"{number}/{line_no}")
    billed = ctx.get(OrderLine, row.order_line_id).item if row.order_line_id else None
    if billed != item.item:
        what = f"item {billed}" if billed else "no item"
        raise RuleViolation("return-invoiced-item", f"{number}/{line_no} bills {what}, not {item.item}")
    return row


def taken_back(ctx: Context, invoice_line_id: int, *, but: int | None = None) -> Decimal:
    """What return lines (of return orders not canceled, lines not lost) take of an invoice line."""
    query = (
        select(func.coalesce(func.sum(ReturnLine.quantity), 0))
        .join(ReturnOrder, ReturnOrder.number == ReturnLine.rma)
        .where(
            ReturnLine.invoice_line_id == invoice_line_id,
            ReturnLine.status != "lost",
            ReturnOrder.status != "canceled",
        )
    )
    if but is not None:
        query = query.where(ReturnLine.id != but)
    return Decimal(ctx.execute(query).scalar_one())  # the column's type reads milli-units back


def _check_returnable(ctx: Context, line: InvoiceLine, qty: Decimal, invoice: str) -> None:
    rest = rules.returnable(line.quantity, [taken_back(ctx, line.id)])  # type: ignore[arg-type]
    if qty > rest:
        raise RuleViolation(
            "return-at-most-invoiced",
            f"{invoice}/{line.line_no} invoiced {format(line.quantity, 'f')}; "
            f"{format(max(rest, Decimal(0)), 'f')} of it can still be returned, not {format(qty, 'f')}",
        )


def add(
    ctx: Context,
    rma: str,
    *,
    item: str,
    qty: str,
    serial: str | None = None,
    obj: str | None = None,
    invoice: str | None = None,
    invoice_line: int | None = None,
    price: str | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    """Expect ``qty`` of ``item`` back on the return order; prints its line number."""
    order = order_for_lines(ctx, rma)
    part = _item(ctx, item)
    quantity = parse_quantity(qty, "qty", allow_zero=False)
    if serial and obj:
        raise BadUsage("serial", serial, "give --serial or --object, not both")
    if (invoice is None) != (invoice_line is None):
        raise BadUsage("invoice", invoice or "", "--invoice and --invoice-line go together")
    returned = None
    if invoice is not None and invoice_line is not None:
        if price is not None:
            raise BadUsage("price", price, "a line returning an invoice line is credited at the invoiced price")
        returned = _invoice_line(ctx, order, invoice, invoice_line, part)
        _check_returnable(ctx, returned, quantity, check_key(invoice, "invoice"))
    row = ReturnLine(
        rma=order.number,
        line_no=next_line(ctx, order.number),
        item=part.item,
        serial=_check_serial(ctx, order, part, serial, quantity) if serial else None,
        object=_check_object(ctx, order, obj) if obj else None,
        quantity=quantity,
        price=returned.unit_price if returned else _price(part, price),
        invoice_line_id=returned.id if returned else None,
        reason=_reason(ctx, reason, order.reason),
        created_at=ctx.now,
        created_by=ctx.actor,
    )
    ctx.add(row)
    ctx.flush()
    return records(ctx, [order.number])[order.number][-1]


def _price(item: Item, price: str | None) -> Decimal:
    return parse_money(price, "price") if price is not None else item.price


def next_line(ctx: Context, rma: str) -> int:
    top = ctx.execute(select(func.max(ReturnLine.line_no)).where(ReturnLine.rma == rma)).scalar()
    return (top or 0) + 1


def get_line(ctx: Context, rma: str, line_no: int, *, lock: bool = False) -> ReturnLine:
    query = select(ReturnLine).where(ReturnLine.rma == rma, ReturnLine.line_no == line_no)
    row = ctx.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    if row is None:
        raise NotFound("return line", f"{rma}/{line_no}")
    return row


FIELDS = [
    "rma", "line", "item", "serial", "object", "quantity", "price", "amount", "invoice", "invoice_line",
    "reason", "status", "split_from", "arrived_at", "late", "disposition", "inspection_note", "inspected_at",
    "processed_at", "replacement_order", "repair_order", "credit_note",
]  # fmt: skip


def records(ctx: Context, rmas: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """The lines of each return order, by line number (one statement per 900 return orders)."""
    parent, credit = aliased(ReturnLine), aliased(InvoiceLine)
    query = (
        select(ReturnLine, InvoiceLine.invoice, InvoiceLine.line_no, parent.line_no, credit.invoice)
        .outerjoin(InvoiceLine, InvoiceLine.id == ReturnLine.invoice_line_id)
        .outerjoin(parent, parent.id == ReturnLine.split_from)
        .outerjoin(credit, credit.id == ReturnLine.credit_line_id)
        .order_by(ReturnLine.rma, ReturnLine.line_no)
    )
    out: dict[str, list[dict[str, Any]]] = {rma: [] for rma in rmas}
    for line, invoice, invoice_line, split_from, note in select_in(ctx, query, ReturnLine.rma, list(rmas)):
        out[line.rma].append({**_record(line, invoice, invoice_line, split_from), "credit_note": note})
    for lines in out.values():
        lines.sort(key=lambda r: r["line"])
    return out


def _record(line: ReturnLine, invoice: str | None, invoice_line: int | None, split_from: int | None) -> dict[str, Any]:
    return {
        "rma": line.rma,
        "line": line.line_no,
        "item": line.item,
        "serial": line.serial,
        "object": line.object,
        "quantity": line.quantity,
        "price": line.price,
        "amount": line_amount(line.quantity, line.price),
        "invoice": invoice,
        "invoice_line": invoice_line,
        "reason": line.reason,
        "status": line.status,
        "split_from": split_from,
        "arrived_at": line.arrived_at,
        "late": line.late,
        "disposition": line.disposition,
        "inspection_note": line.inspection_note,
        "inspected_at": line.inspected_at,
        "processed_at": line.processed_at,
        "replacement_order": line.replacement_order,
        "repair_order": line.repair_order,
    }
