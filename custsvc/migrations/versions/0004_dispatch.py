"""Dispatch: worker calendars, absences and assignments.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "absence",
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.String(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("worker", sa.String(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["worker"], ["worker.worker"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_absence_worker", "absence", ["worker"])
    op.create_table(
        "assignment",
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.String(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_number", sa.String(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=True),
        sa.Column("technician", sa.String(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("overridden", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["order_number"], ["service_order.number"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["technician"],
            ["worker.worker"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_assignment_order_number", "assignment", ["order_number"])
    op.create_index("ix_assignment_technician_start", "assignment", ["technician", "starts_at"])
    # SQLite rebuilds the table to add the key (foreign keys are off during migrations, so no row is lost)
    with op.batch_alter_table("worker") as batch:
        batch.add_column(sa.Column("calendar", sa.String(), nullable=True))
        batch.create_foreign_key("fk_worker_calendar", "calendar", ["calendar"], ["calendar"])


def downgrade() -> None:
    op.drop_table("assignment")
    op.drop_table("absence")
    with op.batch_alter_table("worker") as batch:
        batch.drop_constraint("fk_worker_calendar", type_="foreignkey")
        batch.drop_column("calendar")
