"""What a generation run has to make: the agreements that generate in the period, taken a chunk at a
time (a few thousand visits each), and per chunk the visits that have no order line yet, with what is
skipped (with a warning) or refused.

Only the requested period is read: a line whose order lines in the period are as many as its dates
there is complete and is not walked date by date (what generation made stays true: a line that
generated keeps its start and interval, and no end moves before a generated visit); for the others
the (line, visit date) pairs of the period come from the unique index on exactly those columns.

All of it only reads: ``generation`` runs it in a read transaction of its own, outside the write lock,
and again under the lock before it writes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from custsvc.context import Context
from custsvc.domain import orders as rules
from custsvc.domain.recurrence import (
    MAX_VISITS_PER_RUN,
    Interval,
    TooManyVisits,
    Visit,
    Window,
    add_months,
    occurrences,
    parse_rrule,
)
from custsvc.errors import CustSvcError, RuleViolation
from custsvc.models import Agreement, AgreementLine, OrderLine, ServiceObject
from custsvc.services.batch import chunks as key_chunks
from custsvc.services.batch import select_in

#: about how many visits (existing or not) one chunk of agreements holds: what a run plans, writes
#: and forgets at a time, so that its memory does not grow with the period or the number of agreements
CHUNK_VISITS = 4000
ONE_DAY = timedelta(days=1)

HEADER = (
    Agreement.agreement,
    Agreement.customer,
    Agreement.start,
    Agreement.end,
    Agreement.technician,
    Agreement.combine,
    Agreement.description,
)
LINE = (
    AgreementLine.id,
    AgreementLine.agreement,
    AgreementLine.line_no,
    AgreementLine.type,
    AgreementLine.object,
    AgreementLine.task,
    AgreementLine.worker,
    AgreementLine.item,
    AgreementLine.quantity,
    AgreementLine.price,
    AgreementLine.description,
    AgreementLine.every_count,
    AgreementLine.every_unit,
    AgreementLine.rrule,
    AgreementLine.window_kind,
    AgreementLine.window_days,
    AgreementLine.start,
    AgreementLine.end,
)


@dataclass
class Chunk:
    """Some of the run's agreements (header rows, in the order of their combine keys) and their lines."""

    agreements: dict[str, Any]
    lines: list[Any]

    @property
    def first(self) -> str:
        return next(iter(self.agreements))


@dataclass
class Wanted:
    """The visits one chunk makes, before they are combined onto orders."""

    agreements: dict[str, Any]
    visits: list[Visit] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def interval_of(line: Any) -> Interval | None:
    return Interval(line.every_count, line.every_unit) if line.every_count and line.every_unit else None


def window_of(line: Any) -> Window | None:
    return Window(line.window_kind, line.window_days or 0) if line.window_kind else None


def generating_ids(
    ctx: Context, agreement: str | None, date_from: date, date_to: date, *, lock: bool = False
) -> list[str]:
    """The agreements that generate in the period, in the order of their combine keys (the order in
    which a run numbers its orders). ``lock``: two runs at once queue here (PostgreSQL; SQLite's
    write lock already queues them)."""
    query = select(Agreement.agreement).where(
        Agreement.template.is_(False),
        Agreement.suspended.is_(False),
        Agreement.start <= date_to,
        (Agreement.end.is_(None)) | (Agreement.end >= date_from),
    )
    if agreement:
        query = query.where(Agreement.agreement == agreement)
    if lock:
        query = query.with_for_update()
    # a combine key is (agreement, rule key) and orders are numbered by str(key): by repr(agreement)
    return sorted((key for (key,) in ctx.execute(query)), key=repr)


def bounds(line: Any, agr: Any, date_from: date, date_to: date) -> tuple[date, date]:
    """The days the line generates on in the period: clipped by the agreement's and its own dates."""
    lo = max(date_from, agr.start, line.start)
    hi = date_to if agr.end is None or agr.end > date_to else agr.end
    return lo, (hi if line.end is None or line.end > hi else line.end)


_UNIT_DAYS = {"day": 1.0, "week": 7.0, "month": 28.0, "year": 365.0}


def _estimate(line: Any, days: int) -> int:
    """At most about how many dates the line has in a period of ``days`` days (a chunk's size)."""
    if line.rrule:
        return min(days, MAX_VISITS_PER_RUN)
    if not (line.every_count and line.every_unit):
        return 1
    return min(int(days / (line.every_count * _UNIT_DAYS[line.every_unit])) + 1, MAX_VISITS_PER_RUN)


