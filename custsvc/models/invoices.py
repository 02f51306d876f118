"""Invoices and credit notes (shared by service orders, subscriptions and returns)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Column, ForeignKey, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from custsvc.models.base import Audited
from custsvc.models.types import Money, Qty


class Invoice(Audited, table=True):
    number: str = Field(primary_key=True)
    kind: str = "invoice"  # invoice | credit
    customer: str = Field(foreign_key="customer.account", index=True)
    currency: str
    invoice_date: date = Field(index=True)
    credits: str | None = Field(default=None, foreign_key="invoice.number")
    total: Decimal = Field(sa_column=Column("total_cents", Money(), nullable=False))
    note: str | None = None


class InvoiceLine(SQLModel, table=True):
    __tablename__ = "invoice_line"
    __table_args__ = (UniqueConstraint("invoice", "line_no", name="uq_invoice_line_number"),)

    id: int | None = Field(default=None, primary_key=True)
    invoice: str = Field(foreign_key="invoice.number", index=True)
    line_no: int
    description: str
    quantity: Decimal = Field(sa_column=Column("quantity_milli", Qty(), nullable=False))
    unit_price: Decimal = Field(sa_column=Column("unit_price_cents", Money(), nullable=False))
    amount: Decimal = Field(sa_column=Column("amount_cents", Money(), nullable=False))
    source_type: str  # order | subscription | return
    source: str  # the order / subscription / return it bills
    order_line_id: int | None = Field(default=None, foreign_key="order_line.id", index=True)
    credited_line_id: int | None = Field(default=None, foreign_key="invoice_line.id", index=True)
    # for subscription lines: the subscription and the days the line bills (or credits)
    subscription: str | None = Field(
        default=None,
        sa_column=Column(
            String,
            ForeignKey("subscription.subscription", name="fk_invoice_line_subscription"),
            nullable=True,
            index=True,
        ),
    )
    period_start: date | None = None
    period_end: date | None = None
    #: a warranty line: billed at zero; what it would have cost (the shop gives it away)
    warranty_value: Decimal | None = Field(
        default=None, sa_column=Column("warranty_value_cents", Money(), nullable=True)
    )
