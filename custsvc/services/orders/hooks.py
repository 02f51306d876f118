"""What service orders register on the bus: crediting an order's invoice lines with ``--reopen``
puts the order lines back to open, so they can be posted again."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import update

from custsvc.context import Context
from custsvc.events import Bus
from custsvc.models import OrderLine


def reopen_order_lines(ctx: Context, lines: Sequence[Any]) -> None:
    ids = [line.order_line_id for line in lines if line.order_line_id is not None]
    if ids:
        ctx.execute(
            update(OrderLine)
            .where(OrderLine.id.in_(ids), OrderLine.status == "posted")
            .values(status="created", updated_at=ctx.now, updated_by=ctx.actor)
        )


def register(bus: Bus) -> None:
    bus.on_reopen("order", reopen_order_lines)
