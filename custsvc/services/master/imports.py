"""Bulk import of master data: every row is checked first, then all rows are written in bulk, or none.

Problems are reported together, one per row (``row 3: invalid timezone ...``); rows are numbered
from 1, not counting a CSV header.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter, ne
from typing import Any, TypeVar

from sqlalchemy import bindparam, delete, insert, update

from custsvc.context import Context
from custsvc.domain.checks import check_column, check_key
from custsvc.errors import CustSvcError, Duplicate, InvalidInput, NotFound, Problems
from custsvc.models import AUDIT_FIELDS
from custsvc.scratch import Claims, Spool
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
#: (what is being done, how much is done, of how much or None)
Progress = Callable[[str, int, int | None], None]


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
    """One batch of an import's rows after checking: what to create, what to update, and its problems."""

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


@dataclass
class _Run:
    """A whole import, a batch at a time: what every batch found, the keys (and serial numbers) the
    rows claimed so far, and the checked rows kept for writing once all are checked."""

    kind: Kind
    upsert: bool
    problems: list[tuple[int, CustSvcError]] = field(default_factory=list)
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    keys: Claims = field(default_factory=Claims)
    serials: Claims = field(default_factory=Claims)
    #: None: nothing will be written (a dry run)
    spool: Spool | None = None
    #: the keys written, when the caller wants them (``add``)
    written: list[str] | None = None

    def close(self) -> None:
        self.keys.close()
        self.serials.close()
        if self.spool is not None:
            self.spool.close()


def _keyed(
    kind: Kind, numbered: Sequence[tuple[int, Mapping[str, Any]]], checked: _Checked, claims: Claims
) -> list[tuple[int, str, Mapping[str, Any]]]:
    """Each row with its key; a missing or malformed key, or one an earlier row has, is a problem of its row."""
    keys = _all_keys(kind, [raw for _n, raw in numbered])
    if keys is None:
        keyed: list[tuple[int, str, Mapping[str, Any]]] = []
        for number, raw in numbered:
            try:
                if blank(raw.get(kind.key)):
                    raise InvalidInput(kind.key, "", "is required")
                keyed.append((number, check_key(raw.get(kind.key), kind.key), raw))
            except CustSvcError as exc:
                checked.problems.append((number, exc))
    else:
        keyed = [(number, key, raw) for (number, raw), key in zip(numbered, keys, strict=True)]
    repeats = claims.claim([(key, number) for number, key, _raw in keyed])
    for i, first in repeats.items():
        number, key, _raw = keyed[i]
        checked.problems.append((number, Duplicate(label(kind.name), key, f"repeats row {first}")))
    return [row for i, row in enumerate(keyed) if i not in repeats] if repeats else keyed


def _all_keys(kind: Kind, rows: Sequence[Mapping[str, Any]]) -> list[str] | None:
    """The keys of all rows when every one is good (else None: row by row, for the messages)."""
    given = [raw.get(kind.key) for raw in rows]
    if set(map(type, given)) != {str} or not all(map(str.strip, given)):
        return None
    return check_column("key", given, kind.key)


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


def _check_references(ctx: Context, checked: _Checked, run: _Run) -> None:
    """References to other records that do not exist, then the rules across rows (once the import
    has no problem: a rule is one message for the whole import)."""
    kind = checked.kind
    written = checked.written
    missing = {ref: keys for ref, keys in missing_references(ctx, kind, [c for _n, c in written]).items() if keys}
    for number, clean in written if missing else ():
        for (field_name, ref), keys in missing.items():
            if clean.get(field_name) in keys:
                checked.problems.append((number, NotFound(label(ref), clean[field_name], f"in {field_name}")))
    if not checked.problems and not run.problems:
        rows = [merged_with(kind, c, checked.stored.get(c[kind.key])) for _n, c in written]
        try:
            check_rules(ctx, kind, rows, changed=rows[len(checked.creates) :], serials=run.serials)
        except CustSvcError as exc:
            checked.problems.append((0, exc))


def _check_batch(ctx: Context, run: _Run, batch: Sequence[tuple[int, Mapping[str, Any] | None, str | None]]) -> None:
    """Check one batch of rows (number, values or None, the reader's problem or None); keep what it
    would write while the import has no problem."""
    kind = run.kind
    checked = _Checked(kind)
    numbered: list[tuple[int, Mapping[str, Any]]] = []
    for number, raw, problem in batch:
        if raw is None:
            checked.problems.append((number, CustSvcError(problem or "cannot be read")))
        else:
            numbered.append((number, raw))
    run.rows += len(batch)
    _check_values(ctx, _keyed(kind, numbered, checked, run.keys), checked, run.upsert)
    _check_references(ctx, checked, run)
    run.problems.extend(checked.problems)
    run.created += len(checked.creates)
    run.updated += len(checked.updates)
    run.unchanged += checked.unchanged
    if run.written is not None:
        run.written.extend(c[kind.key] for _n, c in checked.written)
    if run.spool is not None and not run.problems:
        stamp = (ctx.now, ctx.actor, None, None)  # created at, by; not updated yet
        values = _values_of(list(kind.table_columns))
        creates = [c for _n, c in checked.creates]
        run.spool.add(
            ([values(c) + stamp for c in creates], _children(kind, creates), [c for _n, c in checked.updates])
        )


