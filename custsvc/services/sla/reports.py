"""SLA reports: compliance per customer, tier, technician, priority or SLA; breaches; orders at risk."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from custsvc.context import Context
from custsvc.domain.sla import Target
from custsvc.domain.timeparse import format_duration, parse_duration
from custsvc.models import OrderSla, ServiceOrder
from custsvc.services.sla.compliance import outcome_sql, period
from custsvc.services.sla.status import states_of

#: every field of a row of ``breaches``
BREACH_FIELDS = (
    "order", "customer", "technician", "priority", "sla", "target", "due", "done_at", "late_seconds", "late",
    "still_open",
)  # fmt: skip


def _kept_targets(row: Any) -> list[Target]:
    """The response and resolution of a resolved clock as kept with it (deadlines, times, business
    seconds): nothing changes them any more, so nothing is evaluated again."""
    out = []
    for name, target, due, done, seconds in (
        ("response", row.response_target, row.response_due, row.responded_at or row.resolved_at, row.response_seconds),
        ("resolution", row.resolution_target, row.resolution_due, row.resolved_at, row.resolution_seconds),
    ):
        state = "breached" if due is not None and done > due else "met"
        out.append(Target(name, target, due, done, float(seconds or 0), 0.0, state, None))
    return out


def breaches(ctx: Context, first: date | None, last: date | None) -> list[dict[str, Any]]:
    """Orders that missed a target (created in the period, if given), latest breach first. The
    database judges which orders breached; a resolved one is read as kept, a running one evaluated."""
    now = ctx.now
    columns = (*OrderSla.__table__.columns, ServiceOrder.customer, ServiceOrder.technician)  # type: ignore[attr-defined]
    query = select(*columns).join(ServiceOrder, ServiceOrder.number == OrderSla.order_number)
    query = query.where(OrderSla.outcome.in_(["breached", "open"]), outcome_sql(now) == "breached")
    if first or last:
        lo, hi = period(ctx, first or date(1970, 1, 1), last or date(9999, 12, 30))
        query = query.where(ServiceOrder.created_at >= lo, ServiceOrder.created_at < hi)
    found = ctx.connection().execute(query).all()
    states = states_of(ctx, [row for row in found if row.resolved_at is None])
    out = []
    for row in found:
        state = states.get(row.order_number)
        targets = (state.response, state.resolution) if state is not None else _kept_targets(row)
        for target in targets:
            if target.state != "breached":
                continue
            late = target.seconds - target.target  # business time beyond the target, to the event or to now
            out.append(
                {
                    "order": row.order_number,
                    "customer": row.customer,
                    "technician": row.technician,
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
