"""Service subscriptions: groups, subscriptions, prices, indexes, reductions, billed periods, accruals.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _subscriptions()
    _subscription_prices_and_reductions()
    _accruals_and_billing()
    _invoice_line_subscription()


def _subscriptions() -> None:
    """Create the subscription_group and subscription tables."""
    op.create_table(
        "subscription_group",
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.String(), nullable=True),
        sa.Column("group", sa.String(), nullable=False),
        sa.Column("period", sa.String(), nullable=False),
        sa.Column("every", sa.Integer(), nullable=False),
        sa.Column("align", sa.String(), nullable=False),
        sa.Column("proration", sa.String(), nullable=False),
        sa.Column("accrue", sa.String(), nullable=True),
        sa.Column("description", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("group"),
    )
    op.create_table(
        "subscription",
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.String(), nullable=True),
        sa.Column("subscription", sa.String(), nullable=False),
        sa.Column("customer", sa.String(), nullable=False),
        sa.Column("group", sa.String(), nullable=False),
        sa.Column("currency", sa.String(), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=True),
        sa.Column("canceled_on", sa.Date(), nullable=True),
        sa.Column("description", sa.String(), nullable=True),
        sa.Column("billed_through", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer"],
            ["customer.account"],
        ),
        sa.ForeignKeyConstraint(
            ["group"],
            ["subscription_group.group"],
        ),
        sa.PrimaryKeyConstraint("subscription"),
    )
    op.create_index("ix_subscription_billed_through", "subscription", ["billed_through"])
    op.create_index("ix_subscription_customer", "subscription", ["customer"])
    op.create_index("ix_subscription_group", "subscription", ["group"])


def _subscription_prices_and_reductions() -> None:
    """Create subscription_index, subscription_price and subscription_reduction."""
    op.create_table(
        "subscription_index",
        sa.Column("subscription", sa.String(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("index_milli", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["subscription"], ["subscription.subscription"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("subscription", "valid_from"),
    )
    op.create_table(
        "subscription_price",
        sa.Column("subscription", sa.String(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("fee_cents", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["subscription"], ["subscription.subscription"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("subscription", "valid_from"),
    )
    op.create_table(
        "subscription_reduction",
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.String(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription", sa.String(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["subscription"], ["subscription.subscription"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_subscription_reduction_subscription", "subscription_reduction", ["subscription"])


def _accruals_and_billing() -> None:
    """Create the accrual_entry and subscription_billing tables."""
    op.create_table(
        "accrual_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_line_id", sa.Integer(), nullable=False),
        sa.Column("part_start", sa.Date(), nullable=False),
        sa.Column("part_end", sa.Date(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("posted_by", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_line_id"],
            ["invoice_line.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("invoice_line_id", "part_start", name="uq_accrual_entry_part"),
    )
    op.create_index("ix_accrual_entry_invoice_line_id", "accrual_entry", ["invoice_line_id"])
    op.create_table(
        "subscription_billing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription", sa.String(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("invoice_line_id", sa.Integer(), nullable=True),
        sa.Column("billed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("billed_by", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_line_id"],
            ["invoice_line.id"],
        ),
        sa.ForeignKeyConstraint(
            ["subscription"],
            ["subscription.subscription"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("subscription", "period_start", name="uq_subscription_billing_period"),
    )
    op.create_index("ix_subscription_billing_subscription", "subscription_billing", ["subscription"])


def _invoice_line_subscription() -> None:
    """Add subscription, period_start and period_end (index, key) to invoice_line."""
    # SQLite rebuilds invoice_line to add the key (foreign keys are off during migrations: no row is lost)
    with op.batch_alter_table("invoice_line") as batch:
        batch.add_column(sa.Column("subscription", sa.String(), nullable=True))
        batch.add_column(sa.Column("period_start", sa.Date(), nullable=True))
        batch.add_column(sa.Column("period_end", sa.Date(), nullable=True))
        batch.create_index("ix_invoice_line_subscription", ["subscription"])
        batch.create_foreign_key("fk_invoice_line_subscription", "subscription", ["subscription"], ["subscription"])


def downgrade() -> None:
    with op.batch_alter_table("invoice_line") as batch:
        batch.drop_constraint("fk_invoice_line_subscription", type_="foreignkey")
        batch.drop_index("ix_invoice_line_subscription")
        batch.drop_column("period_end")
        batch.drop_column("period_start")
        batch.drop_column("subscription")
    for table in (
        "accrual_entry",
        "subscription_billing",
        "subscription_reduction",
        "subscription_index",
        "subscription_price",
        "subscription",
        "subscription_group",
    ):
        op.drop_table(table)
