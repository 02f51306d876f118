"""What a generation run has to make: the agreements and lines that generate in a period, the visits
they call for that have no order line yet, and what is skipped (with a warning) or refused.

All of it only reads: ``generation`` runs it in a read transaction of its own, outside the write
lock, and re-checks what may have changed meanwhile before it writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select

from custsvc.context import Context
from custsvc.domain import orders as rules
from custsvc.domain.recurrence import (
    MAX_VISITS_PER_RUN,
    Interval,
    TooManyVisits,
    Visit,
    Window,
    occurrences,
    parse_rrule,
)
from custsvc.errors import CustSvcError, RuleViolation
from custsvc.models import Agreement, AgreementLine, OrderLine, ServiceObject
from custsvc.services.batch import select_for, select_in


@dataclass
class Wanted:
    """The visits one run makes, before they are combined onto orders."""

    agreements: dict[str, Agreement]
    visits: list[Visit] = field(default_factory=list)
    widest: int = 0
    warnings: list[str] = field(default_factory=list)


def interval_of(line: AgreementLine) -> Interval | None:
    return Interval(line.every_count, line.every_unit) if line.every_count and line.every_unit else None


def window_of(line: AgreementLine) -> Window | None:
    return Window(line.window_kind, line.window_days or 0) if line.window_kind else None


def generating_agreements(
    ctx: Context, agreement: str | None, date_from: date, date_to: date, *, lock: bool = False
) -> dict[str, Agreement]:
    """The agreements that generate in the period. ``lock``: two runs at once queue here (PostgreSQL;
    SQLite's write lock already queues them)."""
    query = select(Agreement).where(
        Agreement.template.is_(False),
        Agreement.suspended.is_(False),
        Agreement.start <= date_to,
        (Agreement.end.is_(None)) | (Agreement.end >= date_from),
    )
    if agreement:
        query = query.where(Agreement.agreement == agreement)
    if lock:
        query = query.with_for_update()
    return {a.agreement: a for a in ctx.execute(query.order_by(Agreement.agreement)).scalars()}


def active_lines(ctx: Context, agreements: dict[str, Agreement], date_to: date) -> list[AgreementLine]:
    query = select(AgreementLine).where(AgreementLine.stopped.is_(False), AgreementLine.start <= date_to)
    rows = select_for(ctx, query, AgreementLine.agreement, sorted(agreements))
    return [line for (line,) in rows if line.agreement in agreements]


def done_pairs(ctx: Context, line_ids: Sequence[int], date_from: date, date_to: date) -> set[tuple[int, date]]:
    """The (agreement line, visit date) pairs of the period that already have an order line."""
    query = select(OrderLine.agreement_line_id, OrderLine.visit_date).where(
        OrderLine.agreement_line_id.is_not(None), OrderLine.visit_date >= date_from, OrderLine.visit_date <= date_to
    )
    wanted = set(line_ids)
    rows = select_for(ctx, query, OrderLine.agreement_line_id, list(wanted))
    return {(line_id, visit) for line_id, visit in rows if line_id in wanted}


def _owners(ctx: Context, lines: Sequence[AgreementLine]) -> dict[str, str]:
    objects = sorted({line.object for line in lines if line.object})
    query = select(ServiceObject.object, ServiceObject.customer)
    return dict(select_in(ctx, query, ServiceObject.object, objects))


def _skipped(line: AgreementLine, agr: Agreement, owners: dict[str, str]) -> str | None:
    """Why a line makes nothing in this run, or None: its object went to another customer, or its
    rule is one a run can no longer make (stored before such rules were refused)."""
    name = f"{agr.agreement}/{line.line_no}"
    owner = owners.get(line.object) if line.object else None
    if line.object and owner != agr.customer:
        return f"{name}: object {line.object} belongs to {owner}, not {agr.customer}; the line is skipped"
    if line.rrule:
        try:
            parse_rrule(line.rrule)
        except CustSvcError as exc:
            return f"{name}: {exc.message}; the line is skipped"
    return None


def _dates(line: AgreementLine, name: str, lo: date, hi: date) -> list[date]:
    try:
        return occurrences(line.start, lo, hi, every=interval_of(line), rrule=line.rrule)
    except TooManyVisits as many:
        raise RuleViolation(
            "visits-per-run",
            f"{name} would make {many.count} visits from {lo} to {hi}; one run makes at most "
            f"{MAX_VISITS_PER_RUN} per line (generate a shorter period)",
        ) from None


def missing_visits(
    ctx: Context, wanted: Wanted, lines: Sequence[AgreementLine], done: set[Any], date_from: date, date_to: date
) -> None:
    """The visits still missing, each with the days it may move to (its window), into ``wanted``."""
    owners = _owners(ctx, lines)
    for line in lines:
        agr = wanted.agreements[line.agreement]
        lo = max(date_from, agr.start, line.start)
        hi = min([date_to, *(d for d in (agr.end, line.end) if d is not None)])
        if hi < lo:
            continue
        why = _skipped(line, agr, owners)
        if why:
            wanted.warnings.append(why)
            continue
        window = window_of(line)
        worker = line.worker or agr.technician
        rule_key = rules.group_key(agr.combine, agreement=agr.agreement, task=line.task, worker=worker, obj=line.object)
        key = (agr.agreement, rule_key)
        for day in _dates(line, f"{agr.agreement}/{line.line_no}", lo, hi):
            if (line.id, day) in done:
                continue
            if window is None:
                wanted.visits.append(Visit(line, key, day, day, day))
                continue
            w_lo, w_hi = window.bounds(day)
            wanted.widest = max(wanted.widest, (day - w_lo).days, (w_hi - day).days)
            wanted.visits.append(Visit(line, key, day, max(w_lo, lo), min(w_hi, hi)))


def wanted_visits(ctx: Context, agreement: str | None, date_from: date, date_to: date) -> Wanted:
    """Everything the run would make, as of what ``ctx`` sees."""
    wanted = Wanted(generating_agreements(ctx, agreement, date_from, date_to))
    if not wanted.agreements:
        return wanted
    lines = active_lines(ctx, wanted.agreements, date_to)
    done = done_pairs(ctx, [line.id for line in lines if line.id is not None], date_from, date_to)
    missing_visits(ctx, wanted, lines, done, date_from, date_to)
    return wanted
