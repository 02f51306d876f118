"""Writing a bundle: every table into a file of its own, streamed (memory stays flat whatever the
shop's size), rows in key order, and a manifest last.

The files depend only on the data: the same shop exported from SQLite or from PostgreSQL, or exported,
imported elsewhere and exported again, gives the same bytes.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from custsvc import db
from custsvc.context import Context
from custsvc.errors import CustSvcError
from custsvc.services.bundle.codecs import csv_text, encode
from custsvc.services.bundle.groups import tables_of
from custsvc.services.bundle.layout import NESTED, Nesting, TableShape, children_of, shapes
from custsvc.textsafe import csv_cell, json_safe

MANIFEST = "manifest.json"
#: what a manifest says it is, and the version of that layout
BUNDLE = "custsvc bundle"
LAYOUT = 1
CHUNK = 5000

Progress = Callable[[int, int], None]


def _rows(ctx: Context, shape: TableShape, first: str | None = None) -> Iterator[tuple[Any, ...]]:
    """The table's rows in key order (``first``: by that field, then the key)."""
    conn = ctx.connection()
    columns = [shape.table.c[f.column] for f in shape.fields]
    by = [first] if first else []
    order = [db.byte_ordered(conn, shape.table.c[shape.field(k).column]) for k in [*by, *shape.key]]
    result = conn.execute(select(*columns).order_by(*order).execution_options(yield_per=CHUNK))
    for part in result.partitions(CHUNK):
        yield from part


def _write_csv(path: Path, shape: TableShape, rows: Iterator[tuple[Any, ...]], step: Callable[[], None]) -> int:
    codecs = [f.codec for f in shape.fields]
    count = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(shape.field_names)
        for row in rows:
            cells = [csv_text(c, v) for c, v in zip(codecs, row, strict=True)]
            writer.writerow([csv_cell(t) if c == "text" else t for c, t in zip(codecs, cells, strict=True)])
            count += 1
            step()
    return count


@dataclass
class _Lines:
    """The rows of a child table nested in the records of its parent, read alongside them."""

    shape: TableShape
    nesting: Nesting
    rows: Iterator[tuple[Any, ...]]
    count: int = 0
    _next: tuple[Any, ...] | None = None

    def __post_init__(self) -> None:
        self._link = self.shape.field_names.index(self.nesting.link)
        self._next = next(self.rows, None)

    def left(self) -> bool:
        """Whether rows are left that belong to no parent (the database's references forbid it)."""
        return self._next is not None

    def of(self, key: Any, step: Callable[[], None]) -> list[dict[str, Any]]:
        """The records of the rows that belong to the parent ``key`` (both streams are in key order)."""
        found = []
        while self._next is not None and self._next[self._link] == key:
            found.append(_record(self.shape, self._next, skip=self.nesting.link))
            self.count += 1
            step()
            self._next = next(self.rows, None)
        return found


def _record(shape: TableShape, row: tuple[Any, ...], skip: str | None = None) -> dict[str, Any]:
    return {f.name: encode(f.codec, v) for f, v in zip(shape.fields, row, strict=False) if f.name != skip}


def _write_json(
    path: Path,
    shape: TableShape,
    rows: Iterator[tuple[Any, ...]],
    step: Callable[[], None],
    lines: Sequence[_Lines] = (),
) -> int:
    """A JSON array with one record per line (a reader can take it a line at a time); the rows of
    ``lines`` inside the records they belong to."""
    key = shape.field_names.index(shape.key[0])
    count = 0
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.write("[")
        for row in rows:
            record = _record(shape, row)
            for child in lines:
                record[child.nesting.name] = child.of(row[key], step)
            out.write(("\n" if count == 0 else ",\n") + json_safe(json.dumps(record, ensure_ascii=False)))
            count += 1
            step()
        out.write("\n]\n" if count else "]\n")
    return count


def _prepare(folder: Path) -> None:
    """The folder exists and holds nothing but an earlier bundle (whose files are replaced)."""
    if folder.exists() and not folder.is_dir():
        raise CustSvcError(f"cannot export into {folder}: it is a file, not a folder")
    folder.mkdir(parents=True, exist_ok=True)
    known = {MANIFEST} | {f"{name}.{ext}" for name in shapes() for ext in ("csv", "json")}
    strangers = sorted(p.name for p in folder.iterdir() if p.name not in known)
    if strangers:
        raise CustSvcError(
            f"cannot export into {folder}: it holds {strangers[0]!r}, which is not part of a bundle; "
            "give an empty or new folder"
        )
    for path in folder.iterdir():
        path.unlink()


def _write_files(
    ctx: Context, folder: Path, fmt: str, chosen: list[TableShape], step: Callable[[], None]
) -> list[dict[str, Any]]:
    """Each table into its file (in JSON, a document's lines into the document's file); the manifest's entries."""
    names = {s.name for s in chosen}
    nested = {c: n for c, n in NESTED.items() if fmt == "json" and c in names and n.parent in names}
    entries: dict[str, dict[str, Any]] = {}
    for shape in chosen:
        if shape.name in nested:
            continue
        file = f"{shape.name}.{fmt}"
        if fmt == "csv":
            entries[shape.name] = {
                "table": shape.name,
                "file": file,
                "rows": _write_csv(folder / file, shape, _rows(ctx, shape), step),
            }
            continue
        lines = [
            _Lines(shapes()[child], nesting, _rows(ctx, shapes()[child], nesting.link))
            for child, nesting in children_of(shape.name).items()
            if child in nested
        ]
        count = _write_json(folder / file, shape, _rows(ctx, shape), step, lines)
        for child in lines:
            if child.left():
                raise CustSvcError(f"{child.shape.name} has rows whose {child.nesting.link} names no {shape.name}")
        entries[shape.name] = {"table": shape.name, "file": file, "rows": count}
        for child in lines:
            entries[child.shape.name] = {
                "table": child.shape.name, "file": file, "rows": child.count,
                "nested_in": shape.name, "field": child.nesting.name,
            }  # fmt: skip
    return [entries[s.name] for s in chosen]


def export_bundle(
    ctx: Context, folder: Path, fmt: str = "csv", progress: Progress | None = None, only: list[str] | None = None
) -> dict[str, Any]:
    """Write every table of the database into ``folder`` (``fmt``: csv or json) and the manifest;
    ``only``: the tables of those kinds of record (``groups.KINDS``)."""
    chosen = tables_of(only) if only else None
    _prepare(folder)
    conn = ctx.connection()
    all_shapes = [s for s in shapes().values() if chosen is None or s.name in chosen]
    totals = {s.name: conn.execute(select(func.count()).select_from(s.table)).scalar_one() for s in all_shapes}
    grand, done = sum(totals.values()), [0]

    def step() -> None:
        done[0] += 1
        if progress is not None and done[0] % 1000 == 0:
            progress(done[0], grand)

    tables = _write_files(ctx, folder, fmt, all_shapes, step)
    manifest = {
        "bundle": BUNDLE,
        "layout": LAYOUT,
        "format": fmt,
        "schema_revision": db.schema_revision(conn),
        **({"kinds": only} if only else {}),
        "tables": tables,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    if progress is not None:
        progress(grand, grand)
    return {"folder": str(folder), "format": fmt, "rows": done[0], "tables": tables}
