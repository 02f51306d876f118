"""How object BOMs plug into orders (registered by ``custsvc.bootstrap``): a BOM change made under an
order is refused while that order is in a stage that does not allow changing its lines, and when the
object belongs to another customer than the order's. ``object show`` lists the object's BOM as it is
now (section ``bom``)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import select

from custsvc.domain.bom import position_key
from custsvc.events import Bus, Problem
from custsvc.models import ObjectBom, ObjectBomComponent, Stage
from custsvc.services.batch import select_in
from custsvc.services.bom.events import ObjectBomChanging


def _stage_allows_modify(ctx: Any, event: ObjectBomChanging) -> Iterator[Problem]:
    stage = ctx.get(Stage, event.order.stage)
    if stage is not None and not stage.can_modify:
        yield Problem(
            "stage-allows-modify",
            f"{event.order.number} is in stage {stage.stage!r}, which does not allow changing lines, "
            f"so the BOM of {event.object_row.object} cannot change under it",
        )


def _object_of_the_customer(ctx: Any, event: ObjectBomChanging) -> Iterator[Problem]:
    if event.object_row.customer != event.order.customer:
        yield Problem(
            "object-of-the-customer",
            f"service object {event.object_row.object} belongs to {event.object_row.customer}, "
            f"not to {event.order.customer}, the customer of {event.order.number}",
        )


def object_bom(ctx: Any, objects: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Each object's BOM now: its version and components (two statements for any number of objects)."""
    versions = dict(select_in(ctx, select(ObjectBom.object, ObjectBom.version), ObjectBom.object, objects))
    current = select(ObjectBomComponent).where(ObjectBomComponent.to_version.is_(None))  # type: ignore[union-attr]
    rows: dict[str, list[ObjectBomComponent]] = {}
    for (row,) in select_in(ctx, current, ObjectBomComponent.object, sorted(versions)):
        rows.setdefault(row.object, []).append(row)
    return {
        obj: {
            "bom_version": versions.get(obj),
            "bom": [
                {"position": r.position, "item": r.item, "qty": r.quantity, "serial": r.serial}
                for r in sorted(rows.get(obj, []), key=lambda r: position_key(r.position))
            ],
        }
        for obj in objects
    }


def register(bus: Bus) -> None:
    bus.contribute("object-detail", ("bom_version", "bom"), object_bom)
    bus.guard(ObjectBomChanging, _stage_allows_modify)
    bus.guard(ObjectBomChanging, _object_of_the_customer)