def chunks(ctx: Context, ids: Sequence[str], date_from: date, date_to: date) -> Iterator[Chunk]:
    """The agreements ``ids`` (in that order) with their active lines, about ``CHUNK_VISITS`` visits
    at a time: headers and lines are read 900 agreements per statement."""
    for block in key_chunks(ids):
        heads = {row.agreement: row for row in ctx.execute(select(*HEADER).where(Agreement.agreement.in_(block)))}
        query = select(*LINE).where(
            AgreementLine.agreement.in_(block), AgreementLine.stopped.is_(False), AgreementLine.start <= date_to
        )
        lines: dict[str, list[Any]] = defaultdict(list)
        for row in ctx.execute(query.order_by(AgreementLine.agreement, AgreementLine.line_no)):
            lines[row.agreement].append(row)
        chunk, size, days = Chunk({}, []), 0, (date_to - date_from).days + 1
        for key in block:
            if key not in heads:  # pragma: no cover - removed since the ids were read
                continue
            chunk.agreements[key] = heads[key]
            chunk.lines.extend(lines.get(key, ()))
            size += sum(_estimate(line, days) for line in lines.get(key, ()))
            if size >= CHUNK_VISITS:
                yield chunk
                chunk, size = Chunk({}, []), 0
        if chunk.agreements:
            yield chunk


def done_pairs(ctx: Context, line_ids: Sequence[int], date_from: date, date_to: date) -> set[tuple[int, date]]:
    """The (agreement line, visit date) pairs of the period that already have an order line."""
    query = select(OrderLine.agreement_line_id, OrderLine.visit_date).where(
        OrderLine.visit_date >= date_from, OrderLine.visit_date <= date_to
    )
    return {(line_id, visit) for line_id, visit in select_in(ctx, query, OrderLine.agreement_line_id, line_ids)}


def made_counts(
    ctx: Context, line_ids: Sequence[int], date_from: date, date_to: date
) -> dict[int, tuple[int, date, date]]:
    """Per agreement line, how many of its visits in the period have an order line, the first and the
    last of them (from the unique index on (line, visit date) alone)."""
    visit = OrderLine.visit_date
    query = (
        select(OrderLine.agreement_line_id, func.count(), func.min(visit), func.max(visit))
        .where(OrderLine.visit_date >= date_from, OrderLine.visit_date <= date_to)
        .group_by(OrderLine.agreement_line_id)
    )
    rows = select_in(ctx, query, OrderLine.agreement_line_id, line_ids)
    return {line_id: (made, first, last) for line_id, made, first, last in rows}


def _owners(ctx: Context, lines: Sequence[Any]) -> dict[str, str]:
    objects = sorted({line.object for line in lines if line.object})
    query = select(ServiceObject.object, ServiceObject.customer)
    return dict(select_in(ctx, query, ServiceObject.object, objects))


def _skipped(line: Any, agr: Any, owners: dict[str, str]) -> str | None:
    """Why a line makes nothing in this run, or None: its object went to another customer, or its
    rule is one a run can no longer make (stored before such rules were refused)."""
    if line.object and owners.get(line.object) != agr.customer:
        owner = owners.get(line.object)
        return (
            f"{agr.agreement}/{line.line_no}: object {line.object} belongs to {owner}, not {agr.customer}; "
            "the line is skipped"
        )
    if line.rrule:
        try:
            parse_rrule(line.rrule)
        except CustSvcError as exc:
            return f"{agr.agreement}/{line.line_no}: {exc.message}; the line is skipped"
    return None


def _too_many(line: Any, count: int, lo: date, hi: date) -> RuleViolation:
    return RuleViolation(
        "visits-per-run",
        f"{line.agreement}/{line.line_no} would make {count} visits from {lo} to {hi}; one run makes at most "
        f"{MAX_VISITS_PER_RUN} per line (generate a shorter period)",
    )


def _dates(line: Any, lo: date, hi: date) -> list[date]:
    try:
        return occurrences(line.start, lo, hi, every=interval_of(line), rrule=line.rrule)
    except TooManyVisits as many:
        raise _too_many(line, many.count, lo, hi) from None


