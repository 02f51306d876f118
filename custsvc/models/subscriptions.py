"""Service subscriptions: groups (billing policy), subscriptions with effective-dated prices and
indexes, reduction days, the periods billed, and posted accruals."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, ForeignKey, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from custsvc.models.base import Audited
from custsvc.models.types import Money, Qty


class SubscriptionGroup(Audited, table=True):
    __tablename__ = "subscription_group"

    group: str = Field(primary_key=True)
    period: str  # day | week | month | quarter | year
    every: int = 1
    align: str = "anniversary"  # anniversary | calendar
    proration: str = "daily"  # full | daily | none
    accrue: str | None = None
    description: str | None = None


class Subscription(Audited, table=True):
    subscription: str = Field(primary_key=True)
    customer: str = Field(foreign_key="customer.account", index=True)
    group: str = Field(foreign_key="subscription_group.group", index=True)
    currency: str
    start: date
    end: date | None = None
    canceled_on: date | None = None
    description: str | None = None
    #: every period up to this day is billed (a fast path for the invoicing run; the unique key decides)
    billed_through: date | None = Field(default=None, index=True)


class SubscriptionPrice(SQLModel, table=True):
    __tablename__ = "subscription_price"

    subscription: str = Field(
        sa_column=Column(String, ForeignKey("subscription.subscription", ondelete="CASCADE"), primary_key=True)
    )
    valid_from: date = Field(primary_key=True)
    fee: Decimal = Field(sa_column=Column("fee_cents", Money(), nullable=False))
    created_at: datetime
    created_by: str


class SubscriptionIndex(SQLModel, table=True):
    __tablename__ = "subscription_index"

    subscription: str = Field(
        sa_column=Column(String, ForeignKey("subscription.subscription", ondelete="CASCADE"), primary_key=True)
    )
    valid_from: date = Field(primary_key=True)
    index: Decimal = Field(sa_column=Column("index_milli", Qty(), nullable=False))
    created_at: datetime
    created_by: str


class SubscriptionReduction(Audited, table=True):
    __tablename__ = "subscription_reduction"

    id: int | None = Field(default=None, primary_key=True)
    subscription: str = Field(
        sa_column=Column(
            String, ForeignKey("subscription.subscription", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    first_day: date
    last_day: date
    reason: str | None = None


class SubscriptionBilling(SQLModel, table=True):
    """One row per subscription and period billed: the unique key makes double billing impossible."""

    __tablename__ = "subscription_billing"
    __table_args__ = (UniqueConstraint("subscription", "period_start", name="uq_subscription_billing_period"),)

    id: int | None = Field(default=None, primary_key=True)
    subscription: str = Field(foreign_key="subscription.subscription", index=True)
    period_start: date
    period_end: date
    invoice_line_id: int | None = Field(default=None, foreign_key="invoice_line.id")
    billed_at: datetime
    billed_by: str


class AccrualEntry(SQLModel, table=True):
    """Revenue of an invoice line recognized in one accrual period (posted by `subscription accruals --post`)."""

    __tablename__ = "accrual_entry"
    __table_args__ = (UniqueConstraint("invoice_line_id", "part_start", name="uq_accrual_entry_part"),)

    id: int | None = Field(default=None, primary_key=True)
    invoice_line_id: int = Field(foreign_key="invoice_line.id", index=True)
    part_start: date
    part_end: date
    amount: Decimal = Field(sa_column=Column("amount_cents", Money(), nullable=False))
    posted_at: datetime
    posted_by: str
