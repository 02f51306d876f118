"""Writing a checked bundle: each file in load order, read again a batch at a time and written with one
statement per batch (the same columns in every row, so the driver sends them as one ``executemany``).

Into empty tables every row is created. In the tables matched by key (all with ``upsert``; the rows
``db init`` puts in when the database holds other records) each batch is compared with what the
database holds: new rows are created, rows whose values differ are updated (and stamped with who
changed them and when, if the table keeps that), equal rows are left as they are, ``updated_at``
included. References loaded in a second step (see ``layout``) are written once every table is in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import bindparam, delete, select, tuple_, update

from custsvc import db
from custsvc.context import Context
from custsvc.models import AUDIT_FIELDS
from custsvc.services.batch import chunks, insert_rows
from custsvc.services.bundle.checking import clean_row, key_of
from custsvc.services.bundle.layout import SEEDED, TableShape
from custsvc.services.bundle.reading import TableFile

BATCH = 5000


class Loader:
    def __init__(
        self,
        ctx: Context,
        files: dict[str, TableFile],
        *,
        matched: set[str],
        replace_seeded: bool = False,
        write: bool = True,
    ) -> None:
        """``matched``: the tables whose rows are matched by key (created, updated or unchanged), the
        others' rows are all created; ``replace_seeded``: the rows ``db init`` put in go first."""
        self.ctx, self.files, self.matched, self.write = ctx, files, matched, write
        self.replace_seeded = replace_seeded
        self.conn = ctx.connection()
        #: (table, key, the deferred fields' values) to write once every table is in
        self.later: list[tuple[TableShape, Any, dict[str, Any]]] = []
        self.counts: dict[str, dict[str, int]] = {}

    def run(self, step: Callable[[], None] = lambda: None) -> dict[str, dict[str, int]]:
        if self.replace_seeded and self.write:
            for name in reversed([n for n in self.files if n in SEEDED]):
                self.conn.execute(delete(self.files[name].shape.table))
        for name, tf in self.files.items():
            self.counts[name] = {"created": 0, "updated": 0, "unchanged": 0}
            batch: list[dict[str, Any]] = []
            for _number, raw, _problem in tf.rows():
                step()
                batch.append(self._row(tf, raw or {}))
                if len(batch) >= BATCH:
                    self._batch(tf, batch)
                    batch = []
            self._batch(tf, batch)
        if self.write:
            self._write_later()
            db.move_id_sequences(self.conn, [self.files[n].shape.table for n in self.files])
        return self.counts

    def _row(self, tf: TableFile, raw: dict[str, Any]) -> dict[str, Any]:
        """The row's values by field name; its deferred references are kept for later and left empty."""
        shape = tf.shape
        clean, _wrong = clean_row(shape, tf.columns, raw, not tf.is_json)
        deferred = {f: clean[f] for f in shape.deferred if clean[f] is not None}
        if deferred:
            self.later.append((shape, key_of(shape, clean), deferred))
            clean.update(dict.fromkeys(deferred))
        return clean

    def _batch(self, tf: TableFile, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        shape, counts = tf.shape, self.counts[tf.shape.name]
        if shape.name not in self.matched:
            counts["created"] += len(rows)
            if self.write:
                _insert(self.conn, shape, rows)
            return
        present = [f for f in tf.columns if f in shape.field_names and f not in AUDIT_FIELDS]
        creates, changes = self._compared(shape, present, rows)
        counts["created"] += len(creates)
        counts["updated"] += len(changes)
        counts["unchanged"] += len(rows) - len(creates) - len(changes)
        if self.write:
            self._write(shape, present, creates, changes)

    def _write(
        self, shape: TableShape, present: list[str], creates: list[dict[str, Any]], changes: list[dict[str, Any]]
    ) -> None:
        if creates:
            _insert(self.conn, shape, creates)
        if changes:
            self._update(shape, [f for f in present if f not in shape.key and f not in shape.deferred], changes)

    def _compared(
        self, shape: TableShape, present: list[str], rows: list[dict[str, Any]]
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The rows the database does not hold yet, and those whose ``present`` fields differ from it."""
        stored = self._stored(shape, [key_of(shape, r) for r in rows])
        creates, changes = [], []
        for row in rows:
            before = stored.get(key_of(shape, row))
            if before is None:
                creates.append(row)
            elif any(before[f] != row[f] for f in present if f not in shape.deferred):
                changes.append(row)
        return creates, changes

    def _stored(self, shape: TableShape, keys: list[Any]) -> dict[Any, dict[str, Any]]:
        columns = [shape.table.c[f.column] for f in shape.fields]
        key_columns = [shape.table.c[shape.field(k).column] for k in shape.key]
        found: dict[Any, dict[str, Any]] = {}
        for part in chunks(keys):
            where = key_columns[0].in_(part) if len(key_columns) == 1 else tuple_(*key_columns).in_(part)
            for values in self.conn.execute(select(*columns).where(where)):
                record = dict(zip(shape.field_names, values, strict=False))
                found[key_of(shape, record)] = record
        return found

    def _update(self, shape: TableShape, fields: list[str], rows: list[dict[str, Any]]) -> None:
        stamp = {"updated_at": self.ctx.now, "updated_by": self.ctx.actor}
        stamped = [f for f in stamp if f in shape.field_names]
        statement = update(shape.table).where(
            *[shape.table.c[shape.field(k).column] == bindparam(f"key_{k}") for k in shape.key]
        )
        statement = statement.values({shape.field(f).column: bindparam(f"new_{f}") for f in [*fields, *stamped]})
        params = [
            {
                **{f"key_{k}": r[k] for k in shape.key},
                **{f"new_{f}": r[f] for f in fields},
                **{f"new_{f}": stamp[f] for f in stamped},
            }
            for r in rows
        ]
        self.conn.execute(statement, params)

    def _write_later(self) -> None:
        by_table: dict[tuple[str, tuple[str, ...]], list[tuple[TableShape, Any, dict[str, Any]]]] = {}
        for entry in self.later:
            by_table.setdefault((entry[0].name, tuple(sorted(entry[2]))), []).append(entry)
        for (_name, fields), entries in by_table.items():
            shape = entries[0][0]
            statement = (
                update(shape.table)
                .where(*[shape.table.c[shape.field(k).column] == bindparam(f"key_{k}") for k in shape.key])
                .values({shape.field(f).column: bindparam(f"new_{f}") for f in fields})
            )
            params = []
            for _shape, key, values in entries:
                keys = dict(zip(shape.key, key if isinstance(key, tuple) else (key,), strict=False))
                params.append({**{f"key_{k}": v for k, v in keys.items()}, **{f"new_{f}": values[f] for f in fields}})
            for start in range(0, len(params), BATCH):
                self.conn.execute(statement, params[start : start + BATCH])


def _insert(conn: Any, shape: TableShape, rows: list[dict[str, Any]]) -> None:
    names = [f.name for f in shape.fields]
    insert_rows(conn, shape.table, [f.column for f in shape.fields], [tuple(map(r.__getitem__, names)) for r in rows])
