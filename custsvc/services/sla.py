"""Service-level agreements: definitions, which SLA an order gets, the order's clock and log, reports.

The clock itself is pure (``custsvc.domain.sla``); this module feeds it the order's log and keeps a
few results on ``order_sla`` (deadlines, business seconds, outcome) so reports need no arithmetic.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, insert, or_, select

from custsvc.context import Context
from custsvc.domain.orders import PRIORITIES
from custsvc.domain.sla import Clock, ClockState, evaluate, pauses_from_log
from custsvc.domain.timeparse import format_duration, localize, parse_duration
from custsvc.errors import Duplicate, InvalidInput, NotFound, RuleViolation
from custsvc.models import (
    Agreement,
    Customer,
    OrderSla,
    ServiceOrder,
    Sla,
    SlaAssignment,
    SlaLog,
    SlaTarget,
    Stage,
)
from custsvc.services import calendars, settings, stages
from custsvc.services.master import check_key, check_tag, check_text

SCOPES = ("agreement", "customer", "tier", "default")


# --- definitions ------------------------------------------------------------------------------


def parse_targets(values: Sequence[str], field: str) -> dict[str, int]:
    """``["high=1h", "normal=4h", "8h"]`` -> seconds per priority ("*": every priority without its own)."""
    out: dict[str, int] = {}
    for value in values:
        priority, sep, duration = value.partition("=")
        key = priority.strip().lower() if sep else "*"
        text = duration if sep else value
        if sep and key not in PRIORITIES:
            raise InvalidInput(field, value, "expected PRIORITY=DURATION with high, normal or low, or a bare DURATION")
        seconds = int(parse_duration(text, field).total_seconds())
        if seconds <= 0:
            raise InvalidInput(field, value, "must be longer than zero")
        if key in out:
            raise InvalidInput(field, value, f"gives {'the default' if key == '*' else key} twice")
        out[key] = seconds
    for priority in PRIORITIES:
        if priority not in out and "*" not in out:
            raise InvalidInput(
                field,
                " ".join(values) or "",
                f"no target for priority {priority}: add {priority}=DURATION or a bare DURATION",
            )
    return out


def get(ctx: Context, code: str) -> Sla:
    row = ctx.get(Sla, code)
    if row is None:
        raise NotFound("SLA", code)
    return row


def targets(ctx: Context, code: str) -> dict[str, tuple[int, int]]:
    rows = ctx.execute(select(SlaTarget).where(SlaTarget.sla == code)).scalars()
    return {r.priority: (r.response_seconds, r.resolution_seconds) for r in rows}


def target_for(table: dict[str, tuple[int, int]], priority: str) -> tuple[int, int]:
    return table.get(priority) or table["*"]


def record(ctx: Context, row: Sla) -> dict[str, Any]:
    table = targets(ctx, row.sla)
    applies = ctx.execute(
        select(SlaAssignment.scope, SlaAssignment.key)
        .where(SlaAssignment.sla == row.sla)
        .order_by(SlaAssignment.scope, SlaAssignment.key)
    )
    return {
        "sla": row.sla,
        "calendar": row.calendar,
        "description": row.description,
        "suspended": row.suspended,
        **{f"response_{p}": format_duration(target_for(table, p)[0]) for p in PRIORITIES},
        **{f"resolution_{p}": format_duration(target_for(table, p)[1]) for p in PRIORITIES},
        "targets": {
            p: {"response_seconds": target_for(table, p)[0], "resolution_seconds": target_for(table, p)[1]}
            for p in PRIORITIES
        },
        "applies_to": [scope if scope == "default" else f"{scope} {key}" for scope, key in applies],
        "created_at": row.created_at,
        "created_by": row.created_by,
    }


def add(
    ctx: Context,
    code: str,
    *,
    calendar: str,
    response: Sequence[str],
    resolution: Sequence[str],
    description: str | None = None,
) -> dict[str, Any]:
    key = check_key(code, "sla")
    if ctx.get(Sla, key) is not None:
        raise Duplicate("SLA", key)
    calendars.get(ctx, calendar)
    responses = parse_targets(response, "response")
    resolutions = parse_targets(resolution, "resolution")
    keys = set(responses) | set(resolutions)
    rows = []
    for priority in sorted(keys):
        resp = responses.get(priority) or responses.get("*")
        resol = resolutions.get(priority) or resolutions.get("*")
        if resp is None or resol is None:  # pragma: no cover - parse_targets covers every priority
            continue
        if resp > resol:
            raise InvalidInput(
                "response",
                format_duration(resp),
                f"is longer than the resolution target {format_duration(resol)} ({priority})",
            )
        rows.append({"sla": key, "priority": priority, "response_seconds": resp, "resolution_seconds": resol})
    ctx.add(
        Sla(
            sla=key,
            calendar=calendar,
            description=check_text(description, "description") if description else None,
            created_at=ctx.now,
            created_by=ctx.actor,
        )
    )
    ctx.flush()
    ctx.execute(insert(SlaTarget), rows)
    ctx.flush()
    return record(ctx, get(ctx, key))


def list_slas(ctx: Context) -> list[dict[str, Any]]:
    return [record(ctx, row) for row in ctx.execute(select(Sla).order_by(Sla.sla)).scalars()]


def set_suspended(ctx: Context, code: str, suspended: bool) -> dict[str, Any]:
    row = get(ctx, code)
    row.suspended = suspended
    row.updated_at, row.updated_by = ctx.now, ctx.actor
    ctx.flush()
    return record(ctx, row)


def apply(ctx: Context, code: str, scope: str, key: str | None) -> dict[str, Any]:
    """Make ``code`` the SLA of a customer, a tier, an agreement, or the default (replacing the one there)."""
    get(ctx, code)
    if scope not in SCOPES:
        raise InvalidInput("scope", scope, "expected customer, tier, agreement or default")
    if scope == "default":
        key = ""
    elif not key:
        raise InvalidInput(scope, "", "is required")
    elif scope == "customer" and ctx.get(Customer, key) is None:
        raise NotFound("customer", key)
    elif scope == "agreement" and ctx.get(Agreement, key) is None:
        raise NotFound("agreement", key)
    elif scope == "tier":
        key = check_tag(key, "tier")
    row = ctx.get(SlaAssignment, (scope, key))
    if row is None:
        ctx.add(
            SlaAssignment(scope=scope, key=key, sla=code, created_at=ctx.now, created_by=ctx.actor)
        )
    else:
        row.sla, row.updated_at, row.updated_by = code, ctx.now, ctx.actor
    ctx.flush()
    return {"sla": code, "scope": scope, "key": key or None}


def unapply(ctx: Context, scope: str, key: str | None) -> dict[str, Any]:
    row = ctx.get(SlaAssignment, (scope, "" if scope == "default" else (key or "")))
    if row is None:
        raise NotFound("SLA assignment", f"{scope} {key or ''}".strip())
    out = {"sla": row.sla, "scope": scope, "key": key or None}
    ctx.delete(row)
    ctx.flush()
    return out


def assignments(ctx: Context) -> list[dict[str, Any]]:
    rows = ctx.execute(select(SlaAssignment).order_by(SlaAssignment.scope, SlaAssignment.key)).scalars()
    return [
        {"scope": r.scope, "key": r.key or None, "sla": r.sla, "created_at": r.created_at, "created_by": r.created_by}
        for r in rows
    ]


def resolve(ctx: Context, *, customer: str, agreement: str | None, explicit: str | None = None) -> str | None:
    """The SLA a new order gets: given on the order, its agreement's, its customer's, its tier's, the default.
    Suspended SLAs are passed over."""
    if explicit:
        row = get(ctx, explicit)
        if row.suspended:
            raise RuleViolation("sla-not-suspended", f"SLA {explicit!r} is suspended")
        return explicit
    tier = ctx.execute(select(Customer.tier).where(Customer.account == customer)).scalar()
    wanted = [("agreement", agreement), ("customer", customer), ("tier", tier), ("default", "")]
    found = {
        (a.scope, a.key): a.sla
        for a in ctx.execute(
            select(SlaAssignment).where(
                or_(*(and_(SlaAssignment.scope == s, SlaAssignment.key == k) for s, k in wanted if k is not None))
            )
        ).scalars()
    }
    suspended = set(ctx.execute(select(Sla.sla).where(Sla.suspended.is_(True))).scalars())
    for scope, key in wanted:
        code = found.get((scope, key)) if key is not None else None
        if code and code not in suspended:
            return code
    return None


# --- the clock of an order --------------------------------------------------------------------


def attach(ctx: Context, order: ServiceOrder, explicit: str | None = None) -> None:
    """Fix the SLA and its targets on a new order and start its clock."""
    code = resolve(ctx, customer=order.customer, agreement=order.agreement, explicit=explicit)
    if code is None:
        return
    sla_row = get(ctx, code)
    response, resolution = target_for(targets(ctx, code), order.priority)
    started = clock_start(
        ctx, sla_row.calendar, order.created_at, order.service_date if order.agreement and order.group_key else None
    )
    ctx.add(
        OrderSla(
            order_number=order.number,
            sla=code,
            calendar=sla_row.calendar,
            priority=order.priority,
            started_at=started,
            response_target=response,
            resolution_target=resolution,
        )
    )
    ctx.add(
        SlaLog(order_number=order.number, at=started, event="start", actor=ctx.actor, note=f"SLA {code}")
    )
    ctx.flush()
    refresh(ctx, order.number)


def clock_start(ctx: Context, calendar: str, created: datetime, visit: date | None) -> datetime:
    """Creation; for an order generated ahead of its visit, the start of the visit's day (calendar zone)."""
    if visit is None:
        return created
    day_start = localize(datetime.combine(visit, time()), calendars.business_calendar(ctx, calendar).tz).astimezone(
        UTC
    )
    return max(created, day_start)


