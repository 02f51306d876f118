"""The demo shop's installed base (``fixtures/boms.json``): template BOMs with model-year versions,
parts received onto the shelf, a BOM on every service object (units found installed get serial
numbers built from the object's own), and a year of changes made by the technicians.

A change under an order (the clinic's board swapped while its order is in progress) sits with that
order in ``orders.json`` and is made during the order's walk (``change_under_order``)."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select

from custsvc.context import Context
from custsvc.services.demo.timeline import MANAGER, relative_day, relative_time


def _load_templates(ctx: Context, templates: list[dict[str, Any]], today: date) -> None:
    from custsvc.services.bom import template_components as parts
    from custsvc.services.bom import templates as tpl

    for spec in templates:
        name = spec["template"]
        tpl.add_template(ctx, name, item=spec["item"], description=spec.get("description"))
        for version in spec["versions"]:
            tpl.add_version(
                ctx,
                name,
                version["version"],
                valid_from=relative_day(version["from"], today),
                valid_to=relative_day(version["to"], today) if version.get("to") else None,
                copy_from=version.get("copy_from"),
            )
            for position, item, *qty in version.get("components", []):
                parts.add_component(
                    ctx, name, version["version"], position=position, item=item, qty=qty[0] if qty else "1"
                )
            for position, item, *qty in version.get("update", []):
                parts.update_component(ctx, name, version["version"], position, item=item, qty=qty[0] if qty else None)


def _receive(ctx: Context, spec: dict[str, Any]) -> None:
    from custsvc.services.stock import moves

    serials = spec.get("serials", [])
    moves.receive(ctx, spec["item"], spec.get("qty") or str(len(serials)), serials, spec.get("note"))


def _serials(ctx: Context, specs: list[dict[str, Any]], prefixes: dict[str, str]) -> dict[str, dict[str, str]]:
    """Serial numbers by object and position for the serialized parts of each object's template: the
    part's prefix and the digits of the object's serial (``BR35-110231``), numbered where one part
    fills several positions; positions listed as ``unknown`` get theirs later."""
    from custsvc.models import BomTemplateComponent, BomTemplateVersion, Item, ServiceObject

    templates = {spec["template"] for spec in specs}
    rows = ctx.execute(
        select(BomTemplateVersion.template, BomTemplateVersion.version, BomTemplateComponent.position, Item.item)
        .join(BomTemplateComponent, BomTemplateComponent.version_id == BomTemplateVersion.id)
        .join(Item, Item.item == BomTemplateComponent.item)
        .where(BomTemplateVersion.template.in_(sorted(templates)), Item.serialized.is_(True))
        .order_by(BomTemplateComponent.position)
    ).all()
    positions: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for template, version, position, item in rows:
        positions.setdefault((template, version), []).append((position, item))
    numbers = dict(ctx.execute(select(ServiceObject.object, ServiceObject.serial)).all())
    out: dict[str, dict[str, str]] = {}
    for spec in specs:
        digits = re.sub(r"\D", "", (numbers[spec["object"]] or spec["object"]).rsplit("-", 1)[-1])
        wanted = [
            p for p in positions.get((spec["template"], spec["version"]), []) if p[0] not in spec.get("unknown", [])
        ]
        repeats = Counter(item for _p, item in wanted)
        seen: Counter[str] = Counter()
        mine = out.setdefault(spec["object"], {})
        for position, item in wanted:
            seen[item] += 1
            suffix = f"-{seen[item]}" if repeats[item] > 1 else ""
            mine[position] = f"{prefixes[item]}-{digits}{suffix}"
    return out


def _attach(ctx: Context, specs: list[dict[str, Any]], prefixes: dict[str, str], today: date) -> None:
    """Every object's BOM, as the shop recorded its installed base 13 months ago: the version in force
    when the object was built, its units in service since then."""
    from custsvc.services.bom import objects_attach, templates

    for spec in specs:
        built = relative_day(spec["built"], today)
        spec["day"] = built
        spec["version"] = templates.version_at(ctx, spec["template"], built).version  # type: ignore[union-attr]
    serials = _serials(ctx, specs, prefixes)
    requests = [(spec["object"], spec["template"], spec["day"], serials[spec["object"]]) for spec in specs]
    with ctx.at(relative_time("-13m 07:30", today, ctx.tz), actor=MANAGER):
        objects_attach.attach_many(ctx, requests, single=True)


def _change(ctx: Context, spec: dict[str, Any], order: str | None = None) -> None:
    from custsvc.services.bom import objects_change as change

    obj, why = spec.get("object"), spec.get("reason")
    if "replace" in spec:
        change.replace(
            ctx,
            obj,
            spec["replace"],
            item=spec.get("item"),
            new_serial=spec.get("new_serial"),
            faulty=bool(spec.get("faulty")),
            reason=why,
            order=order,
            invoice=bool(spec.get("invoice")),
        )
    elif "add" in spec:
        change.add(ctx, obj, spec["add"], spec["item"], qty=spec.get("qty"), serial=spec.get("serial"), reason=why)
    elif "set_qty" in spec:
        change.set_qty(ctx, obj, spec["set_qty"], spec["qty"], reason=why)
    else:
        change.set_serial(ctx, obj, spec["serial"], spec["value"], reason=why)


def change_under_order(ctx: Context, order: str, objects: list[str], spec: dict[str, Any]) -> None:
    """A BOM change of ``orders.json`` made while its order is in the stage it names."""
    _change(ctx, {"object": objects[0], **spec}, order=order)


def load_installed_base(ctx: Context, folder: Path, today: date) -> None:
    """Templates, every object's BOM, then receipts and changes in the order they happened."""
    data = json.loads((folder / "boms.json").read_text(encoding="utf-8"))
    with ctx.at(relative_time("-14m 09:00", today, ctx.tz), actor=MANAGER):
        _load_templates(ctx, data["templates"], today)
    _attach(ctx, data["objects"], data["serial_prefix"], today)
    events = [(relative_time(r["at"] + " 08:15", today, ctx.tz), MANAGER, _receive, r) for r in data["stock"]]
    events += [(relative_time(c["at"], today, ctx.tz), c["actor"], _change, c) for c in data["changes"]]
    for when, actor, action, spec in sorted(events, key=lambda e: e[0]):
        with ctx.at(when, actor=actor):
            action(ctx, spec)
