"""``repair report``: repairs, repeat failures, first-time-fix rate, MTBF and warranty cost per
symptom, diagnosis, resolution, item, BOM version, technician, customer or part over a period.

Two statements whatever the number of repairs: the repairs created in the period (and those
created up to the repeat window after it, which can only make a repeat) with their objects and
whether their order took more than one visit; the warranty lines' prices per group. Repeats are found in
one pass over the repairs sorted by object, area and day; the rules are ``domain/repairs``."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select, type_coerce
from sqlalchemy.types import NullType

from custsvc.context import Context
from custsvc.domain import repairs as rules
from custsvc.domain.localdays import LocalDays
from custsvc.domain.orders import line_amount
from custsvc.domain.timeparse import day_start
from custsvc.errors import InvalidInput, choice
from custsvc.models import Assignment, OrderLine, RepairLine, RepairOrderLine, RepairStage, ServiceObject

BY = ("symptom", "diagnosis", "resolution", "item", "bom-version", "technician", "customer", "part")
FIELDS = (
    "repairs", "finished", "repeats", "repeat_pct", "first_time_fixes", "first_time_fix_pct", "objects",
    "object_days", "mtbf_days", "warranty_repairs", "warranty_cost",
)  # fmt: skip
NONE = "(none)"


def instant(ctx: Context, day: date) -> datetime:
    return day_start(day, ctx.tz)


def _group_column(by: str) -> Any:
    """The group of a repair as one column (None for a repair without one)."""
    if by == "bom-version":  # VB35@2; NULL when the object had no BOM
        return RepairLine.bom_template + "@" + RepairLine.bom_template_version
    return {
        "symptom": RepairLine.symptom,
        "diagnosis": RepairLine.diagnosis,
        "resolution": RepairLine.resolution,
        "item": ServiceObject.item,
        "technician": RepairLine.technician,
        "customer": ServiceObject.customer,
        "part": RepairLine.part_item,
    }[by]


def _as_stored(column: Any) -> Any:
    """A value read as the driver hands it over (SQLite: a moment or a day as text, a flag as 0 or
    1), without SQLAlchemy's conversion: over hundreds of thousands of rows that costs more than
    the query. Moments go to ``LocalDays``, days to ``_day``."""
    return type_coerce(column, NullType())


def _scan(ctx: Context, by: str, start: datetime, horizon: datetime) -> Iterator[Any]:
    """Statement 1: every repair created from ``start`` to ``horizon``, the fields the figures need,
    whether its order took more than one visit, with its object's install date and the time the
    object was recorded (read without the ORM)."""
    query = (
        select(
            RepairLine.id,
            RepairLine.object,
            RepairLine.symptom_area,
            _as_stored(RepairLine.created_at),
            case((RepairStage.finished.is_(True), _as_stored(RepairLine.finished_at)), else_=None),
            _as_stored(RepairLine.warranty),
            _as_stored(RepairLine.order_number.in_(_visited_again())),
            func.coalesce(_group_column(by), NONE),
            _as_stored(ServiceObject.installed_on),
            _as_stored(ServiceObject.created_at),
        )
        .join(RepairStage, RepairStage.stage == RepairLine.stage)
        .join(ServiceObject, ServiceObject.object == RepairLine.object)
        .where(RepairLine.created_at >= start, RepairLine.created_at < horizon)
    )
    for chunk in ctx.connection().execute(query).partitions(5000):
        yield from chunk


def _in_period(start: datetime, end: datetime) -> Any:
    return (RepairLine.created_at >= start) & (RepairLine.created_at < end)


def _visited_again() -> Any:
    """The orders with more than one assignment (a repair on them took more than one visit), as a
    subquery the database runs once: all of them, cheaper than picking out those of the period."""
    return select(Assignment.order_number).group_by(Assignment.order_number).having(func.count(Assignment.id) > 1)


def _warranty_costs(ctx: Context, by: str, start: datetime, end: datetime) -> dict[str, Decimal]:
    """Statement 3: per group, the normal price of the order lines of repairs under warranty (lines
    of one quantity and price counted together, each line rounded as on the invoice)."""
    column = _group_column(by)
    query = (
        select(column, OrderLine.quantity, OrderLine.price, func.count())
        .select_from(RepairOrderLine)
        .join(OrderLine, OrderLine.id == RepairOrderLine.order_line_id)
        .join(RepairLine, RepairLine.id == RepairOrderLine.repair_id)
        .where(RepairLine.warranty.is_(True), OrderLine.status != "canceled", _in_period(start, end))
        .group_by(column, OrderLine.quantity, OrderLine.price)
    )
    if by in ("item", "customer"):
        query = query.join(ServiceObject, ServiceObject.object == RepairLine.object)
    out: dict[str, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for key, qty, price, lines in ctx.execute(query):
        out[NONE if key is None else key] += line_amount(qty, price) * lines
    return out


#: per group while counting: repairs, finished, first-time fixes (so far), under warranty, repeats
_REPAIRS, _FINISHED, _FIRST_TIME, _WARRANTY, _REPEATS = range(5)


def _pass(
    rows: Any, days: LocalDays, day_from: date, day_to: date, window: int
) -> tuple[dict[str, list[int]], dict[str, dict[str, date]]]:
    """One pass over the scan: the counts per group of the period's repairs and their objects' days
    in service; then the repeats (over every repair read), which are not first-time fixes after all.
    Plain lists and tuples: this runs once per repair."""
    first, last = day_from.toordinal(), day_to.toordinal()
    known = days.known  # the day of a whole UTC hour, by its stored text ("2026-03-10 07")
    counts: dict[str, list[int]] = {}
    objects: dict[str, dict[str, date]] = {}
    visits: list[tuple[Any, ...]] = []

    def day(moment: Any) -> int:
        return (known.get(moment[:13]) if type(moment) is str else None) or days(moment)

    for rid, obj, area, created, finished_at, warranty, again, key, installed, recorded in rows:
        created_day = day(created)
        finished_day = None if finished_at is None else day(finished_at)
        counted = first <= created_day <= last
        if counted:
            tally = counts.get(key)
            if tally is None:
                tally, objects[key] = counts.setdefault(key, [0, 0, 0, 0, 0]), {}
            tally[_REPAIRS] += 1
            if finished_day is not None:
                tally[_FINISHED] += 1
                tally[_FIRST_TIME] += not again
            tally[_WARRANTY] += bool(warranty)
            if obj not in objects[key]:
                objects[key][obj] = _day(installed) if installed else date.fromordinal(days(recorded))
        if area is not None:
            visits.append((obj, area, created_day, rid, finished_day, counted and key, again))
    for row in rules.repeating(visits, window):
        if row[5]:
            tally = counts[row[5]]
            tally[_REPEATS] += 1
            tally[_FIRST_TIME] -= not row[6]
    return counts, objects


def _day(value: str | date) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _figures(tally: list[int], objects: dict[str, date]) -> rules.Figures:
    return rules.Figures(
        repairs=tally[_REPAIRS],
        finished=tally[_FINISHED],
        repeats=tally[_REPEATS],
        first_time_fixes=tally[_FIRST_TIME],
        warranty_repairs=tally[_WARRANTY],
        objects=objects,
    )


def check_window(window: int) -> int:
    if not 0 <= window <= 3650:
        raise InvalidInput("repeat-window", window, "must be 0 to 3650 days")
    return window


def report(
    ctx: Context, *, day_from: date, day_to: date, by: str = "symptom", window: int = rules.DEFAULT_WINDOW
) -> dict[str, Any]:
    """The figures per group of the repairs created from ``day_from`` to ``day_to`` (local days)."""
    by = choice(by, BY, "by")
    window = check_window(window)
    if day_to < day_from:
        raise InvalidInput("to", day_to.isoformat(), f"is before --from {day_from.isoformat()}")
    start, end = instant(ctx, day_from), instant(ctx, day_to + timedelta(days=1))
    horizon = instant(ctx, day_to + timedelta(days=window + 1))
    counts, objects = _pass(_scan(ctx, by, start, horizon), LocalDays(ctx.tz), day_from, day_to, window)
    groups = {key: _figures(tally, objects[key]) for key, tally in counts.items()}
    for key, cost in _warranty_costs(ctx, by, start, end).items():
        groups[key].warranty_cost += cost
    total = rules.Figures()
    for figures in groups.values():
        _merge(total, figures)
    out_rows = [_row(by, key, figures, day_from, day_to) for key, figures in groups.items()]
    out_rows.sort(key=lambda r: (-r["repairs"], r[by]))
    return {
        "from": day_from,
        "to": day_to,
        "by": by,
        "repeat_window_days": window,
        "rows": out_rows,
        "total": _row(by, "total", total, day_from, day_to),
    }


def _merge(total: rules.Figures, figures: rules.Figures) -> None:
    total.repairs += figures.repairs
    total.finished += figures.finished
    total.repeats += figures.repeats
    total.first_time_fixes += figures.first_time_fixes
    total.warranty_repairs += figures.warranty_repairs
    total.warranty_cost += figures.warranty_cost
    for obj, since in figures.objects.items():
        total.objects.setdefault(obj, since)


def _row(by: str, key: str, f: rules.Figures, first: date, last: date) -> dict[str, Any]:
    return {
        by: key,
        "repairs": f.repairs,
        "finished": f.finished,
        "repeats": f.repeats,
        "repeat_pct": f.repeat_pct(),
        "first_time_fixes": f.first_time_fixes,
        "first_time_fix_pct": f.first_time_fix_pct(),
        "objects": len(f.objects),
        "object_days": f.object_days(first, last),
        "mtbf_days": f.mtbf_days(first, last),
        "warranty_repairs": f.warranty_repairs,
        "warranty_cost": f.warranty_cost,
    }
