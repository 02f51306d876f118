"""Who refers to a row: used to refuse removing records that are still in use."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, func, select
from sqlmodel import SQLModel

from custsvc.context import Context
from custsvc.values import word


def references_to(ctx: Context, table: Table, key: Any) -> list[tuple[str, int]]:
    """(where, count) for every table row that points at ``key`` in ``table``.

    Links that cascade on delete (a worker's roles and skills) belong to the row and do not count.
    """
    from custsvc.models import load_all

    load_all()  # every table that may refer to it, loaded or not by this command
    found: list[tuple[str, int]] = []
    for other in SQLModel.metadata.sorted_tables:
        for constraint in other.foreign_key_constraints:
            if constraint.referred_table is not table or (constraint.ondelete or "").upper() == "CASCADE":
                continue
            if len(constraint.columns) != 1:  # pragma: no cover - custsvc keys are single columns
                continue
            column = next(iter(constraint.columns))
            count = ctx.execute(select(func.count()).select_from(other).where(column == key)).scalar_one()
            if count:
                noun = other.name.replace("_", " ")
                found.append((f"{word(count, noun)} ({column.name})", count))
    return found


def described(refs: list[tuple[str, int]]) -> str:
    """``11 invoices (customer), 1 subscription (customer)``."""
    return ", ".join(f"{count} {where}" for where, count in refs)
