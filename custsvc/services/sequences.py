"""Gap-free numbers: the counter row is updated in the same transaction as the records that use
the numbers, so a rolled-back command leaves no hole and two writers never get the same number."""

from __future__ import annotations

from sqlalchemy import select, update

from custsvc.context import Context
from custsvc.errors import CustSvcError
from custsvc.models import NumberSequence


def take(ctx: Context, name: str, count: int = 1) -> list[str]:
    """Reserve ``count`` consecutive numbers of sequence ``name``."""
    if count <= 0:
        return []
    row = ctx.execute(
        update(NumberSequence)
        .where(NumberSequence.name == name)
        .values(next_value=NumberSequence.next_value + count)
        .returning(NumberSequence.next_value, NumberSequence.prefix, NumberSequence.width)
        # no counter row is kept in the session: nothing there to bring up to date (the ORM would
        # otherwise check every object the session holds, on every number taken)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if row is None:
        raise CustSvcError(f"the number sequence {name!r} is missing; run `custsvc db upgrade`")
    after, prefix, width = row
    first = after - count
    return [f"{prefix}{n:0{width}d}" for n in range(first, after)]


def next_number(ctx: Context, name: str) -> str:
    return take(ctx, name, 1)[0]


def peek(ctx: Context, name: str, count: int = 1) -> list[str]:
    """The ``count`` numbers ``take`` would reserve now, without reserving them (dry runs)."""
    if count <= 0:
        return []
    row = ctx.execute(
        select(NumberSequence.next_value, NumberSequence.prefix, NumberSequence.width).where(
            NumberSequence.name == name
        )
    ).one_or_none()
    if row is None:
        raise CustSvcError(f"the number sequence {name!r} is missing; run `custsvc db upgrade`")
    first, prefix, width = row
    return [f"{prefix}{n:0{width}d}" for n in range(first, first + count)]
