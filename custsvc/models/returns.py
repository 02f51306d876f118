"""Returns (RMA): reason and disposition codes, return orders with a deadline, and their lines (what
is expected back, what arrived, how it was inspected and what processing it made)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, UniqueConstraint, false
from sqlmodel import Field

from custsvc.models.base import Audited
from custsvc.models.types import Money, Qty


class ReturnReason(Audited, table=True):
    """Why a customer sends something back: wrong-item, defective, not-needed ..."""

    __tablename__ = "return_reason"

    code: str = Field(primary_key=True)
    description: str


class ReturnDisposition(Audited, table=True):
    """What happens to a returned line once inspected; ``action`` is one of the seven the processing
    knows (``domain/returns.ACTIONS``)."""

    __tablename__ = "return_disposition"

    code: str = Field(primary_key=True)
    action: str
    description: str
    #: a handling fee invoiced when the goods are shipped back as they are (return-to-customer only)
    fee: Decimal | None = Field(default=None, sa_column=Column("fee_cents", Money(), nullable=True))


class ReturnOrder(Audited, table=True):
    """A return order (RMA): created, then open (goods expected), then closed; or canceled while created."""

    __tablename__ = "return_order"
    __table_args__ = (Index("ix_return_order_customer", "customer"), Index("ix_return_order_status", "status"))

    number: str = Field(primary_key=True)
    customer: str = Field(sa_column=Column(String, ForeignKey("customer.account"), nullable=False))
    reason: str | None = Field(default=None, foreign_key="return_reason.code")
    #: created | open | closed | canceled
    status: str = "created"
    validity_days: int
    #: the last day goods may arrive (creation day + validity days, in the shop's zone)
    deadline: date
    note: str | None = None
    closed_at: datetime | None = None
    #: why it was closed by hand with lines still expected (those are marked lost)
    close_reason: str | None = None


class ReturnLine(Audited, table=True):
    """One thing expected back: an item (a unit by serial, or an object), a quantity, and the invoice
    line it returns (which caps the quantity and sets the price)."""

    __tablename__ = "return_line"
    __table_args__ = (
        UniqueConstraint("rma", "line_no", name="uq_return_line_number"),
        Index("ix_return_line_invoice_line", "invoice_line_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    rma: str = Field(sa_column=Column(String, ForeignKey("return_order.number", ondelete="CASCADE"), nullable=False))
    line_no: int
    item: str = Field(sa_column=Column(String, ForeignKey("item.item"), nullable=False))
    serial: str | None = None
    object: str | None = Field(default=None, foreign_key="service_object.object")
    quantity: Decimal = Field(sa_column=Column("quantity_milli", Qty(), nullable=False))
    #: the unit price credited: the invoiced one when the line returns an invoice line
    price: Decimal = Field(sa_column=Column("price_cents", Money(), nullable=False))
    invoice_line_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("invoice_line.id")))
    reason: str | None = Field(default=None, foreign_key="return_reason.code")
    #: expected | arrived | inspected | processed | in-repair | ship-back (repaired, shipped back) | lost
    status: str = "expected"
    #: the line this one was split from by a partial arrival
    split_from: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("return_line.id")))
    arrived_at: datetime | None = None
    #: it arrived after the deadline (accepted with --late)
    late: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=false()))
    disposition: str | None = Field(default=None, foreign_key="return_disposition.code")
    inspection_note: str | None = None
    inspected_at: datetime | None = None
    processed_at: datetime | None = None
    #: what processing made of it: the credit note line, the replacement and repair orders
    credit_line_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("invoice_line.id")))
    replacement_order: str | None = Field(default=None, foreign_key="service_order.number")
    repair_order: str | None = Field(default=None, foreign_key="service_order.number")
