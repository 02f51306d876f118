"""The SLA clock of each order: started when the order is created, paused and resumed by its stages,
responded and resolved; kept in the order's SLA log.

The clock itself is pure (``custsvc.domain.sla``); this module feeds it the order's log and keeps a
few results on ``order_sla`` (deadlines, business seconds, outcome) so reports need no arithmetic.
It hears of orders through the lifecycle events (see ``hooks``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import insert, select

from custsvc.context import Context
from custsvc.domain.sla import Clock, ClockState, evaluate, pauses_from_log, stored_outcome
from custsvc.domain.timeparse import localize
from custsvc.models import OrderSla, ServiceOrder, SlaLog, Stage
from custsvc.services import calendars, settings, stages
from custsvc.services.sla.definitions import get, resolve, target_for, targets


def clock_start(ctx: Context, calendar: str, created: datetime, visit: date | None) -> datetime:
    """Creation; for an order generated ahead of its visit, the start of the visit's day (calendar zone)."""
    if visit is None:
        return created
    tz = calendars.business_calendar(ctx, calendar).tz
    return max(created, localize(datetime.combine(visit, time()), tz).astimezone(UTC))


def _chosen_slas(ctx: Context, orders: Sequence[Any]) -> dict[str, str]:
    """The SLA of each new order (those that get none are left out), resolved once per customer and agreement."""
    chosen: dict[str, str] = {}
    resolved: dict[tuple[str, str | None], str | None] = {}
    for order in orders:
        if order.sla:
            code: str | None = resolve(ctx, customer=order.customer, agreement=order.agreement, explicit=order.sla)
        else:
            pair = (order.customer, order.agreement)
            if pair not in resolved:
                resolved[pair] = resolve(ctx, customer=order.customer, agreement=order.agreement)
            code = resolved[pair]
        if code is not None:
            chosen[order.number] = code
    return chosen


def start_clocks(ctx: Context, orders: Sequence[Any]) -> None:
    """Fix the SLA and its targets on new orders (``NewOrder``s) and start their clocks, in bulk:
    one order made by hand, or thousands generated from agreements."""
    chosen = _chosen_slas(ctx, orders)
    if not chosen:
        return
    terms: dict[tuple[str, str], tuple[str, int, int]] = {}
    deadlines: dict[tuple[str, str, datetime], tuple[datetime | None, datetime | None]] = {}
    sla_rows, log_rows = [], []
    for order in orders:
        code = chosen.get(order.number)
        if code is None:
            continue
        if (code, order.priority) not in terms:
            terms[(code, order.priority)] = (get(ctx, code).calendar, *target_for(targets(ctx, code), order.priority))
        calendar, response, resolution = terms[(code, order.priority)]
        started = clock_start(ctx, calendar, order.created_at, order.visit_date)
        key = (code, order.priority, started)
        if key not in deadlines:  # the same for every order of one SLA, priority and start
            business = calendars.business_calendar(ctx, calendar)
            deadlines[key] = (business.add(started, response), business.add(started, resolution))
        sla_rows.append(
            {
                "order_number": order.number,
                "sla": code,
                "calendar": calendar,
                "priority": order.priority,
                "started_at": started,
                "response_target": response,
                "resolution_target": resolution,
                "paused_seconds": 0,
                "outcome": "open",
                "response_due": deadlines[key][0],
                "resolution_due": deadlines[key][1],
            }
        )
        log_rows.append(
            {"order_number": order.number, "at": started, "event": "start", "actor": ctx.actor, "note": f"SLA {code}"}
        )
    connection = ctx.connection()
    connection.execute(insert(OrderSla.__table__), sla_rows)  # type: ignore[attr-defined]
    connection.execute(insert(SlaLog.__table__), log_rows)  # type: ignore[attr-defined]


def log_event(ctx: Context, number: str, event: str, reason: str | None = None, note: str | None = None) -> None:
    ctx.add(SlaLog(order_number=number, at=ctx.now, event=event, actor=ctx.actor, reason=reason, note=note))
    ctx.flush()


def order_sla(ctx: Context, number: str) -> OrderSla | None:
    return ctx.get(OrderSla, number)


