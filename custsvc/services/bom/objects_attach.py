"""Giving a service object its own BOM (a copy of the template version in force on a day) and taking
it away again while it has no history.

``attach_many(ctx, requests)`` attaches many at once in bulk (the demo, the benchmark); ``attach`` is
one of them. Serial numbers of installed units may be given now (``POSITION=SERIAL``) or later
(``objects_change.set_serial``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select

from custsvc.context import Context
from custsvc.domain.bom import check_position, covers, position_key
from custsvc.domain.checks import check_key
from custsvc.domain.locations import object_location
from custsvc.errors import CustSvcError, InvalidInput, NotFound, RuleViolation
from custsvc.models import (
    BomTemplate,
    BomTemplateComponent,
    BomTemplateVersion,
    Item,
    ObjectBom,
    ObjectBomChange,
    ObjectBomComponent,
    SerialUnit,
    StockMove,
)
from custsvc.services.batch import select_in
from custsvc.services.bom import objects_bulk as bulk
from custsvc.services.bom.objects import begin, claim
from custsvc.services.stock import ledger
from custsvc.values import counted

#: one object to attach: (object, template, the day whose version is copied (None: today),
#: serial numbers by position)
Request = tuple[str, str, date | None, Mapping[str, str]]


def parse_serials(texts: Sequence[str]) -> dict[str, str]:
    """``burner=SN123`` options as {position: serial}."""
    out: dict[str, str] = {}
    for text in texts:
        position, sep, serial = str(text).partition("=")
        if not sep or not position.strip() or not serial.strip():
            raise InvalidInput("serial", text, "expected POSITION=SERIAL, e.g. burner=SN123")
        place = check_position(position.strip(), "serial")
        if place in out:
            raise InvalidInput("serial", text, f"position {place} has a serial already ({out[place]})")
        out[place] = check_key(serial.strip(), "serial")
    return out


def _versions(ctx: Context, templates: set[str]) -> dict[str, list[BomTemplateVersion]]:
    out: dict[str, list[BomTemplateVersion]] = defaultdict(list)
    for (row,) in select_in(ctx, select(BomTemplateVersion), BomTemplateVersion.template, sorted(templates)):
        out[row.template].append(row)
    return out


def _components(ctx: Context, version_ids: set[int]) -> dict[int, list[tuple[str, str, Decimal]]]:
    """Each version's components as (position, item, qty), by position: read once, copied many times."""
    query = select(
        BomTemplateComponent.version_id,
        BomTemplateComponent.position,
        BomTemplateComponent.item,
        BomTemplateComponent.quantity,
    )
    out: dict[int, list[tuple[str, str, Decimal]]] = defaultdict(list)
    for version_id, position, item, qty in select_in(ctx, query, BomTemplateComponent.version_id, sorted(version_ids)):
        out[version_id].append((position, item, qty))
    for rows in out.values():
        rows.sort(key=lambda c: position_key(c[0]))
    return out


def _in_force(versions: Sequence[BomTemplateVersion], template: str, day: date) -> BomTemplateVersion:
    for version in versions:
        if covers(version.valid_from, version.valid_to, day):
            return version
    raise InvalidInput("at", day.isoformat(), f"bom template {template} has no version in force on that day")


def _plan(
    number: int,
    request: Request,
    version: BomTemplateVersion,
    components: Sequence[tuple[str, str, Decimal]],
) -> bulk.BomPlan:
    obj, template, day, serials = request
    if serials:
        positions = {position for position, _item, _qty in components}
        for position in serials:
            if position not in positions:
                raise NotFound("position", position, f"in version {version.version} of bom template {template}")
    component = bulk.Component
    return bulk.BomPlan(
        number,
        obj,
        template,
        version.version,
        [component(position, item, qty, serials.get(position)) for position, item, qty in components],
        in_service=day,
    )


