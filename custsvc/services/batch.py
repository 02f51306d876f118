"""Long key lists in bounded statements: ``IN (...)`` lists of at most 900 keys, well below
SQLite's and PostgreSQL's limits, so a command over 100,000 rows needs no statement per row.

A list that streams a whole table in key order passes its keys as a ``KeyRun``: every key from the
first to the last of the run, with none left out. Rows of other tables are then read by the key
range (``BETWEEN``, two parameters and a statement compiled once) instead of a list of 900."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from operator import itemgetter
from typing import Any, TypeVar

T = TypeVar("T")

IN_CHUNK = 900


class KeyRun(list):  # type: ignore[type-arg]
    """Keys that are every key of their table from ``low`` to ``high`` in the database's own order
    (a stretch of an unfiltered list sorted by key, either way): what is stored for them is one key
    range. The bounds come from the query's order, never from Python's (a collation may differ)."""

    def __init__(self, keys: Iterable[Any], *, descending: bool = False) -> None:
        super().__init__(keys)
        first, last = (self[0], self[-1]) if self else (None, None)
        self.low, self.high = (last, first) if descending else (first, last)


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last may be shorter), read as they come."""
    source = iter(items)
    while batch := list(islice(source, size)):
        yield batch


def chunks(keys: Iterable[T], size: int = IN_CHUNK) -> Iterator[list[T]]:
    """The distinct keys, in their first order, ``size`` at a time."""
    unique = list(dict.fromkeys(keys))
    for start in range(0, len(unique), size):
        yield unique[start : start + size]


def _runner(ctx: Any, core: bool) -> Any:
    # ``core``: plain rows of columns straight from the connection, without the ORM's result
    # machinery (several times faster for long lists of values; no objects are loaded)
    return ctx.connection().execute if core else ctx.execute


def _in_range(column: Any, keys: KeyRun) -> Any:
    return column.between(keys.low, keys.high)


def select_in(
    ctx: Any, query: Any, column: Any, keys: Sequence[Any] | Iterable[Any], *, core: bool = False
) -> Iterator[Any]:
    """The rows of ``query`` whose ``column`` is one of ``keys``: one statement per 900 keys (one
    statement for a ``KeyRun``)."""
    run = _runner(ctx, core)
    if isinstance(keys, KeyRun):
        if keys:
            yield from run(query.where(_in_range(column, keys))).all()
        return
    for chunk in chunks(keys):
        yield from run(query.where(column.in_(chunk))).all()  # fetched at once, not row by row


def select_for(ctx: Any, query: Any, column: Any, keys: Sequence[Any], *, core: bool = False) -> Any:
    """Rows of ``query`` for ``keys``: one ``IN`` query for up to 900 keys (a key range for a
    ``KeyRun``), else the whole query in one statement (the caller looks rows up by key and passes
    over the others). One statement either way."""
    run = _runner(ctx, core)
    if isinstance(keys, KeyRun):
        return run(query.where(_in_range(column, keys))).all() if keys else []
    if len(keys) <= IN_CHUNK:
        return run(query.where(column.in_(list(keys)))).all()
    return run(query).all()


def insert_rows(conn: Any, table: Any, names: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """One executemany of ``rows`` (tuples of the values of the columns ``names``, in that order)
    into ``table`` on the SQLAlchemy connection ``conn``.

    The same as ``conn.execute(insert(table), [dict(...), ...])`` but without SQLAlchemy's work per
    row and value (a third of a large import's time): the statement is compiled once for the
    connection's dialect, each column's bind processor (dates as text on SQLite, say) is applied only
    to columns that have one, and the tuples go to the driver as they are, in the dialect's own
    parameter style."""
    dialect = conn.dialect
    names, rows = _with_defaults(table, list(names), rows)
    compiled = table.insert().compile(dialect=dialect, column_keys=names)
    processors = [
        (i, _remembering(p))
        for i, n in enumerate(names)
        if (p := table.c[n].type.dialect_impl(dialect).bind_processor(dialect)) is not None
    ]
    if processors:
        rows = (_processed(row, processors) for row in rows)
    params = _driver_params(compiled, names, rows)
    if params:
        conn.exec_driver_sql(compiled.string, params)


def _with_defaults(
    table: Any, names: list[str], rows: Iterable[Sequence[Any]]
) -> tuple[list[str], Iterable[Sequence[Any]]]:
    """Columns left out that have a default in Python get its value in every row (SQLAlchemy's
    insert would fill them in); a default that is computed must be given."""
    filled = [c for c in table.columns if c.key not in names and c.default is not None]
    if not filled:
        return names, rows
    if not all(c.default.is_scalar for c in filled):
        raise ValueError(f"insert_rows: give {', '.join(c.key for c in filled)} (their default is computed)")
    defaults = tuple(c.default.arg for c in filled)
    return [*names, *(c.key for c in filled)], (tuple(row) + defaults for row in rows)


def _driver_params(compiled: Any, names: list[str], rows: Iterable[Sequence[Any]]) -> list[Any]:
    """The rows as the driver takes them: tuples in the statement's order, or dicts by name."""
    if not compiled.positional:
        return [dict(zip(names, row, strict=True)) for row in rows]
    at = {n: i for i, n in enumerate(names)}
    order = [at[n] for n in compiled.positiontup]
    if order != list(range(len(names))):
        return list(map(itemgetter(*order), rows)) if len(order) > 1 else [(row[0],) for row in rows]
    return [row if type(row) is tuple else tuple(row) for row in rows]


def _processed(row: Sequence[Any], processors: Sequence[tuple[int, Any]]) -> tuple[Any, ...]:
    values = list(row)
    for i, process in processors:
        if values[i] is not None:
            values[i] = process(values[i])
    return tuple(values)


def _remembering(process: Any) -> Any:
    """``process`` that gives the last result again for the same value (the same object): the stamp
    of every row of an import is one value, converted once."""
    last: list[Any] = [_NOTHING, None]

    def run(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, process(value)
        return last[1]

    return run


_NOTHING = object()
