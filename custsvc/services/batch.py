"""Long key lists in bounded statements: ``IN (...)`` lists of at most 900 keys, well below
SQLite's and PostgreSQL's limits, so a command over 100,000 rows needs no statement per row."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

T = TypeVar("T")

IN_CHUNK = 900


def chunks(keys: Iterable[T], size: int = IN_CHUNK) -> Iterator[list[T]]:
    """The distinct keys, in their first order, ``size`` at a time."""
    unique = list(dict.fromkeys(keys))
    for start in range(0, len(unique), size):
        yield unique[start : start + size]


def _runner(ctx: Any, core: bool) -> Any:
    # ``core``: plain rows of columns straight from the connection, without the ORM's result
    # machinery (several times faster for long lists of values; no objects are loaded)
    return ctx.connection().execute if core else ctx.execute


def select_in(
    ctx: Any, query: Any, column: Any, keys: Sequence[Any] | Iterable[Any], *, core: bool = False
) -> Iterator[Any]:
    """The rows of ``query`` whose ``column`` is one of ``keys``: one statement per 900 keys."""
    run = _runner(ctx, core)
    for chunk in chunks(keys):
        yield from run(query.where(column.in_(chunk))).all()  # fetched at once, not row by row


def select_for(ctx: Any, query: Any, column: Any, keys: Sequence[Any], *, core: bool = False) -> Any:
    """Rows of ``query`` for ``keys``: one ``IN`` query for up to 900 keys, else the whole query in one
    statement (the caller looks rows up by key and passes over the others). One statement either way."""
    run = _runner(ctx, core)
    if len(keys) <= IN_CHUNK:
        return run(query.where(column.in_(list(keys)))).all()
    return run(query).all()