def attach_generated(ctx: Context, orders: Sequence[dict[str, Any]]) -> None:
    """``attach`` for many generated orders at once (dicts with number, customer, agreement, priority, service_date)."""
    if not orders:
        return
    now, actor = ctx.now, ctx.actor
    by_agreement: dict[tuple[str, str], str | None] = {}
    sla_rows: list[dict[str, Any]] = []
    log_rows: list[dict[str, Any]] = []
    cache: dict[tuple[str, str], tuple[str, int, int]] = {}
    for order in orders:
        pair = (order["customer"], order["agreement"])
        if pair not in by_agreement:
            by_agreement[pair] = resolve(ctx, customer=order["customer"], agreement=order["agreement"])
        code = by_agreement[pair]
        if code is None:
            continue
        if (code, order["priority"]) not in cache:
            calendar = get(ctx, code).calendar
            cache[(code, order["priority"])] = (calendar, *target_for(targets(ctx, code), order["priority"]))
        calendar, response, resolution = cache[(code, order["priority"])]
        started = clock_start(ctx, calendar, now, order["service_date"])
        sla_rows.append(
            {
                "order_number": order["number"],
                "sla": code,
                "calendar": calendar,
                "priority": order["priority"],
                "started_at": started,
                "response_target": response,
                "resolution_target": resolution,
                "paused_seconds": 0,
                "outcome": "open",
            }
        )
        log_rows.append(
            {"order_number": order["number"], "at": started, "event": "start", "actor": actor, "note": f"SLA {code}"}
        )
    if not sla_rows:
        return
    ctx.execute(insert(OrderSla), sla_rows)
    ctx.execute(insert(SlaLog), log_rows)
    # deadlines: the same for every order of one SLA, priority and start
    computed: dict[tuple[str, str, datetime], dict[str, Any]] = {}
    for row in sla_rows:
        key = (row["sla"], row["priority"], row["started_at"])
        if key not in computed:
            calendar = calendars.business_calendar(ctx, row["calendar"])
            computed[key] = {
                "response_due": calendar.add(row["started_at"], row["response_target"]),
                "resolution_due": calendar.add(row["started_at"], row["resolution_target"]),
            }
    from sqlalchemy import bindparam, update

    table = OrderSla.__table__  # type: ignore[attr-defined]
    ctx.connection().execute(
        update(table)
        .where(table.c.order_number == bindparam("number"))
        .values(response_due=bindparam("rdue"), resolution_due=bindparam("sdue")),
        [
            {
                "number": r["order_number"],
                "rdue": computed[(r["sla"], r["priority"], r["started_at"])]["response_due"],
                "sdue": computed[(r["sla"], r["priority"], r["started_at"])]["resolution_due"],
            }
            for r in sla_rows
        ],
    )
    ctx.flush()


