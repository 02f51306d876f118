"""Bills of materials: templates of product models with dated versions, and each service object's
own BOM as maintained, versioned by its history.

An object's component rows are valid from one of its BOM versions until a later one replaced them
(``to_version``, None while current), so the BOM as it stood at version N is one range query:
``from_version <= N and (to_version is null or to_version > N)``."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from custsvc.models.base import Audited
from custsvc.models.types import Qty


class BomTemplate(Audited, table=True):
    __tablename__ = "bom_template"

    template: str = Field(primary_key=True)
    item: str = Field(sa_column=Column(String, ForeignKey("item.item"), nullable=False, index=True))
    description: str | None = None


class BomTemplateVersion(Audited, table=True):
    __tablename__ = "bom_template_version"
    __table_args__ = (UniqueConstraint("template", "version", name="uq_bom_template_version"),)

    id: int | None = Field(default=None, primary_key=True)
    template: str = Field(
        sa_column=Column(String, ForeignKey("bom_template.template", ondelete="CASCADE"), nullable=False)
    )
    version: str
    valid_from: date
    #: inclusive; None: open-ended
    valid_to: date | None = None


class BomTemplateComponent(SQLModel, table=True):
    __tablename__ = "bom_template_component"
    __table_args__ = (UniqueConstraint("version_id", "position", name="uq_bom_template_position"),)

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(
        sa_column=Column(Integer, ForeignKey("bom_template_version.id", ondelete="CASCADE"), nullable=False)
    )
    position: str
    item: str = Field(sa_column=Column(String, ForeignKey("item.item"), nullable=False))
    quantity: Decimal = Field(sa_column=Column("quantity_milli", Qty(), nullable=False))
    note: str | None = None


class ObjectBom(Audited, table=True):
    """A service object's own BOM: copied from a template version, then maintained."""

    __tablename__ = "object_bom"

    object: str = Field(sa_column=Column(String, ForeignKey("service_object.object"), primary_key=True, nullable=False))
    template: str = Field(sa_column=Column(String, ForeignKey("bom_template.template"), nullable=False))
    template_version: str
    #: the newest version of this object's BOM (1 when attached)
    version: int = 1


class ObjectBomComponent(SQLModel, table=True):
    __tablename__ = "object_bom_component"
    __table_args__ = (
        Index("ix_object_bom_component_version", "object", "from_version"),
        Index("ix_object_bom_component_serial", "serial"),
    )

    id: int | None = Field(default=None, primary_key=True)
    object: str = Field(sa_column=Column(String, ForeignKey("object_bom.object", ondelete="CASCADE"), nullable=False))
    position: str
    item: str = Field(sa_column=Column(String, ForeignKey("item.item"), nullable=False))
    quantity: Decimal = Field(sa_column=Column("quantity_milli", Qty(), nullable=False))
    serial: str | None = None
    from_version: int
    #: the version that replaced or removed it; None while it is current
    to_version: int | None = None


class ObjectBomChange(SQLModel, table=True):
    """One line of an object's BOM history; each yields the next version of its BOM."""

    __tablename__ = "object_bom_change"
    __table_args__ = (UniqueConstraint("object", "version", name="uq_object_bom_change_version"),)

    id: int | None = Field(default=None, primary_key=True)
    object: str = Field(sa_column=Column(String, ForeignKey("object_bom.object", ondelete="CASCADE"), nullable=False))
    version: int
    #: attach | replace | add | remove | set-qty | serial
    change: str
    position: str | None = None
    old: str | None = None
    new: str | None = None
    reason: str | None = None
    order_number: str | None = None
    #: the order line this change added (``bom replace --invoice``)
    order_line_id: int | None = None
    at: datetime
    actor: str
