"""Generating service orders from agreements.

Generation is idempotent because every generated order line carries its agreement line and the
anchored visit date, and the database refuses a second line with the same pair. It reads what
exists, adds only what is missing, and writes in bulk; new orders go through the order lifecycle
(``OrdersCreated``: the SLA clock starts for them). A dry run plans the same and writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select

from custsvc.context import Context
from custsvc.domain import orders as rules
from custsvc.domain.recurrence import Interval, Slot, Visit, Window, combine, occurrences
from custsvc.errors import InvalidInput
from custsvc.models import (
    Agreement,
    AgreementLine,
    Customer,
    Item,
    OrderLine,
    OrderObject,
    ServiceOrder,
    ServiceTask,
    Stage,
)
from custsvc.services import sequences, settings, stages
from custsvc.services.agreements.catalog import get
from custsvc.services.batch import select_for, select_in
from custsvc.services.orders.events import NewOrder, OrdersCreated
from custsvc.services.orders.lifecycle import transition

LINE_FIELDS = (
    "line",
    "agreement_line",
    "visit_date",
    "type",
    "description",
    "object",
    "task",
    "worker",
    "item",
    "quantity",
    "price",
)


@dataclass
class PlannedOrder:
    number: str | None
    agreement: str
    customer: str
    day: date
    key: str
    lines: list[dict[str, Any]] = field(default_factory=list)
    existing: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "order": self.number,
            "agreement": self.agreement,
            "customer": self.customer,
            "date": self.day,
            "existing": self.existing,
            "lines": [{k: line[k] for k in LINE_FIELDS} for line in self.lines],
        }


def _interval(line: AgreementLine) -> Interval | None:
    return Interval(line.every_count, line.every_unit) if line.every_count and line.every_unit else None


def _window(line: AgreementLine) -> Window | None:
    return Window(line.window_kind, line.window_days or 0) if line.window_kind else None


def _nothing(warnings: Sequence[str] = ()) -> dict[str, Any]:
    return {"orders": [], "warnings": list(warnings), "created_orders": 0, "created_lines": 0}


def _agreements(ctx: Context, agreement: str | None, date_from: date, date_to: date) -> dict[str, Agreement]:
    """The agreements that generate in the period, locked: two runs at once queue here (PostgreSQL;
    SQLite's write lock already queues them)."""
    query = select(Agreement).where(
        Agreement.template.is_(False),
        Agreement.suspended.is_(False),
        Agreement.start <= date_to,
        (Agreement.end.is_(None)) | (Agreement.end >= date_from),
    )
    if agreement:
        query = query.where(Agreement.agreement == agreement)
    if ctx.write:
        query = query.with_for_update()
    return {a.agreement: a for a in ctx.execute(query.order_by(Agreement.agreement)).scalars()}


def _done(ctx: Context, line_ids: Sequence[int], date_from: date, date_to: date) -> set[tuple[int, date]]:
    """The (agreement line, visit date) pairs of the period that already have an order line."""
    query = select(OrderLine.agreement_line_id, OrderLine.visit_date).where(
        OrderLine.agreement_line_id.is_not(None), OrderLine.visit_date >= date_from, OrderLine.visit_date <= date_to
    )
    wanted = set(line_ids)
    rows = select_for(ctx, query, OrderLine.agreement_line_id, list(wanted))
    return {(line_id, visit) for line_id, visit in rows if line_id in wanted}


def _visits(
    agreements: dict[str, Agreement], lines: Sequence[AgreementLine], done: set[Any], date_from: date, date_to: date
) -> tuple[list[Visit], int]:
    """The visits still missing, each with the days it may move to; and the widest window in days."""
    visits: list[Visit] = []
    widest = 0
    for line in lines:
        agr = agreements[line.agreement]
        lo = max(date_from, agr.start, line.start)
        hi = min([date_to, *(d for d in (agr.end, line.end) if d is not None)])
        if hi < lo:
            continue
        window = _window(line)
        worker = line.worker or agr.technician
        key = (
            agr.agreement,
            rules.group_key(agr.combine, agreement=agr.agreement, task=line.task, worker=worker, obj=line.object),
        )
        for day in occurrences(line.start, lo, hi, every=_interval(line), rrule=line.rrule):
            if (line.id, day) in done:
                continue
            if window is None:
                visits.append(Visit(line, key, day, day, day))
                continue
            w_lo, w_hi = window.bounds(day)
            widest = max(widest, (day - w_lo).days, (w_hi - day).days)
            visits.append(Visit(line, key, day, max(w_lo, lo), min(w_hi, hi)))
    return visits, widest


def generate(
    ctx: Context, *, agreement: str | None, date_from: date, date_to: date, dry_run: bool = False
) -> dict[str, Any]:
    """Create the service orders that agreements call for in ``[date_from, date_to]``.

    Returns the orders created (and lines added to existing orders) and warnings. ``dry_run``: the
    same plan, with the order numbers it would take, and nothing written."""
    if date_to < date_from:
        raise InvalidInput("to", date_to.isoformat(), f"is before --from {date_from.isoformat()}")
    if agreement:
        head = get(ctx, agreement)
        if head.template or head.suspended:
            what = "a template" if head.template else "suspended"
            return _nothing([f"agreement {agreement} is {what}; it generates nothing"])
    agreements = _agreements(ctx, agreement, date_from, date_to)
    if not agreements:
        return _nothing()
    line_query = select(AgreementLine).where(AgreementLine.stopped.is_(False), AgreementLine.start <= date_to)
    if agreement:
        line_query = line_query.where(AgreementLine.agreement == agreement)
    lines = [line for line in ctx.execute(line_query).scalars() if line.agreement in agreements]
    done = _done(ctx, [line.id for line in lines if line.id is not None], date_from, date_to)
    visits, widest = _visits(agreements, lines, done, date_from, date_to)
    if not visits:
        return _nothing()
    margin = timedelta(days=widest)
    joinable = _joinable_orders(ctx, list(agreements), date_from - margin, date_to + margin)
    plan = _Plan(ctx, agreements, combine(visits, joinable), dry_run=dry_run)
    return plan.write()


def _joinable_orders(ctx: Context, agreement_ids: Sequence[str], lo: date, hi: date) -> list[tuple[Any, date, str]]:
    """Generated orders still open to new lines: (group key, date, order number)."""
    modifiable = select(Stage.stage).where(Stage.can_modify.is_(True), Stage.cancels.is_(False))
    posted = select(OrderLine.id).where(OrderLine.order_number == ServiceOrder.number, OrderLine.status == "posted")
    query = select(
        ServiceOrder.agreement, ServiceOrder.group_key, ServiceOrder.service_date, ServiceOrder.number
    ).where(
        ServiceOrder.group_key.is_not(None),
        ServiceOrder.service_date >= lo,
        ServiceOrder.service_date <= hi,
        ServiceOrder.stage.in_(modifiable),
        ~posted.exists(),
    )
    wanted = set(agreement_ids)
    return [((agr, key), day, number) for agr, key, day, number in ctx.execute(query) if agr in wanted]


class _Plan:
    """The rows a generation run writes: new orders, their lines and objects, lines added to open orders."""

    def __init__(self, ctx: Context, agreements: dict[str, Agreement], slots: list[Slot], *, dry_run: bool) -> None:
        self.ctx, self.agreements, self.slots, self.dry_run = ctx, agreements, slots, dry_run
        self.items = {i.item: i for i in ctx.execute(select(Item)).scalars()}
        self.tasks = {t.task: t for t in ctx.execute(select(ServiceTask)).scalars()}
        accounts = {a.customer for a in agreements.values()}
        query = select(Customer.account, Customer.address)
        self.addresses = dict(select_in(ctx, query, Customer.account, sorted(accounts)))
        self.initial = stages.initial(ctx).stage
        self.requires_sign_off = settings.get(ctx, "sign_off_required") == "yes"
        self.workdays_text = settings.get(ctx, "workdays")
        self.workdays = set(settings.parse_weekdays(self.workdays_text))
        self.order_rows: list[dict[str, Any]] = []
        self.line_rows: list[dict[str, Any]] = []
        self.object_rows: list[dict[str, Any]] = []
        self.warnings: list[str] = []
        self._existing([s.existing for s in slots if s.existing is not None])

    def _existing(self, numbers: list[str]) -> None:
        """The last line number and the objects of the open orders new lines join."""
        query = select(OrderLine.order_number, func.max(OrderLine.line_no)).group_by(OrderLine.order_number)
        self.next_line_no: dict[str, int] = dict(select_in(self.ctx, query, OrderLine.order_number, numbers))
        query = select(OrderObject.order_number, OrderObject.object)
        self.objects: set[tuple[str, str]] = set(select_in(self.ctx, query, OrderObject.order_number, numbers))

    def write(self) -> dict[str, Any]:
        new_slots = [s for s in self.slots if s.existing is None]
        take = sequences.peek if self.dry_run else sequences.take
        numbers = iter(take(self.ctx, "order", len(new_slots)))
        planned = [self._slot(slot, slot.existing or next(numbers)) for slot in self.slots]
        if not self.dry_run:
            self._insert()
        return {
            "orders": [p.as_dict() for p in planned],
            "warnings": self.warnings,
            "created_orders": len(self.order_rows),
            "created_lines": len(self.line_rows),
        }

    def _insert(self) -> None:
        ctx = self.ctx
        new = [
            NewOrder(
                r["number"], r["customer"], r["agreement"], r["priority"], r["created_at"], visit_date=r["service_date"]
            )
            for r in self.order_rows
        ]
        with transition(ctx, OrdersCreated(new)):
            connection = ctx.connection()
            for table, rows in (
                (ServiceOrder.__table__, self.order_rows),  # type: ignore[attr-defined]
                (OrderObject.__table__, self.object_rows),  # type: ignore[attr-defined]
                (OrderLine.__table__, [_line_columns(r) for r in self.line_rows]),  # type: ignore[attr-defined]
            ):
                if rows:
                    connection.execute(insert(table), rows)

    def _slot(self, slot: Slot, number: str) -> PlannedOrder:
        agreement_id, key = slot.key  # type: ignore[misc]
        agr = self.agreements[agreement_id]
        plan = PlannedOrder(number, agr.agreement, agr.customer, slot.day, key, existing=slot.existing is not None)
        if slot.existing is None:
            self._new_order(slot, number, agr, key)
        line_no = self.next_line_no.get(number, 0)
        for visit in sorted(slot.visits, key=lambda v: (v.day, v.ref.line_no)):
            line_no += 1
            row = self._line(visit, number, line_no, agr)
            self.line_rows.append(row)
            plan.lines.append({**row, "line": line_no, "agreement_line": f"{agr.agreement}/{visit.ref.line_no}"})
            obj = visit.ref.object
            if obj and (number, obj) not in self.objects:
                self.objects.add((number, obj))
                self.object_rows.append({"order_number": number, "object": obj})
        self.next_line_no[number] = line_no
        return plan

    def _new_order(self, slot: Slot, number: str, agr: Agreement, key: str) -> None:
        workers = {v.ref.worker for v in slot.visits if v.ref.worker}
        technician = agr.technician or (next(iter(workers)) if len(workers) == 1 else None)
        self.order_rows.append(
            {
                "number": number,
                "customer": agr.customer,
                "agreement": agr.agreement,
                "priority": "normal",
                "stage": self.initial,
                "technician": technician,
                "description": agr.description or f"Agreement {agr.agreement}",
                "address": self.addresses.get(agr.customer),
                "preferred_at": None,
                "service_date": slot.day,
                "group_key": key,
                "requires_sign_off": self.requires_sign_off,
                "signed_off_at": None,
                "signed_off_by": None,
                "created_at": self.ctx.now,
                "created_by": self.ctx.actor,
                "updated_at": None,
                "updated_by": None,
            }
        )
        if slot.day.weekday() not in self.workdays:
            self.warnings.append(
                f"{number} falls on {slot.day:%a %Y-%m-%d}, a closed day (workdays: {self.workdays_text})"
            )

    def _line(self, visit: Visit, number: str, line_no: int, agr: Agreement) -> dict[str, Any]:
        line: AgreementLine = visit.ref
        task = self.tasks.get(line.task) if line.task else None
        item = self.items.get(line.item) if line.item else None
        qty = line.quantity or (task.hours if task is not None and line.type == "hour" else Decimal(1))
        if line.price is not None:
            price = line.price
        else:
            price = item.price if item else task.price if task else Decimal("0.00")
        return {
            "order_number": number,
            "line_no": line_no,
            "type": line.type,
            "worker": line.worker or (agr.technician if line.type == "hour" else None),
            "item": line.item,
            "task": line.task,
            "object": line.object,
            "quantity": qty,
            "price": price,
            "description": line.description or (item.name if item else task.description if task else line.type),
            "status": "created",
            "signed_off_at": None,
            "signed_off_by": None,
            "agreement_line_id": line.id,
            "visit_date": visit.day,
            "created_at": self.ctx.now,
            "created_by": self.ctx.actor,
            "updated_at": None,
            "updated_by": None,
        }


def _line_columns(row: dict[str, Any]) -> dict[str, Any]:
    """Order-line values keyed by table column (quantity and price live in milli / cents columns)."""
    out = dict(row)
    out["quantity_milli"] = out.pop("quantity")
    out["price_cents"] = out.pop("price")
    return out
