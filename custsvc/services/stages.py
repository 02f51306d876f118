"""The stage tree of service orders, and stage reason codes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from custsvc.context import Context
from custsvc.domain.checks import check_key, check_text
from custsvc.domain.defaults import STAGE_FLAGS
from custsvc.errors import Duplicate, InvalidInput, NotFound, RuleViolation
from custsvc.models import OrderStageLog, ReasonCode, ServiceOrder, Stage
from custsvc.values import counted


def get(ctx: Context, stage: str) -> Stage:
    row = ctx.get(Stage, stage)
    if row is None:
        raise NotFound("stage", stage)
    return row


def all_stages(ctx: Context) -> list[Stage]:
    return list(ctx.execute(select(Stage).order_by(Stage.position, Stage.stage)).scalars())


def initial(ctx: Context) -> Stage:
    roots = list(ctx.execute(select(Stage).where(Stage.parent.is_(None))).scalars())
    if len(roots) != 1:
        raise RuleViolation(
            "one-initial-stage", f"the stage tree has {len(roots)} initial stages; it needs exactly one"
        )
    return roots[0]


def cancel_stage(ctx: Context) -> Stage:
    row = ctx.execute(select(Stage).where(Stage.cancels.is_(True)).order_by(Stage.position)).scalars().first()
    if row is None:
        raise RuleViolation("cancel-stage-defined", "no stage is marked --cancels, so orders cannot be canceled")
    return row


def ancestors(ctx: Context, stage: Stage) -> list[str]:
    """The stages above ``stage``, nearest first."""
    by_code = {s.stage: s for s in all_stages(ctx)}
    chain, current = [], stage.parent
    while current is not None and current not in chain:
        chain.append(current)
        current = by_code[current].parent if current in by_code else None
    return chain


def record(stage: Stage, depth: int = 0) -> dict[str, Any]:
    out: dict[str, Any] = {"stage": stage.stage, "name": stage.name, "parent": stage.parent, "depth": depth}
    for flag in STAGE_FLAGS:
        out[flag.replace("_", "-")] = getattr(stage, flag)
    out["initial"] = stage.parent is None
    out["created_at"], out["created_by"] = stage.created_at, stage.created_by
    return out


def tree(ctx: Context) -> list[dict[str, Any]]:
    """Stages in tree order (each stage followed by its children), with their depth."""
    stages = all_stages(ctx)
    children: dict[str | None, list[Stage]] = {}
    for stage in stages:
        children.setdefault(stage.parent, []).append(stage)
    rows: list[dict[str, Any]] = []

    def walk(parent: str | None, depth: int) -> None:
        for stage in children.get(parent, []):
            rows.append(record(stage, depth))
            walk(stage.stage, depth + 1)

    walk(None, 0)
    return rows


def add(ctx: Context, stage: str, name: str, parent: str | None, flags: dict[str, bool]) -> dict[str, Any]:
    code = check_key(stage, "stage")
    if ctx.get(Stage, code) is not None:
        raise Duplicate("stage", code)
    if parent is None:
        roots = ctx.execute(select(Stage.stage).where(Stage.parent.is_(None))).scalars().all()
        if roots:
            raise RuleViolation(
                "one-initial-stage", f"{roots[0]!r} is already the initial stage; give --parent for {code!r}"
            )
    else:
        get(ctx, parent)
    if flags.get("cancels") and ctx.execute(select(Stage.stage).where(Stage.cancels.is_(True))).first():
        raise RuleViolation("one-cancel-stage", "another stage is already marked --cancels")
    position = (ctx.execute(select(func.max(Stage.position))).scalar() or 0) + 1
    row = Stage(
        stage=code,
        name=check_text(name, "name"),
        parent=parent,
        position=position,
        created_at=ctx.now,
        created_by=ctx.actor,
        **{flag: bool(flags.get(flag)) for flag in STAGE_FLAGS},
    )
    ctx.add(row)
    ctx.flush()
    return record(row)


def update(ctx: Context, stage: str, name: str | None, flags: dict[str, bool | None]) -> dict[str, Any]:
    row = get(ctx, stage)
    if name is not None:
        row.name = check_text(name, "name")
    for flag, value in flags.items():
        if value is None:
            continue
        another = flag == "cancels" and value and not row.cancels
        if another and ctx.execute(select(Stage.stage).where(Stage.cancels.is_(True))).first():
            raise RuleViolation("one-cancel-stage", "another stage is already marked --cancels")
        setattr(row, flag, value)
    row.updated_at, row.updated_by = ctx.now, ctx.actor
    ctx.flush()
    return record(row)


def remove(ctx: Context, stage: str) -> dict[str, Any]:
    row = get(ctx, stage)
    if ctx.execute(select(Stage.stage).where(Stage.parent == stage)).first():
        raise RuleViolation("stage-without-children", f"stage {stage!r} has child stages; remove them first")
    used = ctx.execute(select(func.count()).select_from(ServiceOrder).where(ServiceOrder.stage == stage)).scalar_one()
    logged = ctx.execute(
        select(func.count())
        .select_from(OrderStageLog)
        .where((OrderStageLog.to_stage == stage) | (OrderStageLog.from_stage == stage))
    ).scalar_one()
    if used or logged:
        raise RuleViolation(
            "stage-unused",
            f"stage {stage!r} is used by {counted(used, 'order')} and "
            f"{counted(logged, 'history entry', 'history entries')}",
        )
    if row.parent is None and ctx.execute(select(func.count()).select_from(Stage)).scalar_one() > 1:
        raise RuleViolation("one-initial-stage", "the initial stage cannot be removed while other stages exist")
    out = record(row)
    ctx.delete(row)
    ctx.flush()
    return out


# --- reason codes ---------------------------------------------------------------------------


def reason(ctx: Context, code: str) -> ReasonCode:
    row = ctx.get(ReasonCode, code)
    if row is None:
        raise NotFound("reason code", code)
    return row


#: every field of a reason code as ``reason_record`` gives it (``order reason list``)
REASON_FIELDS = ("code", "description", "created_at", "created_by")


def reason_record(row: ReasonCode) -> dict[str, Any]:
    return {
        "code": row.code,
        "description": row.description,
        "created_at": row.created_at,
        "created_by": row.created_by,
    }


def add_reason(ctx: Context, code: str, description: str) -> dict[str, Any]:
    key = check_key(code, "code")
    if ctx.get(ReasonCode, key) is not None:
        raise Duplicate("reason code", key)
    if not description.strip():
        raise InvalidInput("description", description, "is required")
    row = ReasonCode(
        code=key,
        description=check_text(description, "description"),
        created_at=ctx.now,
        created_by=ctx.actor,
    )
    ctx.add(row)
    ctx.flush()
    return reason_record(row)


def reasons(ctx: Context) -> list[dict[str, Any]]:
    return [reason_record(r) for r in ctx.execute(select(ReasonCode).order_by(ReasonCode.code)).scalars()]


def remove_reason(ctx: Context, code: str) -> dict[str, Any]:
    row = reason(ctx, code)
    used = ctx.execute(select(func.count()).select_from(OrderStageLog).where(OrderStageLog.reason == code)).scalar_one()
    if used:
        raise RuleViolation("reason-unused", f"reason code {code!r} is used in {counted(used, 'stage change')}")
    out = reason_record(row)
    ctx.delete(row)
    ctx.flush()
    return out
