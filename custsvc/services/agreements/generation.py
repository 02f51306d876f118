"""Generating service orders from agreements.

Generation is idempotent because every generated order line carries its agreement line and the
anchored visit date, and the database refuses a second line with the same pair. It reads what exists
in the requested period only, adds only what is missing, and works a chunk of agreements at a time
(``visits.chunks``): plan, write in bulk, forget, so that its memory stays flat however many orders a
run makes. New orders go through the order lifecycle (``OrdersCreated``: the SLA clock starts for
them). A dry run plans the same and writes nothing.

The run numbers its new orders by date, then combine key, across all agreements (as if it had planned
them all at once). To do that a chunk at a time it surveys first, in a read transaction outside the
write lock: how many new orders each chunk makes on each day. Then, holding the lock, it plans each
chunk again from what is there now and writes it. When a chunk no longer makes what the survey
counted (another run or command changed things meanwhile), what was written is rolled back to a
savepoint and the run surveys again under the lock.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select

from custsvc.context import Context
from custsvc.db import analyze
from custsvc.domain.recurrence import Slot, combine
from custsvc.errors import InvalidInput
from custsvc.models import OrderLine, ServiceOrder, Stage
from custsvc.services.agreements.catalog import get
from custsvc.services.agreements.visits import Chunk, Wanted, chunks, generating_ids, missing_visits
from custsvc.services.agreements.writing import LINE_FIELDS, PlannedOrder, Writer, reserve
from custsvc.services.batch import select_in

__all__ = ["LINE_FIELDS", "PlannedOrder", "generate"]


def _nothing(warnings: Sequence[str] = ()) -> dict[str, Any]:
    return {"orders": [], "warnings": list(warnings), "created_orders": 0, "created_lines": 0}


def _tally(chunk: Chunk, slots: list[Slot]) -> tuple[str, array[int]]:
    """A chunk's first agreement, and its new orders per day packed as (day ordinal, count) pairs."""
    per_day = Counter(slot.day.toordinal() for slot in slots if slot.existing is None)
    return chunk.first, array("q", [n for day in sorted(per_day) for n in (day, per_day[day])])


@dataclass
class _Survey:
    """What each chunk makes: its tally, how many visits, the warnings of its lines."""

    chunks: list[tuple[str, array[int]]] = field(default_factory=list)
    visits: int = 0
    warnings: list[str] = field(default_factory=list)

    def per_day(self) -> dict[date, int]:
        """The run's new orders per day, the earliest day first."""
        totals: Counter[int] = Counter()
        for _first, packed in self.chunks:
            for i in range(0, len(packed), 2):
                totals[packed[i]] += packed[i + 1]
        return {date.fromordinal(day): totals[day] for day in sorted(totals)}


class _Changed(Exception):
    """Under the write lock a chunk makes other orders than the survey counted."""


#: a run that makes at least this many orders refreshes the planner's statistics of what it wrote
ANALYZE_AFTER = 10_000


def generate(
    ctx: Context,
    *,
    agreement: str | None,
    date_from: date,
    date_to: date,
    dry_run: bool = False,
    listing: bool = True,
) -> dict[str, Any]:
    """Create the service orders that agreements call for in ``[date_from, date_to]``.

    Returns the orders created (and lines added to existing orders) and warnings. ``dry_run``: the
    same plan, with the order numbers it would take, and nothing written. ``listing=False``: the
    counts and warnings only (``orders`` is empty), so that a big run keeps nothing of what it wrote.

    The run thinks first: which visits are missing and how many orders they make is worked out in a
    read transaction, outside the write lock; then, holding it, each chunk is planned again from what
    is there now (dropping what another run made meanwhile) and written."""
    if date_to < date_from:
        raise InvalidInput("to", date_to.isoformat(), f"is before --from {date_from.isoformat()}")
    period = (agreement, date_from, date_to)
    with ctx.reading() as reader:
        if agreement:
            head = get(reader, agreement)
            if head.template or head.suspended:
                what = "a template" if head.template else "suspended"
                return _nothing([f"agreement {agreement} is {what}; it generates nothing"])
        survey = _survey(reader, period)
        if not survey.visits:
            return _nothing(survey.warnings)
        if dry_run:
            return _run(reader, period, survey, dry_run=True, listing=listing)
    try:
        with ctx.session.begin_nested():
            return _run(ctx, period, survey, dry_run=False, listing=listing)
    except _Changed:
        survey = _survey(ctx, period, lock=True)
        if not survey.visits:
            return _nothing(survey.warnings)
        return _run(ctx, period, survey, dry_run=False, listing=listing)


