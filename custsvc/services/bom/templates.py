"""Template BOMs: the bill of materials of a product model, with dated versions.

The versions of one template never overlap in validity, so at most one is in force on any day
(``version_at``). A version that service objects use (an object BOM was copied from it) keeps its
components as they are (frozen); the template gets a new version instead (``--copy-from``).

For the object BOMs: ``get_template``, ``version_at(ctx, template, day)`` and
``components_of(ctx, version)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import delete, func, insert, select

from custsvc.context import Context
from custsvc.domain.bom import covers, overlapping, position_key, range_status, range_text
from custsvc.domain.checks import check_key, check_text
from custsvc.errors import Duplicate, InvalidInput, NotFound, RuleViolation, Usage
from custsvc.models import BomTemplate, BomTemplateComponent, BomTemplateVersion, Item, ObjectBom
from custsvc.services.batch import select_in
from custsvc.values import counted

#: every field of ``bom template list`` (the header of an empty CSV)
TEMPLATE_FIELDS = (
    "template", "item", "description", "versions", "in_force", "created_at", "created_by", "updated_at", "updated_by",
)  # fmt: skip


# --- reading ------------------------------------------------------------------------------------


def get_template(ctx: Context, template: str, *, lock: bool = False) -> BomTemplate:
    """``lock``: hold the template's row (PostgreSQL: FOR UPDATE) so that two commands changing its
    versions at once do not both pass the overlap check; on SQLite the write lock does that."""
    if lock:
        query = select(BomTemplate).where(BomTemplate.template == template).with_for_update()
        row = ctx.execute(query).scalar_one_or_none()
    else:
        row = ctx.get(BomTemplate, template)
    if row is None:
        raise NotFound("bom template", template)
    return row


def get_version(ctx: Context, template: str, version: str) -> BomTemplateVersion:
    """A version of a template that exists (NotFound for the template, then for the version)."""
    get_template(ctx, template)
    row = ctx.execute(
        select(BomTemplateVersion).where(BomTemplateVersion.template == template, BomTemplateVersion.version == version)
    ).scalar_one_or_none()
    if row is None:
        raise NotFound("version", version, f"of bom template {template}")
    return row


def versions_of(ctx: Context, template: str) -> list[BomTemplateVersion]:
    """The template's versions, oldest validity first."""
    rows = ctx.execute(select(BomTemplateVersion).where(BomTemplateVersion.template == template)).scalars()
    return sorted(rows, key=lambda v: (v.valid_from, v.version))


def version_at(ctx: Context, template: str, day: date) -> BomTemplateVersion | None:
    """The version of ``template`` in force on ``day`` (None when none is; the template is not
    checked: see ``get_template``)."""
    return ctx.execute(
        select(BomTemplateVersion).where(
            BomTemplateVersion.template == template,
            BomTemplateVersion.valid_from <= day,
            (BomTemplateVersion.valid_to.is_(None)) | (BomTemplateVersion.valid_to >= day),  # type: ignore[union-attr]
        )
    ).scalar_one_or_none()


def components_of(ctx: Context, version: BomTemplateVersion) -> list[BomTemplateComponent]:
    """The version's components, by position (``R2`` before ``R12``)."""
    rows = ctx.execute(select(BomTemplateComponent).where(BomTemplateComponent.version_id == version.id)).scalars()
    return sorted(rows, key=lambda c: position_key(c.position))


def objects_using(ctx: Context, template: str, version: str | None = None) -> int:
    """How many object BOMs were copied from the template (from that version, if given)."""
    query = select(func.count()).select_from(ObjectBom).where(ObjectBom.template == template)
    if version is not None:
        query = query.where(ObjectBom.template_version == version)
    return int(ctx.execute(query).scalar_one())


def _item(ctx: Context, item: str, field: str = "item") -> Item:
    row = ctx.get(Item, check_key(item, field))
    if row is None:
        raise NotFound("item", item)
    return row


def _description(text: str | None) -> str | None:
    return (check_text(text, "description") or None) if text is not None else None


