"""The components of a template BOM version (position, item, quantity, note), and reading a version
whole: ``show`` and ``diff``.

A version that object BOMs were copied from is frozen: its components are what those objects got,
so changing them is refused with a hint to add a version (``version add ... --copy-from``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from custsvc.context import Context
from custsvc.domain.bom import check_position, diff_components, range_status
from custsvc.domain.checks import check_key, check_text
from custsvc.domain.money import parse_quantity
from custsvc.errors import Duplicate, InvalidInput, NotFound, RuleViolation, Usage
from custsvc.models import BomTemplate, BomTemplateComponent, BomTemplateVersion, Item
from custsvc.services.batch import select_in
from custsvc.services.bom.templates import (
    components_of,
    get_template,
    get_version,
    objects_using,
    version_at,
    versions_of,
)
from custsvc.values import counted

#: every field of a component as ``show`` lists it
COMPONENT_FIELDS = ("position", "item", "item_name", "qty", "note")
#: every field of a row of ``diff``
DIFF_FIELDS = ("position", "change", "old_item", "new_item", "old_qty", "new_qty", "old_note", "new_note")


def check_component_qty(item: Item, qty: Decimal, given: object = None) -> Decimal:
    """A serialized item's units are tracked one by one, each at a position of its own: quantity 1."""
    if item.serialized and qty != 1:
        raise InvalidInput(
            "qty",
            given if given is not None else str(qty),
            f"item {item.item} is serialized: each unit has its own serial number and position, so the quantity is 1",
        )
    return qty


def _component_item(ctx: Context, template: BomTemplate, item: str) -> Item:
    row = ctx.get(Item, check_key(item, "item"))
    if row is None:
        raise NotFound("item", item)
    if row.item == template.item:
        raise InvalidInput("item", item, f"is the item of bom template {template.template} itself")
    return row


def _editable(ctx: Context, template: str, version: str) -> BomTemplateVersion:
    """The version, unless object BOMs use it (then its components are frozen)."""
    row = get_version(ctx, template, version)
    used = objects_using(ctx, template, version)
    if used:
        raise RuleViolation(
            "bom-version-frozen",
            f"version {version} of bom template {template} is used by {counted(used, 'object BOM')}, so its "
            f"components stay as they are: add a version instead, e.g. custsvc bom template version add "
            f"{template} NEW --from DATE --copy-from {version}",
        )
    return row


def _component(ctx: Context, row: BomTemplateVersion, position: str) -> BomTemplateComponent:
    found = ctx.execute(
        select(BomTemplateComponent).where(
            BomTemplateComponent.version_id == row.id, BomTemplateComponent.position == position
        )
    ).scalar_one_or_none()
    if found is None:
        raise NotFound("position", position, f"in version {row.version} of bom template {row.template}")
    return found


def component_record(component: BomTemplateComponent, names: dict[str, str]) -> dict[str, Any]:
    return {
        "position": component.position,
        "item": component.item,
        "item_name": names.get(component.item),
        "qty": component.quantity,
        "note": component.note,
    }


def _note(note: str | None) -> str | None:
    return (check_text(note, "note") or None) if note is not None else None


def add_component(
    ctx: Context, template: str, version: str, *, position: str, item: str, qty: str = "1", note: str | None = None
) -> dict[str, Any]:
    slot = check_position(position)
    amount = parse_quantity(qty, "qty", allow_zero=False)
    text = _note(note)
    row = _editable(ctx, template, version)
    part = _component_item(ctx, get_template(ctx, template), item)
    quantity = check_component_qty(part, amount, qty)
    if any(c.position == slot for c in components_of(ctx, row)):
        raise Duplicate("position", slot, f"is taken in version {version} of bom template {template}")
    component = BomTemplateComponent(version_id=row.id, position=slot, item=part.item, quantity=quantity, note=text)
    ctx.add(component)
    ctx.flush()
    return component_record(component, {part.item: part.name})


def update_component(
    ctx: Context,
    template: str,
    version: str,
    position: str,
    *,
    item: str | None = None,
    qty: str | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """Change what a position holds; ``note=""`` clears the note."""
    if item is None and qty is None and note is None:
        raise Usage("nothing to change: give --item, --qty or --note")
    amount = parse_quantity(qty, "qty", allow_zero=False) if qty is not None else None
    text = _note(note)
    row = _editable(ctx, template, version)
    component = _component(ctx, row, position)
    part = (
        _component_item(ctx, get_template(ctx, template), item) if item is not None else ctx.get(Item, component.item)
    )
    quantity = amount if amount is not None else component.quantity
    check_component_qty(part, quantity, qty)
    component.item, component.quantity = part.item, quantity
    if note is not None:
        component.note = text
    ctx.flush()
    return component_record(component, {part.item: part.name})


def remove_component(ctx: Context, template: str, version: str, position: str) -> dict[str, Any]:
    row = _editable(ctx, template, version)
    component = _component(ctx, row, position)
    record = component_record(component, _names(ctx, [component.item]))
    ctx.delete(component)
    ctx.flush()
    return record


# --- reading a version whole ----------------------------------------------------------------------


def _names(ctx: Context, items: Iterable[str]) -> dict[str, str]:
    return dict(select_in(ctx, select(Item.item, Item.name), Item.item, items))  # type: ignore[arg-type]


def _chosen(ctx: Context, template: str, version: str | None, at: date | None) -> BomTemplateVersion | None:
    """The version asked for; by default the one in force today, else the newest."""
    if version is not None:
        return get_version(ctx, template, version)
    if at is not None:
        found = version_at(ctx, template, at)
        if found is None:
            raise NotFound(f"version of bom template {template} in force on", at.isoformat())
        return found
    versions = versions_of(ctx, template)
    current = version_at(ctx, template, ctx.today) if versions else None
    return current or (versions[-1] if versions else None)


def show(ctx: Context, template: str, *, version: str | None = None, at: date | None = None) -> dict[str, Any]:
    """A version of a template with its components (JSON: one object, components a list)."""
    head = get_template(ctx, template)
    row = _chosen(ctx, template, version, at)
    components = components_of(ctx, row) if row is not None else []
    names = _names(ctx, [head.item, *(c.item for c in components)])
    return {
        "template": head.template,
        "item": head.item,
        "item_name": names.get(head.item),
        "description": head.description,
        "version": row.version if row else None,
        "from": row.valid_from if row else None,
        "to": row.valid_to if row else None,
        "status": range_status(row.valid_from, row.valid_to, ctx.today) if row else None,
        "objects": objects_using(ctx, template, row.version) if row else 0,
        "components": [component_record(c, names) for c in components],
    }


def diff(ctx: Context, template: str, old: str, new: str) -> list[dict[str, Any]]:
    """Per position what changed from version ``old`` to ``new``: added, removed or changed."""
    before = {c.position: (c.item, c.quantity, c.note) for c in components_of(ctx, get_version(ctx, template, old))}
    after = {c.position: (c.item, c.quantity, c.note) for c in components_of(ctx, get_version(ctx, template, new))}
    rows = []
    for difference in diff_components(before, after):
        was, now = difference.old or (None, None, None), difference.new or (None, None, None)
        rows.append(
            {
                "position": difference.position,
                "change": difference.change,
                "old_item": was[0],
                "new_item": now[0],
                "old_qty": was[1],
                "new_qty": now[1],
                "old_note": was[2],
                "new_note": now[2],
            }
        )
    return rows
