"""Repairs: the shop's code lists (conditions, symptom and diagnosis areas with their codes,
resolutions), repair stages, and repair lines on service orders with the parts they swapped and the
order lines (hours, parts) that belong to them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, UniqueConstraint, false
from sqlmodel import Field, SQLModel

from custsvc.models.base import Audited


class RepairCode(Audited, table=True):
    """One code of a setup list. ``kind``: condition, symptom-area, symptom, diagnosis-area, diagnosis
    or resolution; a symptom (diagnosis) belongs to a symptom (diagnosis) area, ``area``."""

    __tablename__ = "repair_code"

    kind: str = Field(primary_key=True)
    code: str = Field(primary_key=True)
    description: str
    area: str | None = None


class RepairStage(Audited, table=True):
    __tablename__ = "repair_stage"

    stage: str = Field(primary_key=True)
    description: str
    #: a repair in this stage is done (its finished time is set; it needs a resolution)
    finished: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=false()))
    position: int = 0


class RepairLine(Audited, table=True):
    """What was wrong with one object of an order, and what was done about it."""

    __tablename__ = "repair_line"
    __table_args__ = (
        UniqueConstraint("order_number", "line_no", name="uq_repair_line_number"),
        Index("ix_repair_line_object_created", "object", "created_at"),
        Index("ix_repair_line_created", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    order_number: str = Field(
        sa_column=Column(String, ForeignKey("service_order.number", ondelete="CASCADE"), nullable=False)
    )
    line_no: int
    object: str = Field(sa_column=Column(String, ForeignKey("service_object.object"), nullable=False))
    #: the unit in the object the repair is about (a part by serial), if any
    serial: str | None = Field(default=None, index=True)
    #: the item of that unit, or of the first part swapped
    part_item: str | None = None
    technician: str | None = Field(default=None, foreign_key="worker.worker", index=True)
    condition: str | None = None
    symptom_area: str | None = None
    symptom: str | None = None
    diagnosis_area: str | None = None
    diagnosis: str | None = None
    resolution: str | None = None
    stage: str = Field(sa_column=Column(String, ForeignKey("repair_stage.stage"), nullable=False))
    note: str | None = None
    #: under warranty when the order was created: its hours and parts are invoiced at zero
    warranty: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=false()))
    #: why it is (or is not) under warranty: "object until 2027-03-10", "part S until ...", "set by hand"
    warranty_basis: str | None = None
    #: the object's BOM when the repair was recorded: its template version and its own version
    bom_template: str | None = None
    bom_template_version: str | None = None
    bom_version: int | None = None
    finished_at: datetime | None = None


class RepairPart(SQLModel, table=True):
    """A part swapped by a repair: the faulty unit out, the new one in, and the BOM version it made."""

    __tablename__ = "repair_part"

    id: int | None = Field(default=None, primary_key=True)
    repair_id: int = Field(
        sa_column=Column(Integer, ForeignKey("repair_line.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    position: str
    old_item: str
    old_serial: str | None = Field(default=None, index=True)
    new_item: str
    new_serial: str | None = Field(default=None, index=True)
    bom_version: int
    order_line_id: int | None = None
    at: datetime
    actor: str


class RepairOrderLine(SQLModel, table=True):
    """An order line (hours, a part) that belongs to a repair: priced at zero under warranty."""

    __tablename__ = "repair_order_line"

    order_line_id: int = Field(
        sa_column=Column(Integer, ForeignKey("order_line.id", ondelete="CASCADE"), primary_key=True)
    )
    repair_id: int = Field(
        sa_column=Column(Integer, ForeignKey("repair_line.id", ondelete="CASCADE"), nullable=False, index=True)
    )
