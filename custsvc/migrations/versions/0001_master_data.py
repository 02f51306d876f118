"""Master data: settings, customers, items, service tasks, teams, workers, service objects.

Revision ID: 0001
Revises:
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def audit_columns() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.String(), nullable=True),
    ]


def upgrade() -> None:
    _settings_and_customers()
    _items_and_service_tasks()
    _teams_and_workers()
    _service_objects()


def _settings_and_customers() -> None:
    """Create the setting and customer tables."""
    op.create_table(
        "setting",
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("value", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "customer",
        *audit_columns(),
        sa.Column("account", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("tier", sa.String(), nullable=True),
        sa.Column("timezone", sa.String(), nullable=True),
        sa.Column("email", sa.String(), nullable=True),
        sa.Column("phone", sa.String(), nullable=True),
        sa.Column("address", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("account"),
    )
    op.create_index("ix_customer_tier", "customer", ["tier"])


def _items_and_service_tasks() -> None:
    """Create the item and service_task tables."""
    op.create_table(
        "item",
        *audit_columns(),
        sa.Column("item", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("unit", sa.String(), nullable=False),
        sa.Column("price_cents", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("item"),
    )
    op.create_table(
        "service_task",
        *audit_columns(),
        sa.Column("task", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("hours_milli", sa.BigInteger(), nullable=False),
        sa.Column("skill", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("task"),
    )
    op.create_index("ix_service_task_skill", "service_task", ["skill"])


def _teams_and_workers() -> None:
    """Create team, worker, worker_role and worker_skill, and the team owner's key to worker."""
    # team and worker refer to each other: the team owner's key is added once both exist
    op.create_table(
        "team",
        *audit_columns(),
        sa.Column("team", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=True),
        sa.Column("owner", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("team"),
    )
    op.create_table(
        "worker",
        *audit_columns(),
        sa.Column("worker", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("team", sa.String(), nullable=True),
        sa.Column("email", sa.String(), nullable=True),
        sa.Column("phone", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["team"], ["team.team"]),
        sa.PrimaryKeyConstraint("worker"),
    )
    op.create_index("ix_worker_team", "worker", ["team"])
    with op.batch_alter_table("team") as batch:
        batch.create_foreign_key("fk_team_owner", "worker", ["owner"], ["worker"])
    op.create_table(
        "worker_role",
        sa.Column("worker", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["worker"], ["worker.worker"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("worker", "role"),
    )
    op.create_table(
        "worker_skill",
        sa.Column("worker", sa.String(), nullable=False),
        sa.Column("skill", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["worker"], ["worker.worker"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("worker", "skill"),
    )
    op.create_index("ix_worker_skill_skill", "worker_skill", ["skill"])


def _service_objects() -> None:
    """Create the service_object table."""
    op.create_table(
        "service_object",
        *audit_columns(),
        sa.Column("object", sa.String(), nullable=False),
        sa.Column("customer", sa.String(), nullable=False),
        sa.Column("item", sa.String(), nullable=True),
        sa.Column("serial", sa.String(), nullable=True),
        sa.Column("description", sa.String(), nullable=True),
        sa.Column("object_group", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["customer"], ["customer.account"]),
        sa.ForeignKeyConstraint(["item"], ["item.item"]),
        sa.PrimaryKeyConstraint("object"),
        sa.UniqueConstraint("item", "serial", name="uq_service_object_item_serial"),
    )
    op.create_index("ix_service_object_customer", "service_object", ["customer"])
    op.create_index("ix_service_object_item", "service_object", ["item"])
    op.create_index("ix_service_object_serial", "service_object", ["serial"])
    op.create_index("ix_service_object_object_group", "service_object", ["object_group"])


def downgrade() -> None:
    for table in ("service_object", "worker_skill", "worker_role"):
        op.drop_table(table)
    with op.batch_alter_table("team") as batch:
        batch.drop_constraint("fk_team_owner", type_="foreignkey")
    for table in ("worker", "team", "service_task", "item", "customer", "setting"):
        op.drop_table(table)
