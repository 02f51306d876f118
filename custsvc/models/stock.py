"""Parts on the shelf and units by serial number: a ledger of movements, and each serialized unit.

On-hand per item and location is never stored: it is the sum of the ledger (``to`` minus ``from``).
A serialized unit keeps where it is now (``location``) so that "where is this unit" is one indexed
lookup; every change of it is a ledger row too, and the two are written together."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from custsvc.models.types import Qty


class StockMove(SQLModel, table=True):
    """One physical movement of a part: ``quantity`` units of ``item`` (one unit, ``serial``, of a
    serialized item) from one location to another, with what caused it."""

    __tablename__ = "stock_move"
    __table_args__ = (
        Index("ix_stock_move_item_at", "item", "at"),
        Index("ix_stock_move_serial", "item", "serial"),
        Index("ix_stock_move_order_line", "order_line_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    item: str = Field(sa_column=Column(String, ForeignKey("item.item"), nullable=False))
    serial: str | None = None
    quantity: Decimal = Field(sa_column=Column("quantity_milli", Qty(), nullable=False))
    from_location: str
    to_location: str
    at: datetime
    actor: str
    #: what caused it: receive | adjust | manual | order | bom | return
    doc_type: str
    #: the document: an order number, an object (a BOM change), an RMA ...
    doc: str | None = None
    #: the order line whose parts these are (posting moves a line's parts once)
    order_line_id: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    note: str | None = None


class SerialUnit(SQLModel, table=True):
    """One unit of a serialized item, by serial number (unique per item)."""

    __tablename__ = "serial_unit"
    __table_args__ = (
        UniqueConstraint("item", "serial", name="uq_serial_unit"),
        Index("ix_serial_unit_serial", "serial"),
        Index("ix_serial_unit_location", "location"),
    )

    id: int | None = Field(default=None, primary_key=True)
    item: str = Field(sa_column=Column(String, ForeignKey("item.item"), nullable=False))
    serial: str
    #: where it is now: stock, quarantine, scrap, vendor, customer, object:OBJ
    location: str
    #: when the unit was installed or delivered (its warranty runs from then)
    in_service_on: date | None = None
    #: set explicitly; else in service date + the item's warranty
    warranty_end: date | None = None
    created_at: datetime
    created_by: str
