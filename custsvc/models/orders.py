"""Service orders: stages, reason codes, number sequences, orders, their lines and stage history."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, ForeignKey, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from custsvc.models.base import Audited
from custsvc.models.types import Money, Qty


class NumberSequence(SQLModel, table=True):
    """Gap-free numbers (SO-000001, INV-000001): taken inside the transaction that uses them."""

    __tablename__ = "number_sequence"

    name: str = Field(primary_key=True)
    prefix: str
    width: int = 6
    next_value: int = 1


class Stage(Audited, table=True):
    """A step of the service-order workflow; children are the stages an order may move on to."""

    stage: str = Field(primary_key=True)
    name: str
    parent: str | None = Field(default=None, foreign_key="stage.stage", index=True)
    position: int = 0
    can_cancel: bool = False
    can_delete: bool = False
    can_modify: bool = False
    can_post: bool = False
    stops_clock: bool = False
    requires_reason: bool = False
    resolves: bool = False
    cancels: bool = False


class ReasonCode(Audited, table=True):
    __tablename__ = "reason_code"

    code: str = Field(primary_key=True)
    description: str


class ServiceOrder(Audited, table=True):
    __tablename__ = "service_order"
    # an agreement's orders in a period (generation), and by agreement alone through its first column
    __table_args__ = (Index("ix_service_order_agreement_date", "agreement", "service_date"),)

    number: str = Field(primary_key=True)
    customer: str = Field(foreign_key="customer.account", index=True)
    agreement: str | None = Field(default=None, foreign_key="agreement.agreement")
    priority: str = "normal"
    stage: str = Field(foreign_key="stage.stage", index=True)
    technician: str | None = Field(default=None, foreign_key="worker.worker", index=True)
    description: str | None = None
    address: str | None = None
    preferred_at: datetime | None = None
    service_date: date | None = Field(default=None, index=True)
    #: for orders generated from an agreement: the combine rule's key (e.g. "object:OBJ-0001")
    group_key: str | None = None
    requires_sign_off: bool = True
    signed_off_at: datetime | None = None
    signed_off_by: str | None = None


class OrderObject(SQLModel, table=True):
    __tablename__ = "order_object"

    order_number: str = Field(
        sa_column=Column(String, ForeignKey("service_order.number", ondelete="CASCADE"), primary_key=True)
    )
    object: str = Field(foreign_key="service_object.object", primary_key=True, index=True)


class OrderLine(Audited, table=True):
    __tablename__ = "order_line"
    __table_args__ = (
        UniqueConstraint("order_number", "line_no", name="uq_order_line_number"),
        # one order line per agreement line and date: what makes generation idempotent
        UniqueConstraint("agreement_line_id", "visit_date", name="uq_order_line_visit"),
        # "has the order an open line": found by the order's key, whatever the share of open lines
        Index("ix_order_line_order_status", "order_number", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    #: indexed by ix_order_line_order_status (its first column)
    order_number: str = Field(
        sa_column=Column(String, ForeignKey("service_order.number", ondelete="CASCADE"), nullable=False)
    )
    line_no: int
    type: str
    worker: str | None = Field(default=None, foreign_key="worker.worker", index=True)
    item: str | None = Field(default=None, foreign_key="item.item", index=True)
    task: str | None = Field(default=None, foreign_key="service_task.task", index=True)
    object: str | None = Field(default=None, foreign_key="service_object.object", index=True)
    quantity: Decimal = Field(sa_column=Column("quantity_milli", Qty(), nullable=False))
    price: Decimal = Field(sa_column=Column("price_cents", Money(), nullable=False))
    description: str | None = None
    status: str = Field(default="created", index=True)
    signed_off_at: datetime | None = None
    signed_off_by: str | None = None
    agreement_line_id: int | None = Field(default=None, foreign_key="agreement_line.id")
    visit_date: date | None = None


class OrderStageLog(SQLModel, table=True):
    """Every stage change (and cancellation) with time, actor and reason."""

    __tablename__ = "order_stage_log"

    id: int | None = Field(default=None, primary_key=True)
    order_number: str = Field(
        sa_column=Column(String, ForeignKey("service_order.number", ondelete="CASCADE"), nullable=False, index=True)
    )
    from_stage: str | None = Field(default=None, foreign_key="stage.stage")
    to_stage: str = Field(foreign_key="stage.stage")
    at: datetime
    actor: str
    reason: str | None = Field(default=None, foreign_key="reason_code.code")
    note: str | None = None
