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
from custsvc.domain.recurrence import Slot, Visit, combine
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
from custsvc.services.agreements.visits import Wanted, done_pairs, generating_agreements, wanted_visits
from custsvc.services.batch import select_in
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


def _nothing(warnings: Sequence[str] = ()) -> dict[str, Any]:
    return {"orders": [], "warnings": list(warnings), "created_orders": 0, "created_lines": 0}


def generate(
    ctx: Context, *, agreement: str | None, date_from: date, date_to: date, dry_run: bool = False
) -> dict[str, Any]:
    """Create the service orders that agreements call for in ``[date_from, date_to]``.

    Returns the orders created (and lines added to existing orders) and warnings. ``dry_run``: the
    same plan, with the order numbers it would take, and nothing written.

    The run thinks first: which visits are missing is worked out in a read transaction, outside the
    write lock; then, holding it, the run drops what another run made meanwhile and writes the rest."""
    if date_to < date_from:
        raise InvalidInput("to", date_to.isoformat(), f"is before --from {date_from.isoformat()}")
    with ctx.reading() as reader:
        if agreement:
            head = get(reader, agreement)
            if head.template or head.suspended:
                what = "a template" if head.template else "suspended"
                return _nothing([f"agreement {agreement} is {what}; it generates nothing"])
        wanted = wanted_visits(reader, agreement, date_from, date_to)
        if dry_run or not wanted.visits:
            return _combine_and_write(reader, wanted, date_from, date_to, dry_run=True)
    return _combine_and_write(ctx, _still_wanted(ctx, wanted, date_from, date_to), date_from, date_to, dry_run=False)


def _still_wanted(ctx: Context, wanted: Wanted, date_from: date, date_to: date) -> Wanted:
    """Under the write lock: the planned visits whose agreement still generates, whose line is not
    stopped, and that no other run made meanwhile."""
    agreements = generating_agreements(ctx, None, date_from, date_to, lock=True)
    agreements = {key: agr for key, agr in agreements.items() if key in wanted.agreements}
    line_ids = sorted({v.ref.id for v in wanted.visits})
    query = select(AgreementLine.id).where(AgreementLine.stopped.is_(False))
    active = {line_id for (line_id,) in select_in(ctx, query, AgreementLine.id, line_ids)}
    done = done_pairs(ctx, line_ids, date_from, date_to)
    still = Wanted(agreements, widest=wanted.widest, warnings=wanted.warnings)
    still.visits = [
        v
        for v in wanted.visits
        if v.ref.agreement in agreements and v.ref.id in active and (v.ref.id, v.day) not in done
    ]
    return still


def _combine_and_write(
    ctx: Context, wanted: Wanted, date_from: date, date_to: date, *, dry_run: bool
) -> dict[str, Any]:
    if not wanted.visits:
        return _nothing(wanted.warnings)
    margin = timedelta(days=wanted.widest)
    joinable = _joinable_orders(ctx, list(wanted.agreements), date_from - margin, date_to + margin)
    result = _Plan(ctx, wanted.agreements, combine(wanted.visits, joinable), dry_run=dry_run).write()
    result["warnings"] = wanted.warnings + result["warnings"]
    return result


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
