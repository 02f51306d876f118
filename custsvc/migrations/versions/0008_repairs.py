"""Repairs: code lists, repair stages (seeded with registered, diagnosed, repaired, not-repairable),
repair lines on orders with the parts they swapped and the order lines that belong to them; objects'
install date and own warranty; warranty lines on invoices.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

#: the default repair stages (frozen here: later changes of the defaults do not rewrite history)
STAGES = (
    ("registered", "Registered, not looked at yet", False),
    ("diagnosed", "Diagnosed, the fix is known", False),
    ("repaired", "Repaired", True),
    ("not-repairable", "Cannot be repaired", True),
)


def _audit() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.String(), nullable=True),
    ]


def upgrade() -> None:
    with op.batch_alter_table("service_object") as batch:
        batch.add_column(sa.Column("installed_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("warranty_until", sa.Date(), nullable=True))
    with op.batch_alter_table("invoice_line") as batch:
        batch.add_column(sa.Column("warranty_value_cents", sa.BigInteger(), nullable=True))
    _setup_lists()
    _repair_lines()
    _seed()


def _setup_lists() -> None:
    op.create_table(
        "repair_code",
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("area", sa.String(), nullable=True),
        *_audit(),
        sa.PrimaryKeyConstraint("kind", "code"),
    )
    op.create_table(
        "repair_stage",
        sa.Column("stage", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("finished", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("position", sa.Integer(), nullable=False),
        *_audit(),
        sa.PrimaryKeyConstraint("stage"),
    )


def _repair_lines() -> None:
    op.create_table(
        "repair_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "order_number", sa.String(), sa.ForeignKey("service_order.number", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("object", sa.String(), sa.ForeignKey("service_object.object"), nullable=False),
        sa.Column("serial", sa.String(), nullable=True),
        sa.Column("part_item", sa.String(), nullable=True),
        sa.Column("technician", sa.String(), sa.ForeignKey("worker.worker"), nullable=True),
        *(
            sa.Column(name, sa.String(), nullable=True)
            for name in ("condition", "symptom_area", "symptom", "diagnosis_area", "diagnosis", "resolution")
        ),
        sa.Column("stage", sa.String(), sa.ForeignKey("repair_stage.stage"), nullable=False),
        sa.Column("note", sa.String(), nullable=True),
        sa.Column("warranty", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("warranty_basis", sa.String(), nullable=True),
        sa.Column("bom_template", sa.String(), nullable=True),
        sa.Column("bom_template_version", sa.String(), nullable=True),
        sa.Column("bom_version", sa.Integer(), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        *_audit(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("order_number", "line_no", name="uq_repair_line_number"),
    )
    op.create_index("ix_repair_line_object_created", "repair_line", ["object", "created_at"])
    op.create_index("ix_repair_line_created", "repair_line", ["created_at"])
    op.create_index("ix_repair_line_serial", "repair_line", ["serial"])
    op.create_index("ix_repair_line_technician", "repair_line", ["technician"])
    op.create_table(
        "repair_part",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("repair_id", sa.Integer(), sa.ForeignKey("repair_line.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.String(), nullable=False),
        sa.Column("old_item", sa.String(), nullable=False),
        sa.Column("old_serial", sa.String(), nullable=True),
        sa.Column("new_item", sa.String(), nullable=False),
        sa.Column("new_serial", sa.String(), nullable=True),
        sa.Column("bom_version", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_repair_part_repair_id", "repair_part", ["repair_id"])
    op.create_index("ix_repair_part_old_serial", "repair_part", ["old_serial"])
    op.create_index("ix_repair_part_new_serial", "repair_part", ["new_serial"])
    op.create_table(
        "repair_order_line",
        sa.Column("order_line_id", sa.Integer(), sa.ForeignKey("order_line.id", ondelete="CASCADE"), nullable=False),
        sa.Column("repair_id", sa.Integer(), sa.ForeignKey("repair_line.id", ondelete="CASCADE"), nullable=False),
        sa.PrimaryKeyConstraint("order_line_id"),
    )
    op.create_index("ix_repair_order_line_repair_id", "repair_order_line", ["repair_id"])


def _seed() -> None:
    from alembic import context

    from custsvc import clock

    now = context.config.attributes.get("now") or clock.now()
    stage = sa.table(
        "repair_stage",
        sa.column("stage"),
        sa.column("description"),
        sa.column("finished", sa.Boolean()),
        sa.column("position", sa.Integer()),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("created_by"),
    )
    op.bulk_insert(
        stage,
        [
            {
                "stage": code,
                "description": text,
                "finished": done,
                "position": position,
                "created_at": now,
                "created_by": "custsvc",
            }
            for position, (code, text, done) in enumerate(STAGES)
        ],
    )


def downgrade() -> None:
    for table in ("repair_order_line", "repair_part", "repair_line", "repair_stage", "repair_code"):
        op.drop_table(table)
    with op.batch_alter_table("invoice_line") as batch:
        batch.drop_column("warranty_value_cents")
    with op.batch_alter_table("service_object") as batch:
        batch.drop_column("warranty_until")
        batch.drop_column("installed_on")
