"""SLA reports: compliance per customer, tier, technician, priority or SLA; breaches; orders at risk."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from custsvc.context import Context
from custsvc.domain.sla import outcome_as_of
from custsvc.domain.timeparse import format_duration, localize, parse_duration
from custsvc.errors import InvalidInput, choice
from custsvc.models import (
    Customer,
    OrderSla,
    ServiceOrder,
)
from custsvc.services.sla.status import states_of


@dataclass
class _Group:
    orders: int = 0
    met: int = 0
    breached: int = 0
    open: int = 0
    canceled: int = 0
    responses: list[int] | None = None
    resolutions: list[int] | None = None


def _percentile(values: list[int], pct: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * pct
    low, high = math.floor(k), math.ceil(k)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def outcome_now(row: Any, now: datetime) -> str:
    """The outcome of an ``order_sla`` row as of ``now`` (see ``domain.sla.outcome_as_of``)."""
    return outcome_as_of(
        row.outcome,
        now,
        paused_since=row.paused_since,
        response_due=row.response_due,
        responded_at=row.responded_at,
        resolution_due=row.resolution_due,
    )


def _period(ctx: Context, first: date, last: date) -> tuple[datetime, datetime]:
    tz = ctx.tz
    lo = localize(datetime.combine(first, time()), tz).astimezone(UTC)
    hi = localize(datetime.combine(last + timedelta(days=1), time()), tz).astimezone(UTC)
    return lo, hi


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


def _group_row(by: str, key: str, g: _Group) -> dict[str, Any]:
    decided = g.met + g.breached
    responses, resolutions = g.responses or [], g.resolutions or []
    return {
        by: key,
        "orders": g.orders,
        "met": g.met,
        "breached": g.breached,
        "open": g.open,
        "canceled": g.canceled,
        "compliance_pct": round(100 * g.met / decided, 1) if decided else None,
        "mean_response_seconds": _round(sum(responses) / len(responses)) if responses else None,
        "p90_response_seconds": _round(_percentile(responses, 0.9)),
        "mean_resolution_seconds": _round(sum(resolutions) / len(resolutions)) if resolutions else None,
        "p90_resolution_seconds": _round(_percentile(resolutions, 0.9)),
    }


def report(ctx: Context, first: date, last: date, by: str) -> list[dict[str, Any]]:
    """Per group: orders created in the period with an SLA, met, breached, open, compliance and times."""
    by = choice(by, tuple(REPORT_COLUMNS), "by")
    if last < first:
        raise InvalidInput("to", last.isoformat(), f"is before --from {first.isoformat()}")
    lo, hi = _period(ctx, first, last)
    kept = (OrderSla.outcome, OrderSla.paused_since, OrderSla.response_due, OrderSla.resolution_due)
    kept += (OrderSla.responded_at, OrderSla.response_seconds, OrderSla.resolution_seconds)
    query = (
        select(REPORT_COLUMNS[by], *kept)
        .join(ServiceOrder, ServiceOrder.number == OrderSla.order_number)
        .where(ServiceOrder.created_at >= lo, ServiceOrder.created_at < hi)
    )
    if by == "tier":
        query = query.join(Customer, Customer.account == ServiceOrder.customer)
    groups: dict[str, _Group] = defaultdict(lambda: _Group(responses=[], resolutions=[]))
    for row in ctx.execute(query):
        group = groups[row[0] or "-"]
        group.orders += 1
        outcome = outcome_now(row, ctx.now)
        setattr(group, outcome, getattr(group, outcome) + 1)
        if row.response_seconds is not None:
            group.responses.append(row.response_seconds)  # type: ignore[union-attr]
        if row.resolution_seconds is not None:
            group.resolutions.append(row.resolution_seconds)  # type: ignore[union-attr]
    return [_group_row(by, key, groups[key]) for key in sorted(groups)]


def _round(value: float | None) -> int | None:
    return None if value is None else round(value)


#: every field of a row of ``breaches``
BREACH_FIELDS = (
    "order", "customer", "technician", "priority", "sla", "target", "due", "done_at", "late_seconds", "late",
    "still_open",
)  # fmt: skip


def breaches(ctx: Context, first: date | None, last: date | None) -> list[dict[str, Any]]:
    """Orders that missed a target (created in the period, if given), latest breach first."""
    now = ctx.now
    query = select(OrderSla, ServiceOrder.customer, ServiceOrder.technician).join(
        ServiceOrder, ServiceOrder.number == OrderSla.order_number
    )
    query = query.where(OrderSla.outcome.in_(["breached", "open"]))
    if first or last:
        lo, hi = _period(ctx, first or date(1970, 1, 1), last or date(9999, 12, 30))
        query = query.where(ServiceOrder.created_at >= lo, ServiceOrder.created_at < hi)
    found = [
        (row, customer, technician)
        for row, customer, technician in ctx.execute(query)
        if outcome_now(row, now) == "breached"
    ]
    states = states_of(ctx, [row for row, _c, _t in found])
    out = []
    for row, customer, technician in found:
        state = states[row.order_number]
        for target in (state.response, state.resolution):
            if target.state != "breached":
                continue
            late = target.seconds - target.target  # business time beyond the target, to the event or to now
            out.append(
                {
                    "order": row.order_number,
                    "customer": customer,
                    "technician": technician,
                    "priority": row.priority,
                    "sla": row.sla,
                    "target": target.name,
                    "due": target.due,
                    "done_at": target.done_at,
                    "late_seconds": round(late),
                    "late": format_duration(late),
                    "still_open": target.done_at is None,
                }
            )
    out.sort(key=lambda r: r["due"] or now, reverse=True)
    return out


#: every field of a row of ``at_risk``
AT_RISK_FIELDS = (
    "order", "customer", "technician", "stage", "priority", "sla", "target", "due", "time_left_seconds", "time_left",
    "status",
)  # fmt: skip


def at_risk(ctx: Context, within: str) -> list[dict[str, Any]]:
    """Open orders with a deadline within ``within`` of business time from now, soonest first."""
    limit = parse_duration(within, "within").total_seconds()
    query = (
        select(OrderSla, ServiceOrder.customer, ServiceOrder.technician, ServiceOrder.stage)
        .join(ServiceOrder, ServiceOrder.number == OrderSla.order_number)
        .where(OrderSla.outcome == "open", OrderSla.paused_since.is_(None))
    )
    found = ctx.execute(query).all()
    states = states_of(ctx, [row for row, *_rest in found])
    out = []
    for row, customer, technician, stage in found:
        state = states[row.order_number]
        for target in (state.response, state.resolution):
            if target.state == "pending" and target.remaining is not None and target.remaining <= limit:
                out.append(
                    {
                        "order": row.order_number,
                        "customer": customer,
                        "technician": technician,
                        "stage": stage,
                        "priority": row.priority,
                        "sla": row.sla,
                        "target": target.name,
                        "due": target.due,
                        "time_left_seconds": round(target.remaining),
                        "time_left": format_duration(target.remaining),
                        "status": state.status,
                    }
                )
                break
    out.sort(key=lambda r: (r["due"], r["order"]))
    return out
