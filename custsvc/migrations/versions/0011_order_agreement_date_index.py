"""Service orders indexed by (agreement, service date): a generation run finds the open orders of a
chunk of agreements in the requested period by the index alone, whatever the agreements' history (the
index on the agreement alone made it read every order the agreements ever had). The composite index
replaces the one on the agreement alone (its first column serves the same lookups).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_service_order_agreement_date", "service_order", ["agreement", "service_date"])
    op.drop_index("ix_service_order_agreement", table_name="service_order")


def downgrade() -> None:
    op.create_index("ix_service_order_agreement", "service_order", ["agreement"])
    op.drop_index("ix_service_order_agreement_date", table_name="service_order")