def plans_for(ctx: Context, requests: Sequence[Request]) -> tuple[list[bulk.BomPlan], list[tuple[int, CustSvcError]]]:
    """Each request's plan from the version in force (a few queries for all of them), and problems."""
    names = {template for _o, template, _d, _s in requests}
    known = {t for (t,) in select_in(ctx, select(BomTemplate.template), BomTemplate.template, sorted(names))}
    versions = _versions(ctx, known)
    chosen: dict[int, BomTemplateVersion] = {}
    problems: list[tuple[int, CustSvcError]] = []
    for number, (_obj, template, day, _serials) in enumerate(requests, start=1):
        try:
            if template not in known:
                raise NotFound("bom template", template)
            chosen[number] = _in_force(versions[template], template, day or ctx.today)
        except CustSvcError as exc:
            problems.append((number, exc))
    components = _components(ctx, {v.id for v in chosen.values() if v.id is not None})
    plans = []
    for number, version in chosen.items():
        try:
            plans.append(_plan(number, requests[number - 1], version, components.get(version.id or 0, [])))
        except CustSvcError as exc:
            problems.append((number, exc))
    return plans, problems


def attach_many(ctx: Context, requests: Sequence[Request], *, single: bool = False) -> dict[str, Any]:
    """Attach a BOM to every object of ``requests``, in bulk: every request is checked first, then all
    are written or none (``single``: raise the problem itself, else all problems at once)."""
    plans, problems = plans_for(ctx, requests)
    known = bulk.check(ctx, plans, problems)
    if problems:
        bulk.refuse(problems, len(requests), "request", single=single)
    written = bulk.write(ctx, plans, known)
    return {"objects": len(plans), "components": written, "keys": [p.object for p in plans]}


def attach(
    ctx: Context, obj: str, template: str, *, day: date | None = None, serials: Sequence[str] = ()
) -> dict[str, Any]:
    """One object's BOM (version 1): a copy of the version of ``template`` in force on ``day``."""
    from custsvc.services.bom.objects_read import show

    request = (check_key(obj, "object"), check_key(template, "template"), day, parse_serials(serials))
    attach_many(ctx, [request], single=True)
    return show(ctx, request[0])


def _origins(ctx: Context, obj: str, serials: Sequence[str]) -> dict[tuple[str, str], str]:
    """Where each unit moved into the object from."""
    query = (
        select(StockMove.item, StockMove.serial, StockMove.from_location)
        .where(StockMove.doc_type == "bom", StockMove.doc == obj, StockMove.to_location == object_location(obj))
        .order_by(StockMove.id)
    )
    return {(item, serial): source for item, serial, source in select_in(ctx, query, StockMove.serial, serials)}


def detach(ctx: Context, obj: str) -> dict[str, Any]:
    """Take the object's BOM away while nothing changed since it was attached; its units go back to
    where they came from (the shelf, or the customer)."""
    editing = begin(ctx, obj)
    if editing.version != 1:
        raise RuleViolation(
            "detach-only-unchanged",
            f"the BOM of {obj} has {counted(editing.version - 1, 'change')} since it was attached "
            f"(version {editing.version}); its history stays",
        )
    template, version = editing.bom.template, editing.bom.template_version
    claim(ctx, editing)
    installed = sorted((r for r in editing.rows.values() if r.serial), key=lambda r: position_key(r.position))
    serials = [r.serial for r in installed if r.serial]
    origins = _origins(ctx, obj, serials)
    # the items and units in a few statements, whatever the size of the BOM
    names = sorted({r.item for r in installed})
    items = {i.item: i for (i,) in select_in(ctx, select(Item), Item.item, names)}
    units = {(u.item, u.serial): u for (u,) in select_in(ctx, select(SerialUnit), SerialUnit.serial, serials)}
    entries = [
        ledger.move(
            ctx,
            items[row.item],
            row.quantity,
            object_location(obj),
            origins.get((row.item, row.serial or ""), "customer"),
            doc_type="bom",
            serial=row.serial,
            doc=obj,
            note=f"position {row.position}, BOM detached",
            unit_row=units.get((row.item, row.serial or "")),
            add=False,
        )
        for row in installed
    ]
    ledger.write_moves(ctx, entries)  # the units' new places and their ledger rows, one statement each
    ctx.flush()
    for model in (ObjectBomComponent, ObjectBomChange, ObjectBom):
        ctx.execute(delete(model).where(model.object == obj).execution_options(synchronize_session=False))
    ctx.session.expunge(editing.bom)
    return {
        "object": obj,
        "template": template,
        "template_version": version,
        "components": len(editing.rows),
        "units_moved": len(installed),
    }
