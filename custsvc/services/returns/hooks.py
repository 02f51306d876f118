"""How returns plug into the order lifecycle: when a repair order made for a returned unit moves to
a stage that resolves it, the unit is shipped back (quarantine to the customer) and its return line
is done (``ship-back``); a return order whose lines are all done closes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from custsvc.events import Bus
from custsvc.models import ReturnLine, ReturnOrder
from custsvc.services.orders.events import StageMoved


def _resolved(ctx: Any, event: StageMoved) -> None:
    if not event.after.resolves:
        return
    query = select(ReturnLine).where(ReturnLine.repair_order == event.order.number, ReturnLine.status == "in-repair")
    waiting = list(ctx.execute(query.with_for_update()).scalars())
    if not waiting:
        return
    from custsvc.services.returns.documents import close_finished
    from custsvc.services.stock import ledger

    for line in waiting:
        if line.arrived_at is not None:
            item = ledger.item_of(ctx, line.item)
            ledger.move(ctx, item, line.quantity, "quarantine", "customer", doc_type="return", serial=line.serial,
                        doc=line.rma, note=f"repaired on {event.order.number}, shipped back")  # fmt: skip
        line.status, line.updated_at, line.updated_by = "ship-back", ctx.now, ctx.actor
    ctx.flush()
    orders = [ctx.get(ReturnOrder, rma) for rma in sorted({line.rma for line in waiting})]
    close_finished(ctx, orders)


def register(bus: Bus) -> None:
    bus.listen(StageMoved, _resolved)
