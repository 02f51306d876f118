"""Calendars, SLA definitions and how they apply, and the SLA clock of each order."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, String
from sqlmodel import Field, SQLModel

from custsvc.models.base import Audited


class Calendar(Audited, table=True):
    calendar: str = Field(primary_key=True)
    timezone: str
    #: working windows as specs, e.g. "mon-fri 08:00-12:00,13:00-17:00; sat 09:00-13:00"
    hours: str
    holidays_country: str | None = None
    holidays_subdivision: str | None = None
    description: str | None = None


class CalendarHoliday(Audited, table=True):
    __tablename__ = "calendar_holiday"

    calendar: str = Field(
        sa_column=Column(String, ForeignKey("calendar.calendar", ondelete="CASCADE"), primary_key=True)
    )
    day: date = Field(primary_key=True)
    name: str | None = None


class Sla(Audited, table=True):
    sla: str = Field(primary_key=True)
    calendar: str = Field(foreign_key="calendar.calendar", index=True)
    description: str | None = None
    suspended: bool = False


class SlaTarget(SQLModel, table=True):
    """Response and resolution targets in business seconds, per priority ("*" for the rest)."""

    __tablename__ = "sla_target"

    sla: str = Field(sa_column=Column(String, ForeignKey("sla.sla", ondelete="CASCADE"), primary_key=True))
    priority: str = Field(primary_key=True)
    response_seconds: int
    resolution_seconds: int


class SlaAssignment(Audited, table=True):
    """Which SLA applies to a customer, a tier, an agreement, or by default (key "")."""

    __tablename__ = "sla_assignment"

    scope: str = Field(primary_key=True)  # customer | tier | agreement | default
    key: str = Field(primary_key=True)
    sla: str = Field(foreign_key="sla.sla", index=True)


class OrderSla(SQLModel, table=True):
    """The SLA fixed on an order when it was created, and its clock (cached from the SLA log)."""

    __tablename__ = "order_sla"

    order_number: str = Field(
        sa_column=Column(String, ForeignKey("service_order.number", ondelete="CASCADE"), primary_key=True)
    )
    sla: str = Field(foreign_key="sla.sla", index=True)
    calendar: str = Field(foreign_key="calendar.calendar")
    priority: str
    started_at: datetime
    response_target: int
    resolution_target: int
    responded_at: datetime | None = None
    resolved_at: datetime | None = None
    canceled_at: datetime | None = None
    paused_since: datetime | None = None
    # as of the last event: deadlines (an ongoing pause not yet counted) and business seconds used
    response_due: datetime | None = Field(default=None, index=True)
    resolution_due: datetime | None = Field(default=None, index=True)
    response_seconds: int | None = None
    resolution_seconds: int | None = None
    paused_seconds: int = 0
    #: met | breached | open | canceled, as of the last event (an open order may breach later)
    outcome: str = Field(default="open", index=True)


class SlaLog(SQLModel, table=True):
    """Every start, stop, pause, resume, response, resolution and re-opening of an order's clock."""

    __tablename__ = "sla_log"

    id: int | None = Field(default=None, primary_key=True)
    order_number: str = Field(
        sa_column=Column(String, ForeignKey("service_order.number", ondelete="CASCADE"), nullable=False, index=True)
    )
    at: datetime
    event: str  # start | stop | pause | resume | respond | resolve | reopen | cancel
    actor: str
    reason: str | None = Field(default=None, foreign_key="reason_code.code")
    note: str | None = None
