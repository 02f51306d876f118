"""Long key lists in bounded statements: ``IN (...)`` lists of at most 900 keys, well below
SQLite's and PostgreSQL's limits, so a command over 100,000 rows needs no statement per row.

A list that streams a whole table in key order passes its keys as a ``KeyRun``: every key from the
first to the last of the run, with none left out. Rows of other tables are then read by the key
range (``BETWEEN``, two parameters and a statement compiled once) instead of a list of 900."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
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
