"""What the stock commands list: on-hand per item and location with a reorder hint (``stock list``)
and the ledger of movements (``stock ledger``), each in a bounded number of statements."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from custsvc.context import Context
from custsvc.domain.locations import PLACES, SHELF, parse_location
from custsvc.domain.money import parse_quantity
from custsvc.domain.timeparse import localize
from custsvc.errors import BadUsage, InvalidInput
from custsvc.models import Item, StockMove
from custsvc.services.batch import select_in
from custsvc.services.stock import ledger
from custsvc.services.stock.moves import qty_text

#: what ``stock list`` shows without ``--location``: the places inside the shop
SHOP_PLACES = ("stock", "quarantine", "scrap")
LIST_FIELDS = ["item", "name", "location", "on_hand", "unit", "reorder_level", "hint"]
LEDGER_FIELDS = ["id", "at", "item", "serial", "qty", "from", "to", "doc_type", "doc", "actor", "note"]


def reorder_hint(on_hand: Decimal, level: Decimal | None) -> str | None:
    """``reorder 6`` when the shelf holds less than the item's reorder level (6 short of it)."""
    if level is None or on_hand >= level:
        return None
    return f"reorder {qty_text(level - on_hand)}"


def _place_order(location: str) -> tuple[int, str]:
    return (PLACES.index(location), "") if location in PLACES else (len(PLACES), location)


def _on_hand(ctx: Context, items: list[str] | None, places: tuple[str, ...]) -> dict[tuple[str, str], Decimal]:
    found: dict[tuple[str, str], Decimal] = {}
    for place in places:
        found.update(ledger.on_hand(ctx, items=items, location=place))
    return found


def _places(ctx: Context, location: str | None, limit: Decimal | None) -> tuple[str, ...]:
    """Where ``stock list`` looks: ``--location``, the shelf alone for ``--below``, else the shop's places."""
    place = ledger.check_object_location(ctx, parse_location(location, "location")) if location else None
    if limit is not None and place not in (None, SHELF):
        raise BadUsage("location", location, "--below lists the shelf (stock); leave --location out")
    if limit is not None:
        return (SHELF,)
    return (place,) if place else SHOP_PLACES


def _stock_row(item: Item, where: str, held: Decimal) -> dict[str, Any]:
    return {
        "item": item.item,
        "name": item.name,
        "location": where,
        "on_hand": held,
        "unit": item.unit,
        "reorder_level": item.reorder_level,
        "hint": reorder_hint(held, item.reorder_level) if where == SHELF else None,
    }


def stock_list(
    ctx: Context, *, item: str | None = None, location: str | None = None, below: str | None = None
) -> list[dict[str, Any]]:
    """On-hand per item and location, one row each (non-zero), the shop's places unless ``location``
    names one; the shelf also lists items with a reorder level and nothing on it. ``below``: only shelf
    rows holding less than that."""
    limit = parse_quantity(below, "below") if below is not None else None
    places = _places(ctx, location, limit)
    if item is not None:
        ledger.item_of(ctx, item)
    found = _on_hand(ctx, [item] if item else None, places)
    query = select(Item) if item is None else select(Item).where(Item.item == item)
    items = {row.item: row for row in ctx.execute(query).scalars()}  # one statement, whatever the rows
    if SHELF in places:
        for key, row in items.items():
            if row.reorder_level is not None:
                found.setdefault((key, SHELF), Decimal(0))
    ordered = sorted(found.items(), key=lambda kv: (kv[0][0], _place_order(kv[0][1])))
    return [_stock_row(items[key], where, held) for (key, where), held in ordered if limit is None or held < limit]


def day_bounds(ctx: Context, first: date | None, last: date | None) -> tuple[datetime | None, datetime | None]:
    """The UTC moments a range of the shop's days starts and ends at (``last`` inclusive)."""
    lo = localize(datetime.combine(first, time()), ctx.tz).astimezone(UTC) if first else None
    hi = localize(datetime.combine(last + timedelta(days=1), time()), ctx.tz).astimezone(UTC) if last else None
    return lo, hi


def ledger_row(move: StockMove) -> dict[str, Any]:
    return {
        "id": move.id,
        "at": move.at,
        "item": move.item,
        "serial": move.serial,
        "qty": move.quantity,
        "from": move.from_location,
        "to": move.to_location,
        "doc_type": move.doc_type,
        "doc": move.doc,
        "actor": move.actor,
        "note": move.note,
    }


def ledger_rows(
    ctx: Context,
    *,
    item: str | None = None,
    serial: str | None = None,
    first: date | None = None,
    last: date | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """The movements, oldest first (``limit``: the newest that many, still oldest first)."""
    if first and last and last < first:
        raise InvalidInput("to", last.isoformat(), f"is before --from {first.isoformat()}")
    if item is not None:
        ledger.item_of(ctx, item)
    query = select(StockMove)
    if item is not None:
        query = query.where(StockMove.item == item)
    if serial is not None:
        query = query.where(StockMove.serial == serial.strip())
    lo, hi = day_bounds(ctx, first, last)
    if lo is not None:
        query = query.where(StockMove.at >= lo)
    if hi is not None:
        query = query.where(StockMove.at < hi)
    if limit:
        newest = list(ctx.execute(query.order_by(StockMove.at.desc(), StockMove.id.desc()).limit(limit)).scalars())
        moves = newest[::-1]
    else:
        moves = list(ctx.execute(query.order_by(StockMove.at, StockMove.id)).scalars())
    return [ledger_row(m) for m in moves]


def moves_of(ctx: Context, keys: list[tuple[str, str]]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """The movements of each unit (item, serial), oldest first (one statement per 900 serials)."""
    out: dict[tuple[str, str], list[dict[str, Any]]] = {key: [] for key in keys}
    query = select(StockMove).order_by(StockMove.at, StockMove.id)
    for (move,) in select_in(ctx, query, StockMove.serial, sorted({serial for _item, serial in keys})):
        if (move.item, move.serial) in out:
            out[(move.item, move.serial)].append(ledger_row(move))
    return out
