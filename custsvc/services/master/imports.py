"""Bulk import of master data: every row is checked first, then all rows are written in bulk, or none.

Problems are reported together, one per row (``row 3: invalid timezone ...``); rows are numbered
from 1, not counting a CSV header.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter, ne
from typing import Any, TypeVar

from sqlalchemy import bindparam, delete, insert, update

from custsvc.context import Context
from custsvc.domain.checks import check_column, check_key
from custsvc.errors import CustSvcError, Duplicate, InvalidInput, NotFound, Problems
from custsvc.models import AUDIT_FIELDS
from custsvc.services.batch import chunks, insert_rows
from custsvc.services.master.checks import (
    blank,
    check_rules,
    clean_rows,
    existing_keys,
    merged_with,
    missing_references,
    stored_records,
)
from custsvc.services.master.kinds import Kind, kind_of, label
from custsvc.values import counted

T = TypeVar("T")


def write_children(ctx: Context, kind: Kind, key: str, clean: Mapping[str, Any], *, replace: bool) -> None:
    for name, (model, column) in kind.children.items():
        if name not in clean:
            continue
        if replace:
            ctx.execute(delete(model).where(getattr(model, kind.key) == key))
        values = clean[name]
        if values:
            ctx.execute(insert(model), [{kind.key: key, column: v} for v in values])


#: rows per statement when writing: one executemany each, so that the parameters of a statement are
#: not held for every row at once
BATCH = 5000


@dataclass
class _Checked:
    """The rows of one import after checking: what to create, what to update, and every problem."""

    kind: Kind
    creates: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    updates: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    problems: list[tuple[int, CustSvcError]] = field(default_factory=list)
    #: rows of existing records that carry nothing new (``upsert``): not written
    unchanged: int = 0
    #: the stored records of the keys that exist (``upsert``), as ``stored_records`` gives them
    stored: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def written(self) -> list[tuple[int, dict[str, Any]]]:
        return self.creates + self.updates


def _keyed(
    kind: Kind, rows: Sequence[Mapping[str, Any]], checked: _Checked
) -> list[tuple[int, str, Mapping[str, Any]]]:
    """Each row with its key; a missing, malformed or repeated key is a problem of its row."""
    keys = _all_keys(kind, rows)
    if keys is not None:
        return list(zip(range(1, len(rows) + 1), keys, rows, strict=True))
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


def _all_keys(kind: Kind, rows: Sequence[Mapping[str, Any]]) -> list[str] | None:
    """The keys of all rows when every one is good and none repeats (else None: row by row, for the messages)."""
    given = [raw.get(kind.key) for raw in rows]
    if set(map(type, given)) != {str} or not all(map(str.strip, given)):
        return None
    keys = check_column("key", given, kind.key)
    return keys if keys is not None and len(set(keys)) == len(keys) else None


def _cleaned(
    kind: Kind, numbered: list[tuple[int, Mapping[str, Any]]], checked: _Checked, *, partial: bool
) -> list[tuple[int, dict[str, Any]]]:
    """The clean values of rows (number, raw); the problems of the others go to ``checked``."""
    cleans, problems = clean_rows(kind, [raw for _n, raw in numbered], partial=partial)
    checked.problems.extend((numbered[i][0], exc) for i, exc in problems.items())
    return [(number, clean) for (number, _raw), clean in zip(numbered, cleans, strict=True) if clean is not None]


def _check_values(
    ctx: Context, keyed: list[tuple[int, str, Mapping[str, Any]]], checked: _Checked, upsert: bool
) -> None:
    """Every field of every row: new keys are creations, existing ones updates (with ``upsert``) when
    a field they carry differs from the stored record."""
    kind = checked.kind
    keys = [key for _n, key, _raw in keyed]
    if upsert:
        checked.stored = stored_records(ctx, kind, keys)
    existing = checked.stored.keys() if upsert else existing_keys(ctx, kind, keys)
    new: list[tuple[int, Mapping[str, Any]]] = []
    old: list[tuple[int, Mapping[str, Any]]] = []
    for number, key, raw in keyed:
        if key not in existing:
            new.append((number, raw))
        elif upsert:
            old.append((number, raw))
        else:
            checked.problems.append((number, Duplicate(label(kind.name), key)))
    checked.creates = _cleaned(kind, new, checked, partial=False)
    for number, clean in _cleaned(kind, old, checked, partial=True):
        if _differs(kind, clean, checked.stored[clean[kind.key]]):
            checked.updates.append((number, clean))
        else:
            checked.unchanged += 1


def _differs(kind: Kind, clean: Mapping[str, Any], stored: Mapping[str, Any]) -> bool:
    """Whether a row carries a value other than the stored one (a list field: other values, in any order)."""
    if not kind.children:
        return any(map(ne, clean.values(), map(stored.__getitem__, clean)))
    return any((set(value) if name in kind.children else value) != stored[name] for name, value in clean.items())


def _check_references(ctx: Context, checked: _Checked) -> None:
    """References to other records that do not exist, then the rules across rows."""
    kind = checked.kind
    written = checked.written
    missing = {ref: keys for ref, keys in missing_references(ctx, kind, [c for _n, c in written]).items() if keys}
    for number, clean in written if missing else ():
        for (field_name, ref), keys in missing.items():
            if clean.get(field_name) in keys:
                checked.problems.append((number, NotFound(label(ref), clean[field_name], f"in {field_name}")))
    if not checked.problems:
        rows = [merged_with(kind, c, checked.stored.get(c[kind.key])) for _n, c in written]
        try:
            check_rules(ctx, kind, rows, changed=rows[len(checked.creates) :])
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


def _batches(rows: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(rows), BATCH):
        yield rows[start : start + BATCH]


def _values_of(names: Sequence[str]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """A function that gives the values of ``names`` of a row, as a tuple."""
    if len(names) == 1:
        return lambda clean: (clean[names[0]],)
    return itemgetter(*names)


def _insert(ctx: Context, kind: Kind, cleans: Sequence[Mapping[str, Any]]) -> None:
    """New records (every field given, defaults filled in) and their lists: one executemany of the
    same columns per batch and table."""
    names = list(kind.table_columns)
    columns = [*kind.table_columns.values(), *AUDIT_FIELDS]
    values = _values_of(names)
    stamp = (ctx.now, ctx.actor, None, None)  # created at, by; not updated yet
    for batch in _batches(cleans):
        insert_rows(ctx.connection(), kind.table, columns, [values(clean) + stamp for clean in batch])
        _insert_children(ctx, kind, batch)


def _insert_children(ctx: Context, kind: Kind, cleans: Sequence[Mapping[str, Any]]) -> None:
    for name, (model, column) in kind.children.items():
        rows = [(c[kind.key], v) for c in cleans if name in c for v in c[name]]
        for batch in _batches(rows):
            insert_rows(ctx.connection(), model.__table__, [kind.key, column], batch)  # type: ignore[attr-defined]


def _update(ctx: Context, kind: Kind, cleans: Sequence[Mapping[str, Any]]) -> None:
    """Changed records: the fields each row carries, stamped as updated now; rows that carry the same
    fields share one executemany per batch. A list field a row carries is written anew."""
    table, columns = kind.table, kind.table_columns
    by_fields: dict[tuple[str, ...], list[Mapping[str, Any]]] = defaultdict(list)
    for clean in cleans:
        by_fields[tuple(n for n in clean if n in columns and n != kind.key)].append(clean)
    statement = update(table).where(table.c[columns[kind.key]] == bindparam("key_"))
    for names, rows in by_fields.items():
        keys = ["key_", *(columns[n] for n in names), "updated_at", "updated_by"]
        values = _values_of([kind.key, *names])
        stamp = (ctx.now, ctx.actor)
        for batch in _batches(rows):
            ctx.execute(statement, [dict(zip(keys, values(clean) + stamp, strict=True)) for clean in batch])
    for name, (model, _column) in kind.children.items():
        owner = model.__table__.c[kind.key]  # type: ignore[attr-defined]
        for chunk in chunks(c[kind.key] for c in cleans if name in c):
            ctx.execute(delete(model.__table__).where(owner.in_(chunk)))  # type: ignore[attr-defined]
    _insert_children(ctx, kind, cleans)
    _forget(ctx, kind, {clean[kind.key] for clean in cleans})


def _forget(ctx: Context, kind: Kind, keys: set[str]) -> None:
    """Records of ``keys`` the session holds are read again when next used (the updates went around it)."""
    attribute = kind.spec(kind.key).attribute
    for obj in list(ctx.session.identity_map.values()):
        if isinstance(obj, kind.model) and getattr(obj, attribute) in keys:
            ctx.expire(obj)


def _write(ctx: Context, checked: _Checked) -> None:
    ctx.flush()  # what the session holds goes first: the statements below go around it
    _insert(ctx, checked.kind, [clean for _n, clean in checked.creates])
    if checked.updates:
        _update(ctx, checked.kind, [clean for _n, clean in checked.updates])


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

    With ``upsert``, a row whose key exists updates that record with the fields it carries, when one
    of them differs from what is stored (else it counts as unchanged and is not written).
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
        "unchanged": checked.unchanged,
        "dry_run": dry_run,
        "keys": [c[kind.key] for _n, c in checked.written],
    }
