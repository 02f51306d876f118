"""How stock plugs into orders (registered by ``custsvc.bootstrap``): posting an order's item lines
takes their parts from the shelf to the customer, once per line (posting a line again after a credit
note re-opened it moves nothing). A shelf that goes below zero is a warning, or with the setting
``negative_stock`` = ``refuse`` a problem of a guard that ``--force`` overrides.

Units of serialized items are not moved: an order line names no serial numbers, so the warning says
to move them with ``stock move --serial``."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from custsvc.domain.locations import SHELF
from custsvc.events import Bus, Problem
from custsvc.models import Item, StockMove
from custsvc.services.batch import select_in
from custsvc.services.orders import events
from custsvc.services.stock import ledger
from custsvc.services.stock.moves import qty_text

TARGET = "customer"


def _part_lines(ctx: Any, posted: Sequence[events.OrderPosted]) -> list[tuple[str, Any, Item]]:
    """The item lines of the posted orders whose parts have not left the shelf yet, as (order number,
    line, item), in the orders' order: two statements for any number of orders."""
    wanted = [
        (event.order.number, line)
        for event in posted
        for line in event.lines
        if line.type == "item" and line.item and line.quantity > 0
    ]
    if not wanted:
        return []
    ids = [line.id for _number, line in wanted]
    moved = {line_id for (line_id,) in select_in(ctx, select(StockMove.order_line_id), StockMove.order_line_id, ids)}
    names = sorted({line.item for _number, line in wanted})
    items = {row.item: row for (row,) in select_in(ctx, select(Item), Item.item, names)}
    return [(number, line, items[line.item]) for number, line in wanted if line.id not in moved]


def _by_order(lines: Sequence[tuple[str, Any, Item]]) -> dict[str, list[tuple[Any, Item]]]:
    """The lines by order number, the orders in the run's order."""
    out: dict[str, list[tuple[Any, Item]]] = {}
    for number, line, item in lines:
        out.setdefault(number, []).append((line, item))
    return out


def _refuse_below_zero(ctx: Any, posted: Sequence[events.OrderPosted]) -> Iterator[Problem]:
    """Every order of the run counted together, in order: an order whose parts, with those of the
    orders before it, take more than the shelf holds is refused (``--force`` overrides)."""
    from custsvc.services import settings

    if settings.get(ctx, "negative_stock") != "refuse":
        return
    lines = [(number, line, item) for number, line, item in _part_lines(ctx, posted) if not item.serialized]
    if not lines:
        return
    shelf = ledger.shelf(ctx, sorted({item.item for _n, _l, item in lines}))
    needed: dict[str, Decimal] = defaultdict(Decimal)
    for number, mine in _by_order(lines).items():
        for line, item in mine:
            needed[item.item] += line.quantity
        for name, item in sorted({item.item: item for _line, item in mine}.items()):
            if needed[name] > shelf[name]:
                yield Problem(
                    "stock-on-hand",
                    f"posting {number} takes {qty_text(needed[name])} {item.unit} of {name} from the shelf, "
                    f"which holds {qty_text(shelf[name])}",
                    overridable=True,
                )


def _take_parts(ctx: Any, posted: Sequence[events.OrderPosted]) -> None:
    """The parts of every order of the run leave the shelf: one insert for all their ledger rows."""
    lines = _part_lines(ctx, posted)
    for number, line, item in lines:
        if item.serialized:
            ctx.warnings.append(
                f"{number} line {line.line_no}: {item.item} is serialized; its units stay where they are: "
                f"move them with `custsvc stock move {item.item} --qty 1 --from stock --to customer --serial S`"
            )
    moving = [(number, line, item) for number, line, item in lines if not item.serialized]
    if not moving:
        return
    shelf = ledger.shelf(ctx, sorted({item.item for _n, _l, item in moving}))
    entries = []
    for number, mine in _by_order(moving).items():
        for line, item in mine:
            entry = ledger.move(
                ctx, item, line.quantity, SHELF, TARGET, doc_type="order", doc=number, order_line_id=line.id, add=False
            )
            entries.append(entry)
            shelf[item.item] -= line.quantity
        for name, unit in sorted({item.item: item.unit for _line, item in mine}.items()):
            if shelf[name] < 0:
                ctx.warnings.append(f"posting {number} takes the shelf of {name} to {qty_text(shelf[name])} {unit}")
    ledger.write_moves(ctx, entries)  # one insert for all the lines of all the orders
    ctx.flush()


def register(bus: Bus) -> None:
    bus.guard(events.OrderPosted, _refuse_below_zero, batch=True)
    bus.listen(events.OrderPosted, _take_parts, batch=True)
