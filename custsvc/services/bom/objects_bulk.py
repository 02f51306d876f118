"""Attaching many object BOMs at once (``attach_many``, ``bom import``, the demo and the benchmark):
every plan is checked first with a bounded number of queries, all problems are reported together,
then everything is written in bulk (a few multi-row inserts whatever the number of objects), or none.

Each BOM becomes version 1 with one ``attach`` history line. A unit with a serial number named for a
position is found installed: new to the shop, it becomes known in the object at once (its ledger row
from ``customer``); known on the shelf or at the customer's, it moves in (see ``units``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select

from custsvc.context import Context
from custsvc.domain.locations import object_location
from custsvc.domain.money import to_milli
from custsvc.errors import CustSvcError, Duplicate, InvalidInput, NotFound, Problems
from custsvc.models import (
    BomTemplate,
    Item,
    ObjectBom,
    ObjectBomChange,
    ObjectBomComponent,
    SerialUnit,
    ServiceObject,
    StockMove,
)
from custsvc.services.batch import select_in
from custsvc.services.bom.units import FOUND_AT, not_here, note
from custsvc.services.stock.ledger import held_for_writing
from custsvc.values import counted


@dataclass(slots=True)
class Component:
    position: str
    item: str
    qty: Decimal
    serial: str | None = None
    #: the row it came from (an import), for problems; 0: the plan's
    number: int = 0


@dataclass
class BomPlan:
    """One object's BOM to attach: ``number`` is its row (or request) for problems."""

    number: int
    object: str
    template: str
    template_version: str
    components: list[Component] = field(default_factory=list)
    #: when units found installed went into service (``attach --at``: the object was built then);
    #: None: today
    in_service: date | None = None


@dataclass
class Known:
    objects: dict[str, ServiceObject]
    attached: set[str]
    templates: dict[str, BomTemplate]
    items: dict[str, Item]
    units: dict[tuple[str, str], SerialUnit]
    seen_objects: dict[str, int] = field(default_factory=dict)
    seen_serials: dict[tuple[str, str], str] = field(default_factory=dict)


def _by_key(ctx: Context, model: Any, column: Any, keys: Iterable[Any]) -> list[Any]:
    return [row for (row,) in select_in(ctx, select(model), column, list(keys))]


def _known(ctx: Context, plans: Sequence[BomPlan]) -> Known:
    components = [c for p in plans for c in p.components]
    serials = {c.serial for c in components if c.serial}
    return Known(
        objects={o.object: o for o in _by_key(ctx, ServiceObject, ServiceObject.object, (p.object for p in plans))},
        attached={k for (k,) in select_in(ctx, select(ObjectBom.object), ObjectBom.object, [p.object for p in plans])},
        templates={t.template: t for t in _by_key(ctx, BomTemplate, BomTemplate.template, (p.template for p in plans))},
        items={i.item: i for i in _by_key(ctx, Item, Item.item, (c.item for c in components))},
        units={
            (u.item, u.serial): u
            for (u,) in select_in(ctx, held_for_writing(ctx, select(SerialUnit)), SerialUnit.serial, sorted(serials))
        },
    )


def _check_header(plan: BomPlan, known: Known) -> None:
    obj = known.objects.get(plan.object)
    if obj is None:
        raise NotFound("service object", plan.object)
    if plan.object in known.attached:
        raise Duplicate(
            "BOM of service object", plan.object, "exists already (change it with bom replace, add or remove)"
        )
    if plan.object in known.seen_objects:
        raise Duplicate("BOM of service object", plan.object, f"is attached by row {known.seen_objects[plan.object]}")
    template = known.templates.get(plan.template)
    if template is None:
        raise NotFound("bom template", plan.template)
    if obj.item != template.item:
        what = f"a {obj.item}" if obj.item else "without an item"
        raise InvalidInput(
            "template", plan.template, f"is the BOM of {template.item}; service object {obj.object} is {what}"
        )


def _check_component(plan: BomPlan, component: Component, known: Known) -> None:
    item = known.items.get(component.item)
    if item is None:
        raise NotFound("item", component.item, f"at position {component.position}")
    if item.serialized and component.qty != 1:
        raise InvalidInput("qty", format(component.qty, "f"), f"item {item.item} is serialized: the quantity is 1")
    if component.serial is None:
        return
    if not item.serialized:
        raise InvalidInput(
            "serial", component.serial, f"item {item.item} at position {component.position} is not serialized"
        )
    key = (item.item, component.serial)
    if key in known.seen_serials:
        raise Duplicate("serial", component.serial, f"of {item.item} is named twice ({known.seen_serials[key]})")
    unit = known.units.get(key)
    if unit is not None and unit.location not in FOUND_AT:
        raise not_here(item.item, component.serial, unit.location, "in stock or at the customer's")


