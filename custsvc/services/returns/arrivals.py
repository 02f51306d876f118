"""What came back, and what the inspection decided.

``arrive`` registers goods of an expected line into ``quarantine`` (one stock movement, document the
RMA). Less than expected splits the line: what arrived becomes a line of its own (``split_from``
the original), the rest stays expected on the original, so the quantities still add up. After the
deadline it needs ``late``. ``inspect`` sets a disposition on an arrived line; one whose action needs
no goods (``credit-only``) may be inspected while still expected."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from custsvc.context import Context
from custsvc.domain import returns as rules
from custsvc.domain.checks import check_key, check_text
from custsvc.domain.locations import object_of
from custsvc.domain.money import parse_quantity
from custsvc.errors import InvalidInput, NotFound, RuleViolation
from custsvc.models import ObjectBom, ReturnDisposition, ReturnLine, ReturnOrder, SerialUnit
from custsvc.services.returns.lines import get_line, next_line, records
from custsvc.services.stock import ledger

QUARANTINE = "quarantine"


def _open_order(ctx: Context, rma: str, doing: str) -> ReturnOrder:
    key = check_key(rma, "return order")
    order = ctx.execute(select(ReturnOrder).where(ReturnOrder.number == key).with_for_update()).scalar_one_or_none()
    if order is None:
        raise NotFound("return order", key)
    if order.status != "open":
        hint = ": open it first (custsvc return open)" if order.status == "created" else ""
        raise RuleViolation("return-open", f"{key} is {order.status}, not open; {doing} needs an open one{hint}")
    return order


def _check_deadline(ctx: Context, order: ReturnOrder, late: bool) -> None:
    if ctx.today > order.deadline and not late:
        raise RuleViolation(
            "return-deadline",
            f"{order.number} had to arrive by {order.deadline.isoformat()}; accept it anyway with --late",
        )


def _source(ctx: Context, line: ReturnLine, serial: str | None) -> tuple[str, str | None]:
    """Where the goods come from: the unit's place (its object, or the customer), else the customer."""
    if serial is None:
        return "customer", None
    unit = ctx.execute(
        select(SerialUnit).where(SerialUnit.item == line.item, SerialUnit.serial == serial)
    ).scalar_one_or_none()
    if unit is None:
        raise NotFound("serial", f"{serial} (of {line.item})")
    obj = object_of(unit.location)
    if obj is not None and ctx.get(ObjectBom, obj) is not None:
        raise RuleViolation(
            "return-out-of-bom", f"unit {line.item} {serial} is in the BOM of {obj}: take it out with bom replace first"
        )
    return unit.location, serial


def arrive(
    ctx: Context, rma: str, line_no: int, *, qty: str, serial: str | None = None, late: bool = False
) -> dict[str, Any]:
    """Register ``qty`` of an expected line as arrived (into quarantine); returns the arrived line."""
    order = _open_order(ctx, rma, "arrival")
    line = get_line(ctx, order.number, line_no, lock=True)
    if line.status != "expected":
        raise RuleViolation("return-expected", f"{order.number}/{line_no} is {line.status}, not expected")
    quantity = parse_quantity(qty, "qty", allow_zero=False)
    if quantity > line.quantity:
        raise InvalidInput(
            "qty", format(quantity, "f"), f"{order.number}/{line_no} expects {format(line.quantity, 'f')}"
        )
    item = ledger.item_of(ctx, line.item)
    unit = check_key(serial, "serial") if serial else line.serial
    if unit and not item.serialized:
        raise InvalidInput("serial", unit, f"item {item.item} is not serialized")
    if line.serial and unit != line.serial:
        raise InvalidInput("serial", unit, f"{order.number}/{line_no} expects unit {line.serial}")
    _check_deadline(ctx, order, late)
    source, unit = _source(ctx, line, unit)
    arrived = line if quantity == line.quantity else _split(ctx, line, quantity)
    arrived.serial = unit or arrived.serial
    arrived.status, arrived.arrived_at, arrived.late = "arrived", ctx.now, ctx.today > order.deadline
    arrived.updated_at, arrived.updated_by = ctx.now, ctx.actor
    ledger.move(ctx, item, quantity, source, QUARANTINE, doc_type="return", serial=unit, doc=order.number)
    ctx.flush()
    return next(r for r in records(ctx, [order.number])[order.number] if r["line"] == arrived.line_no)


def _split(ctx: Context, line: ReturnLine, quantity: Decimal) -> ReturnLine:
    """The arrived part of ``line`` as a line of its own; the rest stays expected on ``line``."""
    part = ReturnLine(
        rma=line.rma,
        line_no=next_line(ctx, line.rma),
        item=line.item,
        serial=line.serial,
        object=line.object,
        quantity=quantity,
        price=line.price,
        invoice_line_id=line.invoice_line_id,
        reason=line.reason,
        split_from=line.id,
        created_at=ctx.now,
        created_by=ctx.actor,
    )
    line.quantity -= quantity
    line.updated_at, line.updated_by = ctx.now, ctx.actor
    ctx.add(part)
    ctx.flush()
    return part


def inspect(ctx: Context, rma: str, line_no: int, *, disposition: str, note: str | None = None) -> dict[str, Any]:
    """Decide what happens to a line: its disposition (processing carries it out)."""
    text = check_text(note, "note") if note else None
    order = _open_order(ctx, rma, "inspection")
    line = get_line(ctx, order.number, line_no, lock=True)
    code = check_key(disposition, "disposition")
    row = ctx.get(ReturnDisposition, code)
    if row is None:
        raise NotFound("return disposition", code)
    if line.status not in ("arrived", "inspected", "expected"):
        raise RuleViolation("return-inspect", f"{order.number}/{line_no} is {line.status}: it was dealt with already")
    if line.status == "expected" and row.action in rules.NEEDS_GOODS:
        raise RuleViolation(
            "return-needs-goods",
            f"{order.number}/{line_no} has not arrived; disposition {code} ({row.action}) needs the goods back",
        )
    if row.action == "repair" and line.object is None:
        raise RuleViolation(
            "return-repair-object",
            f"{order.number}/{line_no} names no service object; a repair ({code}) needs one (return line add --object)",
        )
    line.disposition, line.status = code, "inspected"
    line.inspection_note = text
    line.inspected_at, line.updated_at, line.updated_by = ctx.now, ctx.now, ctx.actor
    ctx.flush()
    return next(r for r in records(ctx, [order.number])[order.number] if r["line"] == line_no)