def clock_of(ctx: Context, row: OrderSla, events: Sequence[tuple[datetime, str]] | None = None) -> Clock:
    if events is None:
        events = ctx.execute(
            select(SlaLog.at, SlaLog.event).where(SlaLog.order_number == row.order_number).order_by(SlaLog.id)
        ).all()
    return Clock(
        start=row.started_at,
        response_target=row.response_target,
        resolution_target=row.resolution_target,
        responded_at=row.responded_at,
        resolved_at=row.resolved_at,
        canceled_at=row.canceled_at,
        pauses=pauses_from_log([(at, event) for at, event in events]),
    )


def at_risk_share(ctx: Context) -> float:
    return int(settings.get(ctx, "sla_at_risk_pct")) / 100


def state_of(
    ctx: Context, row: OrderSla, now: datetime | None = None, events: Sequence[tuple[datetime, str]] | None = None
) -> ClockState:
    calendar = calendars.business_calendar(ctx, row.calendar)
    return evaluate(calendar, clock_of(ctx, row, events), now or ctx.now, at_risk_share(ctx))


def refresh(ctx: Context, number: str) -> None:
    """Recompute what ``order_sla`` keeps from the log, as of now."""
    row = order_sla(ctx, number)
    if row is None:
        return
    state = state_of(ctx, row)
    row.response_due, row.resolution_due = state.response.due, state.resolution.due
    row.response_seconds = round(state.response.seconds) if state.response.done_at else None
    row.resolution_seconds = round(state.resolution.seconds) if state.resolution.done_at else None
    row.paused_seconds = round(state.paused_seconds)
    open_pause = next((a for a, b in state.pauses if b is None), None)
    row.paused_since = open_pause if state.paused else None
    row.outcome = stored_outcome(
        state,
        canceled=row.canceled_at is not None,
        resolved=row.resolved_at is not None,
        responded=row.responded_at is not None,
    )
    ctx.flush()


def _pause_or_resume(ctx: Context, number: str, before: Stage, after: Stage, reason: str | None) -> None:
    if after.stops_clock and not before.stops_clock:
        log_event(ctx, number, "pause", reason, note=f"stage {after.stage}")
    elif before.stops_clock and not after.stops_clock:
        log_event(ctx, number, "resume", reason, note=f"stage {after.stage}")


def _resolve_or_reopen(ctx: Context, row: OrderSla, before: Stage, after: Stage, reason: str | None) -> None:
    if after.resolves and row.resolved_at is None:
        row.resolved_at = ctx.now
        row.responded_at = row.responded_at or ctx.now
        log_event(ctx, row.order_number, "resolve", reason, note=f"stage {after.stage}")
    elif before.resolves and not after.resolves and row.resolved_at is not None:
        row.resolved_at = None
        log_event(ctx, row.order_number, "reopen", reason, note=f"back to stage {after.stage}")


def on_stage_change(ctx: Context, order: ServiceOrder, before: Stage, after: Stage, reason: str | None) -> None:
    """What a stage change means for the clock: response, pause / resume, resolution, re-opening, cancel."""
    row = order_sla(ctx, order.number)
    if row is None:
        return
    if after.cancels:
        if row.canceled_at is None:
            row.canceled_at = ctx.now
            log_event(ctx, order.number, "cancel", reason)
    else:
        if before.stage == stages.initial(ctx).stage and row.responded_at is None:
            row.responded_at = ctx.now
            log_event(ctx, order.number, "respond", note=f"left stage {before.stage}")
        _pause_or_resume(ctx, order.number, before, after, reason)
        _resolve_or_reopen(ctx, row, before, after, reason)
    refresh(ctx, order.number)


def missed_target(ctx: Context, order: ServiceOrder, current: Stage, reason: str | None) -> str | None:
    """Moving on from a stage marked requires-reason with a missed target needs a reason code: the
    refusal's message, or None."""
    if not current.requires_reason or reason:
        return None
    row = order_sla(ctx, order.number)
    if row is None:
        return None
    state = state_of(ctx, row)
    if "breached" in (state.response.state, state.resolution.state):
        return (
            f"{order.number} missed its SLA target; moving it on from {current.stage!r} needs a reason code (--reason)"
        )
    return None


def on_sign_off(ctx: Context, number: str) -> None:
    row = order_sla(ctx, number)
    if row is None or row.resolved_at is not None or row.canceled_at is not None:
        return
    row.resolved_at = ctx.now
    row.responded_at = row.responded_at or row.resolved_at
    log_event(ctx, number, "resolve", note="signed off")
    refresh(ctx, number)