def _log(ctx: Context, number: str, event: str, reason: str | None = None, note: str | None = None) -> None:
    ctx.add(
        SlaLog(order_number=number, at=ctx.now, event=event, actor=ctx.actor, reason=reason, note=note)
    )
    ctx.flush()


def _order_sla(ctx: Context, number: str) -> OrderSla | None:
    return ctx.get(OrderSla, number)


def _clock(ctx: Context, row: OrderSla, events: Sequence[tuple[datetime, str]] | None = None) -> Clock:
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
    return evaluate(calendar, _clock(ctx, row, events), now or ctx.now, at_risk_share(ctx))


def refresh(ctx: Context, number: str) -> None:
    """Recompute what ``order_sla`` keeps from the log, as of now."""
    row = _order_sla(ctx, number)
    if row is None:
        return
    state = state_of(ctx, row)
    row.response_due, row.resolution_due = state.response.due, state.resolution.due
    row.response_seconds = round(state.response.seconds) if state.response.done_at else None
    row.resolution_seconds = round(state.resolution.seconds) if state.resolution.done_at else None
    row.paused_seconds = round(state.paused_seconds)
    open_pause = next((a for a, b in state.pauses if b is None), None)
    row.paused_since = open_pause if state.paused else None
    if row.canceled_at is not None:
        row.outcome = "canceled"
    elif row.resolved_at is not None:
        row.outcome = "met" if state.status == "met" else "breached"
    elif row.responded_at is not None and state.response.state == "breached":
        row.outcome = "breached"  # a late response stays a breach whatever happens next
    else:
        row.outcome = "open"  # may breach later without an event: see outcome_now
    ctx.flush()


