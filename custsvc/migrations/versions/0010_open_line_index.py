"""Order lines indexed by (order, status): whether an order has an open line is then found by the
order's key, on both stores, whatever the share of open lines (the single-column index on the status
made the open-orders query quadratic on SQLite). The composite index replaces the one on the order
number alone (its first column serves the same lookups).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_order_line_order_status", "order_line", ["order_number", "status"])
    op.drop_index("ix_order_line_order_number", table_name="order_line")


def downgrade() -> None:
    op.create_index("ix_order_line_order_number", "order_line", ["order_number"])
    op.drop_index("ix_order_line_order_status", table_name="order_line")
