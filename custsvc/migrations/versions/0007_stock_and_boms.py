"""The installed base: serialized items with warranty, the stock ledger, serial units, template BOMs
with versions, and each service object's BOM with its history.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

AUDIT = ("created_at", "created_by", "updated_at", "updated_by")


def _audit() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.String(), nullable=True),
    ]


def upgrade() -> None:
    _item_flags()
    _stock()
    _templates()
    _object_boms()


def _item_flags() -> None:
    with op.batch_alter_table("item") as batch:
        batch.add_column(sa.Column("serialized", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("warranty_months", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("reorder_level_milli", sa.BigInteger(), nullable=True))


def _stock() -> None:
    op.create_table(
        "stock_move",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(), sa.ForeignKey("item.item"), nullable=False),
        sa.Column("serial", sa.String(), nullable=True),
        sa.Column("quantity_milli", sa.BigInteger(), nullable=False),
        sa.Column("from_location", sa.String(), nullable=False),
        sa.Column("to_location", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("doc_type", sa.String(), nullable=False),
        sa.Column("doc", sa.String(), nullable=True),
        sa.Column("order_line_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_stock_move_item_at", "stock_move", ["item", "at"])
    op.create_index("ix_stock_move_serial", "stock_move", ["item", "serial"])
    op.create_index("ix_stock_move_order_line", "stock_move", ["order_line_id"])
    op.create_table(
        "serial_unit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(), sa.ForeignKey("item.item"), nullable=False),
        sa.Column("serial", sa.String(), nullable=False),
        sa.Column("location", sa.String(), nullable=False),
        sa.Column("in_service_on", sa.Date(), nullable=True),
        sa.Column("warranty_end", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("item", "serial", name="uq_serial_unit"),
    )
    op.create_index("ix_serial_unit_serial", "serial_unit", ["serial"])
    op.create_index("ix_serial_unit_location", "serial_unit", ["location"])


def _templates() -> None:
    op.create_table(
        "bom_template",
        sa.Column("template", sa.String(), nullable=False),
        sa.Column("item", sa.String(), sa.ForeignKey("item.item"), nullable=False),
        sa.Column("description", sa.String(), nullable=True),
        *_audit(),
        sa.PrimaryKeyConstraint("template"),
    )
    op.create_index("ix_bom_template_item", "bom_template", ["item"])
    op.create_table(
        "bom_template_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("template", sa.String(), sa.ForeignKey("bom_template.template", ondelete="CASCADE"), nullable=False),
        sa.Column("version", sa.String(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        *_audit(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("template", "version", name="uq_bom_template_version"),
    )
    op.create_table(
        "bom_template_component",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "version_id", sa.Integer(), sa.ForeignKey("bom_template_version.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("position", sa.String(), nullable=False),
        sa.Column("item", sa.String(), sa.ForeignKey("item.item"), nullable=False),
        sa.Column("quantity_milli", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("version_id", "position", name="uq_bom_template_position"),
    )


def _object_boms() -> None:
    op.create_table(
        "object_bom",
        sa.Column("object", sa.String(), sa.ForeignKey("service_object.object"), nullable=False),
        sa.Column("template", sa.String(), sa.ForeignKey("bom_template.template"), nullable=False),
        sa.Column("template_version", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        *_audit(),
        sa.PrimaryKeyConstraint("object"),
    )
    op.create_table(
        "object_bom_component",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("object", sa.String(), sa.ForeignKey("object_bom.object", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.String(), nullable=False),
        sa.Column("item", sa.String(), sa.ForeignKey("item.item"), nullable=False),
        sa.Column("quantity_milli", sa.BigInteger(), nullable=False),
        sa.Column("serial", sa.String(), nullable=True),
        sa.Column("from_version", sa.Integer(), nullable=False),
        sa.Column("to_version", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_object_bom_component_version", "object_bom_component", ["object", "from_version"])
    op.create_index("ix_object_bom_component_serial", "object_bom_component", ["serial"])
    op.create_table(
        "object_bom_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("object", sa.String(), sa.ForeignKey("object_bom.object", ondelete="CASCADE"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("change", sa.String(), nullable=False),
        sa.Column("position", sa.String(), nullable=True),
        sa.Column("old", sa.String(), nullable=True),
        sa.Column("new", sa.String(), nullable=True),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("order_number", sa.String(), nullable=True),
        sa.Column("order_line_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("object", "version", name="uq_object_bom_change_version"),
    )


def downgrade() -> None:
    for table in (
        "object_bom_change",
        "object_bom_component",
        "object_bom",
        "bom_template_component",
        "bom_template_version",
        "bom_template",
        "serial_unit",
        "stock_move",
    ):
        op.drop_table(table)
    with op.batch_alter_table("item") as batch:
        batch.drop_column("reorder_level_milli")
        batch.drop_column("warranty_months")
        batch.drop_column("serialized")
