"""Object BOMs as flat rows: ``export`` prints each object's current BOM, one row per component, and
``import_rows`` attaches BOMs from rows of the same shape (a consultant's bulk load): every row is
checked first, all problems are reported with their row numbers at once, then all BOMs are written
in bulk as their version 1, with exactly the components the rows give, or none."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from custsvc.context import Context
from custsvc.domain.bom import check_position, position_key
from custsvc.domain.checks import check_key
from custsvc.domain.money import parse_quantity
from custsvc.errors import CustSvcError, Duplicate, InvalidInput, NotFound
from custsvc.models import BomTemplateVersion, ObjectBom, ObjectBomComponent
from custsvc.services.batch import select_in
from custsvc.services.bom import objects_bulk as bulk
from custsvc.services.bom.objects import no_bom

#: the fields of an exported row, and of a row to import (``version`` is read and left: an import
#: makes version 1)
EXPORT_FIELDS = ("object", "template", "template_version", "version", "position", "item", "qty", "serial")
REQUIRED = ("object", "template", "template_version", "position", "item")


def export(ctx: Context, objects: Sequence[str] = ()) -> list[dict[str, Any]]:
    """The current BOM of ``objects`` (default: every object with one), a row per component."""
    query = select(ObjectBom, ObjectBomComponent).join(
        ObjectBomComponent, ObjectBomComponent.object == ObjectBom.object
    )
    query = query.where(ObjectBomComponent.to_version.is_(None))  # type: ignore[union-attr]
    if objects:
        keys = list(dict.fromkeys(objects))
        found = {k for (k,) in select_in(ctx, select(ObjectBom.object), ObjectBom.object, keys)}
        for key in keys:
            if key not in found:
                raise no_bom(ctx, key)
        pairs = list(select_in(ctx, query, ObjectBom.object, keys))
    else:
        pairs = list(ctx.execute(query))
    rows = [
        {
            "object": bom.object,
            "template": bom.template,
            "template_version": bom.template_version,
            "version": bom.version,
            "position": c.position,
            "item": c.item,
            "qty": c.quantity,
            "serial": c.serial,
        }
        for bom, c in pairs
    ]
    return sorted(rows, key=lambda r: (r["object"], position_key(r["position"])))


@dataclass
class _Row:
    number: int
    object: str
    template: str
    template_version: str
    component: bulk.Component


def _cell(raw: Mapping[str, Any], name: str) -> str | None:
    value = raw.get(name)
    if value is None or isinstance(value, (dict, list, bool)):
        if isinstance(value, (dict, list, bool)):
            raise InvalidInput(name, value, "expected a single value")
        return None
    text = str(value).strip()
    return text or None


def _parse(number: int, raw: Mapping[str, Any]) -> _Row:
    unknown = [k for k in raw if k not in EXPORT_FIELDS]
    if unknown:
        raise InvalidInput("column", unknown[0], f"a BOM row has the fields {', '.join(EXPORT_FIELDS)}")
    cells = {name: _cell(raw, name) for name in EXPORT_FIELDS}
    for name in REQUIRED:
        if cells[name] is None:
            raise InvalidInput(name, "", "is required")
    qty = parse_quantity(cells["qty"], "qty", allow_zero=False) if cells["qty"] else Decimal(1)
    return _Row(
        number,
        check_key(cells["object"], "object"),
        check_key(cells["template"], "template"),
        str(cells["template_version"]),
        bulk.Component(
            check_position(cells["position"]),
            check_key(cells["item"], "item"),
            qty,
            check_key(cells["serial"], "serial") if cells["serial"] else None,
            number,
        ),
    )


def _group(rows: Sequence[_Row], problems: list[tuple[int, CustSvcError]]) -> dict[str, bulk.BomPlan]:
    """One plan per object; a row that disagrees with its object's first row is a problem."""
    plans: dict[str, bulk.BomPlan] = {}
    first_row: dict[tuple[str, str], int] = {}
    for row in rows:
        plan = plans.setdefault(row.object, bulk.BomPlan(row.number, row.object, row.template, row.template_version))
        if (row.template, row.template_version) != (plan.template, plan.template_version):
            problems.append(
                (row.number, InvalidInput("template", f"{row.template} {row.template_version}",
                                          f"row {plan.number} gives {plan.template} {plan.template_version} "
                                          f"for {row.object}"))
            )  # fmt: skip
            continue
        key = (row.object, row.component.position)
        if key in first_row:
            problems.append(
                (
                    row.number,
                    Duplicate("position", row.component.position, f"of {row.object} repeats row {first_row[key]}"),
                )
            )
            continue
        first_row[key] = row.number
        plan.components.append(row.component)
    return plans


def _check_versions(ctx: Context, plans: Sequence[bulk.BomPlan], problems: list[tuple[int, CustSvcError]]) -> None:
    query = select(BomTemplateVersion.template, BomTemplateVersion.version)
    names = sorted({p.template for p in plans})
    known = {(t, v) for t, v in select_in(ctx, query, BomTemplateVersion.template, names)}
    templates = {t for t, _v in known}
    for plan in plans:
        if plan.template in templates and (plan.template, plan.template_version) not in known:
            problems.append(
                (plan.number, NotFound("version", plan.template_version, f"of bom template {plan.template}"))
            )


def import_rows(
    ctx: Context, rows: Sequence[Mapping[str, Any]], *, dry_run: bool = False, columns: Sequence[str] | None = None
) -> dict[str, Any]:
    """Attach the BOMs the rows give (check only with ``dry_run``)."""
    if columns is not None and not rows:
        unknown = [c for c in columns if c not in EXPORT_FIELDS]
        if unknown or not columns:
            shown = unknown[0] if unknown else ""
            raise InvalidInput("column", shown, f"the first line must be the header: {', '.join(EXPORT_FIELDS)}")
    problems: list[tuple[int, CustSvcError]] = []
    parsed = []
    for number, raw in enumerate(rows, start=1):
        try:
            parsed.append(_parse(number, raw))
        except CustSvcError as exc:
            problems.append((number, exc))
    plans = list(_group(parsed, problems).values())
    _check_versions(ctx, plans, problems)
    known = bulk.check(ctx, plans, problems)
    if problems:
        bulk.refuse(problems, len(rows), "row", single=False)
    written = 0 if dry_run else bulk.write(ctx, plans, known)
    return {
        "rows": len(rows),
        "objects": len(plans),
        "components": sum(len(p.components) for p in plans) if dry_run else written,
        "dry_run": dry_run,
    }
