"""Repair lines on service orders: what was wrong with one of the order's objects (condition,
symptom, diagnosis), what was done (resolution), by whom, and where the repair stands (its stage).

Rules: the object must be on the order and the order's stage must allow changing lines; a symptom
belongs to its symptom area (an area left out is taken from the code), a diagnosis to its diagnosis
area; choosing a finished stage sets the finished time from the clock and needs a resolution."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from custsvc.context import Context
from custsvc.domain.checks import check_bool, check_key, check_text
from custsvc.errors import InvalidInput, RuleViolation
from custsvc.models import ObjectBom, OrderObject, RepairLine
from custsvc.services.bom.objects_read import version_at
from custsvc.services.repairs import codes
from custsvc.services.repairs.rows import get_repair, order_for_change
from custsvc.services.repairs.warranty import assess
from custsvc.services.workers import require_technician

#: the options of ``repair add`` / ``update`` that name a code, with the code's kind
CODE_FIELDS = {
    "condition": "condition",
    "symptom_area": "symptom-area",
    "symptom": "symptom",
    "diagnosis_area": "diagnosis-area",
    "diagnosis": "diagnosis",
    "resolution": "resolution",
}
#: a code that belongs to an area, and the field of its area
AREA_FIELD = {"symptom": "symptom_area", "diagnosis": "diagnosis_area"}


def _code(ctx: Context, field: str, value: str) -> str:
    return codes.get_code(ctx, CODE_FIELDS[field], check_key(value, field.replace("_", "-"))).code


def _apply_codes(ctx: Context, repair: RepairLine, given: dict[str, str | None]) -> None:
    """Set the codes given ("" clears one); a coded symptom or diagnosis fixes its area."""
    for field in CODE_FIELDS:
        value = given.get(field)
        if value is None:
            continue
        setattr(repair, field, _code(ctx, field, value) if value.strip() else None)
    for field, area_field in AREA_FIELD.items():
        code = getattr(repair, field)
        if code is None:
            continue
        area = codes.get_code(ctx, CODE_FIELDS[field], code).area
        named = (given.get(area_field) or "").strip()
        if named and getattr(repair, area_field) != area:
            raise InvalidInput(
                field.replace("_", "-"), code, f"belongs to {CODE_FIELDS[area_field]} {area}, not {named}"
            )
        setattr(repair, area_field, area)


def _technician(ctx: Context, technician: str | None) -> str | None:
    if technician is None or not technician.strip():
        return None
    key = check_key(technician, "technician")
    require_technician(ctx, key)
    return key


def _apply_stage(ctx: Context, repair: RepairLine, stage: str | None) -> None:
    """The stage chosen (if any); a finished stage needs a resolution and stamps the finished time."""
    if stage is not None:
        repair.stage = codes.get_stage(ctx, check_key(stage, "stage")).stage
    finished = codes.get_stage(ctx, repair.stage).finished
    if finished and repair.resolution is None:
        raise RuleViolation(
            "finished-needs-resolution",
            f"repair stage {repair.stage!r} is finished: give the --resolution that finished it",
        )
    if finished and repair.finished_at is None:
        repair.finished_at = ctx.now
    if not finished:
        repair.finished_at = None


def _check_serial(ctx: Context, repair: RepairLine, serial: str) -> None:
    """The unit the repair is about: installed in the object now."""
    from custsvc.models import ObjectBomComponent

    key = check_key(serial, "serial")
    item = ctx.execute(
        select(ObjectBomComponent.item).where(
            ObjectBomComponent.object == repair.object,
            ObjectBomComponent.serial == key,
            ObjectBomComponent.to_version.is_(None),  # type: ignore[union-attr]
        )
    ).scalar_one_or_none()
    if item is None:
        raise InvalidInput("serial", serial, f"is not installed in {repair.object}")
    repair.serial, repair.part_item = key, item


def _by_hand(repair: RepairLine, warranty: str | None) -> bool | None:
    """What ``--warranty`` asks: yes / no (set by hand), auto (the dates decide again), or nothing."""
    if warranty is None:
        return None
    text = warranty.strip().lower()
    if text == "auto":
        repair.warranty_basis = None
        return None
    try:
        return check_bool(text, "warranty")
    except InvalidInput:
        raise InvalidInput("warranty", warranty, "expected yes, no or auto") from None


def _note(note: str | None) -> str | None:
    return (check_text(note, "note") or None) if note is not None else None


def add(
    ctx: Context,
    number: str,
    *,
    obj: str,
    technician: str | None = None,
    stage: str | None = None,
    note: str | None = None,
    serial: str | None = None,
    **given: str | None,
) -> dict[str, Any]:
    """A new repair line for ``obj`` on the order; its record (with its line number)."""
    from custsvc.services.repairs.reading import show

    unknown = set(given) - set(CODE_FIELDS)
    if unknown:
        raise TypeError(f"unknown repair fields: {sorted(unknown)}")
    order = order_for_change(ctx, number)
    key = check_key(obj, "object")
    if ctx.get(OrderObject, (number, key)) is None:
        raise RuleViolation(
            "object-on-the-order", f"service object {key} is not on {number}: add it to the order first"
        )
    bom = ctx.get(ObjectBom, key)
    top = ctx.execute(select(func.max(RepairLine.line_no)).where(RepairLine.order_number == number)).scalar()
    repair = RepairLine(
        order_number=number,
        line_no=(top or 0) + 1,
        object=key,
        technician=_technician(ctx, technician) or order.technician,
        stage=codes.first_stage(ctx).stage,
        note=_note(note),
        bom_template=bom.template if bom else None,
        bom_template_version=bom.template_version if bom else None,
        bom_version=version_at(ctx, key, ctx.now) if bom else None,
        created_at=ctx.now,
        created_by=ctx.actor,
    )
    _apply_codes(ctx, repair, given)
    if serial:
        _check_serial(ctx, repair, serial)
    _apply_stage(ctx, repair, stage)
    assess(ctx, repair, order)
    ctx.add(repair)
    ctx.flush()
    return show(ctx, number, repair.line_no)


def update(
    ctx: Context,
    number: str,
    line_no: int,
    *,
    technician: str | None = None,
    stage: str | None = None,
    note: str | None = None,
    serial: str | None = None,
    warranty: str | None = None,
    **given: str | None,
) -> dict[str, Any]:
    """Change the options given ("" clears a code, the note or the technician). ``warranty``: yes or no
    sets it by hand, auto goes back to what the dates say."""
    from custsvc.services.repairs.reading import show

    order = order_for_change(ctx, number)
    repair = get_repair(ctx, number, line_no, lock=True)
    if technician is not None:
        repair.technician = _technician(ctx, technician)
    if note is not None:
        repair.note = _note(note)
    _apply_codes(ctx, repair, given)
    if serial is not None:
        if serial.strip():
            _check_serial(ctx, repair, serial)
        else:
            repair.serial = None
    _apply_stage(ctx, repair, stage)
    assess(ctx, repair, order, by_hand=_by_hand(repair, warranty))
    repair.updated_at, repair.updated_by = ctx.now, ctx.actor
    ctx.flush()
    return show(ctx, number, line_no)


def remove(ctx: Context, number: str, line_no: int) -> dict[str, Any]:
    """Remove a repair line that swapped no part (a swap is history: finish the line instead)."""
    from custsvc.models import RepairPart
    from custsvc.services.repairs.reading import show

    order_for_change(ctx, number)
    repair = get_repair(ctx, number, line_no, lock=True)
    swapped = ctx.execute(select(func.count()).select_from(RepairPart).where(RepairPart.repair_id == repair.id))
    if swapped.scalar_one():
        raise RuleViolation(
            "repair-with-swaps-stays",
            f"repair {number}/{line_no} swapped parts; it stays in the object's history (set a finished stage instead)",
        )
    record = show(ctx, number, line_no)
    ctx.delete(repair)
    ctx.flush()
    return record
