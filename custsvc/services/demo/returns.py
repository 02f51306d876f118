"""Return orders (RMAs) in the demo shop, one or two in every status, replayed through the services
at the times they happened (``Context.at``) once the invoicing is done: they return items billed on
real demo invoices (the customer's own), and a repair of a service object sent in.

In the order they were made: one long past its deadline (still expected, overdue); one canceled;
one closed by hand with its line lost; one replaced and credited; one repaired (a repair order);
one inspected for credit and waiting for ``return process``; one with part of its goods in; one
just created. Processing comes after the shop's last invoices, so the credit notes' numbers rise
with their dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from custsvc.context import Context
from custsvc.services.demo.repair_plan import _local, _weekday
from custsvc.services.demo.timeline import DISPATCHER, MANAGER, Later


def _workday(day: date) -> date:
    """The day, or the Friday before a weekend day."""
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


@dataclass(frozen=True)
class Billed:
    """An invoice line that billed an item to the invoice's customer."""

    invoice: str
    line_no: int
    item: str
    quantity: Decimal
    customer: str
    day: date


def _billed(ctx: Context) -> list[Billed]:
    """Invoice lines billing a (not serialized) item at a price, oldest first (one query)."""
    from custsvc.models import Invoice, InvoiceLine, Item, OrderLine, ServiceOrder

    query = (
        select(
            InvoiceLine.invoice,
            InvoiceLine.line_no,
            OrderLine.item,
            InvoiceLine.quantity,
            Invoice.customer,
            Invoice.invoice_date,
        )
        .join(Invoice, Invoice.number == InvoiceLine.invoice)
        .join(OrderLine, OrderLine.id == InvoiceLine.order_line_id)
        .join(ServiceOrder, ServiceOrder.number == OrderLine.order_number)
        .join(Item, Item.item == OrderLine.item)
        .where(
            OrderLine.item.is_not(None),
            ServiceOrder.customer == Invoice.customer,
            Invoice.kind == "invoice",
            InvoiceLine.unit_price > 0,
            Item.serialized.is_not(True),
        )
        .order_by(Invoice.invoice_date, InvoiceLine.invoice, InvoiceLine.line_no)
    )
    return [Billed(*row) for row in ctx.execute(query).all()]


class Returns:
    """The demo's return orders, each made through the services at its times."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.billed = _billed(ctx)
        self.used: set[tuple[str, int]] = set()

    def when(self, days: int, hour: int = 10, minute: int = 0) -> datetime:
        """``days`` from today; a weekend day moves back to the Friday before."""
        return _local(self.ctx, _workday(self.ctx.today + timedelta(days=days)), hour, minute)

    def pick(self, before: datetime) -> Billed | None:
        """The latest invoice line (of 1 or more) not returned yet, invoiced a week before ``before``."""
        last = before.astimezone(self.ctx.tz).date() - timedelta(days=7)
        for row in reversed(self.billed):
            if row.day <= last and row.quantity >= 1 and (row.invoice, row.line_no) not in self.used:
                self.used.add((row.invoice, row.line_no))
                return row
        return None

    def create(self, at: datetime, *, reason: str, qty: str = "1", invoiced: bool = True, **order: Any) -> str:
        """A return order for the customer of an invoice line picked, with one line returning it; not
        ``invoiced``: C-1001's filters at a price agreed."""
        from custsvc.services.returns import lines, orders

        row = self.pick(at) if invoiced else None
        customer = row.customer if row else "C-1001"
        with self.ctx.at(at, actor=DISPATCHER):
            number = orders.create(self.ctx, customer=customer, reason=reason, **order)["rma"]
            if row is None:  # (or no invoice old enough)
                lines.add(self.ctx, number, item="FILTER-G4", qty=qty, price="12.00")
            else:
                lines.add(self.ctx, number, item=row.item, qty=qty, invoice=row.invoice, invoice_line=row.line_no)
        return number

    def step(self, at: datetime, action: Any, *args: Any, actor: str = MANAGER, **kwargs: Any) -> None:
        with self.ctx.at(at, actor=actor):
            action(self.ctx, *args, **kwargs)

    def received(self, number: str, arrive_at: int, disposition: str | None, *, qty: str = "1") -> None:
        """Opened when made; the goods came ``arrive_at`` days from today, inspected a day later."""
        from custsvc.services.returns import arrivals, orders

        created = self.ctx.execute(self._created(number)).scalar_one()
        self.step(created + timedelta(minutes=30), orders.open_, number, actor=DISPATCHER)
        arrived = _workday(self.ctx.today + timedelta(days=arrive_at))
        self.step(_local(self.ctx, arrived, 11), arrivals.arrive, number, 1, qty=qty)
        if disposition is not None:  # the next working day
            note = {"credit": "unused, in its box", "replace-credit": "faulty out of the box"}.get(disposition)
            inspected = _local(self.ctx, _weekday(arrived, 1), 9, 30)
            self.step(inspected, arrivals.inspect, number, 1, disposition=disposition, note=note)

    @staticmethod
    def _created(number: str) -> Any:
        from custsvc.models import ReturnOrder

        return select(ReturnOrder.created_at).where(ReturnOrder.number == number)

    def repair(self, at: datetime) -> str:
        """A service object sent in to be repaired in the shop (no invoice: it is not credited)."""
        from custsvc.models import ServiceObject
        from custsvc.services.returns import lines, orders

        query = select(ServiceObject).where(ServiceObject.item.is_not(None)).order_by(ServiceObject.object)
        obj = self.ctx.execute(query.limit(1)).scalar_one()
        with self.ctx.at(at, actor=DISPATCHER):
            number = orders.create(
                self.ctx, customer=obj.customer, reason="for-repair", note=f"{obj.description} sent in"
            )["rma"]
            lines.add(self.ctx, number, item=obj.item, qty="1", obj=obj.object)
        return number


def load_returns(ctx: Context, later: Later) -> None:
    """The demo's return orders, in the order they were made (``later`` is run already: the invoices exist)."""
    from custsvc.services.returns import orders, processing

    made = Returns(ctx)
    overdue = made.create(made.when(-100), reason="not-needed", validity=90, note="customer is looking for it")
    made.step(made.when(-100, 10, 30), orders.open_, overdue, actor=DISPATCHER)
    canceled = made.create(made.when(-40), reason="wrong-item")
    made.step(made.when(-38), orders.cancel, canceled, actor=DISPATCHER)
    lost = made.create(made.when(-35), reason="wrong-item")
    made.step(made.when(-35, 10, 30), orders.open_, lost, actor=DISPATCHER)
    made.step(made.when(-5, 16), orders.close, lost, reason="customer kept the goods")
    replaced = made.create(made.when(-25), reason="defective")
    made.received(replaced, -20, "replace-credit")
    repaired = made.repair(made.when(-21, 14))
    made.received(repaired, -14, "repair")
    for number in (replaced, repaired):  # after the shop's last invoices
        made.step(made.when(-4, 15), processing.process, number)
    credited = made.create(made.when(-12), reason="defective")
    made.received(credited, -7, "credit")
    partial = made.create(made.when(-8), reason="not-needed", qty="4", invoiced=False)
    made.received(partial, -3, None)
    made.create(made.when(-1), reason="not-needed")
    later.run(ctx)  # nothing is left to wait: the replay ends here