def _months_until(start: date, months: int, day: date) -> int:
    """The smallest k >= 0 with ``start + k x months`` (clipped to the month's end) on or after ``day``."""
    k = max(0, ((day.year - start.year) * 12 + day.month - start.month) // months)
    return k + 1 if add_months(start, k * months) < day else k


def _interval_count(line: Any, lo: date, hi: date) -> int:
    """How many of the line's dates lie in ``[lo, hi]`` (``lo`` not before its start), by arithmetic:
    the k-th date is ``start + k x interval``. A line without an interval: its start, once."""
    count, unit = line.every_count, line.every_unit
    if not (count and unit):
        return 1 if lo <= line.start <= hi else 0
    if unit in ("day", "week"):
        step = count * (7 if unit == "week" else 1)
        first = -(-(lo - line.start).days // step)
        return max(0, (hi - line.start).days // step - first + 1)
    months = count * (12 if unit == "year" else 1)
    return max(0, _months_until(line.start, months, hi + ONE_DAY) - _months_until(line.start, months, lo))


def date_count(line: Any, lo: date, hi: date) -> tuple[int, list[date] | None]:
    """How many dates the line has in ``[lo, hi]``, counted without walking them for an interval (and
    the dates themselves when they had to be walked: a rule); more than the cap is refused."""
    if line.rrule:
        dates = _dates(line, lo, hi)
        return len(dates), dates
    count = _interval_count(line, lo, hi)
    if count > MAX_VISITS_PER_RUN:
        raise _too_many(line, count, lo, hi)
    return count, None


@dataclass
class _Todo:
    line: Any
    agr: Any
    lo: date
    hi: date
    count: int
    dates: list[date] | None


def _todo(ctx: Context, chunk: Chunk, wanted: Wanted, date_from: date, date_to: date) -> list[_Todo]:
    """The chunk's lines that have dates in the period, with how many; the skipped ones as warnings."""
    owners = _owners(ctx, chunk.lines)
    todo = []
    for line in chunk.lines:
        agr = chunk.agreements[line.agreement]
        lo, hi = bounds(line, agr, date_from, date_to)
        if hi < lo:
            continue
        why = _skipped(line, agr, owners)
        if why:
            wanted.warnings.append(why)
            continue
        count, dates = date_count(line, lo, hi)
        if count:
            todo.append(_Todo(line, agr, lo, hi, count, dates))
    return todo


def _between(t: _Todo, first: date, last: date) -> int:
    """How many of the line's dates lie in ``[first, last]``."""
    if t.dates is not None:
        return sum(1 for day in t.dates if first <= day <= last)
    return _interval_count(t.line, first, last)


def _missing(t: _Todo, made: tuple[int, date, date] | None) -> list[date] | None:
    """The line's dates in the period that have no order line, when the counts tell: none made, or the
    made ones are all its dates from the first made to the last (a run missed before or after them).
    None: there is a gap among them, and the made pairs have to be read."""
    if made is None:
        return t.dates if t.dates is not None else _dates(t.line, t.lo, t.hi)
    count, first, last = made
    if first < t.lo or last > t.hi or _between(t, first, last) != count:
        return None
    if t.dates is not None:
        return [day for day in t.dates if day < first or day > last]
    before = _dates(t.line, t.lo, first - ONE_DAY) if t.lo < first else []
    return before + (_dates(t.line, last + ONE_DAY, t.hi) if last < t.hi else [])


def missing_visits(ctx: Context, chunk: Chunk, date_from: date, date_to: date) -> Wanted:
    """The chunk's visits still missing in the period, each with the days it may move to (its window)."""
    wanted = Wanted(chunk.agreements)
    todo = _todo(ctx, chunk, wanted, date_from, date_to)
    made = made_counts(ctx, [t.line.id for t in todo], date_from, date_to)
    missing = {t.line.id: _missing(t, made.get(t.line.id)) for t in todo if made.get(t.line.id, (0,))[0] != t.count}
    gaps = [line_id for line_id, dates in missing.items() if dates is None]
    done = done_pairs(ctx, gaps, date_from, date_to)
    for t in todo:
        if t.line.id not in missing:
            continue
        line, agr = t.line, t.agr
        window = window_of(line)
        worker = line.worker or agr.technician
        rule_key = rules.group_key(agr.combine, agreement=agr.agreement, task=line.task, worker=worker, obj=line.object)
        key = (agr.agreement, rule_key)
        dates = missing[line.id]
        for day in dates if dates is not None else _dates(line, t.lo, t.hi):
            if (line.id, day) in done:
                continue
            if window is None:
                wanted.visits.append(Visit(line, key, day, day, day))
                continue
            w_lo, w_hi = window.bounds(day)
            wanted.visits.append(Visit(line, key, day, max(w_lo, t.lo), min(w_hi, t.hi)))
    return wanted
