"""Master data: customers, service objects, items, service tasks, workers and dispatch teams."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Boolean, Column, ForeignKey, String, UniqueConstraint, false
from sqlmodel import Field, SQLModel

from custsvc.models.base import Audited
from custsvc.models.types import Money, Qty


class Setting(SQLModel, table=True):
    """Shop-wide settings (time zone, currency ...), one row per key."""

    key: str = Field(primary_key=True)
    value: str


class Customer(Audited, table=True):
    account: str = Field(primary_key=True)
    name: str
    tier: str | None = Field(default=None, index=True)
    timezone: str | None = None
    email: str | None = None
    phone: str | None = None
    address: str | None = None


class Item(Audited, table=True):
    item: str = Field(primary_key=True)
    name: str
    unit: str = Field(default="pcs")
    price: Decimal = Field(default=Decimal("0.00"), sa_column=Column("price_cents", Money(), nullable=False))
    #: units are tracked one by one, by serial number
    serialized: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=false()))
    #: the default warranty of a unit, in months from when it is installed or delivered
    warranty_months: int | None = None
    #: ``stock list`` hints to reorder when the shelf holds less
    reorder_level: Decimal | None = Field(default=None, sa_column=Column("reorder_level_milli", Qty(), nullable=True))


class ServiceTask(Audited, table=True):
    __tablename__ = "service_task"

    task: str = Field(primary_key=True)
    description: str
    hours: Decimal = Field(default=Decimal(1), sa_column=Column("hours_milli", Qty(), nullable=False))
    skill: str | None = Field(default=None, index=True)
    #: price per unit of an order line for this task (per hour on hour lines)
    price: Decimal = Field(
        default=Decimal("0.00"), sa_column=Column("price_cents", Money(), nullable=False, server_default="0")
    )


class Team(Audited, table=True):
    team: str = Field(primary_key=True)
    description: str | None = None
    # the owner is a worker; the constraint is added after both tables exist (they refer to each other)
    owner: str = Field(
        sa_column=Column(String, ForeignKey("worker.worker", use_alter=True, name="fk_team_owner"), nullable=False)
    )


class Worker(Audited, table=True):
    worker: str = Field(primary_key=True)
    name: str
    team: str | None = Field(default=None, foreign_key="team.team", index=True)
    email: str | None = None
    phone: str | None = None
    #: working calendar (default: the shop's, see `config set calendar`)
    calendar: str | None = Field(
        default=None,
        sa_column=Column(String, ForeignKey("calendar.calendar", name="fk_worker_calendar"), nullable=True),
    )


class WorkerRole(SQLModel, table=True):
    __tablename__ = "worker_role"

    worker: str = Field(foreign_key="worker.worker", primary_key=True, ondelete="CASCADE")
    role: str = Field(primary_key=True)


class WorkerSkill(SQLModel, table=True):
    __tablename__ = "worker_skill"

    worker: str = Field(foreign_key="worker.worker", primary_key=True, ondelete="CASCADE")
    skill: str = Field(primary_key=True, index=True)


class ServiceObject(Audited, table=True):
    __tablename__ = "service_object"
    __table_args__ = (UniqueConstraint("item", "serial", name="uq_service_object_item_serial"),)

    object: str = Field(primary_key=True)
    customer: str = Field(foreign_key="customer.account", index=True)
    item: str | None = Field(default=None, foreign_key="item.item", index=True)
    serial: str | None = Field(default=None, index=True)
    description: str | None = None
    object_group: str | None = Field(default=None, index=True)
    #: when it went into service at the customer (its warranty and its time in service run from then)
    installed_on: date | None = None
    #: the last day of the object's own warranty, when one was given
    warranty_until: date | None = None
