"""Changes of an object's BOM as maintained: replace a part, add one, remove one, change a quantity,
give a unit's serial number. Each writes one history line and yields the next version; the parts
move through the stock ledger (``units``); under ``--order`` the change goes through the lifecycle
seam, and ``--invoice`` adds an item line for the new part to that order (once: repeating the same
change changes nothing)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from custsvc.context import Context
from custsvc.domain.bom import check_position
from custsvc.domain.checks import check_key, check_text
from custsvc.domain.money import parse_quantity
from custsvc.errors import Duplicate, InvalidInput, RuleViolation, Usage
from custsvc.models import Item, ObjectBomComponent
from custsvc.services.bom import units
from custsvc.services.bom.objects import (
    Editing,
    begin,
    claim,
    describe,
    describe_row,
    end_row,
    guarded,
    last_change,
    new_row,
    record_change,
    unchanged,
)
from custsvc.services.stock.ledger import item_of


def _reason(reason: str | None) -> str | None:
    return check_text(reason, "reason") if reason else None


def _serial(text: str | None, field: str) -> str | None:
    return check_key(text, field) if text is not None else None


def _invoice_line(ctx: Context, editing: Editing, item: Item, qty: Decimal) -> int:
    """An item line for the new part on the change's order, at the item's price; its id."""
    from custsvc.services.orders import add_line
    from custsvc.services.orders.checks import get_line

    assert editing.order is not None
    record = add_line(
        ctx, editing.order.number, type="item", item=item.item, obj=editing.key, quantity=format(qty, "f")
    )
    return get_line(ctx, editing.order.number, record["line"]).id  # type: ignore[return-value]


def _check_invoice(order: str | None, invoice: bool) -> None:
    if invoice and order is None:
        raise Usage("--invoice needs --order: the order the new part is invoiced on")


def _new_serial(item: Item, serial: str | None) -> None:
    if item.serialized and serial is None:
        raise RuleViolation(
            "new-serial-needed", f"item {item.item} is serialized: name the unit from stock to put in with --new-serial"
        )
    if not item.serialized and serial is not None:
        raise InvalidInput("new-serial", serial, f"item {item.item} is not serialized")


def _repeated(ctx: Context, editing: Editing, old: ObjectBomComponent, item: Item, serial: str | None) -> str | None:
    """Why this replace would repeat one made already (the same unit is in place), else None."""
    if item.serialized and old.item == item.item and old.serial == serial:
        return f"position {old.position} of {editing.key} holds {describe_row(old)} already; nothing changed"
    if editing.order is not None and not item.serialized:
        last = last_change(ctx, editing.key, editing.bom.version)
        if (
            last is not None
            and (last.change, last.position, last.order_number) == ("replace", old.position, editing.order.number)
            and old.from_version == last.version
            and old.item == item.item
        ):
            return (
                f"position {old.position} of {editing.key} was replaced with {item.item} under "
                f"{editing.order.number} already (version {last.version}); nothing changed"
            )
    return None


def replace(
    ctx: Context,
    obj: str,
    position: str,
    *,
    item: str | None = None,
    new_serial: str | None = None,
    faulty: bool = False,
    reason: str | None = None,
    order: str | None = None,
    invoice: bool = False,
) -> dict[str, Any]:
    """The part at ``position`` leaves (to quarantine when faulty, else to stock); a new one (``item``,
    default the same item) comes from stock."""
    _check_invoice(order, invoice)
    serial, why = _serial(new_serial, "new-serial"), _reason(reason)
    wanted = check_key(item, "item") if item else None
    editing = begin(ctx, obj, order)
    old = editing.at(position)
    new_item = item_of(ctx, wanted or old.item)
    _new_serial(new_item, serial)
    repeated = _repeated(ctx, editing, old, new_item, serial)
    if repeated:
        return unchanged(editing, old.position, repeated)
    qty = Decimal(1) if new_item.serialized else old.quantity
    with guarded(ctx, editing, "replace", old.position):
        version = claim(ctx, editing)
        end_row(editing, old)
        text = units.note(old.position, version, faulty=faulty, reason=why)
        units.out_of(
            ctx, item_of(ctx, old.item), old.quantity, obj, "quarantine" if faulty else "stock", text, serial=old.serial
        )
        line_id = _invoice_line(ctx, editing, new_item, qty) if invoice else None
        units.from_shelf(
            ctx, new_item, qty, obj, units.note(old.position, version), serial=serial, order_line_id=line_id
        )
        new_row(ctx, editing, old.position, new_item.item, qty, serial)
        return record_change(
            ctx,
            editing,
            "replace",
            old.position,
            old=describe_row(old),
            new=describe(new_item.item, qty, serial),
            reason=_faulty(why, faulty),
            order_line_id=line_id,
        )


def _faulty(reason: str | None, faulty: bool) -> str | None:
    if not faulty:
        return reason
    return f"faulty: {reason}" if reason else "faulty"


def add(
    ctx: Context,
    obj: str,
    position: str,
    item: str,
    *,
    qty: str | None = None,
    serial: str | None = None,
    reason: str | None = None,
    order: str | None = None,
    invoice: bool = False,
) -> dict[str, Any]:
    """A part at a new position, from stock."""
    from custsvc.services.bom.template_components import check_component_qty

    _check_invoice(order, invoice)
    place, wanted = check_position(position), check_key(item, "item")
    amount = parse_quantity(qty, "qty", allow_zero=False) if qty is not None else Decimal(1)
    unit_serial, why = _serial(serial, "serial"), _reason(reason)
    editing = begin(ctx, obj, order)
    if place in editing.rows:
        raise Duplicate("position", place, f"is taken in the BOM of {obj} (by {describe_row(editing.rows[place])})")
    part = item_of(ctx, wanted)
    quantity = check_component_qty(part, amount, qty)
    if part.serialized and unit_serial is None:
        raise InvalidInput("serial", "", f"item {part.item} is serialized: name the unit from stock")
    if not part.serialized and unit_serial is not None:
        raise InvalidInput("serial", unit_serial, f"item {part.item} is not serialized")
    with guarded(ctx, editing, "add", place):
        version = claim(ctx, editing)
        line_id = _invoice_line(ctx, editing, part, quantity) if invoice else None
        units.from_shelf(
            ctx, part, quantity, obj, units.note(place, version), serial=unit_serial, order_line_id=line_id
        )
        new_row(ctx, editing, place, part.item, quantity, unit_serial)
        return record_change(
            ctx,
            editing,
            "add",
            place,
            new=describe(part.item, quantity, unit_serial),
            reason=why,
            order_line_id=line_id,
        )


def remove(
    ctx: Context, obj: str, position: str, *, faulty: bool = False, reason: str | None = None, order: str | None = None
) -> dict[str, Any]:
    """The part at ``position`` leaves the object (to quarantine when faulty, else to stock)."""
    why = _reason(reason)
    editing = begin(ctx, obj, order)
    old = editing.at(position)
    with guarded(ctx, editing, "remove", old.position):
        version = claim(ctx, editing)
        end_row(editing, old)
        text = units.note(old.position, version, faulty=faulty, reason=why)
        target = "quarantine" if faulty else "stock"
        units.out_of(ctx, item_of(ctx, old.item), old.quantity, obj, target, text, serial=old.serial)
        return record_change(ctx, editing, "remove", old.position, old=describe_row(old), reason=_faulty(why, faulty))


def set_qty(
    ctx: Context, obj: str, position: str, qty: str, *, reason: str | None = None, order: str | None = None
) -> dict[str, Any]:
    """A new quantity at ``position``: the difference comes from stock or goes back to it."""
    quantity, why = parse_quantity(qty, "qty", allow_zero=False), _reason(reason)
    editing = begin(ctx, obj, order)
    old = editing.at(position)
    part = item_of(ctx, old.item)
    if part.serialized:
        raise InvalidInput(
            "qty", qty, f"position {old.position} holds {part.item}, which is serialized: each unit is one position"
        )
    if quantity == old.quantity:
        return unchanged(editing, old.position, f"position {old.position} of {obj} holds {describe_row(old)} already")
    with guarded(ctx, editing, "set-qty", old.position):
        version = claim(ctx, editing)
        end_row(editing, old)
        text = units.note(old.position, version, reason=why)
        if quantity > old.quantity:
            units.from_shelf(ctx, part, quantity - old.quantity, obj, text)
        else:
            units.out_of(ctx, part, old.quantity - quantity, obj, "stock", text, serial=None)
        new_row(ctx, editing, old.position, part.item, quantity, None)
        return record_change(
            ctx, editing, "set-qty", old.position, old=format(old.quantity, "f"), new=format(quantity, "f"), reason=why
        )


def set_serial(
    ctx: Context, obj: str, position: str, serial: str, *, reason: str | None = None, order: str | None = None
) -> dict[str, Any]:
    """The serial number of the unit installed at ``position``, known only now."""
    unit_serial, why = check_key(serial, "serial"), _reason(reason)
    editing = begin(ctx, obj, order)
    old = editing.at(position)
    part = item_of(ctx, old.item)
    if not part.serialized:
        raise InvalidInput("serial", serial, f"position {old.position} holds {part.item}, which is not serialized")
    if old.serial == unit_serial:
        return unchanged(editing, old.position, f"position {old.position} of {obj} has serial {unit_serial} already")
    if old.serial is not None:
        raise RuleViolation(
            "serial-given-once",
            f"position {old.position} of {obj} holds serial {old.serial} already; "
            f"a different unit is a replacement: custsvc bom replace {obj} {old.position} --new-serial {unit_serial}",
        )
    with guarded(ctx, editing, "serial", old.position):
        version = claim(ctx, editing)
        end_row(editing, old)
        units.found_unit(ctx, part, unit_serial, obj, units.note(old.position, version, reason=why))
        new_row(ctx, editing, old.position, part.item, old.quantity, unit_serial)
        return record_change(ctx, editing, "serial", old.position, old=None, new=unit_serial, reason=why)