def on_stage_change(
    ctx: Context, order: ServiceOrder, before: Stage, after: Stage, reason: str | None, *, initial: str
) -> None:
    """What a stage change means for the clock: response, pause / resume, resolution, re-opening, cancel."""
    row = _order_sla(ctx, order.number)
    if row is None:
        return
    now = ctx.now
    if after.cancels:
        if row.canceled_at is None:
            row.canceled_at = now
            _log(ctx, order.number, "cancel", reason)
        refresh(ctx, order.number)
        return
    if before.stage == initial and row.responded_at is None:
        row.responded_at = now
        _log(ctx, order.number, "respond", note=f"left stage {before.stage}")
    if after.stops_clock and not before.stops_clock:
        _log(ctx, order.number, "pause", reason, note=f"stage {after.stage}")
    elif before.stops_clock and not after.stops_clock:
        _log(ctx, order.number, "resume", reason, note=f"stage {after.stage}")
    if after.resolves and row.resolved_at is None:
        row.resolved_at = now
        row.responded_at = row.responded_at or now
        _log(ctx, order.number, "resolve", reason, note=f"stage {after.stage}")
    elif before.resolves and not after.resolves and row.resolved_at is not None:
        row.resolved_at = None
        _log(ctx, order.number, "reopen", reason, note=f"back to stage {after.stage}")
    refresh(ctx, order.number)


def check_missed_target(ctx: Context, order: ServiceOrder, current: Stage, reason: str | None) -> None:
    """Moving on from a stage marked requires-reason with a missed target needs a reason code."""
    if not current.requires_reason or reason:
        return
    row = _order_sla(ctx, order.number)
    if row is None:
        return
    state = state_of(ctx, row)
    if "breached" in (state.response.state, state.resolution.state):
        raise RuleViolation(
            "missed-target-needs-reason",
            f"{order.number} missed its SLA target; moving it on from {current.stage!r} needs a reason code (--reason)",
        )