def check(ctx: Context, plans: Sequence[BomPlan], problems: list[tuple[int, CustSvcError]]) -> Known:
    """Every plan against the database and the other plans; problems are added to ``problems``.
    Returns what was read, for ``write``."""
    known = _known(ctx, plans)
    for plan in plans:
        try:
            _check_header(plan, known)
        except CustSvcError as exc:
            problems.append((plan.number, exc))
            continue
        known.seen_objects[plan.object] = plan.number
        for component in plan.components:
            try:
                _check_component(plan, component, known)
            except CustSvcError as exc:
                problems.append((component.number or plan.number, exc))
                continue
            if component.serial:
                where = f"{plan.object} {component.position}"
                known.seen_serials[(component.item, component.serial)] = where
    return known


def refuse(problems: list[tuple[int, CustSvcError]], count: int, noun: str, *, single: bool) -> None:
    """Raise the problems: the first one itself (``single``), else all of them, a line each."""
    ordered = sorted(problems, key=lambda p: p[0])
    if single:
        raise ordered[0][1]
    lines = [f"{noun} {n}: {exc.message}" for n, exc in ordered]
    conflict_only = all(isinstance(exc, Duplicate) for _n, exc in ordered)
    raise Problems(
        f"{counted(len(ordered), 'problem')} in {counted(count, noun)}; nothing was attached",
        lines,
        exit_code=3 if conflict_only else 1,
        one=f"{lines[0]}; nothing was attached",
    )


def _unit_rows(
    ctx: Context, plans: Sequence[BomPlan], known: Known
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(new serial units, ledger rows) for the units named in ``plans``; known units are moved."""
    units: list[dict[str, Any]] = []
    moves: list[dict[str, Any]] = []
    stamp = {"at": ctx.now, "actor": ctx.actor, "doc_type": "bom", "order_line_id": None}
    for plan in plans:
        here = object_location(plan.object)
        for c in plan.components:
            if not c.serial:
                continue
            unit = known.units.get((c.item, c.serial))
            source = "customer" if unit is None else unit.location
            if unit is None:
                units.append(
                    {"item": c.item, "serial": c.serial, "location": here,
                     "in_service_on": min(plan.in_service or ctx.today, ctx.today),
                     "warranty_end": None, "created_at": ctx.now, "created_by": ctx.actor}
                )  # fmt: skip
            else:
                unit.location = here
                unit.in_service_on = unit.in_service_on or ctx.today
            moves.append(
                {"item": c.item, "serial": c.serial, "quantity_milli": Decimal(1), "from_location": source,
                 "to_location": here, "doc": plan.object, "note": note(c.position, 1), **stamp}
            )  # fmt: skip
    return units, moves


#: the component table's columns as ``write`` fills them (values as stored: quantities in thousandths)
COMPONENT_COLUMNS = ("object", "position", "item", "quantity_milli", "serial", "from_version", "to_version")


def _insert_plain(ctx: Context, table: Any, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    """Many rows of plain values (strings, integers, None) into ``table`` with one executemany of the
    driver: no per-row parameter processing, so 400,000 component rows take seconds, not tens of them.
    The statement is built from the table's metadata; a driver with another parameter style gets
    SQLAlchemy's insert."""
    if not rows:
        return
    conn = ctx.session.connection()
    marks = {"qmark": "?", "format": "%s", "pyformat": "%s"}.get(conn.dialect.paramstyle)
    if marks is None:
        ctx.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])
        return
    quote = conn.dialect.identifier_preparer.quote
    statement = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join([marks] * len(columns))})"
    )
    conn.exec_driver_sql(statement, list(rows))


def write(ctx: Context, plans: Sequence[BomPlan], known: Known) -> int:
    """The checked plans, in bulk; the number of component rows written."""
    if not plans:
        return 0
    now, actor = ctx.now, ctx.actor
    boms = [
        {"object": p.object, "template": p.template, "template_version": p.template_version, "version": 1,
         "created_at": now, "created_by": actor, "updated_at": None, "updated_by": None}
        for p in plans
    ]  # fmt: skip
    rows = [(p.object, c.position, c.item, to_milli(c.qty), c.serial, 1, None) for p in plans for c in p.components]
    history = [
        {"object": p.object, "version": 1, "change": "attach", "position": None, "old": None,
         "new": f"{p.template} {p.template_version}", "reason": None, "order_number": None, "order_line_id": None,
         "at": now, "actor": actor}
        for p in plans
    ]  # fmt: skip
    units, moves = _unit_rows(ctx, plans, known)
    # Core inserts into the tables (column names, e.g. quantity_milli): one executemany per table
    ctx.flush()
    for model, values in ((ObjectBom, boms), (ObjectBomChange, history), (SerialUnit, units), (StockMove, moves)):
        if values:
            ctx.execute(insert(model.__table__), values)
    _insert_plain(ctx, ObjectBomComponent.__table__, COMPONENT_COLUMNS, rows)
    return len(rows)
