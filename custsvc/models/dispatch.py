"""Dispatch: technicians' absences and the assignments of orders (or order lines) to them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, String
from sqlmodel import Field, SQLModel

from custsvc.models.base import Audited


class Absence(Audited, table=True):
    id: int | None = Field(default=None, primary_key=True)
    worker: str = Field(
        sa_column=Column(String, ForeignKey("worker.worker", ondelete="CASCADE"), nullable=False, index=True)
    )
    starts_at: datetime
    ends_at: datetime
    reason: str | None = None


class Assignment(Audited, table=True):
    """An order (or one of its lines) on a technician from ``starts_at`` to ``ends_at``."""

    __table_args__ = (Index("ix_assignment_technician_start", "technician", "starts_at"),)

    id: int | None = Field(default=None, primary_key=True)
    order_number: str = Field(
        sa_column=Column(String, ForeignKey("service_order.number", ondelete="CASCADE"), nullable=False, index=True)
    )
    line_no: int | None = None
    technician: str = Field(foreign_key="worker.worker")
    starts_at: datetime
    ends_at: datetime
    #: what a --force assignment overrode (calendar, absence, skill), empty when nothing was
    overridden: str | None = None


class RemovedAssignment(SQLModel, table=True):
    """An assignment as it stood when it stopped being a technician's: unassigned, its order deleted,
    or moved to another technician. Kept so that the technician's calendar file (``dispatch schedule
    --ics --since``) can cancel the event its phone holds. No foreign keys: the order or the worker
    may be gone."""

    __tablename__ = "removed_assignment"
    __table_args__ = (Index("ix_removed_assignment_technician_removed", "technician", "removed_at"),)

    id: int | None = Field(default=None, primary_key=True)
    assignment_id: int
    order_number: str
    line_no: int | None = None
    technician: str
    starts_at: datetime
    ends_at: datetime
    assignment_created_at: datetime
    removed_at: datetime
    removed_by: str
    #: unassigned | order deleted | moved to T-02
    why: str
