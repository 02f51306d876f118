"""Bulk import of master data: every row is checked first, then all rows are written in bulk, or none."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, insert, update

from custsvc.context import Context
from custsvc.domain.checks import check_key
from custsvc.errors import CustSvcError, Duplicate, InvalidInput, NotFound, Problems
from custsvc.models import (
    AUDIT_FIELDS,
)
from custsvc.services.master.checks import blank, check_rules, clean_values, existing_keys, merged, missing_references
from custsvc.services.master.kinds import Kind, db_row, kind_of, label


def write_children(ctx: Context, kind: Kind, key: str, clean: Mapping[str, Any], *, replace: bool) -> None:
    for name, (model, column) in kind.children.items():
        if name not in clean:
            continue
        if replace:
            ctx.execute(delete(model).where(getattr(model, kind.key) == key))
        values = clean[name]
        if values:
            ctx.execute(insert(model), [{kind.key: key, column: v} for v in values])


def import_rows(
    ctx: Context,
    kind_name: str,
    rows: Sequence[Mapping[str, Any]],
    *,
    upsert: bool = False,
    dry_run: bool = False,
    single: bool = False,
) -> dict[str, Any]:
    """Check every row first, then write all of them or none.

    Problems are reported together, one per row (``row 3: invalid timezone ...``); rows are
    numbered from 1, not counting a CSV header.  With ``upsert``, a row whose key exists updates
    that record with the fields it carries.  ``single`` (``add``): raise the problem itself.
    """
    kind = kind_of(kind_name)
    problems: list[tuple[int, CustSvcError]] = []
    keyed: list[tuple[int, str, Mapping[str, Any]]] = []
    first_row: dict[str, int] = {}
    for number, raw in enumerate(rows, start=1):
        try:
            key = check_key(raw.get(kind.key), kind.key) if not blank(raw.get(kind.key)) else None
            if key is None:
                raise InvalidInput(kind.key, "", "is required")
        except CustSvcError as exc:
            problems.append((number, exc))
            continue
        if key in first_row:
            problems.append((number, Duplicate(label(kind.name), key, f"repeats row {first_row[key]}")))
            continue
        first_row[key] = number
        keyed.append((number, key, raw))

    existing = existing_keys(ctx, kind, first_row)
    creates: list[tuple[int, dict[str, Any]]] = []
    updates: list[tuple[int, dict[str, Any]]] = []
    for number, key, raw in keyed:
        try:
            if key in existing:
                if not upsert:
                    raise Duplicate(label(kind.name), key)
                values = {k: v for k, v in raw.items() if k not in AUDIT_FIELDS}
                updates.append((number, clean_values(kind, values, partial=True)))
            else:
                creates.append((number, clean_values(kind, raw, partial=False)))
        except CustSvcError as exc:
            problems.append((number, exc))

    written = creates + updates
    missing = missing_references(ctx, kind, [c for _n, c in written])
    for number, clean in written:
        for (field_name, ref), keys in missing.items():
            if clean.get(field_name) in keys:
                problems.append((number, NotFound(label(ref), clean[field_name], f"in {field_name}")))
    if not problems:
        try:
            check_rules(ctx, kind, [merged(ctx, kind, c) for _n, c in written])
        except CustSvcError as exc:
            problems.append((0, exc))

    if problems:
        problems.sort(key=lambda p: p[0])
        if single:
            raise problems[0][1]
        conflict_only = all(isinstance(exc, Duplicate) for _n, exc in problems)
        raise Problems(
            f"{len(problems)} problem(s) in {len(rows)} {label(kind.name)} row(s); nothing was imported",
            [f"row {n}: {exc.message}" if n else exc.message for n, exc in problems],
            exit_code=3 if conflict_only else 1,
        )

    summary = {
        "kind": kind.name,
        "rows": len(rows),
        "created": len(creates),
        "updated": len(updates),
        "dry_run": dry_run,
        "keys": [c[kind.key] for _n, c in creates] + [c[kind.key] for _n, c in updates],
    }
    if dry_run:
        return summary
    now, actor = ctx.now, ctx.actor
    if creates:
        table_rows = []
        for _n, clean in creates:
            row = db_row(kind, clean)
            row.update(created_at=now, created_by=actor, updated_at=None, updated_by=None)
            table_rows.append(row)
        ctx.execute(insert(kind.model), table_rows)
        for name, (model, column) in kind.children.items():
            child_rows = [{kind.key: c[kind.key], column: v} for _n, c in creates for v in c.get(name, [])]
            if child_rows:
                ctx.execute(insert(model), child_rows)
    for _n, clean in updates:
        key = clean[kind.key]
        changes = db_row(kind, {k: v for k, v in clean.items() if k != kind.key})
        changes.update(updated_at=now, updated_by=actor)
        ctx.execute(update(kind.model).where(kind.column(kind.key) == key).values(**changes))
        write_children(ctx, kind, key, clean, replace=True)
    ctx.flush()
    return summary
