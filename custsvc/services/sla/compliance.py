"""``sla report``: compliance per customer, tier, technician, priority or SLA, as SQL aggregates.

Each order keeps its outcome and the business seconds it took (``order_sla``, written when they
become known), so the report is a grouping in the database: one query for the counts, means and (on
PostgreSQL) the 90th percentiles; SQLite, which has no percentile function, adds one lean scan of the
two durations. Two statements at most, whatever the number of orders.
An open order is judged as of now in the same query (``outcome_sql``, the SQL twin of
``domain.sla.outcome_as_of``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select

from custsvc.context import Context
from custsvc.domain.timeparse import day_start
from custsvc.errors import InvalidInput, choice
from custsvc.models import Customer, OrderSla, ServiceOrder

REPORT_COLUMNS = {
    "customer": ServiceOrder.customer,
    "tier": Customer.tier,
    "technician": ServiceOrder.technician,
    "priority": OrderSla.priority,
    "sla": OrderSla.sla,
}

#: the fields of a row of ``report`` after the one it is grouped by (``customer``, ``tier`` ...)
REPORT_FIELDS = (
    "orders", "met", "breached", "open", "canceled", "compliance_pct",
    "mean_response_seconds", "p90_response_seconds", "mean_resolution_seconds", "p90_resolution_seconds",
)  # fmt: skip

OUTCOMES = ("met", "breached", "open", "canceled")


def period(ctx: Context, first: date, last: date) -> tuple[datetime, datetime]:
    """The UTC bounds of the local days ``first`` to ``last`` (the end excluded)."""
    return day_start(first, ctx.tz), day_start(last + timedelta(days=1), ctx.tz)


def outcome_sql(now: datetime) -> Any:
    """met | breached | open | canceled as of ``now``, computed by the database from the kept row:
    an open order breaches when a deadline not met passed (before the pause began, while paused)."""

    def passed(due: Any) -> Any:
        return or_(
            and_(OrderSla.paused_since.is_(None), due < now),
            and_(OrderSla.paused_since.is_not(None), due < OrderSla.paused_since),
        )

    return case(
        (OrderSla.outcome != "open", OrderSla.outcome),
        (and_(OrderSla.response_due.is_not(None), OrderSla.responded_at.is_(None), passed(OrderSla.response_due)),
         literal("breached")),
        (and_(OrderSla.resolution_due.is_not(None), passed(OrderSla.resolution_due)), literal("breached")),
        else_=literal("open"),
    )  # fmt: skip


def _scope(query: Any, by: str, lo: datetime, hi: datetime) -> Any:
    query = query.join(ServiceOrder, ServiceOrder.number == OrderSla.order_number).where(
        ServiceOrder.created_at >= lo, ServiceOrder.created_at < hi
    )
    if by == "tier":
        query = query.join(Customer, Customer.account == ServiceOrder.customer)
    return query


def percentile(ordered: list[int], share: int) -> float | None:
    """The ``share``-th percentile (in tenths: 9 is the 90th) of sorted values, interpolated between
    the two nearest ranks (as numpy's default and PostgreSQL's ``percentile_cont`` do), exactly."""
    if not ordered:
        return None
    low, rest = divmod((len(ordered) - 1) * share, 10)
    if not rest:
        return float(ordered[low])
    return ordered[low] + (ordered[low + 1] - ordered[low]) * rest / 10


def _percentiles_scanned(ctx: Context, by: str, lo: datetime, hi: datetime) -> dict[Any, tuple[Any, Any]]:
    """(90th percentile of the response, of the resolution) per group, from one lean scan of the two
    integer columns (SQLite has no percentile function; sorting integers here is cheaper than two
    window functions there)."""
    key = REPORT_COLUMNS[by]
    query = _scope(select(key, OrderSla.response_seconds, OrderSla.resolution_seconds), by, lo, hi)
    values: dict[Any, tuple[list[int], list[int]]] = {}
    for group, response, resolution in ctx.connection().execute(query):
        found = values.get(group)
        if found is None:
            found = values[group] = ([], [])
        if response is not None:
            found[0].append(response)
        if resolution is not None:
            found[1].append(resolution)
    return {group: (percentile(sorted(a), 9), percentile(sorted(b), 9)) for group, (a, b) in values.items()}


def _round(value: Any) -> int | None:
    return None if value is None else round(float(value))


def report(ctx: Context, first: date, last: date, by: str) -> list[dict[str, Any]]:
    """Per group: orders created in the period with an SLA, met, breached, open, canceled, compliance,
    mean and 90th-percentile response and resolution (business seconds)."""
    by = choice(by, tuple(REPORT_COLUMNS), "by")
    if last < first:
        raise InvalidInput("to", last.isoformat(), f"is before --from {first.isoformat()}")
    lo, hi = period(ctx, first, last)
    outcome = outcome_sql(ctx.now)
    key = REPORT_COLUMNS[by]
    counts = [func.sum(case((outcome == name, 1), else_=0)).label(name) for name in OUTCOMES]
    columns = [
        key.label("key"),
        func.count().label("orders"),
        *counts,
        func.avg(OrderSla.response_seconds).label("mean_response"),
        func.avg(OrderSla.resolution_seconds).label("mean_resolution"),
    ]
    in_sql = ctx.dialect == "postgresql"
    if in_sql:  # the database ranks too
        for name, column in (
            ("p90_response", OrderSla.response_seconds),
            ("p90_resolution", OrderSla.resolution_seconds),
        ):
            columns.append(func.percentile_cont(0.9).within_group(column).label(name))
    rows = ctx.connection().execute(_scope(select(*columns), by, lo, hi).group_by(key)).all()
    if not rows:
        return []
    if in_sql:
        p90 = {row.key: (row.p90_response, row.p90_resolution) for row in rows}
    else:
        p90 = _percentiles_scanned(ctx, by, lo, hi)
    out = []
    for row in rows:
        met, breached = int(row.met or 0), int(row.breached or 0)
        decided = met + breached
        out.append(
            {
                by: row.key or "-",
                "orders": row.orders,
                "met": met,
                "breached": breached,
                "open": int(row.open or 0),
                "canceled": int(row.canceled or 0),
                "compliance_pct": round(100 * met / decided, 1) if decided else None,
                "mean_response_seconds": _round(row.mean_response),
                "p90_response_seconds": _round(p90.get(row.key, (None, None))[0]),
                "mean_resolution_seconds": _round(row.mean_resolution),
                "p90_resolution_seconds": _round(p90.get(row.key, (None, None))[1]),
            }
        )
    return sorted(out, key=lambda r: r[by])