def on_sign_off(ctx: Context, number: str) -> None:
    row = _order_sla(ctx, number)
    if row is None or row.resolved_at is not None or row.canceled_at is not None:
        return
    row.resolved_at = ctx.now
    row.responded_at = row.responded_at or row.resolved_at
    _log(ctx, number, "resolve", note="signed off")
    refresh(ctx, number)


def _require(ctx: Context, number: str) -> OrderSla:
    order = ctx.get(ServiceOrder, number)
    if order is None:
        raise NotFound("service order", number)
    row = _order_sla(ctx, number)
    if row is None:
        raise RuleViolation("order-has-sla", f"{number} has no SLA")
    return row


def respond(ctx: Context, number: str, note: str | None = None) -> dict[str, Any]:
    row = _require(ctx, number)
    if row.responded_at is not None:
        raise RuleViolation("respond-once", f"{number} was already responded to at {row.responded_at.isoformat()}")
    row.responded_at = ctx.now
    _log(ctx, number, "respond", note=note or "manual")
    refresh(ctx, number)
    return status(ctx, number)


def stop(ctx: Context, number: str, reason: str, note: str | None = None) -> dict[str, Any]:
    row = _require(ctx, number)
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
    _log(ctx, number, "stop", reason, note)
    refresh(ctx, number)
    return status(ctx, number)


def start(ctx: Context, number: str, note: str | None = None) -> dict[str, Any]:
    _require(ctx, number)
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
    _log(ctx, number, "start", note=note or "manual")
    refresh(ctx, number)
    return status(ctx, number)


# --- reading ----------------------------------------------------------------------------------


def _seconds(value: float | None) -> int | None:
    return None if value is None else round(value)


def status_record(number: str, row: OrderSla, state: ClockState) -> dict[str, Any]:
    # business time to the next deadline still to meet; when every open one is missed, how overdue (negative)
    targets = (state.response, state.resolution)
    left = next((t.remaining for t in targets if t.state == "pending"), None)
    if left is None:
        left = next((t.remaining for t in reversed(targets) if t.done_at is None and t.remaining is not None), None)
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
        "time_left": format_duration(left) if left is not None else None,
    }


def status(ctx: Context, number: str) -> dict[str, Any]:
    row = _require(ctx, number)
    return status_record(number, row, state_of(ctx, row))


def log_entries(ctx: Context, number: str) -> list[dict[str, Any]]:
    rows = ctx.execute(select(SlaLog).where(SlaLog.order_number == number).order_by(SlaLog.at, SlaLog.id)).scalars()
    return [{"at": r.at, "event": r.event, "actor": r.actor, "reason": r.reason, "note": r.note} for r in rows]


def states_of(ctx: Context, rows: Sequence[OrderSla]) -> dict[str, ClockState]:
    """``state_of`` for many orders, their logs read in one query per 900 orders."""
    events: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    wanted = [row.order_number for row in rows]
    for start in range(0, len(wanted), 900):
        for number, at, event in ctx.execute(
            select(SlaLog.order_number, SlaLog.at, SlaLog.event)
            .where(SlaLog.order_number.in_(wanted[start : start + 900]))
            .order_by(SlaLog.id)
        ):
            events[number].append((at, event))
    return {row.order_number: state_of(ctx, row, events=events[row.order_number]) for row in rows}


def summaries(ctx: Context, numbers: Sequence[str]) -> dict[str, dict[str, Any]]:
    """SLA, status and time left for many orders (for order list / show)."""
    rows: list[OrderSla] = []
    wanted = list(numbers)
    for start in range(0, len(wanted), 900):
        rows.extend(
            ctx.execute(select(OrderSla).where(OrderSla.order_number.in_(wanted[start : start + 900]))).scalars()
        )
    states = states_of(ctx, rows)
    out = {}
    for row in rows:
        record = status_record(row.order_number, row, states[row.order_number])
        out[row.order_number] = {
            "sla": row.sla,
            "sla_status": record["status"],
            "time_left": record["time_left"],
            "resolution_due": record["resolution_due"],
        }
    return out


