"""Dispatch: technicians' absences and the assignments of orders (or order lines) to them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, String
from sqlmodel import Field

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
