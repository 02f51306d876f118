"""What every order operation checks first: the order exists, its stage allows the change, the
values are valid, the objects belong to the customer."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from custsvc.context import Context
from custsvc.domain import orders as rules
from custsvc.errors import InvalidInput, NotFound, RuleViolation
from custsvc.models import (
    OrderLine,
    OrderStageLog,
    ServiceObject,
    ServiceOrder,
    Stage,
)
from custsvc.services import stages


def get(ctx: Context, number: str, *, lock: bool = False) -> ServiceOrder:
    query = select(ServiceOrder).where(ServiceOrder.number == number)
    if lock:
        query = query.with_for_update()
    order = ctx.execute(query).scalar_one_or_none()
    if order is None:
        raise NotFound("service order", number)
    return order


def stage_of(ctx: Context, order: ServiceOrder) -> Stage:
    return stages.get(ctx, order.stage)


def require_flag(stage: Stage, flag: str, rule: str, doing: str, number: str) -> None:
    if not getattr(stage, flag):
        raise RuleViolation(rule, f"{number} is in stage {stage.stage!r}, which does not allow {doing}")


def check_priority(value: str) -> str:
    text = value.strip().lower()
    if text not in rules.PRIORITIES:
        raise InvalidInput("priority", value, "expected high, normal or low")
    return text


def check_objects(ctx: Context, customer: str, objects: Sequence[str]) -> list[str]:
    result = []
    for obj in dict.fromkeys(objects):
        row = ctx.get(ServiceObject, obj)
        if row is None:
            raise NotFound("service object", obj)
        if row.customer != customer:
            raise RuleViolation(
                "object-of-customer", f"service object {obj!r} belongs to {row.customer}, not {customer}"
            )
        result.append(obj)
    return result


def log_stage(
    ctx: Context, number: str, from_stage: str | None, to_stage: str, reason: str | None, note: str | None = None
) -> None:
    ctx.add(
        OrderStageLog(
            order_number=number,
            from_stage=from_stage,
            to_stage=to_stage,
            at=ctx.now,
            actor=ctx.actor,
            reason=reason,
            note=note,
        )
    )


def touch(ctx: Context, order: ServiceOrder) -> None:
    order.updated_at, order.updated_by = ctx.now, ctx.actor


def get_line(ctx: Context, number: str, line_no: int) -> OrderLine:
    line = ctx.execute(
        select(OrderLine).where(OrderLine.order_number == number, OrderLine.line_no == line_no)
    ).scalar_one_or_none()
    if line is None:
        raise NotFound("order line", f"{number}/{line_no}")
    return line
