"""The check of a whole bundle before anything is written: every value of every row, the rules the
master-data commands apply to the same fields (a key's characters, a time zone, an e-mail address),
keys repeated inside a file (with both row numbers), and every reference, to a row of another file,
of the same file, or of the database.

Only the keys of the rows are kept (to find repeats and resolve references), not the rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import select

from custsvc.context import Context
from custsvc.errors import CustSvcError
from custsvc.services.bundle.codecs import decode
from custsvc.services.bundle.layout import Ref, TableShape, shapes
from custsvc.services.bundle.reading import TableFile


@dataclass
class Rejected:
    file: str
    row: int
    message: str
    values: dict[str, Any] | None = None


@dataclass
class Checked:
    """What a check found: the rows of each table, and every problem."""

    rows: dict[str, int] = field(default_factory=dict)
    problems: list[Rejected] = field(default_factory=list)


@cache
def _domain_checks(table: str) -> dict[str, Callable[[Any, str], Any]]:
    """The master-data rules for the fields of ``table`` (``customer.timezone`` is a time zone ...)."""
    from custsvc.domain.checks import CHECKS
    from custsvc.services.master.kinds import KINDS

    textual = ("key", "tag", "email", "zone", "role")
    for kind in KINDS.values():
        if kind.model.__tablename__ == table:
            return {s.attribute: CHECKS[s.check] for s in kind.specs if s.check in textual and not s.many}
    children = {"worker_role": {"role": CHECKS["role"]}, "worker_skill": {"skill": CHECKS["tag"]}}
    return children.get(table, {})


def clean_row(
    shape: TableShape, present: list[str], raw: dict[str, Any], from_csv: bool
) -> tuple[dict[str, Any], list[str]]:
    """The row's values as the database takes them, and what is wrong with them."""
    clean: dict[str, Any] = {}
    wrong: list[str] = []
    rules = _domain_checks(shape.name)
    for spec in shape.fields:
        value = raw.get(spec.name)
        try:
            # an empty cell is no value, except in text that cannot be missing (a scope's empty key)
            keep = from_csv and value == "" and spec.codec == "text" and spec.required
            value = "" if keep else decode(spec.codec, value, spec.name, from_csv=from_csv)
            if value is None and spec.default is not None:
                value = spec.default
            elif value is None and spec.required and spec.name in present:
                wrong.append(f"{spec.name} is required")
            elif value is not None and spec.name in rules:
                value = rules[spec.name](value, spec.name)
        except CustSvcError as exc:
            wrong.append(exc.message)
            value = None
        clean[spec.name] = value
    return clean, wrong


def key_of(shape: TableShape, clean: dict[str, Any]) -> Any:
    """The row's key: the value for a one-field key, the tuple of values for a longer one."""
    if len(shape.key) == 1:
        return clean[shape.key[0]]
    return tuple(clean[k] for k in shape.key)


class BundleCheck:
    """Checks the files of a bundle in load order, keeping each table's keys for the references."""

    def __init__(self, ctx: Context, files: dict[str, TableFile], replacing: set[str]) -> None:
        self.ctx, self.files, self.replacing = ctx, files, replacing
        self.keys: dict[str, dict[Any, int]] = {}
        self._stored: dict[str, set[Any]] = {}
        #: references checked once every file is read: (file, row number, reference, value, the row's values)
        self.pending: list[tuple[TableFile, int, Ref, Any, dict[str, Any]]] = []
        self.result = Checked()

    def stored_keys(self, table: str) -> set[Any]:
        """The keys the database holds of ``table`` (none of a table the import replaces)."""
        if table not in self._stored:
            shape = shapes()[table]
            if table in self.replacing:
                self._stored[table] = set()
            else:
                columns = [shape.table.c[shape.field(k).column] for k in shape.key]
                rows = self.ctx.connection().execute(select(*columns))
                self._stored[table] = {r[0] if len(columns) == 1 else tuple(r) for r in rows}
        return self._stored[table]

    def known(self, table: str, value: Any) -> bool:
        return value in self.keys.get(table, ()) or value in self.stored_keys(table)

    def reject(self, tf: TableFile, number: int, message: str, values: dict[str, Any] | None) -> None:
        row, inside = tf.where(number)
        self.result.problems.append(Rejected(tf.path.name, row, inside + message, values))

    def run(self, step: Callable[[], None] = lambda: None) -> Checked:
        for name, tf in self.files.items():
            self.keys[name] = {}
            count = 0
            for number, raw, problem in tf.rows():
                count += 1
                step()
                self._row(tf, number, raw, problem)
            for number, message in tf.problems:
                self.reject(tf, number, message, None)
            self.result.rows[name] = count
        self._deferred()
        return self.result

    def _row(self, tf: TableFile, number: int, raw: dict[str, Any] | None, problem: str | None) -> None:
        if raw is None:
            self.reject(tf, number, problem or "unreadable", None)
            return
        shape = tf.shape
        clean, wrong = clean_row(shape, tf.columns, raw, not tf.is_json)
        key = key_of(shape, clean)
        seen = self.keys[shape.name]
        if key is None or (isinstance(key, tuple) and None in key):
            wrong.append(f"the key ({', '.join(shape.key)}) is required")
        elif key in seen:
            wrong.append(f"{shape.name} {_shown(key)} repeats row {seen[key]}")
        else:
            seen[key] = number
        for ref in shape.refs:
            wrong.extend(self._reference(tf, number, ref, clean, raw))
        if wrong:
            self.reject(tf, number, "; ".join(wrong), raw)

    def _reference(
        self, tf: TableFile, number: int, ref: Ref, clean: dict[str, Any], raw: dict[str, Any]
    ) -> Iterator[str]:
        values = tuple(clean[f] for f in ref.fields)
        if None in values:
            return
        value = values[0] if len(values) == 1 else values
        if ref.deferred:
            self.pending.append((tf, number, ref, value, raw))
        elif not self.known(ref.target, value):
            yield _missing(ref, value)

    def _deferred(self) -> None:
        for tf, number, ref, value, raw in self.pending:
            if not self.known(ref.target, value):
                self.reject(tf, number, _missing(ref, value), raw)


def _shown(key: Any) -> str:
    return repr(key) if not isinstance(key, tuple) else "(" + ", ".join(map(repr, key)) + ")"


def _missing(ref: Ref, value: Any) -> str:
    return f"{'/'.join(ref.fields)} {_shown(value)}: no such {ref.target} in the bundle or the database"
