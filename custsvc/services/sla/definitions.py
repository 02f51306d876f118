"""SLA definitions: response and resolution targets per priority in business time, the calendar
they count in, and where they apply (agreement, customer, tier, default); which SLA a new order gets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, delete, insert, or_, select

from custsvc.context import Context
from custsvc.domain.checks import check_key, check_tag, check_text
from custsvc.domain.orders import PRIORITIES
from custsvc.domain.timeparse import format_duration, parse_duration
from custsvc.errors import Duplicate, InvalidInput, NotFound, RuleViolation, Usage
from custsvc.models import (
    Agreement,
    Customer,
    Sla,
    SlaAssignment,
    SlaTarget,
)
from custsvc.services import calendars

SCOPES = ("agreement", "customer", "tier", "default")


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


#: every field of an SLA as ``record`` gives it (``sla list``)
SLA_FIELDS = (
    "sla", "calendar", "description", "suspended",
    *(f"response_{p}" for p in PRIORITIES), *(f"resolution_{p}" for p in PRIORITIES),
    "targets", "applies_to", "created_at", "created_by", "updated_at", "updated_by",
)  # fmt: skip


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
        "updated_at": row.updated_at,
        "updated_by": row.updated_by,
    }


def target_rows(
    code: str, responses: dict[str, int], resolutions: dict[str, int], field: str = "response"
) -> list[dict[str, Any]]:
    """The ``sla_target`` rows of response and resolution targets (seconds per priority, "*" for the rest);
    a response longer than its resolution is refused, naming ``field`` (the targets the user gave)."""
    rows = []
    keys = set(responses) | set(resolutions)
    for priority in sorted(keys):
        resp = responses.get(priority) or responses.get("*")
        resol = resolutions.get(priority) or resolutions.get("*")
        if resp is None or resol is None:  # pragma: no cover - parse_targets covers every priority
            continue
        # "*" covers the priorities without a target of their own
        label = priority if priority != "*" else ", ".join(p for p in PRIORITIES if p not in keys)
        if resp > resol and field == "resolution":
            reason = f"is shorter than the response target {format_duration(resp)} ({label})"
            raise InvalidInput("resolution", format_duration(resol), reason)
        if resp > resol:
            reason = f"is longer than the resolution target {format_duration(resol)} ({label})"
            raise InvalidInput("response", format_duration(resp), reason)
        rows.append({"sla": code, "priority": priority, "response_seconds": resp, "resolution_seconds": resol})
    return rows


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
    rows = target_rows(key, parse_targets(response, "response"), parse_targets(resolution, "resolution"))
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


def _new_targets(ctx: Context, code: str, response: Sequence[str], resolution: Sequence[str]) -> list[dict[str, Any]]:
    """The target rows after an update: the kind given replaces its targets, the other kind's stay."""
    table = targets(ctx, code)
    responses = parse_targets(response, "response") if response else {p: t[0] for p, t in table.items()}
    resolutions = parse_targets(resolution, "resolution") if resolution else {p: t[1] for p, t in table.items()}
    return target_rows(code, responses, resolutions, "response" if response else "resolution")


def update(
    ctx: Context,
    code: str,
    *,
    calendar: str | None = None,
    response: Sequence[str] = (),
    resolution: Sequence[str] = (),
    description: str | None = None,
) -> dict[str, Any]:
    """Change what is given of an SLA, checked as ``add`` checks it. Targets given for one kind (response
    or resolution) replace that kind's; the other kind's stay. Orders keep the targets and calendar fixed
    on them when they were created: only new orders get the new ones."""
    if calendar is None and not response and not resolution and description is None:
        raise Usage("nothing to change: give --calendar, --response, --resolution or --description")
    row = get(ctx, code)
    if calendar is not None:
        calendars.get(ctx, calendar)
    if response or resolution:
        rows = _new_targets(ctx, code, response, resolution)
        ctx.execute(delete(SlaTarget).where(SlaTarget.sla == code))
        ctx.execute(insert(SlaTarget), rows)
    if calendar is not None:
        row.calendar = calendar
    if description is not None:
        row.description = check_text(description, "description") or None
    row.updated_at, row.updated_by = ctx.now, ctx.actor
    ctx.flush()
    return record(ctx, row)


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
        ctx.add(SlaAssignment(scope=scope, key=key, sla=code, created_at=ctx.now, created_by=ctx.actor))
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


#: every field of a row of ``assignments`` (``sla assignments``)
ASSIGNMENT_FIELDS = ("scope", "key", "sla", "created_at", "created_by")


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
