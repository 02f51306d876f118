"""Returns (RMA): reason and disposition codes (seeded with a default set, one disposition per
action), return orders with their deadline and lines, and the RMA number sequence.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

#: the defaults (frozen here: later changes of the defaults do not rewrite history)
REASONS = (
    ("wrong-item", "Wrong item delivered"),
    ("defective", "Defective or failed"),
    ("not-needed", "Not needed (any more)"),
    ("for-repair", "Sent in to be repaired"),
)
DISPOSITIONS = (
    ("credit", "credit", "Back to stock, customer credited"),
    ("credit-only", "credit-only", "Credited, nothing comes back"),
    ("scrap", "scrap", "Scrapped, customer credited"),
    ("replace-credit", "replace-credit", "Back to stock, credited, a replacement sent"),
    ("replace-scrap", "replace-scrap", "Scrapped, credited, a replacement sent"),
    ("return-to-customer", "return-to-customer", "Shipped back as it is, no credit"),
    ("repair", "repair", "Repaired in the shop, then shipped back"),
)


def _audit() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.String(), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "return_reason",
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        *_audit(),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "return_disposition",
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("fee_cents", sa.BigInteger(), nullable=True),
        *_audit(),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "return_order",
        sa.Column("number", sa.String(), nullable=False),
        sa.Column("customer", sa.String(), sa.ForeignKey("customer.account"), nullable=False),
        sa.Column("reason", sa.String(), sa.ForeignKey("return_reason.code"), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("validity_days", sa.Integer(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("note", sa.String(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("close_reason", sa.String(), nullable=True),
        *_audit(),
        sa.PrimaryKeyConstraint("number"),
    )
    op.create_index("ix_return_order_customer", "return_order", ["customer"])
    op.create_index("ix_return_order_status", "return_order", ["status"])
    _lines()
    _seed()


def _lines() -> None:
    op.create_table(
        "return_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rma", sa.String(), sa.ForeignKey("return_order.number", ondelete="CASCADE"), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(), sa.ForeignKey("item.item"), nullable=False),
        sa.Column("serial", sa.String(), nullable=True),
        sa.Column("object", sa.String(), sa.ForeignKey("service_object.object"), nullable=True),
        sa.Column("quantity_milli", sa.BigInteger(), nullable=False),
        sa.Column("price_cents", sa.BigInteger(), nullable=False),
        sa.Column("invoice_line_id", sa.Integer(), sa.ForeignKey("invoice_line.id"), nullable=True),
        sa.Column("reason", sa.String(), sa.ForeignKey("return_reason.code"), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("split_from", sa.Integer(), sa.ForeignKey("return_line.id"), nullable=True),
        sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("disposition", sa.String(), sa.ForeignKey("return_disposition.code"), nullable=True),
        sa.Column("inspection_note", sa.String(), nullable=True),
        sa.Column("inspected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("credit_line_id", sa.Integer(), sa.ForeignKey("invoice_line.id"), nullable=True),
        sa.Column("replacement_order", sa.String(), sa.ForeignKey("service_order.number"), nullable=True),
        sa.Column("repair_order", sa.String(), sa.ForeignKey("service_order.number"), nullable=True),
        *_audit(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("rma", "line_no", name="uq_return_line_number"),
    )
    op.create_index("ix_return_line_invoice_line", "return_line", ["invoice_line_id"])


def _seed() -> None:
    from alembic import context

    from custsvc import clock

    now = context.config.attributes.get("now") or clock.now()
    audit = {"created_at": now, "created_by": "custsvc"}
    reason = sa.table(
        "return_reason", sa.column("code"), sa.column("description"), sa.column("created_at"), sa.column("created_by")
    )
    op.bulk_insert(reason, [{"code": c, "description": d, **audit} for c, d in REASONS])
    disposition = sa.table(
        "return_disposition",
        sa.column("code"),
        sa.column("action"),
        sa.column("description"),
        sa.column("created_at"),
        sa.column("created_by"),
    )
    op.bulk_insert(disposition, [{"code": c, "action": a, "description": d, **audit} for c, a, d in DISPOSITIONS])
    sequence = sa.table(
        "number_sequence", sa.column("name"), sa.column("prefix"), sa.column("width"), sa.column("next_value")
    )
    op.bulk_insert(sequence, [{"name": "return", "prefix": "RMA-", "width": 6, "next_value": 1}])


def downgrade() -> None:
    op.execute("DELETE FROM number_sequence WHERE name = 'return'")
    for table in ("return_line", "return_order", "return_disposition", "return_reason"):
        op.drop_table(table)