def explain(ctx: Context, number: str) -> dict[str, Any]:
    """Every interval that counted or was paused, with its business seconds, and how each deadline follows."""
    row = _require(ctx, number)
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
            f"{target.name} due {target.due.isoformat()}: start {row.started_at.isoformat()} + target {format_duration(target.target)} "
            f"of business time + {format_duration(paused)} paused = {target.due.astimezone(calendar.tz).isoformat()} ({target.state})"
        )
    return {
        **status_record(number, row, state),
        "intervals": intervals,
        "derivation": lines,
        "log": log_entries(ctx, number),
    }


# --- reports ----------------------------------------------------------------------------------


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
    """met | breached | open | canceled as of ``now``, from what ``order_sla`` keeps (no arithmetic)."""
    outcome = row.outcome
    if outcome != "open":
        return outcome
    paused = row.paused_since
    for due, done in ((row.response_due, row.responded_at), (row.resolution_due, None)):
        if due is None or done is not None:
            continue
        if (paused is None and due < now) or (paused is not None and due < paused):
            return "breached"
    return "open"


def _period(ctx: Context, first: date, last: date) -> tuple[datetime, datetime]:
    tz = ctx.tz
    lo = localize(datetime.combine(first, time()), tz).astimezone(UTC)
    hi = localize(datetime.combine(last + timedelta(days=1), time()), tz).astimezone(UTC)
    return lo, hi


def report(ctx: Context, first: date, last: date, by: str) -> list[dict[str, Any]]:
    """Per group: orders created in the period with an SLA, met, breached, open, compliance and times."""
    columns = {
        "customer": ServiceOrder.customer,
        "tier": Customer.tier,
        "technician": ServiceOrder.technician,
        "priority": OrderSla.priority,
        "sla": OrderSla.sla,
    }
    if by not in columns:
        raise InvalidInput("by", by, "expected customer, tier, technician, priority or sla")
    if last < first:
        raise InvalidInput("to", last.isoformat(), f"is before --from {first.isoformat()}")
    lo, hi = _period(ctx, first, last)
    now = ctx.now
    query = (
        select(
            columns[by],
            OrderSla.outcome,
            OrderSla.paused_since,
            OrderSla.response_due,
            OrderSla.resolution_due,
            OrderSla.responded_at,
            OrderSla.response_seconds,
            OrderSla.resolution_seconds,
        )
        .join(ServiceOrder, ServiceOrder.number == OrderSla.order_number)
        .where(ServiceOrder.created_at >= lo, ServiceOrder.created_at < hi)
    )
    if by == "tier":
        query = query.join(Customer, Customer.account == ServiceOrder.customer)
    groups: dict[str, _Group] = defaultdict(lambda: _Group(responses=[], resolutions=[]))
    for row in ctx.execute(query):
        group = groups[row[0] or "-"]
        group.orders += 1
        outcome = outcome_now(row, now)
        setattr(group, outcome, getattr(group, outcome) + 1)
        if row.response_seconds is not None:
            group.responses.append(row.response_seconds)  # type: ignore[union-attr]
        if row.resolution_seconds is not None:
            group.resolutions.append(row.resolution_seconds)  # type: ignore[union-attr]
    out = []
    for key in sorted(groups):
        g = groups[key]
        decided = g.met + g.breached
        out.append(
            {
                by: key,
                "orders": g.orders,
                "met": g.met,
                "breached": g.breached,
                "open": g.open,
                "canceled": g.canceled,
                "compliance_pct": round(100 * g.met / decided, 1) if decided else None,
                "mean_response_seconds": _round(sum(g.responses) / len(g.responses)) if g.responses else None,
                "p90_response_seconds": _round(_percentile(g.responses, 0.9)),  # type: ignore[arg-type]
                "mean_resolution_seconds": _round(sum(g.resolutions) / len(g.resolutions)) if g.resolutions else None,
                "p90_resolution_seconds": _round(_percentile(g.resolutions, 0.9)),  # type: ignore[arg-type]
            }
        )
    return out


def _round(value: float | None) -> int | None:
    return None if value is None else round(value)


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


def at_risk(ctx: Context, within: str) -> list[dict[str, Any]]:
    """Open orders with a deadline within ``within`` of business time from now, soonest first."""
    limit = parse_duration(within, "within").total_seconds()
    now = ctx.now
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
