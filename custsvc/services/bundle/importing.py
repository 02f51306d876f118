"""Loading a bundle: check every file, then write all of it in one transaction, or nothing.

Into a database that holds nothing yet (a new one: only the stages, sequences and return codes ``db
init`` puts in) the bundle's rows are created and replace those defaults. Into one that holds other
records (a bundle of some kinds, ``export --only``) when the tables of the bundle are empty there:
its rows are added, and the defaults matched by key. Otherwise only with ``upsert``: rows are matched
by key.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select

from custsvc import db
from custsvc.context import Context
from custsvc.errors import CustSvcError, Problems, RuleViolation
from custsvc.services.bundle.checking import BundleCheck, Rejected
from custsvc.services.bundle.layout import SEEDED, shapes
from custsvc.services.bundle.loading import Loader
from custsvc.services.bundle.reading import TableFile, check_encoding, nesting_of, read_manifest
from custsvc.textsafe import csv_cell
from custsvc.values import counted

SHOWN = 200  # problems printed; --errors FILE has every one


def _files(folder: Path, manifest: dict[str, Any], encoding: str, delimiter: str) -> dict[str, TableFile]:
    entries = {e["table"]: e for e in manifest["tables"]}
    inner: dict[str, set[str]] = {}
    for entry in entries.values():
        if "nested_in" in entry:
            inner.setdefault(entry["nested_in"], set()).add(entry["field"])
    return {
        name: TableFile(
            shape,
            folder / entries[name]["file"],
            encoding,
            delimiter,
            nesting=nesting_of(entries[name]),
            inner=frozenset(inner.get(name, ())),
        )  # fmt: skip
        for name, shape in shapes().items()
        if name in entries
    }


def _holds_data(ctx: Context) -> list[str]:
    conn = ctx.connection()
    return [
        name
        for name, shape in shapes().items()
        if name not in SEEDED and conn.execute(select(1).select_from(shape.table).limit(1)).first() is not None
    ]


def write_errors(path: Path, problems: list[Rejected]) -> None:
    """The rejected rows as CSV: where each is, what is wrong, and its values, to fix and load again."""
    columns: dict[str, None] = {}
    for p in problems:
        columns.update(dict.fromkeys(p.values or {}))
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["file", "row", "error", *columns])
        for p in sorted(problems, key=lambda p: (p.file, p.row)):
            values = p.values or {}
            writer.writerow(
                [p.file, p.row, csv_cell(p.message), *(csv_cell(str(values.get(c) or "")) for c in columns)]
            )


def _refuse(problems: list[Rejected], rows: int) -> None:
    ordered = sorted(problems, key=lambda p: (p.file, p.row))
    lines = [f"{p.file} row {p.row}: {p.message}" if p.row else f"{p.file}: {p.message}" for p in ordered]
    if len(lines) > SHOWN:
        lines = [*lines[:SHOWN], f"... and {len(lines) - SHOWN} more (--errors FILE writes every one)"]
    raise Problems(
        f"{counted(len(problems), 'problem')} in {counted(rows, 'row')} of the bundle; nothing was imported",
        lines,
        one=f"{lines[0]}; nothing was imported",
    )


def _same_revision(ctx: Context, manifest: dict[str, Any]) -> None:
    revision = db.schema_revision(ctx.connection())
    if manifest.get("schema_revision") != revision:
        raise CustSvcError(
            f"the bundle is of schema revision {manifest.get('schema_revision')!r}, this database of {revision!r}: "
            "export it again from a database at the same revision (custsvc db upgrade brings one up to date)"
        )


def _refuse_held(held: list[str], tables: set[str]) -> None:
    """Without --upsert, the bundle's tables must hold no rows yet (other tables may)."""
    clash = [name for name in held if name in tables]
    if clash:
        raise RuleViolation(
            "bundle-into-empty-tables",
            f"the database already holds {', '.join(clash[:3])}{' ...' if len(clash) > 3 else ''} rows, which the "
            "bundle has too: import it into a new database (custsvc --db new.db db init), or give --upsert to match "
            "rows by key",
        )


def _stepper(progress: Callable[[int, int], None] | None, total: int) -> Callable[..., None]:
    """A function called once per row read (``step()``) that shows progress every 1,000 rows; ``step(n)``:
    all ``n`` done."""
    done = [0]

    def step(finished: int | None = None) -> None:
        if finished is not None:
            if progress is not None:
                progress(finished, finished)
            return
        done[0] += 1
        if progress is not None and done[0] % 1000 == 0:
            progress(done[0], max(total, done[0]))

    return step


def import_bundle(
    ctx: Context,
    folder: Path,
    *,
    upsert: bool = False,
    dry_run: bool = False,
    encoding: str | None = None,
    delimiter: str = ",",
    errors: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Check every file of the bundle in ``folder``, then load them all (``dry_run``: check and count only)."""
    manifest = read_manifest(folder)
    _same_revision(ctx, manifest)
    held = _holds_data(ctx)
    if not upsert:
        _refuse_held(held, {e["table"] for e in manifest["tables"]})
    files = _files(folder, manifest, check_encoding(encoding), delimiter)
    total = sum(int(e.get("rows") or 0) for e in manifest["tables"]) * (1 if dry_run else 2)
    step = _stepper(progress, total)
    # into a database that holds other records, the bundle's tables are added to them; the rows ``db init``
    # puts in (stages, sequences ...) are then matched by key instead of replaced
    matched = set(files) if upsert else {name for name in files if name in SEEDED} if held else set()
    checked = BundleCheck(ctx, files, replacing=set(files) - matched).run(step)
    if checked.problems:
        if errors is not None:
            write_errors(errors, checked.problems)
        _refuse(checked.problems, sum(checked.rows.values()))
    counts = Loader(ctx, files, matched=matched, replace_seeded=not held and not upsert, write=not dry_run).run(step)
    step(total)
    summary = {k: sum(c[k] for c in counts.values()) for k in ("created", "updated", "unchanged")}
    return {"folder": str(folder), "dry_run": dry_run, "rows": sum(checked.rows.values()), **summary, "tables": counts}
