"""An order's way through its stages: move, cancel, delete, sign off.

Each change goes through ``lifecycle.transition``: guards of other capabilities may refuse it (all
their problems are reported; ``force`` overrides those that allow it), listeners react to it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, select, update

from custsvc.context import Context
from custsvc.domain.checks import check_text
from custsvc.errors import RuleViolation
from custsvc.models import OrderLine, OrderObject, OrderStageLog, Stage
from custsvc.services import stages
from custsvc.services.orders.checks import get, get_line, log_stage, require_flag, stage_of, touch
from custsvc.services.orders.events import OrderCanceled, OrderDeleted, OrderSignedOff, StageMoved
from custsvc.services.orders.lifecycle import transition
from custsvc.services.orders.reading import show
from custsvc.values import counted


def _check_target(ctx: Context, number: str, current: Stage, target: Stage, back: bool) -> None:
    if target.stage == current.stage:
        raise RuleViolation("move-to-child-stage", f"{number} is already in stage {target.stage!r}")
    earlier = stages.ancestors(ctx, current)
    if back:
        if target.stage not in earlier:
            raise RuleViolation(
                "back-to-earlier-stage", f"{target.stage!r} is not an earlier stage of {current.stage!r}"
            )
    elif target.parent != current.stage:
        hint = " (it is an earlier stage: add --back)" if target.stage in earlier else ""
        children = ", ".join(repr(s.stage) for s in stages.all_stages(ctx) if s.parent == current.stage)
        raise RuleViolation(
            "move-to-child-stage",
            f"{number} can move from {current.stage!r} only to {children or 'no further stage'}, "
            f"not {target.stage!r}{hint}",
        )


def move(
    ctx: Context,
    number: str,
    stage: str,
    *,
    reason: str | None = None,
    back: bool = False,
    note: str | None = None,
    force: bool = False,
) -> dict[str, Any]:
    """Move an order to a child of its stage (or, with ``back``, to an earlier stage on its path)."""
    note = check_text(note, "note") if note else None
    order = get(ctx, number, lock=True)
    current = stage_of(ctx, order)
    target = stages.get(ctx, stage)
    _check_target(ctx, number, current, target, back)
    if target.cancels:
        return cancel(ctx, number, reason=reason, note=note, force=force, _target=target)
    if target.requires_reason and not reason:
        raise RuleViolation("stage-requires-reason", f"moving to {stage!r} needs a reason code (--reason)")
    if reason:
        stages.reason(ctx, reason)
    with transition(ctx, StageMoved(order, current, target, reason, back), force=force):
        log_stage(ctx, number, current.stage, target.stage, reason, note)
        order.stage = target.stage
        touch(ctx, order)
    return show(ctx, number)


def _posted_lines(ctx: Context, number: str) -> int:
    query = select(func.count()).where(OrderLine.order_number == number, OrderLine.status == "posted")
    return ctx.execute(query).scalar_one()


def cancel(
    ctx: Context,
    number: str,
    *,
    reason: str | None,
    note: str | None = None,
    force: bool = False,
    _target: Stage | None = None,
) -> dict[str, Any]:
    note = check_text(note, "note") if note else None
    order = get(ctx, number, lock=True)
    current = stage_of(ctx, order)
    require_flag(current, "can_cancel", "stage-allows-cancel", "canceling", number)
    target = _target or stages.cancel_stage(ctx)
    if not reason:
        raise RuleViolation("stage-requires-reason", "canceling an order needs a reason code (--reason)")
    stages.reason(ctx, reason)
    posted = _posted_lines(ctx, number)
    if posted:
        raise RuleViolation(
            "posted-lines-stay", f"{number} has {counted(posted, 'posted line')}; credit the invoice instead"
        )
    with transition(ctx, OrderCanceled(order, current, target, reason), force=force):
        ctx.execute(
            update(OrderLine)
            .where(OrderLine.order_number == number, OrderLine.status == "created")
            .values(status="canceled", updated_at=ctx.now, updated_by=ctx.actor)
        )
        log_stage(ctx, number, current.stage, target.stage, reason, note)
        order.stage = target.stage
        touch(ctx, order)
    return show(ctx, number)


def delete_order(ctx: Context, number: str, *, force: bool = False) -> dict[str, Any]:
    """Delete an order with nothing posted. What other capabilities keep of it goes with it (their
    rows refer to the order with ON DELETE CASCADE); listeners hear of it afterwards."""
    order = get(ctx, number, lock=True)
    require_flag(stage_of(ctx, order), "can_delete", "stage-allows-delete", "deleting", number)
    if _posted_lines(ctx, number):
        raise RuleViolation("posted-lines-stay", f"{number} has posted lines and cannot be deleted")
    record = show(ctx, number)
    with transition(ctx, OrderDeleted(number, record), force=force):
        for model in (OrderStageLog, OrderObject, OrderLine):
            ctx.execute(delete(model).where(model.order_number == number))  # type: ignore[attr-defined]
        ctx.delete(order)
    return record


def _lines_to_sign(ctx: Context, number: str, line_nos: Sequence[int]) -> list[OrderLine]:
    lines = []
    for n in dict.fromkeys(line_nos):
        line = get_line(ctx, number, n)
        if line.status == "canceled":
            raise RuleViolation("only-open-lines", f"line {n} of {number} is canceled")
        lines.append(line)
    return lines


def _unsigned_except(ctx: Context, number: str, line_nos: Sequence[int]) -> int:
    query = select(func.count()).where(
        OrderLine.order_number == number, OrderLine.status != "canceled", OrderLine.signed_off_at.is_(None)
    )
    if line_nos:
        query = query.where(OrderLine.line_no.not_in(list(line_nos)))
    return ctx.execute(query).scalar_one()


def _already_signed_off(ctx: Context, order: Any, lines: Sequence[OrderLine]) -> bool:
    """Nothing left to sign: the chosen lines are all signed off, or (no lines chosen) the order is."""
    if lines:
        return all(line.signed_off_at is not None for line in lines)
    return order.signed_off_at is not None


def sign_off(ctx: Context, number: str, line_nos: Sequence[int] = (), *, force: bool = False) -> dict[str, Any]:
    """Mark the work complete: the whole order, or single lines (the order too once no line is left).
    What is signed off already stays as it was (who and when): the record says ``already_signed_off``."""
    order = get(ctx, number, lock=True)
    if stage_of(ctx, order).cancels:
        raise RuleViolation("not-canceled", f"{number} is canceled")
    lines = _lines_to_sign(ctx, number, line_nos)
    chosen = [line.line_no for line in lines]
    if _already_signed_off(ctx, order, lines):
        return {**show(ctx, number), "already_signed_off": True}
    complete = order.signed_off_at is None and (not line_nos or _unsigned_except(ctx, number, chosen) == 0)
    now, actor = ctx.now, ctx.actor
    with transition(ctx, OrderSignedOff(order, chosen, complete), force=force):
        query = update(OrderLine).where(
            OrderLine.order_number == number, OrderLine.status != "canceled", OrderLine.signed_off_at.is_(None)
        )
        if line_nos:
            query = query.where(OrderLine.line_no.in_(chosen))
        ctx.execute(query.values(signed_off_at=now, signed_off_by=actor))
        if complete:
            order.signed_off_at, order.signed_off_by = now, actor
        touch(ctx, order)
    ctx.expire_all()
    return show(ctx, number)
