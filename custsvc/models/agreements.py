"""Service agreements and their recurring lines."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Column, ForeignKey, String, UniqueConstraint
from sqlmodel import Field

from custsvc.models.base import Audited
from custsvc.models.types import Money, Qty


class Agreement(Audited, table=True):
    agreement: str = Field(primary_key=True)
    customer: str = Field(foreign_key="customer.account", index=True)
    agreement_group: str | None = None
    description: str | None = None
    start: date
    end: date | None = None
    technician: str | None = Field(default=None, foreign_key="worker.worker")
    combine: str = "agreement"
    suspended: bool = False
    template: bool = False


class AgreementLine(Audited, table=True):
    __tablename__ = "agreement_line"
    __table_args__ = (UniqueConstraint("agreement", "line_no", name="uq_agreement_line_number"),)

    id: int | None = Field(default=None, primary_key=True)
    agreement: str = Field(
        sa_column=Column(String, ForeignKey("agreement.agreement", ondelete="CASCADE"), nullable=False, index=True)
    )
    line_no: int
    type: str
    object: str | None = Field(default=None, foreign_key="service_object.object")
    task: str | None = Field(default=None, foreign_key="service_task.task")
    worker: str | None = Field(default=None, foreign_key="worker.worker")
    item: str | None = Field(default=None, foreign_key="item.item")
    quantity: Decimal | None = Field(default=None, sa_column=Column("quantity_milli", Qty(), nullable=True))
    price: Decimal | None = Field(default=None, sa_column=Column("price_cents", Money(), nullable=True))
    description: str | None = None
    every_count: int | None = None
    every_unit: str | None = None
    rrule: str | None = None
    window_kind: str | None = None
    window_days: int | None = None
    start: date
    end: date | None = None
    stopped: bool = False
