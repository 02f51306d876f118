"""The shape of a bundle, read off the table definitions: which tables, their fields (with the codec that
writes and reads each), their keys, their references and the order in which they load.

A field is named like its column, except money and quantities, which the database keeps as integer
cents and thousandths (``price_cents``) and a bundle shows as the decimal they are (``price``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Boolean, Date, Integer, Table

#: tables a new database already has rows in (``db init``): an import into an otherwise empty database
#: replaces their rows by the bundle's
SEEDED = ("number_sequence", "repair_stage", "return_disposition", "return_reason", "stage")


@dataclass(frozen=True)
class Field:
    name: str
    column: str
    codec: str  # text, int, bool, date, datetime, money, qty
    required: bool  # NOT NULL without a default the database fills in
    #: what a row without a value gets, where the database has a default (a missing cell is not NULL)
    default: Any = None


@dataclass(frozen=True)
class Ref:
    """A reference from ``fields`` of one table to the key of ``target``."""

    fields: tuple[str, ...]
    target: str
    #: loaded in a second step (a cycle between tables, or a row pointing into its own table)
    deferred: bool = False


@dataclass(frozen=True)
class TableShape:
    name: str
    table: Table
    fields: tuple[Field, ...]
    key: tuple[str, ...]
    refs: tuple[Ref, ...]

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    @property
    def deferred(self) -> tuple[str, ...]:
        return tuple(name for ref in self.refs if ref.deferred for name in ref.fields)


def _codec(column: Any) -> str:
    kind = type(column.type).__name__
    if kind == "Money":
        return "money"
    if kind == "Qty":
        return "qty"
    if kind == "UTCDateTime":
        return "datetime"
    if isinstance(column.type, Boolean):
        return "bool"
    if isinstance(column.type, Date):
        return "date"
    if isinstance(column.type, Integer):
        return "int"
    return "text"


def _field(column: Any) -> Field:
    codec = _codec(column)
    name = column.name
    for suffix, kind in (("_cents", "money"), ("_milli", "qty")):
        if codec == kind and name.endswith(suffix):
            name = name.removesuffix(suffix)
    filled = column.server_default is not None or (column.primary_key and codec == "int" and column.autoincrement)
    return Field(name, column.name, codec, required=not column.nullable and not filled, default=_default(column, codec))


def _default(column: Any, codec: str) -> Any:
    if column.server_default is None or column.nullable:
        return None
    from sqlalchemy.sql.elements import False_, True_

    from custsvc.services.bundle.codecs import decode

    arg = column.server_default.arg
    if isinstance(arg, (False_, True_)):
        return isinstance(arg, True_)
    return decode(codec, str(arg), column.name, from_csv=True)


def _refs(table: Table, names: dict[str, str]) -> list[tuple[tuple[str, ...], str, bool]]:
    """(fields, target table, all nullable) of each foreign key."""
    found = []
    for fk in sorted(table.foreign_key_constraints, key=lambda c: c.column_keys):
        columns = [table.c[key] for key in fk.column_keys]
        target = fk.elements[0].column.table.name
        found.append((tuple(names[c.name] for c in columns), target, all(c.nullable for c in columns)))
    return found


def _reaches(edges: dict[str, set[str]], start: str, goal: str, among: set[str]) -> bool:
    seen, todo = set(), [start]
    while todo:
        name = todo.pop()
        if name == goal:
            return True
        if name not in seen and name in among:
            seen.add(name)
            todo.extend(edges[name])
    return False


def _order(
    raw: dict[str, list[tuple[tuple[str, ...], str, bool]]],
) -> tuple[list[str], set[tuple[str, tuple[str, ...]]]]:
    """Tables in load order (each after the tables it refers to) and the references loaded in a second
    step: those into the row's own table, and, where tables refer to each other in a cycle, a nullable
    reference of the cycle."""
    deferred = {(name, fields) for name, refs in raw.items() for fields, target, _n in refs if target == name}
    order: list[str] = []
    left = set(raw)
    while left:
        edges = {n: {t for f, t, _x in raw[n] if t in left and t != n and (n, f) not in deferred} for n in sorted(left)}
        ready = sorted(n for n in left if not edges[n])
        if ready:
            order.extend(ready)
            left -= set(ready)
            continue
        deferred.add(_cycle_break(raw, edges, left))
    return order, deferred


def _cycle_break(
    raw: dict[str, list[tuple[tuple[str, ...], str, bool]]], edges: dict[str, set[str]], left: set[str]
) -> tuple[str, tuple[str, ...]]:
    """A nullable reference of a cycle among the tables ``left`` (the first by name)."""
    return next(
        (n, f)
        for n in sorted(left)
        for f, t, nullable in raw[n]
        if nullable and t in edges[n] and _reaches(edges, t, n, left)
    )


@cache
def shapes() -> dict[str, TableShape]:
    """Every table of the schema, in load order (``alembic_version`` is the manifest's revision)."""
    from sqlmodel import SQLModel

    from custsvc.models import AUDIT_FIELDS, load_all

    load_all()
    tables = {t.name: t for t in SQLModel.metadata.sorted_tables}
    # a record's own fields first, who made and changed it last (as the lists show them)
    fields = {
        name: tuple(sorted((_field(c) for c in table.columns), key=lambda f: f.name in AUDIT_FIELDS))
        for name, table in tables.items()
    }
    names = {name: {f.column: f.name for f in fs} for name, fs in fields.items()}
    raw = {name: _refs(table, names[name]) for name, table in tables.items()}
    order, deferred = _order(raw)
    out = {}
    for name in order:
        table = tables[name]
        refs = tuple(Ref(f, t, (name, f) in deferred) for f, t, _n in raw[name])
        key = tuple(names[name][c.name] for c in table.primary_key)
        out[name] = TableShape(name, table, fields[name], key, refs)
    return out


@dataclass(frozen=True)
class Nesting:
    """In a JSON bundle, the rows of a document's lines live inside the document's record, under
    ``name``, without the field ``link`` that names the document (its key)."""

    parent: str
    link: str
    name: str


#: child table -> where its rows live in a JSON bundle (CSV bundles keep one file per table)
NESTED: dict[str, Nesting] = {
    "agreement_line": Nesting("agreement", "agreement", "lines"),
    "order_line": Nesting("service_order", "order_number", "lines"),
    "order_object": Nesting("service_order", "order_number", "objects"),
    "order_stage_log": Nesting("service_order", "order_number", "stage_history"),
    "assignment": Nesting("service_order", "order_number", "assignments"),
    "invoice_line": Nesting("invoice", "invoice", "lines"),
    "return_line": Nesting("return_order", "rma", "lines"),
    "sla_target": Nesting("sla", "sla", "targets"),
    "subscription_price": Nesting("subscription", "subscription", "prices"),
    "subscription_index": Nesting("subscription", "subscription", "indexes"),
    "subscription_reduction": Nesting("subscription", "subscription", "reductions"),
    "bom_template_component": Nesting("bom_template_version", "version_id", "components"),
    "object_bom_component": Nesting("object_bom", "object", "components"),
}


def children_of(table: str) -> dict[str, Nesting]:
    """The child tables nested in ``table``'s records of a JSON bundle, by table name."""
    return {child: n for child, n in NESTED.items() if n.parent == table}
