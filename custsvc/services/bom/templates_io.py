"""Template BOMs out and in, in one flat shape (``template_rows.EXPORT_FIELDS``): one row per component.

An import checks every row first, against the file and the database, and reports every problem with
its row number; then it writes all of it in a few bulk statements, or nothing. A template or version
that exists with the same content is skipped (importing a file twice changes nothing); a version that
exists with other dates or components is a problem, as is one that would overlap another version."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select

from custsvc.context import Context
from custsvc.domain.bom import overlapping, position_key, range_text
from custsvc.domain.checks import check_key
from custsvc.errors import CustSvcError, Duplicate, InvalidInput, NotFound, Problems, RuleViolation
from custsvc.models import BomTemplate, BomTemplateComponent, BomTemplateVersion, Item
from custsvc.services.batch import select_in
from custsvc.services.bom.template_components import check_component_qty
from custsvc.services.bom.template_rows import (
    EXPORT_FIELDS,
    Components,
    Plan,
    TemplatePlan,
    VersionPlan,
    check_columns,
    plan_rows,
)
from custsvc.values import counted

__all__ = ["EXPORT_FIELDS", "export_rows", "import_rows"]


# --- export -------------------------------------------------------------------------------------


def _heads(ctx: Context, templates: Sequence[str]) -> list[BomTemplate]:
    if not templates:
        return list(ctx.execute(select(BomTemplate).order_by(BomTemplate.template)).scalars())
    keys = [check_key(t, "template") for t in templates]
    found = {r[0].template: r[0] for r in select_in(ctx, select(BomTemplate), BomTemplate.template, keys)}
    missing = [k for k in keys if k not in found]
    if missing:
        raise NotFound("bom template", missing[0])
    return [found[k] for k in dict.fromkeys(keys)]


def _versions(ctx: Context, templates: Sequence[str]) -> dict[str, list[BomTemplateVersion]]:
    out: dict[str, list[BomTemplateVersion]] = {}
    for (row,) in select_in(ctx, select(BomTemplateVersion), BomTemplateVersion.template, templates):
        out.setdefault(row.template, []).append(row)
    for rows in out.values():
        rows.sort(key=lambda v: (v.valid_from, v.version))
    return out


def _components(ctx: Context, version_ids: Sequence[int]) -> dict[int, list[BomTemplateComponent]]:
    out: dict[int, list[BomTemplateComponent]] = {}
    for (row,) in select_in(ctx, select(BomTemplateComponent), BomTemplateComponent.version_id, version_ids):
        out.setdefault(row.version_id, []).append(row)
    for rows in out.values():
        rows.sort(key=lambda c: position_key(c.position))
    return out


def export_rows(ctx: Context, templates: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Every template (or those named), its versions and their components: one row per component, a
    version without components one row with an empty position, a template without versions one row
    with an empty version. A bounded number of statements whatever the number of templates."""
    heads = _heads(ctx, templates)
    versions = _versions(ctx, [h.template for h in heads])
    components = _components(ctx, [v.id for vs in versions.values() for v in vs if v.id is not None])
    rows: list[dict[str, Any]] = []
    for head in heads:
        base = {"template": head.template, "item": head.item, "description": head.description}
        if not versions.get(head.template):
            rows.append({**dict.fromkeys(EXPORT_FIELDS), **base})
        for version in versions.get(head.template, []):
            dated = {**base, "version": version.version, "from": version.valid_from, "to": version.valid_to}
            parts = components.get(version.id or 0, [])
            if not parts:
                rows.append({**dict.fromkeys(EXPORT_FIELDS), **dated})
            for part in parts:
                rows.append(
                    {
                        **dated,
                        "position": part.position,
                        "component": part.item,
                        "qty": part.quantity,
                        "note": part.note,
                    }
                )
    return rows


# --- import: the database side ------------------------------------------------------------------


@dataclass
class _Known:
    """What the database holds of the templates a file names."""

    heads: dict[str, BomTemplate]
    versions: dict[str, list[BomTemplateVersion]]
    components: dict[int, Components]
    items: dict[str, Item]


@dataclass
class _Work:
    templates: list[TemplatePlan] = field(default_factory=list)
    versions: list[tuple[str, VersionPlan]] = field(default_factory=list)
    skipped_templates: int = 0
    skipped_versions: int = 0


def _known(ctx: Context, plan: Plan) -> _Known:
    names = list(plan.templates)
    # held until the import commits (PostgreSQL: FOR UPDATE), as ``version add`` holds its template:
    # two writers adding versions to one template at once cannot both pass the overlap check
    query = select(BomTemplate).with_for_update() if ctx.write else select(BomTemplate)
    heads = {r[0].template: r[0] for r in select_in(ctx, query, BomTemplate.template, names)}
    versions = _versions(ctx, list(heads))
    named = {(t.name, v) for t in plan.templates.values() for v in t.versions}
    ids = [v.id for vs in versions.values() for v in vs if (v.template, v.version) in named and v.id is not None]
    components = {
        vid: {c.position: (c.item, c.quantity, c.note) for c in parts} for vid, parts in _components(ctx, ids).items()
    }
    return _Known(heads, versions, components, _items(ctx, plan))


def _items(ctx: Context, plan: Plan) -> dict[str, Item]:
    """The items the file names (of templates and of components) that exist."""
    wanted = {t.item for t in plan.templates.values() if t.item}
    wanted |= {c[0] for t in plan.templates.values() for v in t.versions.values() for c in v.components.values()}
    return {r[0].item: r[0] for r in select_in(ctx, select(Item), Item.item, sorted(wanted))}


