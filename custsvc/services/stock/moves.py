"""The stock commands that move parts: receiving from the vendor, a count correction on the shelf, and
a move between two locations. Each writes its ledger rows through ``ledger.move``."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from custsvc.context import Context
from custsvc.domain.checks import check_key, check_text
from custsvc.domain.locations import ADJUSTMENT, OUTSIDE, SHELF, object_of, parse_location
from custsvc.domain.money import normalize_qty, parse_quantity
from custsvc.errors import Duplicate, InvalidInput, RuleViolation
from custsvc.models import Item, StockMove
from custsvc.services.stock import ledger
from custsvc.values import counted


def qty_text(value: Decimal) -> str:
    """A quantity as people read it: ``6``, ``1.5``."""
    return format(normalize_qty(value), "f")


def _quantity(text: str) -> Decimal:
    return parse_quantity(text, "qty", allow_zero=False)


def _serials(item: Item, serials: Sequence[str], quantity: Decimal) -> list[str]:
    """The serial numbers given for ``quantity`` units: one per unit of a serialized item, none else."""
    if not item.serialized:
        if serials:
            raise InvalidInput("serial", serials[0], f"item {item.item} is not serialized (its units have no numbers)")
        return []
    clean: list[str] = []
    for serial in serials:
        value = check_key(serial, "serial")
        if value in clean:
            raise Duplicate("serial", f"{item.item} {value}", "is given twice")
        clean.append(value)
    if quantity != len(clean):
        raise InvalidInput(
            "serial",
            ", ".join(clean),
            f"item {item.item} is serialized: --qty {qty_text(quantity)} needs one --serial per unit, "
            f"{counted(len(clean), 'serial')} given",
        )
    return clean


def _note(text: str | None, field: str = "note") -> str | None:
    if text is None:
        return None
    return check_text(text, field) or None


def _record(
    ctx: Context,
    item: Item,
    quantity: Decimal,
    source: str,
    target: str,
    moves: Sequence[StockMove],
    serials: Sequence[str],
) -> dict[str, Any]:
    """What a stock command did, with what the place inside the shop it touched (the target, else the
    source) holds now; None when both ends are outside (a vendor, a customer)."""
    ctx.flush()
    place = next((p for p in (target, source) if p not in OUTSIDE), None)
    held = None
    if place is not None:
        held = ledger.on_hand(ctx, items=[item.item], location=place).get((item.item, place), Decimal(0))
    first = moves[0]
    return {
        "item": item.item,
        "name": item.name,
        "qty": quantity,
        "unit": item.unit,
        "from": source,
        "to": target,
        "serials": list(serials),
        "doc_type": first.doc_type,
        "note": first.note,
        "moves": [m.id for m in moves],
        "location": place,
        "on_hand": held,
    }


def receive(ctx: Context, item: str, qty: str, serials: Sequence[str] = (), note: str | None = None) -> dict[str, Any]:
    """Parts arrive from the vendor onto the shelf; each unit of a serialized item is new to the shop."""
    row = ledger.item_of(ctx, item)
    quantity = _quantity(qty)
    numbers = _serials(row, serials, quantity)
    text = _note(note)
    moves: list[StockMove] = []
    if numbers:  # a fixed number of statements whatever the number of units
        moves = ledger.receive_units(ctx, row, numbers, "vendor", SHELF, doc_type="receive", note=text)
    else:
        moves.append(ledger.move(ctx, row, quantity, "vendor", SHELF, doc_type="receive", note=text))
    return _record(ctx, row, quantity, "vendor", SHELF, moves, numbers)


def _signed(text: str) -> tuple[int, Decimal]:
    """``+3``, ``-2``, ``3``: the sign and the size of a count correction."""
    value = str(text).strip()
    sign = -1 if value.startswith("-") else 1
    size = value[1:] if value[:1] in "+-" and value else value
    try:
        quantity = parse_quantity(size, "qty")
    except InvalidInput as exc:
        raise InvalidInput("qty", text, f"{exc.reason}; a count correction reads +3 or -2") from None
    if quantity == 0:
        raise InvalidInput("qty", text, "a count correction is not zero (+3 adds to the shelf, -2 takes away)")
    return sign, quantity


def adjust(ctx: Context, item: str, qty: str, reason: str, serial: str | None = None) -> dict[str, Any]:
    """A count correction on the shelf: ``+N`` found, ``-N`` missing (``--serial``: that unit is lost)."""
    row = ledger.item_of(ctx, item)
    sign, quantity = _signed(qty)
    why = check_text(reason, "reason")
    if not why:
        raise InvalidInput("reason", reason, "say why the count is corrected")
    if row.serialized and sign > 0:
        raise RuleViolation(
            "serialized-units-received",
            f"item {row.item} is serialized: a unit found on the shelf is received with its number "
            f"(stock receive {row.item} --qty 1 --serial S)",
        )
    numbers = _serials(row, [serial] if serial else [], quantity)
    source, target = (ADJUSTMENT, SHELF) if sign > 0 else (SHELF, ADJUSTMENT)
    if sign < 0:
        _check_enough(ctx, row, quantity, SHELF)
    moves = [
        ledger.move(
            ctx, row, Decimal(1) if numbers else quantity, source, target, doc_type="adjust", serial=s, note=why
        )
        for s in (numbers or [None])
    ]
    return _record(ctx, row, sign * quantity, source, target, moves, numbers)


def _check_enough(ctx: Context, item: Item, quantity: Decimal, source: str) -> None:
    """A place inside the shop cannot give more than it holds (serialized units are checked one by one)."""
    if source in OUTSIDE or item.serialized:
        return
    held = ledger.on_hand(ctx, items=[item.item], location=source).get((item.item, source), Decimal(0))
    if quantity > held:
        raise RuleViolation(
            "stock-on-hand",
            f"{source} holds {qty_text(held)} {item.unit} of {item.item}; cannot take {qty_text(quantity)}",
        )


def _location(ctx: Context, text: str, field: str) -> str:
    """A location as typed; an object with a BOM is not one: what is installed in it changes through
    its BOM (bom add, remove, replace), or the BOM would no longer say what is inside."""
    from custsvc.models import ObjectBom

    location = ledger.check_object_location(ctx, parse_location(text, field))
    obj = object_of(location)
    if obj is not None and ctx.get(ObjectBom, obj) is not None:
        raise RuleViolation(
            "bom-says-what-is-installed",
            f"service object {obj} has a BOM: change what is installed in it with custsvc bom add, "
            f"bom remove or bom replace (--{field} {location})",
        )
    return location


def move_parts(
    ctx: Context,
    item: str,
    qty: str,
    source: str,
    target: str,
    serials: Sequence[str] = (),
    note: str | None = None,
) -> dict[str, Any]:
    """Move parts between two real locations (the shelf, quarantine, scrap, vendor, customer, an object)."""
    row = ledger.item_of(ctx, item)
    quantity = _quantity(qty)
    origin, destination = _location(ctx, source, "from"), _location(ctx, target, "to")
    if origin == destination:
        raise InvalidInput("to", target, "is where the parts are already (--from)")
    numbers = _serials(row, serials, quantity)
    text = _note(note)
    _check_enough(ctx, row, quantity, origin)
    if numbers:  # a fixed number of statements whatever the number of units
        moves = ledger.move_units(ctx, row, numbers, origin, destination, doc_type="manual", note=text)
    else:
        moves = [ledger.move(ctx, row, quantity, origin, destination, doc_type="manual", note=text)]
    return _record(ctx, row, quantity, origin, destination, moves, numbers)
