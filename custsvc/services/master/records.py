"""Master data one record at a time: show, list, add, update, remove. ``add`` is an import of one row,
so a value the command line refuses is refused by an import in the same words."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, func, or_, select, update

from custsvc.context import Context
from custsvc.domain.checks import CHECKS
from custsvc.errors import BadUsage, InvalidInput, NotFound, RuleViolation
from custsvc.models import (
    AUDIT_FIELDS,
)
from custsvc.services.batch import select_in
from custsvc.services.master.checks import check_rules, clean_values, merged, missing_references
from custsvc.services.master.detail import details
from custsvc.services.master.imports import import_rows, write_children
from custsvc.services.master.kinds import Kind, db_row, kind_of, label


def _record(kind: Kind, obj: Any, children: Mapping[str, Mapping[str, list[str]]] | None = None) -> dict[str, Any]:
    key = getattr(obj, kind.spec(kind.key).attribute)
    out: dict[str, Any] = {}
    for spec in kind.specs:
        if spec.many:
            out[spec.name] = sorted((children or {}).get(spec.name, {}).get(key, []))
        else:
            value = getattr(obj, spec.attribute)
            out[spec.name] = spec.display(value) if spec.display is not None else value
    for name in AUDIT_FIELDS:
        out[name] = getattr(obj, name)
    return out


def _children_of(ctx: Context, kind: Kind, keys: Sequence[str]) -> dict[str, dict[str, list[str]]]:
    result: dict[str, dict[str, list[str]]] = {}
    for name, (model, column) in kind.children.items():
        per_key: dict[str, list[str]] = defaultdict(list)
        owner = getattr(model, kind.key)
        value = getattr(model, column)
        for key, item in select_in(ctx, select(owner, value), owner, keys):
            per_key[key].append(item)
        result[name] = per_key
    return result


def records(ctx: Context, kind_name: str, objs: Sequence[Any]) -> list[dict[str, Any]]:
    kind = kind_of(kind_name)
    keys = [getattr(o, kind.spec(kind.key).attribute) for o in objs]
    children = _children_of(ctx, kind, keys) if kind.children and keys else {}
    return [_record(kind, o, children) for o in objs]


def get_obj(ctx: Context, kind_name: str, key: str) -> Any:
    kind = kind_of(kind_name)
    obj = ctx.get(kind.model, key)
    if obj is None:
        raise NotFound(label(kind_name), key)
    return obj


def show(ctx: Context, kind_name: str, key: str) -> dict[str, Any]:
    """One record with what other capabilities keep of it (a customer's orders, agreements ...; see
    ``detail``). ``add`` and ``update`` return it too, so they print what ``show`` prints."""
    record = records(ctx, kind_name, [get_obj(ctx, kind_name, key)])[0]
    record.update(details(ctx, kind_name, [key])[key])
    return record


def _filter_value(spec: Any, value: Any) -> Any:
    """A filter's value, checked like the field (a bad one is a usage error, exit 2)."""
    if spec.check == "text":
        return str(value)
    try:
        return CHECKS[spec.check](value, spec.shown)
    except InvalidInput as exc:
        raise BadUsage(exc.field, exc.value, exc.reason) from None


def list_records(
    ctx: Context,
    kind_name: str,
    *,
    filters: Mapping[str, Any] | None = None,
    search: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """List records.  ``filters`` match fields exactly (a ``many`` field: contains the value)."""
    kind = kind_of(kind_name)
    query = select(kind.model)
    for name, value in (filters or {}).items():
        if value is None:
            continue
        spec = kind.spec(name)
        wanted = _filter_value(spec, value)
        if spec.many:
            model, column = kind.children[name]
            query = query.where(
                kind.column(kind.key).in_(select(getattr(model, kind.key)).where(getattr(model, column) == wanted))
            )
        else:
            query = query.where(kind.column(name) == wanted)
    if search:
        # % and _ in the text are letters to find, not wildcards
        text = search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{text}%"
        query = query.where(or_(*(func.lower(kind.column(n)).like(pattern, escape="\\") for n in kind.search)))
    query = query.order_by(kind.column(kind.key))
    if limit:
        query = query.limit(limit)
    objs = list(ctx.execute(query).scalars())
    return records(ctx, kind_name, objs)


def add(ctx: Context, kind_name: str, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Add one record; the same checks as an import of one row."""
    result = import_rows(ctx, kind_name, [raw], single=True)
    key = result["keys"][0]
    ctx.expire_all()
    return show(ctx, kind_name, key)


def update_record(ctx: Context, kind_name: str, key: str, raw: Mapping[str, Any]) -> dict[str, Any]:
    kind = kind_of(kind_name)
    obj = get_obj(ctx, kind_name, key)
    if kind.key in raw:
        raise InvalidInput(kind.key, raw[kind.key], "a key cannot be changed; add a new record instead")
    clean = clean_values(kind, raw, partial=True)
    missing = missing_references(ctx, kind, [clean])
    for (_field, ref), keys in missing.items():
        if keys:
            raise NotFound(label(ref), sorted(keys)[0])
    check_rules(ctx, kind, [merged(ctx, kind, {**clean, kind.key: key})])
    changes = db_row(kind, clean)
    if changes or any(n in clean for n in kind.children):
        changes.update(updated_at=ctx.now, updated_by=ctx.actor)
        ctx.execute(update(kind.model).where(kind.column(kind.key) == key).values(**changes))
        write_children(ctx, kind, key, clean, replace=True)
        ctx.flush()
    ctx.expire(obj)
    return show(ctx, kind_name, key)


def remove(ctx: Context, kind_name: str, key: str) -> dict[str, Any]:
    """Remove a record that nothing else refers to."""
    from custsvc.services.references import described, references_to

    kind = kind_of(kind_name)
    obj = get_obj(ctx, kind_name, key)
    refs = references_to(ctx, kind.model.__table__, key)  # type: ignore[attr-defined]
    if refs:
        listed = described(refs)
        raise RuleViolation("referenced-records-stay", f"{label(kind_name)} {key!r} is still referred to by {listed}")
    record = records(ctx, kind_name, [obj])[0]
    for model, _column in kind.children.values():
        ctx.execute(delete(model).where(getattr(model, kind.key) == key))
    ctx.delete(obj)
    ctx.flush()
    return record
