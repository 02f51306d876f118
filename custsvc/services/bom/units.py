"""The parts a BOM change moves, through the stock ledger (``services/stock/ledger``).

A new part comes from the shelf (``stock``); a part that leaves an object goes to ``quarantine`` when
it is faulty, else back to ``stock``. A serialized unit moves by its serial number. A unit named
when a BOM is attached (or its serial given later) that the shop never saw was found installed: it
becomes known at ``customer`` and moves into the object. Non-serialized parts that came with the
object were never on the ledger: when they leave, what the ledger does not hold in the object comes
from ``customer``, so that no object is ever holding less than nothing.
"""

from __future__ import annotations

from decimal import Decimal

from custsvc.context import Context
from custsvc.domain.locations import SHELF, object_location, object_of
from custsvc.errors import InvalidInput, NotFound, RuleViolation
from custsvc.models import Item, SerialUnit
from custsvc.services.stock import ledger

#: where a unit named at attach may come from (the shelf, or found at the customer's)
FOUND_AT = (SHELF, "customer")


def place_text(location: str) -> str:
    """Where a unit is, as a sentence names it: ``installed in OBJ-0002``, ``in quarantine``."""
    obj = object_of(location)
    return f"installed in {obj}" if obj is not None else f"in {location}"


def not_here(item: str, serial: str, location: str, wanted: str) -> RuleViolation:
    return RuleViolation("serial-in-one-place", f"serial {serial} of {item} is {place_text(location)}, not {wanted}")


def note(position: str, version: int, *, faulty: bool = False, reason: str | None = None) -> str:
    text = f"position {position}, version {version}" + (", faulty" if faulty else "")
    return f"{text}: {reason}" if reason else text


def from_shelf(
    ctx: Context,
    item: Item,
    qty: Decimal,
    obj: str,
    text: str,
    *,
    serial: str | None = None,
    order_line_id: int | None = None,
) -> None:
    """A new part into the object from the shelf (a serialized unit must be on it); a warning when
    that takes the shelf below zero."""
    found = None
    if item.serialized:
        found = ledger.unit(ctx, item.item, serial or "")
        if found is None:
            raise NotFound("serial", serial, f"of {item.item}; receive it first with custsvc stock receive")
        if found.location != SHELF:
            raise not_here(item.item, found.serial, found.location, "in stock")
    else:
        left = ledger.shelf(ctx, [item.item])[item.item] - qty
        if left < 0:
            ctx.warnings.append(
                f"the BOM change of {obj} takes the shelf of {item.item} to {format(left, 'f')} {item.unit}"
            )
    ledger.move(
        ctx,
        item,
        qty,
        SHELF,
        object_location(obj),
        doc_type="bom",
        serial=serial,
        doc=obj,
        order_line_id=order_line_id,
        note=text,
        unit_row=found,
    )


def out_of(ctx: Context, item: Item, qty: Decimal, obj: str, target: str, text: str, *, serial: str | None) -> None:
    """A part leaves the object for ``target``."""
    here = object_location(obj)
    if item.serialized:
        if serial is None:
            ctx.warnings.append(f"the {item.item} that left {obj} had no serial number: no stock movement for it")
            return
        ledger.move(ctx, item, Decimal(1), here, target, doc_type="bom", serial=serial, doc=obj, note=text)
        return
    held = ledger.on_hand(ctx, items=[item.item], location=here).get((item.item, here), Decimal(0))
    from_object = min(qty, max(held, Decimal(0)))
    if from_object > 0:
        ledger.move(ctx, item, from_object, here, target, doc_type="bom", doc=obj, note=text)
    if qty > from_object:  # it came with the object, never through the ledger
        ledger.move(ctx, item, qty - from_object, "customer", target, doc_type="bom", doc=obj, note=text)


def found_unit(ctx: Context, item: Item, serial: str, obj: str, text: str) -> SerialUnit:
    """A unit named as installed in the object: known and on the shelf or at the customer's (then it
    moves in), or new to the shop (found installed: known at ``customer``, then moved in)."""
    if not item.serialized:
        raise InvalidInput("serial", serial, f"item {item.item} is not serialized")
    found = ledger.unit(ctx, item.item, serial)
    if found is None:
        found = ledger.new_unit(ctx, item, serial, "customer")
    elif found.location not in FOUND_AT:
        raise not_here(item.item, serial, found.location, "in stock or at the customer's")
    ledger.move(
        ctx,
        item,
        Decimal(1),
        found.location,
        object_location(obj),
        doc_type="bom",
        serial=serial,
        doc=obj,
        note=text,
        unit_row=found,
    )
    return found
