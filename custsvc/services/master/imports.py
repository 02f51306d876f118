"""Bulk import of master data: every row is checked first, then all rows are written in bulk, or none.

Problems are reported together, one per row (``row 3: invalid timezone ...``); rows are numbered
from 1, not counting a CSV header.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, insert, update

from custsvc.context import Context
from custsvc.domain.checks import check_key
from custsvc.errors import CustSvcError, Duplicate, InvalidInput, NotFound, Problems
from custsvc.models import AUDIT_FIELDS
from custsvc.services.master.checks import blank, check_rules, clean_values, existing_keys, merged, missing_references
from custsvc.services.master.kinds import Kind, db_row, kind_of, label
from custsvc.values import counted


def write_children(ctx: Context, kind: Kind, key: str, clean: Mapping[str, Any], *, replace: bool) -> None:
    for name, (model, column) in kind.children.items():
        if name not in clean:
            continue
        if replace:
            ctx.execute(delete(model).where(getattr(model, kind.key) == key))
        values = clean[name]
        if values:
            ctx.execute(insert(model), [{kind.key: key, column: v} for v in values])


@dataclass
class _Checked:
    """The rows of one import after checking: what to create, what to update, and every problem."""

    kind: Kind
    creates: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    updates: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    problems: list[tuple[int, CustSvcError]] = field(default_factory=list)

    @property
    def written(self) -> list[tuple[int, dict[str, Any]]]:
        return self.creates + self.updates


def _keyed(
    kind: Kind, rows: Sequence[Mapping[str, Any]], checked: _Checked
) -> list[tuple[int, str, Mapping[str, Any]]]:
    """Each row with its key; a missing, malformed or repeated key is a problem of its row."""
    keyed: list[tuple[int, str, Mapping[str, Any]]] = []
    first_row: dict[str, int] = {}
    for number, raw in enumerate(rows, start=1):
        try:
            if blank(raw.get(kind.key)):
                raise InvalidInput(kind.key, "", "is required")
            key = check_key(raw.get(kind.key), kind.key)
        except CustSvcError as exc:
            checked.problems.append((number, exc))
            continue
        if key in first_row:
            checked.problems.append((number, Duplicate(label(kind.name), key, f"repeats row {first_row[key]}")))
            continue
        first_row[key] = number
        keyed.append((number, key, raw))
    return keyed


def _check_values(
    ctx: Context, keyed: list[tuple[int, str, Mapping[str, Any]]], checked: _Checked, upsert: bool
) -> None:
    """Every field of every row: new keys are creations, existing ones updates (with ``upsert``)."""
    kind = checked.kind
    existing = existing_keys(ctx, kind, [key for _n, key, _raw in keyed])
    for number, key, raw in keyed:
        try:
            if key not in existing:
                checked.creates.append((number, clean_values(kind, raw, partial=False)))
            elif upsert:
                values = {k: v for k, v in raw.items() if k not in AUDIT_FIELDS}
                checked.updates.append((number, clean_values(kind, values, partial=True)))
            else:
                raise Duplicate(label(kind.name), key)
        except CustSvcError as exc:
            checked.problems.append((number, exc))


def _check_references(ctx: Context, checked: _Checked) -> None:
    """References to other records that do not exist, then the rules across rows."""
    kind = checked.kind
    missing = missing_references(ctx, kind, [c for _n, c in checked.written])
    for number, clean in checked.written:
        for (field_name, ref), keys in missing.items():
            if clean.get(field_name) in keys:
                checked.problems.append((number, NotFound(label(ref), clean[field_name], f"in {field_name}")))
    if not checked.problems:
        try:
            check_rules(ctx, kind, [merged(ctx, kind, c) for _n, c in checked.written])
        except CustSvcError as exc:
            checked.problems.append((0, exc))


def _refuse(checked: _Checked, count: int, single: bool) -> None:
    problems = sorted(checked.problems, key=lambda p: p[0])
    if single:
        raise problems[0][1]
    conflict_only = all(isinstance(exc, Duplicate) for _n, exc in problems)
    lines = [f"row {n}: {exc.message}" if n else exc.message for n, exc in problems]
    raise Problems(
        f"{counted(len(problems), 'problem')} in {counted(count, label(checked.kind.name) + ' row')}; "
        "nothing was imported",
        lines,
        exit_code=3 if conflict_only else 1,
        one=f"{lines[0]}; nothing was imported",
    )


def _write(ctx: Context, checked: _Checked) -> None:
    kind, now, actor = checked.kind, ctx.now, ctx.actor
    if checked.creates:
        stamp = {"created_at": now, "created_by": actor, "updated_at": None, "updated_by": None}
        ctx.execute(insert(kind.model), [{**db_row(kind, clean), **stamp} for _n, clean in checked.creates])
        for name, (model, column) in kind.children.items():
            child_rows = [{kind.key: c[kind.key], column: v} for _n, c in checked.creates for v in c.get(name, [])]
            if child_rows:
                ctx.execute(insert(model), child_rows)
    for _n, clean in checked.updates:
        key = clean[kind.key]
        changes = db_row(kind, {k: v for k, v in clean.items() if k != kind.key})
        changes.update(updated_at=now, updated_by=actor)
        ctx.execute(update(kind.model).where(kind.column(kind.key) == key).values(**changes))
        write_children(ctx, kind, key, clean, replace=True)
    ctx.flush()


def _check_columns(kind: Kind, columns: Sequence[str]) -> None:
    known = set(kind.field_names) | set(AUDIT_FIELDS)
    unknown = [c for c in columns if c not in known]
    if unknown or kind.key not in columns:
        shown = unknown[0] if unknown else kind.key
        raise InvalidInput(
            "column",
            shown,
            f"the first line must be the header of {label(kind.name)} fields ({', '.join(kind.field_names)}); "
            + (f"{shown!r} is not one" if unknown else f"{kind.key!r} is missing"),
        )


def import_rows(
    ctx: Context,
    kind_name: str,
    rows: Sequence[Mapping[str, Any]],
    *,
    upsert: bool = False,
    dry_run: bool = False,
    single: bool = False,
    columns: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Check every row first, then write all of them or none (``dry_run``: check only).

    With ``upsert``, a row whose key exists updates that record with the fields it carries.
    ``single`` (``add``): raise the problem itself. ``columns``: a CSV file's header, checked when
    the file has no rows (a file of one line of data, no header, is refused instead of importing nothing).
    """
    kind = kind_of(kind_name)
    if columns is not None and not rows:  # rows: their fields are checked row by row
        _check_columns(kind, columns)
    checked = _Checked(kind)
    _check_values(ctx, _keyed(kind, rows, checked), checked, upsert)
    _check_references(ctx, checked)
    if checked.problems:
        _refuse(checked, len(rows), single)
    if not dry_run:
        _write(ctx, checked)
    return {
        "kind": kind.name,
        "rows": len(rows),
        "created": len(checked.creates),
        "updated": len(checked.updates),
        "dry_run": dry_run,
        "keys": [c[kind.key] for _n, c in checked.written],
    }
