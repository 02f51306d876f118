"""The rows a generation run writes, a chunk at a time: new orders, their lines and objects, and lines
added to open orders, inserted in bulk; new orders go through the order lifecycle (``OrdersCreated``:
the SLA clock starts for them). Nothing of a chunk is kept once it is written but the counts (and the
orders themselves when the caller lists them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select

from custsvc.context import Context
from custsvc.domain.recurrence import Slot, Visit
from custsvc.models import Customer, Item, OrderLine, OrderObject, ServiceOrder, ServiceTask
from custsvc.services import sequences, settings, stages
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


def reserve(ctx: Context, count: int, *, dry_run: bool) -> Callable[[int], str]:
    """The order numbers of a run's ``count`` new orders, by their position in the run."""
    if count <= 0:
        return _no_number
    return sequences.reserve(ctx, "order", count, dry_run=dry_run)


def _no_number(position: int) -> str:  # pragma: no cover - a run without new orders numbers none
    raise AssertionError(f"no order number was reserved for position {position}")


class Writer:
    """Writes a run's chunks; keeps the counts, the warnings and (``listing``) the orders made."""

    def __init__(self, ctx: Context, number: Callable[[int], str], next_free: dict[date, int], **flags: bool) -> None:
        self.ctx, self.number, self.next_free = ctx, number, next_free
        self.dry_run, self.listing = flags["dry_run"], flags["listing"]
        self.items = {i.item: i for i in ctx.execute(select(Item)).scalars()}
        self.tasks = {t.task: t for t in ctx.execute(select(ServiceTask)).scalars()}
        self.initial = stages.initial(ctx).stage
        self.requires_sign_off = settings.get(ctx, "sign_off_required") == "yes"
        self.workdays_text = settings.get(ctx, "workdays")
        self.workdays = set(settings.parse_weekdays(self.workdays_text))
        self.planned: list[PlannedOrder] = []
        self.created_orders = self.created_lines = 0

    def write(self, agreements: dict[str, Any], slots: list[Slot]) -> None:
        """One chunk: its slots, in the order the run numbers them, made into rows and inserted."""
        chunk = _Chunk(self, agreements, [s.existing for s in slots if s.existing is not None])
        for slot in slots:
            if slot.existing is not None:
                chunk.slot(slot, slot.existing)
                continue
            position = self.next_free[slot.day]
            self.next_free[slot.day] = position + 1
            chunk.slot(slot, self.number(position))
        self.created_orders += len(chunk.order_rows)
        self.created_lines += len(chunk.line_rows)
        if not self.dry_run:
            chunk.insert()

    def closed_days(self, first: dict[date, int], per_day: dict[date, int]) -> list[str]:
        """A warning for each new order on a closed day, in the order of their numbers (the orders of a
        day take the numbers from ``first[day]`` on)."""
        return [
            f"{self.number(position)} falls on {day:%a %Y-%m-%d}, a closed day (workdays: {self.workdays_text})"
            for day, count in per_day.items()
            if day.weekday() not in self.workdays
            for position in range(first[day], first[day] + count)
        ]


class _Chunk:
    """The rows of one chunk."""

    def __init__(self, writer: Writer, agreements: dict[str, Any], joined: list[str]) -> None:
        self.writer, self.ctx, self.agreements = writer, writer.ctx, agreements
        accounts = sorted({a.customer for a in agreements.values()})
        query = select(Customer.account, Customer.address)
        self.addresses = dict(select_in(self.ctx, query, Customer.account, accounts))
        query = select(OrderLine.order_number, func.max(OrderLine.line_no)).group_by(OrderLine.order_number)
        self.next_line_no: dict[str, int] = dict(select_in(self.ctx, query, OrderLine.order_number, joined))
        query = select(OrderObject.order_number, OrderObject.object)
        self.objects: set[tuple[str, str]] = set(select_in(self.ctx, query, OrderObject.order_number, joined))
        self.order_rows: list[dict[str, Any]] = []
        self.line_rows: list[dict[str, Any]] = []
        self.object_rows: list[dict[str, Any]] = []

    def slot(self, slot: Slot, number: str) -> None:
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
            if self.writer.listing:
                plan.lines.append({**row, "line": line_no, "agreement_line": f"{agr.agreement}/{visit.ref.line_no}"})
            obj = visit.ref.object
            if obj and (number, obj) not in self.objects:
                self.objects.add((number, obj))
                self.object_rows.append({"order_number": number, "object": obj})
        self.next_line_no[number] = line_no
        if self.writer.listing:
            self.writer.planned.append(plan)

    def insert(self) -> None:
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

    def _new_order(self, slot: Slot, number: str, agr: Any, key: str) -> None:
        workers = {v.ref.worker for v in slot.visits if v.ref.worker}
        technician = agr.technician or (next(iter(workers)) if len(workers) == 1 else None)
        self.order_rows.append(
            {
                "number": number,
                "customer": agr.customer,
                "agreement": agr.agreement,
                "priority": "normal",
                "stage": self.writer.initial,
                "technician": technician,
                "description": agr.description or f"Agreement {agr.agreement}",
                "address": self.addresses.get(agr.customer),
                "preferred_at": None,
                "service_date": slot.day,
                "group_key": key,
                "requires_sign_off": self.writer.requires_sign_off,
                "signed_off_at": None,
                "signed_off_by": None,
                "created_at": self.ctx.now,
                "created_by": self.ctx.actor,
                "updated_at": None,
                "updated_by": None,
            }
        )

    def _line(self, visit: Visit, number: str, line_no: int, agr: Any) -> dict[str, Any]:
        line = visit.ref
        task = self.writer.tasks.get(line.task) if line.task else None
        item = self.writer.items.get(line.item) if line.item else None
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
