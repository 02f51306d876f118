"""The setup lists repairs are coded from: conditions, symptom areas and their symptoms, diagnosis
areas and their diagnoses, resolutions; and the repair stages (at least one of them finished)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from custsvc.context import Context
from custsvc.domain.checks import check_key, check_text
from custsvc.errors import Duplicate, InvalidInput, NotFound, RuleViolation
from custsvc.models import RepairCode, RepairLine, RepairStage
from custsvc.values import counted

KINDS = ("condition", "symptom-area", "symptom", "diagnosis-area", "diagnosis", "resolution")
#: the kinds that belong to an area, and the area's kind
AREA_OF = {"symptom": "symptom-area", "diagnosis": "diagnosis-area"}
#: the repair-line column each kind is kept in
COLUMN = {
    "condition": "condition",
    "symptom-area": "symptom_area",
    "symptom": "symptom",
    "diagnosis-area": "diagnosis_area",
    "diagnosis": "diagnosis",
    "resolution": "resolution",
}


def check_kind(kind: str) -> str:
    text = str(kind).strip().lower()
    if text not in KINDS:
        raise InvalidInput("kind", kind, "expected one of " + ", ".join(KINDS))
    return text


def code_record(row: RepairCode) -> dict[str, Any]:
    return {"kind": row.kind, "code": row.code, "description": row.description, "area": row.area}


def get_code(ctx: Context, kind: str, code: str) -> RepairCode:
    row = ctx.get(RepairCode, (kind, code))
    if row is None:
        raise NotFound(f"{kind} code", code)
    return row


def _check_area(ctx: Context, kind: str, area: str | None) -> str | None:
    if kind not in AREA_OF:
        if area is not None:
            raise InvalidInput("area", area, f"only symptoms and diagnoses belong to an area, not a {kind}")
        return None
    if area is None:
        raise InvalidInput("area", "", f"a {kind} belongs to a {AREA_OF[kind]}: give --area")
    return get_code(ctx, AREA_OF[kind], check_key(area, "area")).code


def add_code(ctx: Context, kind: str, code: str, *, description: str, area: str | None = None) -> dict[str, Any]:
    kind, key = check_kind(kind), check_key(code, "code")
    text = check_text(description, "description")
    if not text:
        raise InvalidInput("description", description, "must not be empty")
    parent = _check_area(ctx, kind, area)
    if ctx.get(RepairCode, (kind, key)) is not None:
        raise Duplicate(f"{kind} code", key)
    row = RepairCode(kind=kind, code=key, description=text, area=parent, created_at=ctx.now, created_by=ctx.actor)
    ctx.add(row)
    ctx.flush()
    return code_record(row)


def list_codes(ctx: Context, kind: str | None = None, area: str | None = None) -> list[dict[str, Any]]:
    query = select(RepairCode)
    if kind is not None:
        query = query.where(RepairCode.kind == check_kind(kind))
    if area is not None:
        query = query.where(RepairCode.area == area)
    order = {k: n for n, k in enumerate(KINDS)}
    rows = sorted(ctx.execute(query).scalars(), key=lambda r: (order[r.kind], r.area or "", r.code))
    return [code_record(r) for r in rows]


def _uses(ctx: Context, kind: str, code: str) -> int:
    column = getattr(RepairLine, COLUMN[kind])
    return ctx.execute(select(func.count()).select_from(RepairLine).where(column == code)).scalar_one()


def update_code(
    ctx: Context, kind: str, code: str, *, description: str | None = None, area: str | None = None
) -> dict[str, Any]:
    row = get_code(ctx, check_kind(kind), check_key(code, "code"))
    if description is not None:
        text = check_text(description, "description")
        if not text:
            raise InvalidInput("description", description, "must not be empty")
        row.description = text
    if area is not None:
        new_area = _check_area(ctx, row.kind, area)
        used = _uses(ctx, row.kind, row.code)
        if new_area != row.area and used:
            raise RuleViolation(
                "code-area-fixed-once-used",
                f"{row.kind} {row.code} is used by {counted(used, 'repair line')}; its area stays {row.area}",
            )
        row.area = new_area
    row.updated_at, row.updated_by = ctx.now, ctx.actor
    ctx.flush()
    return code_record(row)


def remove_code(ctx: Context, kind: str, code: str) -> dict[str, Any]:
    row = get_code(ctx, check_kind(kind), check_key(code, "code"))
    used = _uses(ctx, row.kind, row.code)
    if used:
        raise RuleViolation(
            "code-in-use", f"{row.kind} {row.code} is used by {counted(used, 'repair line')}; it cannot be removed"
        )
    if row.kind in AREA_OF.values():
        members = (
            ctx.execute(select(RepairCode.code).where(RepairCode.area == row.code, RepairCode.kind.in_(list(AREA_OF))))
            .scalars()
            .all()
        )
        if members:
            raise RuleViolation(
                "area-in-use",
                f"{row.kind} {row.code} still has codes ({', '.join(sorted(members))}); remove them first",
            )
    record = code_record(row)
    ctx.delete(row)
    ctx.flush()
    return record


# --- repair stages ---------------------------------------------------------------------------------


def stage_record(row: RepairStage) -> dict[str, Any]:
    return {"stage": row.stage, "description": row.description, "finished": row.finished, "position": row.position}


def get_stage(ctx: Context, stage: str) -> RepairStage:
    row = ctx.get(RepairStage, stage)
    if row is None:
        raise NotFound("repair stage", stage)
    return row


def first_stage(ctx: Context) -> RepairStage:
    """Where a new repair line starts: the first stage that is not finished."""
    query = select(RepairStage).order_by(RepairStage.finished, RepairStage.position, RepairStage.stage)
    row = ctx.execute(query.limit(1)).scalars().first()
    if row is None:
        raise RuleViolation(
            "repair-stages-defined", "there are no repair stages: add one with custsvc repair stage add"
        )
    return row


def list_stages(ctx: Context) -> list[dict[str, Any]]:
    rows = ctx.execute(select(RepairStage).order_by(RepairStage.position, RepairStage.stage)).scalars()
    return [stage_record(r) for r in rows]


def _check_description(description: str) -> str:
    text = check_text(description, "description")
    if not text:
        raise InvalidInput("description", description, "must not be empty")
    return text


def add_stage(ctx: Context, stage: str, *, description: str, finished: bool = False) -> dict[str, Any]:
    key = check_key(stage, "stage")
    text = _check_description(description)
    if ctx.get(RepairStage, key) is not None:
        raise Duplicate("repair stage", key)
    position = ctx.execute(select(func.coalesce(func.max(RepairStage.position), -1))).scalar_one() + 1
    row = RepairStage(
        stage=key, description=text, finished=finished, position=position, created_at=ctx.now, created_by=ctx.actor
    )
    ctx.add(row)
    ctx.flush()
    return stage_record(row)


def _finished_left(ctx: Context, without: str) -> int:
    query = select(func.count()).select_from(RepairStage)
    return ctx.execute(query.where(RepairStage.finished.is_(True), RepairStage.stage != without)).scalar_one()


def _stage_uses(ctx: Context, stage: str) -> int:
    return ctx.execute(select(func.count()).select_from(RepairLine).where(RepairLine.stage == stage)).scalar_one()


def update_stage(
    ctx: Context, stage: str, *, description: str | None = None, finished: bool | None = None
) -> dict[str, Any]:
    row = get_stage(ctx, check_key(stage, "stage"))
    if description is not None:
        row.description = _check_description(description)
    if finished is not None and finished != row.finished:
        if not finished and not _finished_left(ctx, row.stage):
            raise RuleViolation("one-finished-stage", f"{row.stage} is the only finished repair stage; one is needed")
        used = _stage_uses(ctx, row.stage)
        if used:
            raise RuleViolation(
                "stage-finished-fixed-once-used",
                f"repair stage {row.stage} holds {counted(used, 'repair line')}; whether it is finished stays as it is",
            )
        row.finished = finished
    row.updated_at, row.updated_by = ctx.now, ctx.actor
    ctx.flush()
    return stage_record(row)


def remove_stage(ctx: Context, stage: str) -> dict[str, Any]:
    row = get_stage(ctx, check_key(stage, "stage"))
    used = _stage_uses(ctx, row.stage)
    if used:
        raise RuleViolation(
            "stage-in-use", f"repair stage {row.stage} holds {counted(used, 'repair line')}; it cannot be removed"
        )
    if row.finished and not _finished_left(ctx, row.stage):
        raise RuleViolation("one-finished-stage", f"{row.stage} is the only finished repair stage; one is needed")
    unfinished = ctx.execute(
        select(func.count())
        .select_from(RepairStage)
        .where(RepairStage.finished.is_(False), RepairStage.stage != row.stage)
    ).scalar_one()
    if not row.finished and not unfinished:
        raise RuleViolation("one-open-stage", f"{row.stage} is the only repair stage a new repair can start in")
    record = stage_record(row)
    ctx.delete(row)
    ctx.flush()
    return record