def _check_template(plan: Plan, template: TemplatePlan, known: _Known, work: _Work) -> str | None:
    """The template's item (None after a problem); a new template is to be created."""
    head = known.heads.get(template.name)
    if head is None:
        if template.item is None:
            plan.problem(
                template.row, InvalidInput("item", "", f"is required for the new bom template {template.name}")
            )
            return None
        if template.item not in known.items:
            plan.problem(template.row, NotFound("item", template.item))
            return None
        work.templates.append(template)
        return template.item
    if template.item is not None and template.item != head.item:
        reason = f"bom template {template.name} exists with item {head.item}"
        plan.problem(template.row, InvalidInput("item", template.item, reason))
        return None
    if template.description is not None and template.description != head.description:
        reason = f"bom template {template.name} exists with another description ({head.description or 'none'})"
        plan.problem(template.row, InvalidInput("description", template.description, reason))
        return None
    work.skipped_templates += 1
    return head.item


def _check_components(plan: Plan, template_item: str, version: VersionPlan, known: _Known) -> None:
    for position, (item, qty, _note) in version.components.items():
        row = version.rows[position]
        part = known.items.get(item)
        try:
            if part is None:
                raise NotFound("item", item, f"component at position {position}")
            if item == template_item:
                raise InvalidInput("component", item, "is the item of the bom template itself")
            check_component_qty(part, qty)
        except CustSvcError as exc:
            plan.problem(row, exc)


def _check_versions(plan: Plan, template: TemplatePlan, known: _Known, work: _Work) -> None:
    """Versions that exist with the same content are skipped, with other content a problem; new ones
    must not overlap the template's other versions (stored, or new in the file)."""
    stored = {v.version: v for v in known.versions.get(template.name, [])}
    taken = [(v.version, v.valid_from, v.valid_to) for v in stored.values()]
    for version in sorted(template.versions.values(), key=lambda v: (v.valid_from, v.name)):
        existing = stored.get(version.name)
        if existing is not None:
            same = (existing.valid_from, existing.valid_to) == (version.valid_from, version.valid_to)
            if same and known.components.get(existing.id or 0, {}) == version.components:
                work.skipped_versions += 1
                continue
            note = f"of bom template {template.name} exists with other dates or components"
            plan.problem(version.row, Duplicate("version", version.name, note))
            continue
        clash = overlapping(taken, version.valid_from, version.valid_to)
        if clash is not None:
            _, start, end = next(t for t in taken if t[0] == clash)
            message = (
                f"version {version.name} of bom template {template.name} "
                f"({range_text(version.valid_from, version.valid_to)}) overlaps version {clash} "
                f"({range_text(start, end)}): one version is in force at a date"
            )
            plan.problem(version.row, RuleViolation("bom-versions-never-overlap", message))
            continue
        taken.append((version.name, version.valid_from, version.valid_to))
        work.versions.append((template.name, version))


def _check(plan: Plan, known: _Known) -> _Work:
    work = _Work()
    for template in plan.templates.values():
        item = _check_template(plan, template, known, work)
        if item is None:
            continue
        for version in template.versions.values():
            _check_components(plan, item, version, known)
        _check_versions(plan, template, known, work)
    return work


# --- import: refusing or writing ----------------------------------------------------------------


def _refuse(plan: Plan, count: int) -> None:
    problems = sorted(plan.problems, key=lambda p: p[0])
    lines = [f"row {n}: {exc.message}" for n, exc in problems]
    raise Problems(
        f"{counted(len(problems), 'problem')} in {counted(count, 'bom template row')}; nothing was imported",
        lines,
        exit_code=3 if all(isinstance(exc, Duplicate) for _n, exc in problems) else 1,
        one=f"{lines[0]}; nothing was imported",
    )


def _write(ctx: Context, work: _Work) -> int:
    """Bulk inserts: templates, versions, then (with the new versions' ids) components."""
    stamp = {"created_at": ctx.now, "created_by": ctx.actor, "updated_at": None, "updated_by": None}
    if work.templates:
        rows = [{"template": t.name, "item": t.item, "description": t.description, **stamp} for t in work.templates]
        ctx.execute(insert(BomTemplate), rows)
    if not work.versions:
        return 0
    ctx.execute(
        insert(BomTemplateVersion),
        [
            {"template": t, "version": v.name, "valid_from": v.valid_from, "valid_to": v.valid_to, **stamp}
            for t, v in work.versions
        ],
    )
    query = select(BomTemplateVersion.id, BomTemplateVersion.template, BomTemplateVersion.version)
    ids = {(t, v): i for i, t, v in select_in(ctx, query, BomTemplateVersion.template, [t for t, _v in work.versions])}
    parts = [
        {"version_id": ids[(t, v.name)], "position": p, "item": item, "quantity": qty, "note": note}
        for t, v in work.versions
        for p, (item, qty, note) in v.components.items()
    ]
    if parts:
        ctx.execute(insert(BomTemplateComponent), parts)
    ctx.flush()
    return len(parts)


def import_rows(
    ctx: Context, rows: Sequence[Mapping[str, Any]], *, dry_run: bool = False, columns: Sequence[str] | None = None
) -> dict[str, Any]:
    """Check every row, then write all of it or nothing (``dry_run``: check only). ``columns``: a CSV
    file's header."""
    check_columns(columns)
    plan = plan_rows(ctx, rows)
    work = _check(plan, _known(ctx, plan)) if plan.templates else _Work()
    if plan.problems:
        _refuse(plan, len(rows))
    components = sum(len(v.components) for _t, v in work.versions)
    if not dry_run:
        _write(ctx, work)
    return {
        "rows": len(rows),
        "templates": len(work.templates),
        "versions": len(work.versions),
        "components": components,
        "skipped_templates": work.skipped_templates,
        "skipped_versions": work.skipped_versions,
        "dry_run": dry_run,
    }
