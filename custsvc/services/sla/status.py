"""Reading the clock: an order's status and time left, for one order or many at once, and the
explanation of how each deadline follows from the log."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from custsvc.context import Context
from custsvc.domain.checks import check_text
from custsvc.domain.sla import ClockState
from custsvc.domain.timeparse import format_duration
from custsvc.errors import NotFound, RuleViolation
from custsvc.models import (
    OrderSla,
    ServiceOrder,
    SlaLog,
)
from custsvc.services import calendars, stages
from custsvc.services.batch import select_in
from custsvc.services.sla.clock import log_event, order_sla, refresh, state_of


def _seconds(value: float | None) -> int | None:
    return None if value is None else round(value)


def status_record(number: str, row: OrderSla, state: ClockState) -> dict[str, Any]:
    # business time to the first target not done yet (the response, then the resolution): negative when
    # that target is missed, so a breach is never shown with time left to the same target
    current = next(
        (t for t in (state.response, state.resolution) if t.done_at is None and t.remaining is not None), None
    )
    if state.status == "canceled":
        current = None
    left = current.remaining if current is not None else None
    return {
        "order": number,
        "sla": row.sla,
        "calendar": row.calendar,
        "priority": row.priority,
        "started_at": row.started_at,
        "response_target_seconds": row.response_target,
        "resolution_target_seconds": row.resolution_target,
        "response_due": state.response.due,
        "resolution_due": state.resolution.due,
        "responded_at": row.responded_at or row.resolved_at,
        "resolved_at": row.resolved_at,
        "response_seconds": _seconds(state.response.seconds),
        "resolution_seconds": _seconds(state.resolution.seconds),
        "paused_seconds": _seconds(state.paused_seconds),
        "response_status": state.response.state,
        "resolution_status": state.resolution.state,
        "compliance_pct": state.compliance_pct,
        "status": state.status,
        "paused": state.paused,
        "time_left_seconds": _seconds(left),
        # to the minute for people (the seconds are in time_left_seconds)
        "time_left": format_duration(round(left / 60) * 60) if left is not None else None,
        "time_left_for": current.name if current is not None else None,
    }


def status(ctx: Context, number: str) -> dict[str, Any]:
    row = require_clock(ctx, number)
    return status_record(number, row, state_of(ctx, row))


def log_entries(ctx: Context, number: str) -> list[dict[str, Any]]:
    rows = ctx.execute(select(SlaLog).where(SlaLog.order_number == number).order_by(SlaLog.at, SlaLog.id)).scalars()
    return [{"at": r.at, "event": r.event, "actor": r.actor, "reason": r.reason, "note": r.note} for r in rows]


def states_of(ctx: Context, rows: Sequence[Any]) -> dict[str, ClockState]:
    """``state_of`` for many orders, their logs read in one query per 900 orders."""
    events: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    query = select(SlaLog.order_number, SlaLog.at, SlaLog.event).order_by(SlaLog.id)
    for number, at, event in select_in(ctx, query, SlaLog.order_number, [row.order_number for row in rows], core=True):
        events[number].append((at, event))
    return {row.order_number: state_of(ctx, row, events=events[row.order_number]) for row in rows}


def summaries(ctx: Context, numbers: Sequence[str]) -> dict[str, dict[str, Any]]:
    """SLA, status and time left for many orders (for order list / show). A clock that has ended
    (resolved or canceled) is read as kept (its outcome, its last deadline); only running clocks are
    evaluated, with their logs read in bulk."""
    kept = (OrderSla.order_number, OrderSla.sla, OrderSla.outcome, OrderSla.resolution_due)
    ended = OrderSla.resolved_at.is_not(None) | OrderSla.canceled_at.is_not(None)
    out = {
        number: {
            "sla": code,
            "sla_status": outcome,
            "time_left": None,
            "time_left_seconds": None,
            "time_left_for": None,
            "resolution_due": due,
        }
        for number, code, outcome, due in select_in(
            ctx, select(*kept).where(ended), OrderSla.order_number, numbers, core=True
        )
    }
    query = select(*OrderSla.__table__.columns).where(~ended)  # type: ignore[attr-defined]
    running = list(select_in(ctx, query, OrderSla.order_number, numbers, core=True))
    states = states_of(ctx, running)
    for row in running:
        record = status_record(row.order_number, row, states[row.order_number])
        out[row.order_number] = {
            "sla": row.sla,
            "sla_status": record["status"],
            "time_left": record["time_left"],
            "time_left_seconds": record["time_left_seconds"],
            "time_left_for": record["time_left_for"],
            "resolution_due": record["resolution_due"],
        }
    return out


def explain(ctx: Context, number: str) -> dict[str, Any]:
    """Every interval that counted or was paused, with its business seconds, and how each deadline follows."""
    row = require_clock(ctx, number)
    state = state_of(ctx, row)
    calendar = calendars.business_calendar(ctx, row.calendar)
    now = ctx.now
    end = row.resolved_at or row.canceled_at or now
    points = sorted(
        {
            row.started_at,
            end,
            *(p for a, b in state.pauses for p in (a, b) if p is not None and row.started_at < p < end),
        }
    )
    intervals = []
    for a, b in zip(points, points[1:], strict=False):
        paused = any(pa <= a and (pb is None or b <= pb) for pa, pb in state.pauses)
        seconds = calendar.seconds(a, b)
        intervals.append(
            {
                "from": a,
                "to": b,
                "clock": "paused" if paused else "counted",
                "business_seconds": round(seconds),
                "business_time": format_duration(seconds),
            }
        )
    lines = []
    for target in (state.response, state.resolution):
        paused = target.paused_seconds
        if target.due is None:
            lines.append(f"{target.name} due: none yet (the clock is paused with no end)")
            continue
        lines.append(
            f"{target.name} due {ctx.when(target.due)}: start {ctx.when(row.started_at)} + target "
            f"{format_duration(target.target)} of business time + {format_duration(paused)} paused "
            f"({target.state})"
        )
    return {
        **status_record(number, row, state),
        "intervals": intervals,
        "derivation": lines,
        "log": log_entries(ctx, number),
    }


# --- stopping and starting by hand -----------------------------------------------------------


def require_clock(ctx: Context, number: str) -> OrderSla:
    order = ctx.get(ServiceOrder, number)
    if order is None:
        raise NotFound("service order", number)
    row = order_sla(ctx, number)
    if row is None:
        raise RuleViolation("order-has-sla", f"{number} has no SLA")
    return row


def respond(ctx: Context, number: str, note: str | None = None) -> dict[str, Any]:
    note = check_text(note, "note") if note else None
    row = require_clock(ctx, number)
    if row.canceled_at is not None:
        raise RuleViolation("clock-running", f"the clock of {number} has ended: the order is canceled")
    if row.responded_at is not None:
        raise RuleViolation("respond-once", f"{number} was already responded to at {ctx.when(row.responded_at)}")
    row.responded_at = ctx.now
    log_event(ctx, number, "respond", note=note or "manual")
    refresh(ctx, number)
    return status(ctx, number)


def stop(ctx: Context, number: str, reason: str, note: str | None = None) -> dict[str, Any]:
    note = check_text(note, "note") if note else None
    row = require_clock(ctx, number)
    if row.resolved_at is not None or row.canceled_at is not None:
        raise RuleViolation("clock-running", f"the clock of {number} has ended")
    stages.reason(ctx, reason)
    events = [
        e
        for (e,) in ctx.execute(
            select(SlaLog.event)
            .where(SlaLog.order_number == number, SlaLog.event.in_(["stop", "start"]))
            .order_by(SlaLog.id)
        )
    ]
    if events and events[-1] == "stop":
        raise RuleViolation("clock-running", f"the clock of {number} is already stopped")
    log_event(ctx, number, "stop", reason, note)
    refresh(ctx, number)
    return status(ctx, number)


def start(ctx: Context, number: str, note: str | None = None) -> dict[str, Any]:
    note = check_text(note, "note") if note else None
    require_clock(ctx, number)
    events = [
        e
        for (e,) in ctx.execute(
            select(SlaLog.event)
            .where(SlaLog.order_number == number, SlaLog.event.in_(["stop", "start"]))
            .order_by(SlaLog.id)
        )
    ]
    if not events or events[-1] != "stop":
        raise RuleViolation("clock-stopped", f"the clock of {number} is not stopped (use `sla stop` first)")
    log_event(ctx, number, "start", note=note or "manual")
    refresh(ctx, number)
    return status(ctx, number)
