"""Reading the rows of a template BOM import (the shape ``bom template export`` prints) into
templates, versions and components, each problem kept with its row number (1 = the first data row).

One row per component: ``template, item, description, version, from, to, position, component, qty,
note``; a version without components is one row with an empty position, a template without
versions one row with an empty version. The rows of one template agree on its item and description,
those of one version on its dates."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from custsvc.context import Context
from custsvc.domain.bom import check_position
from custsvc.domain.checks import check_key, check_text
from custsvc.domain.money import parse_quantity
from custsvc.errors import CustSvcError, Duplicate, InvalidInput
from custsvc.services.bom.templates import check_range

#: the columns of an export, and of an import
EXPORT_FIELDS = ("template", "item", "description", "version", "from", "to", "position", "component", "qty", "note")

#: (item, qty, note) per position
Components = dict[str, tuple[str, Decimal, str | None]]


@dataclass
class VersionPlan:
    name: str
    row: int
    valid_from: date
    valid_to: date | None
    components: Components = field(default_factory=dict)
    #: the row of each position
    rows: dict[str, int] = field(default_factory=dict)


@dataclass
class TemplatePlan:
    name: str
    row: int
    item: str | None
    description: str | None
    versions: dict[str, VersionPlan] = field(default_factory=dict)


@dataclass
class Plan:
    """What a file holds, and every problem found in it so far."""

    templates: dict[str, TemplatePlan] = field(default_factory=dict)
    problems: list[tuple[int, CustSvcError]] = field(default_factory=list)

    def problem(self, row: int, exc: CustSvcError) -> None:
        self.problems.append((row, exc))


def check_columns(columns: Sequence[str] | None) -> None:
    """A CSV header: the export's columns (in any order, some may be left out), ``template`` among them."""
    if columns is None:
        return
    unknown = [c for c in columns if c not in EXPORT_FIELDS]
    if unknown or "template" not in columns:
        shown = unknown[0] if unknown else "template"
        raise InvalidInput(
            "column",
            shown,
            f"the first line must be the header of bom template rows ({', '.join(EXPORT_FIELDS)}); "
            + (f"{shown!r} is not one" if unknown else "'template' is missing"),
        )


def _cell(raw: Mapping[str, Any], name: str) -> str | None:
    """A cell as text, None when blank; a JSON list, object or true/false is refused."""
    value = raw.get(name)
    if value is None:
        return None
    if isinstance(value, (bool, list, dict)):
        what = "true or false" if isinstance(value, bool) else type(value).__name__
        raise InvalidInput(name, value, f"expected text, not {what}")
    if isinstance(value, float):
        raise InvalidInput(name, value, "expected text, not a float")
    text = str(value).strip()
    return text or None


@dataclass(frozen=True)
class Row:
    number: int
    template: str
    item: str | None
    description: str | None
    version: str | None
    valid_from: date | None
    valid_to: date | None
    position: str | None
    component: str | None
    qty: Decimal | None
    note: str | None


def _dates(ctx: Context, cells: Mapping[str, str | None]) -> tuple[date | None, date | None]:
    if cells["version"] is None:
        if cells["from"] or cells["to"]:
            raise InvalidInput("version", "", "is required with from and to")
        return None, None
    if cells["from"] is None:
        raise InvalidInput("from", "", "is required for a version")
    start = ctx.day(cells["from"], "from")
    end = ctx.day(cells["to"], "to") if cells["to"] else None
    check_range(start, end, cells["to"])
    return start, end


def _component(cells: Mapping[str, str | None]) -> tuple[str | None, str | None, Decimal | None]:
    if cells["position"] is None:
        if cells["component"] or cells["qty"] or cells["note"]:
            raise InvalidInput("position", "", "is required with a component, qty or note")
        return None, None, None
    if cells["version"] is None:
        raise InvalidInput("version", "", "is required with a position")
    position = check_position(cells["position"])
    if cells["component"] is None:
        raise InvalidInput("component", "", "is required with a position")
    component = check_key(cells["component"], "component")
    qty = parse_quantity(cells["qty"] or "1", "qty", allow_zero=False)
    return position, component, qty


def parse_row(ctx: Context, number: int, raw: Mapping[str, Any]) -> Row:
    unknown = [k for k in raw if k not in EXPORT_FIELDS]
    if unknown:
        raise InvalidInput("field", unknown[0], f"is not a field of bom template rows ({', '.join(EXPORT_FIELDS)})")
    cells = {name: _cell(raw, name) for name in EXPORT_FIELDS}
    if cells["template"] is None:
        raise InvalidInput("template", "", "is required")
    start, end = _dates(ctx, cells)
    position, component, qty = _component(cells)
    return Row(
        number=number,
        template=check_key(cells["template"], "template"),
        item=check_key(cells["item"], "item") if cells["item"] else None,
        description=check_text(cells["description"], "description") if cells["description"] else None,
        version=check_key(cells["version"], "version") if cells["version"] else None,
        valid_from=start,
        valid_to=end,
        position=position,
        component=component,
        qty=qty,
        note=check_text(cells["note"], "note") if cells["note"] else None,
    )


def _differs(what: str, given: object, first: object, row: int) -> InvalidInput:
    return InvalidInput(what, "" if given is None else str(given), f"differs from row {row} ({first or 'empty'})")


def _template(plan: Plan, row: Row) -> TemplatePlan | None:
    found = plan.templates.get(row.template)
    if found is None:
        found = plan.templates[row.template] = TemplatePlan(row.template, row.number, row.item, row.description)
        return found
    if row.item != found.item:
        plan.problem(row.number, _differs("item", row.item, found.item, found.row))
        return None
    if row.description != found.description:
        plan.problem(row.number, _differs("description", row.description, found.description, found.row))
        return None
    return found


def _version(plan: Plan, template: TemplatePlan, row: Row) -> VersionPlan | None:
    assert row.version is not None and row.valid_from is not None
    found = template.versions.get(row.version)
    if found is None:
        found = template.versions[row.version] = VersionPlan(row.version, row.number, row.valid_from, row.valid_to)
        return found
    if row.valid_from != found.valid_from:
        plan.problem(row.number, _differs("from", row.valid_from, found.valid_from, found.row))
        return None
    if row.valid_to != found.valid_to:
        plan.problem(row.number, _differs("to", row.valid_to, found.valid_to, found.row))
        return None
    return found


def _place(plan: Plan, row: Row) -> None:
    """The row's template, version and component into the plan (or a problem of the row)."""
    template = _template(plan, row)
    if template is None or row.version is None:
        return
    version = _version(plan, template, row)
    if version is None or row.position is None:
        return
    if row.position in version.components:
        note = f"repeats row {version.rows[row.position]} (version {version.name} of bom template {template.name})"
        plan.problem(row.number, Duplicate("position", row.position, note))
        return
    assert row.component is not None and row.qty is not None
    version.components[row.position] = (row.component, row.qty, row.note)
    version.rows[row.position] = row.number


def plan_rows(ctx: Context, rows: Sequence[Mapping[str, Any]]) -> Plan:
    """Every row read and placed; what cannot be read is a problem of its row."""
    plan = Plan()
    for number, raw in enumerate(rows, start=1):
        try:
            row = parse_row(ctx, number, raw)
        except CustSvcError as exc:
            plan.problem(number, exc)
            continue
        _place(plan, row)
    return plan