# --- templates ----------------------------------------------------------------------------------


def template_record(row: BomTemplate, versions: Sequence[BomTemplateVersion], today: date) -> dict[str, Any]:
    current = next((v.version for v in versions if covers(v.valid_from, v.valid_to, today)), None)
    return {
        "template": row.template,
        "item": row.item,
        "description": row.description,
        "versions": len(versions),
        "in_force": current,
        "created_at": row.created_at,
        "created_by": row.created_by,
        "updated_at": row.updated_at,
        "updated_by": row.updated_by,
    }


def add_template(ctx: Context, template: str, *, item: str, description: str | None = None) -> dict[str, Any]:
    key = check_key(template, "template")
    if ctx.get(BomTemplate, key) is not None:
        raise Duplicate("bom template", key)
    row = BomTemplate(
        template=key,
        item=_item(ctx, item).item,
        description=_description(description),
        created_at=ctx.now,
        created_by=ctx.actor,
    )
    ctx.add(row)
    ctx.flush()
    return template_record(row, [], ctx.today)


def list_templates(ctx: Context, *, item: str | None = None) -> list[dict[str, Any]]:
    """Every template with its number of versions and the one in force today: two statements."""
    query = select(BomTemplate).order_by(BomTemplate.template)
    if item is not None:
        query = query.where(BomTemplate.item == item)
    rows = list(ctx.execute(query).scalars())
    versions: dict[str, list[BomTemplateVersion]] = {}
    if rows:
        query_v = select(BomTemplateVersion)
        for version in select_in(ctx, query_v, BomTemplateVersion.template, [r.template for r in rows]):
            versions.setdefault(version[0].template, []).append(version[0])
    return [template_record(r, versions.get(r.template, []), ctx.today) for r in rows]


def update_template(
    ctx: Context, template: str, *, description: str | None = None, item: str | None = None
) -> dict[str, Any]:
    if description is None and item is None:
        raise Usage("nothing to change: give --description or --item")
    row = get_template(ctx, template)
    if item is not None and item != row.item:
        new_item = _item(ctx, item).item
        used = objects_using(ctx, template)
        if used:
            raise RuleViolation(
                "bom-template-item-in-use",
                f"bom template {template} is used by {counted(used, 'object BOM')}; its item stays {row.item} "
                f"(add a template for {new_item} instead)",
            )
        row.item = new_item
    if description is not None:
        row.description = _description(description)
    row.updated_at, row.updated_by = ctx.now, ctx.actor
    ctx.flush()
    return template_record(row, versions_of(ctx, template), ctx.today)


def remove_template(ctx: Context, template: str) -> dict[str, Any]:
    row = get_template(ctx, template)
    used = objects_using(ctx, template)
    if used:
        raise RuleViolation(
            "bom-template-in-use", f"bom template {template} is used by {counted(used, 'object BOM')}; it stays"
        )
    versions = versions_of(ctx, template)
    record = template_record(row, versions, ctx.today)
    ids = [v.id for v in versions]
    if ids:
        ctx.execute(delete(BomTemplateComponent).where(BomTemplateComponent.version_id.in_(ids)))  # type: ignore[attr-defined]
        ctx.execute(delete(BomTemplateVersion).where(BomTemplateVersion.template == template))
    ctx.delete(row)
    ctx.flush()
    return record


# --- versions -----------------------------------------------------------------------------------


def version_record(row: BomTemplateVersion, today: date, components: int | None = None) -> dict[str, Any]:
    return {
        "template": row.template,
        "version": row.version,
        "from": row.valid_from,
        "to": row.valid_to,
        "status": range_status(row.valid_from, row.valid_to, today),
        "components": components,
    }


def check_range(valid_from: date, valid_to: date | None, to_text: str | None = None) -> None:
    if valid_to is not None and valid_to < valid_from:
        raise InvalidInput(
            "to", to_text or valid_to.isoformat(), f"is before the version's from date {valid_from.isoformat()}"
        )


