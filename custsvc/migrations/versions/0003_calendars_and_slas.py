"""Calendars, SLAs and how they apply, the SLA clock of each order and its log.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _calendars()
    _slas()
    _order_slas()
    _sla_log()


def _calendars() -> None:
    """Create the calendar and calendar_holiday tables."""
    op.create_table(
        "calendar",
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.String(), nullable=True),
        sa.Column("calendar", sa.String(), nullable=False),
        sa.Column("timezone", sa.String(), nullable=False),
        sa.Column("hours", sa.String(), nullable=False),
        sa.Column("holidays_country", sa.String(), nullable=True),
        sa.Column("holidays_subdivision", sa.String(), nullable=True),
        sa.Column("description", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("calendar"),
    )
    op.create_table(
        "calendar_holiday",
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.String(), nullable=True),
        sa.Column("calendar", sa.String(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["calendar"], ["calendar.calendar"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("calendar", "day"),
    )


def _slas() -> None:
    """Create the sla, sla_assignment and sla_target tables."""
    op.create_table(
        "sla",
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.String(), nullable=True),
        sa.Column("sla", sa.String(), nullable=False),
        sa.Column("calendar", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=True),
        sa.Column("suspended", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["calendar"],
            ["calendar.calendar"],
        ),
        sa.PrimaryKeyConstraint("sla"),
    )
    op.create_index("ix_sla_calendar", "sla", ["calendar"])
    op.create_table(
        "sla_assignment",
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.String(), nullable=True),
        sa.Column("scope", sa.String(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("sla", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sla"],
            ["sla.sla"],
        ),
        sa.PrimaryKeyConstraint("scope", "key"),
    )
    op.create_index("ix_sla_assignment_sla", "sla_assignment", ["sla"])
    op.create_table(
        "sla_target",
        sa.Column("sla", sa.String(), nullable=False),
        sa.Column("priority", sa.String(), nullable=False),
        sa.Column("response_seconds", sa.Integer(), nullable=False),
        sa.Column("resolution_seconds", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["sla"], ["sla.sla"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("sla", "priority"),
    )


def _order_slas() -> None:
    """Create the order_sla table."""
    op.create_table(
        "order_sla",
        sa.Column("order_number", sa.String(), nullable=False),
        sa.Column("sla", sa.String(), nullable=False),
        sa.Column("calendar", sa.String(), nullable=False),
        sa.Column("priority", sa.String(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("response_target", sa.Integer(), nullable=False),
        sa.Column("resolution_target", sa.Integer(), nullable=False),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("canceled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paused_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("response_due", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution_due", sa.DateTime(timezone=True), nullable=True),
        sa.Column("response_seconds", sa.Integer(), nullable=True),
        sa.Column("resolution_seconds", sa.Integer(), nullable=True),
        sa.Column("paused_seconds", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["calendar"],
            ["calendar.calendar"],
        ),
        sa.ForeignKeyConstraint(["order_number"], ["service_order.number"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["sla"],
            ["sla.sla"],
        ),
        sa.PrimaryKeyConstraint("order_number"),
    )
    op.create_index("ix_order_sla_outcome", "order_sla", ["outcome"])
    op.create_index("ix_order_sla_resolution_due", "order_sla", ["resolution_due"])
    op.create_index("ix_order_sla_response_due", "order_sla", ["response_due"])
    op.create_index("ix_order_sla_sla", "order_sla", ["sla"])


def _sla_log() -> None:
    """Create the sla_log table."""
    op.create_table(
        "sla_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_number", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event", sa.String(), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("note", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["order_number"], ["service_order.number"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["reason"],
            ["reason_code.code"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sla_log_order_number", "sla_log", ["order_number"])


def downgrade() -> None:
    for table in ("sla_log", "order_sla", "sla_assignment", "sla_target", "sla", "calendar_holiday", "calendar"):
        op.drop_table(table)