def _refuse(run: _Run, single: bool) -> None:
    problems = sorted(run.problems, key=lambda p: p[0])
    if single:
        raise problems[0][1]
    conflict_only = all(isinstance(exc, Duplicate) for _n, exc in problems)
    lines = [f"row {n}: {exc.message}" if n else exc.message for n, exc in problems]
    raise Problems(
        f"{counted(len(problems), 'problem')} in {counted(run.rows, label(run.kind.name) + ' row')}; "
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


def _children(kind: Kind, cleans: Sequence[Mapping[str, Any]]) -> dict[str, list[tuple[str, Any]]]:
    """The rows of the list fields of new records, per field: (the record's key, a value)."""
    return {name: [(c[kind.key], v) for c in cleans if name in c for v in c[name]] for name in kind.children}


def _insert_children(ctx: Context, kind: Kind, children: Mapping[str, Sequence[tuple[str, Any]]]) -> None:
    for name, rows in children.items():
        model, column = kind.children[name]
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
    _insert_children(ctx, kind, _children(kind, cleans))
    _forget(ctx, kind, {clean[kind.key] for clean in cleans})


def _forget(ctx: Context, kind: Kind, keys: set[str]) -> None:
    """Records of ``keys`` the session holds are read again when next used (the updates went around it)."""
    attribute = kind.spec(kind.key).attribute
    for obj in list(ctx.session.identity_map.values()):
        if isinstance(obj, kind.model) and getattr(obj, attribute) in keys:
            ctx.expire(obj)


def _write(ctx: Context, run: _Run, progress: Progress | None) -> None:
    """Write the checked rows a batch at a time: new records (every field given, defaults filled in)
    as one executemany of the same columns per batch and table, then the batch's changed records."""
    assert run.spool is not None
    ctx.flush()  # what the session holds goes first: the statements below go around it
    kind = run.kind
    columns = [*kind.table_columns.values(), *AUDIT_FIELDS]
    for done, (rows, children, updates) in enumerate(run.spool, start=1):
        insert_rows(ctx.connection(), kind.table, columns, rows)
        _insert_children(ctx, kind, children)
        if updates:
            _update(ctx, kind, updates)
        if progress is not None:
            progress("writing", done, run.spool.batches)


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
    """``import_stream`` of rows in hand (numbered from 1). ``single`` (``add``): raise the problem
    itself, and say the key written (``keys``)."""
    numbered = [(number, raw, None) for number, raw in enumerate(rows, start=1)]
    batches = (numbered[start : start + BATCH] for start in range(0, len(numbered), BATCH))
    return import_stream(
        ctx, kind_name, batches, upsert=upsert, dry_run=dry_run, single=single, columns=lambda: columns
    )


def import_stream(
    ctx: Context,
    kind_name: str,
    batches: Iterable[Sequence[tuple[int, Mapping[str, Any] | None, str | None]]],
    *,
    upsert: bool = False,
    dry_run: bool = False,
    single: bool = False,
    columns: Callable[[], Sequence[str] | None] = lambda: None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Check every row first, a batch at a time (rows: number, values by field or None, the reader's
    problem with the row), then write all of them or none (``dry_run``: check only). Memory holds a
    batch, the keys seen (on disk past a limit) and the checked rows (on disk past a few megabytes).

    With ``upsert``, a row whose key exists updates that record with the fields it carries, when one
    of them differs from what is stored (else it counts as unchanged and is not written).
    ``columns``: a CSV file's header once read, checked when the file has no rows (a file of one
    line of data, no header, is refused instead of importing nothing)."""
    kind = kind_of(kind_name)
    run = _Run(kind, upsert, spool=None if dry_run else Spool(), written=[] if single else None)
    try:
        for batch in batches:
            _check_batch(ctx, run, batch)
            if progress is not None:
                progress("checking", run.rows, None)
        header = columns()
        if header is not None and not run.rows:  # rows: their fields are checked row by row
            _check_columns(kind, header)
        if run.problems:
            _refuse(run, single)
        if not dry_run:
            _write(ctx, run, progress)
    finally:
        run.close()
    summary = {
        "kind": kind.name,
        "rows": run.rows,
        "created": run.created,
        "updated": run.updated,
        "unchanged": run.unchanged,
        "dry_run": dry_run,
    }
    return summary if run.written is None else {**summary, "keys": run.written}
