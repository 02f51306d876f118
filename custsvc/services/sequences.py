"""Gap-free numbers: the counter row is updated in the same transaction as the records that use
the numbers, so a rolled-back command leaves no hole and two writers never get the same number."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select, update

from custsvc.context import Context
from custsvc.errors import CustSvcError
from custsvc.models import NumberSequence


def reserve(ctx: Context, name: str, count: int, *, dry_run: bool = False) -> Callable[[int], str]:
    """``count`` consecutive numbers of sequence ``name``, as a function of their position (0 to
    ``count - 1``): one statement, and no list of them all (a run of a million orders holds none).
    ``dry_run``: the numbers a real run would reserve now, reserving nothing."""
    columns = (NumberSequence.next_value, NumberSequence.prefix, NumberSequence.width)
    if dry_run:
        query: Any = select(*columns).where(NumberSequence.name == name)
    else:
        query = (
            update(NumberSequence)
            .where(NumberSequence.name == name)
            .values(next_value=NumberSequence.next_value + count)
            .returning(*columns)
            # no counter row is kept in the session: nothing there to bring up to date (the ORM would
            # otherwise check every object the session holds, on every number taken)
            .execution_options(synchronize_session=False)
        )
    row = ctx.execute(query).one_or_none()
    if row is None:
        raise CustSvcError(f"the number sequence {name!r} is missing; run `custsvc db upgrade`")
    value, prefix, width = row
    first = value if dry_run else value - count
    return lambda position: f"{prefix}{first + position:0{width}d}"


def take(ctx: Context, name: str, count: int = 1) -> list[str]:
    """Reserve ``count`` consecutive numbers of sequence ``name``."""
    if count <= 0:
        return []
    number = reserve(ctx, name, count)
    return [number(position) for position in range(count)]


def next_number(ctx: Context, name: str) -> str:
    return take(ctx, name, 1)[0]


def peek(ctx: Context, name: str, count: int = 1) -> list[str]:
    """The ``count`` numbers ``take`` would reserve now, without reserving them (dry runs)."""
    if count <= 0:
        return []
    number = reserve(ctx, name, count, dry_run=True)
    return [number(position) for position in range(count)]