def check_overlap(
    template: str, version: str, valid_from: date, valid_to: date | None, others: Sequence[BomTemplateVersion]
) -> None:
    """Refuse when ``version`` would share a day with another version of the template."""
    ranges = [(v.version, v.valid_from, v.valid_to) for v in others if v.version != version]
    clash = overlapping(ranges, valid_from, valid_to)
    if clash is not None:
        other = next(v for v in others if v.version == clash)
        raise RuleViolation(
            "bom-versions-never-overlap",
            f"version {version} of bom template {template} ({range_text(valid_from, valid_to)}) overlaps "
            f"version {clash} ({range_text(other.valid_from, other.valid_to)}): one version is in force at a date",
        )


def add_version(
    ctx: Context,
    template: str,
    version: str,
    *,
    valid_from: date,
    valid_to: date | None = None,
    copy_from: str | None = None,
    to_text: str | None = None,
) -> dict[str, Any]:
    """A new version; ``copy_from``: with the components of that version of the same template."""
    name = check_key(version, "version")
    check_range(valid_from, valid_to, to_text)
    get_template(ctx, template, lock=True)
    source = get_version(ctx, template, copy_from) if copy_from is not None else None
    others = versions_of(ctx, template)
    if any(v.version == name for v in others):
        raise Duplicate("version", name, f"of bom template {template} already exists")
    check_overlap(template, name, valid_from, valid_to, others)
    row = BomTemplateVersion(
        template=template,
        version=name,
        valid_from=valid_from,
        valid_to=valid_to,
        created_at=ctx.now,
        created_by=ctx.actor,
    )
    ctx.add(row)
    ctx.flush()
    copied = components_of(ctx, source) if source is not None else []
    if copied:
        ctx.execute(
            insert(BomTemplateComponent),
            [
                {
                    "version_id": row.id,
                    "position": c.position,
                    "item": c.item,
                    "quantity": c.quantity,
                    "note": c.note,
                }
                for c in copied
            ],
        )
    return version_record(row, ctx.today, len(copied))


def update_version(
    ctx: Context,
    template: str,
    version: str,
    *,
    valid_from: date | None = None,
    valid_to: date | None = None,
    open_ended: bool = False,
    to_text: str | None = None,
    from_text: str | None = None,
) -> dict[str, Any]:
    """New validity dates (``open_ended``: no end); the same overlap rule as ``add_version``.
    ``from_text`` / ``to_text``: the dates as typed, for errors."""
    if valid_from is None and valid_to is None and not open_ended:
        raise Usage("nothing to change: give --from or --to")
    get_template(ctx, template, lock=True)
    row = get_version(ctx, template, version)
    start = valid_from if valid_from is not None else row.valid_from
    end = None if open_ended else valid_to if valid_to is not None else row.valid_to
    if valid_to is None and end is not None and end < start:
        # only --from was given: it is the value at fault, not the end the version has
        raise InvalidInput(
            "from", from_text or start.isoformat(), f"is after the version's last day {end.isoformat()} (--to)"
        )
    check_range(start, end, to_text if valid_to is not None else None)
    check_overlap(template, version, start, end, versions_of(ctx, template))
    row.valid_from, row.valid_to = start, end
    row.updated_at, row.updated_by = ctx.now, ctx.actor
    ctx.flush()
    return version_record(row, ctx.today, len(components_of(ctx, row)))


def remove_version(ctx: Context, template: str, version: str) -> dict[str, Any]:
    row = get_version(ctx, template, version)
    used = objects_using(ctx, template, version)
    if used:
        raise RuleViolation(
            "bom-version-in-use",
            f"version {version} of bom template {template} is used by {counted(used, 'object BOM')}; it stays "
            "(end its validity with `bom template version update --to DATE` instead)",
        )
    record = version_record(row, ctx.today, len(components_of(ctx, row)))
    ctx.execute(delete(BomTemplateComponent).where(BomTemplateComponent.version_id == row.id))
    ctx.delete(row)
    ctx.flush()
    return record
