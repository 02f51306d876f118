"""Reading one repair line, and the order a change of its repairs is made under."""

from __future__ import annotations

from sqlalchemy import select

from custsvc.context import Context
from custsvc.errors import NotFound
from custsvc.models import RepairLine, ServiceOrder


def order_for_change(ctx: Context, number: str) -> ServiceOrder:
    """The order, locked, in a stage that allows changing its lines."""
    from custsvc.services.orders.checks import get, require_flag, stage_of

    order = get(ctx, number, lock=True)
    require_flag(stage_of(ctx, order), "can_modify", "stage-allows-modify", "changing repair lines", number)
    return order


def get_repair(ctx: Context, number: str, line_no: int, *, lock: bool = False) -> RepairLine:
    query = select(RepairLine).where(RepairLine.order_number == number, RepairLine.line_no == line_no)
    if lock:
        query = query.with_for_update()
    row = ctx.execute(query).scalar_one_or_none()
    if row is None:
        if ctx.execute(select(ServiceOrder.number).where(ServiceOrder.number == number)).first() is None:
            raise NotFound("service order", number)
        raise NotFound("repair line", f"{number}/{line_no}")
    return row