def _planned_chunks(ctx: Context, period: tuple[Any, date, date], *, lock: bool = False) -> Any:
    """Each chunk of the run with its missing visits and the slots they go on (new or existing orders)."""
    agreement, date_from, date_to = period
    ids = generating_ids(ctx, agreement, date_from, date_to, lock=lock)
    for chunk in chunks(ctx, ids, date_from, date_to):
        wanted = missing_visits(ctx, chunk, date_from, date_to)
        yield chunk, wanted, _slots(ctx, chunk, wanted)


def _survey(ctx: Context, period: tuple[Any, date, date], *, lock: bool = False) -> _Survey:
    survey = _Survey()
    for chunk, wanted, slots in _planned_chunks(ctx, period, lock=lock):
        survey.warnings.extend(wanted.warnings)
        survey.visits += len(wanted.visits)
        survey.chunks.append(_tally(chunk, slots))
    return survey


def _run(
    ctx: Context, period: tuple[Any, date, date], survey: _Survey, *, dry_run: bool, listing: bool
) -> dict[str, Any]:
    """Plan and write chunk by chunk, numbering as the survey counted: by day, then combine key."""
    per_day = survey.per_day()
    number = reserve(ctx, sum(per_day.values()), dry_run=dry_run)
    first, position = {}, 0
    for day, count in per_day.items():
        first[day], position = position, position + count
    writer = Writer(ctx, number, dict(first), dry_run=dry_run, listing=listing)
    warnings: list[str] = []
    index = -1
    for index, (chunk, wanted, slots) in enumerate(_planned_chunks(ctx, period, lock=not dry_run)):
        if index >= len(survey.chunks) or _tally(chunk, slots) != survey.chunks[index]:
            raise _Changed
        warnings.extend(wanted.warnings)
        writer.write(chunk.agreements, slots)
    if index + 1 != len(survey.chunks):
        raise _Changed
    if not dry_run and writer.created_orders >= ANALYZE_AFTER:
        analyze(ctx.connection(), ["service_order", "order_line", "order_sla", "sla_log"])
    planned = sorted(writer.planned, key=lambda p: (p.day, str((p.agreement, p.key))))
    return {
        "orders": [p.as_dict() for p in planned],
        "warnings": warnings + writer.closed_days(first, per_day),
        "created_orders": writer.created_orders,
        "created_lines": writer.created_lines,
    }


def _slots(ctx: Context, chunk: Chunk, wanted: Wanted) -> list[Slot]:
    """The chunk's visits on orders: on open orders in their windows, else on as few new ones as may be."""
    if not wanted.visits:
        return []
    lo, hi = min(v.lo for v in wanted.visits), max(v.hi for v in wanted.visits)
    return combine(wanted.visits, _joinable_orders(ctx, list(chunk.agreements), lo, hi))


def _joinable_orders(ctx: Context, agreement_ids: Sequence[str], lo: date, hi: date) -> list[tuple[Any, date, str]]:
    """Generated orders of the agreements still open to new lines: (group key, date, order number)."""
    modifiable = select(Stage.stage).where(Stage.can_modify.is_(True), Stage.cancels.is_(False))
    posted = select(OrderLine.id).where(OrderLine.order_number == ServiceOrder.number, OrderLine.status == "posted")
    query = select(
        ServiceOrder.agreement, ServiceOrder.group_key, ServiceOrder.service_date, ServiceOrder.number
    ).where(
        ServiceOrder.group_key.is_not(None),
        ServiceOrder.service_date >= lo,
        ServiceOrder.service_date <= hi,
        ServiceOrder.stage.in_(modifiable),
        ~posted.exists(),
    )
    rows = select_in(ctx, query, ServiceOrder.agreement, agreement_ids)
    return [((agr, key), day, number) for agr, key, day, number in rows]
