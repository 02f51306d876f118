"""Service orders, stages, reason codes, agreements, invoices; prices on service tasks.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

FLAGS = ("can_cancel", "can_delete", "can_modify", "can_post", "stops_clock", "requires_reason", "resolves", "cancels")
# the default stage tree as of this revision: (stage, name, parent, flags)
STAGES = [
    ("created", "Created", None, ("can_cancel", "can_delete", "can_modify")),
    ("planned", "Planned", "created", ("can_cancel", "can_modify")),
    ("in-progress", "In progress", "planned", ("can_modify",)),
    ("waiting-for-customer", "Waiting for customer", "in-progress", ("can_modify", "stops_clock")),
    ("waiting-for-parts", "Waiting for parts", "in-progress", ("can_modify", "stops_clock")),
    ("completed", "Completed", "in-progress", ("can_modify", "can_post", "resolves")),
    ("closed", "Closed", "completed", ("can_post", "resolves")),
    ("canceled", "Canceled", "created", ("cancels", "requires_reason")),
]
SEQUENCES = [("order", "SO-", 6), ("invoice", "INV-", 6)]


def upgrade() -> None:
    _number_sequences_and_reason_codes()
    _stages()
    _invoices()
    _agreements()
    _agreement_lines()
    _service_orders()
    _order_lines()
    _order_objects_and_stage_log()
    _invoice_lines()
    _service_task_prices()

    seed()


def _number_sequences_and_reason_codes() -> None:
    """Create the number_sequence and reason_code tables."""
    op.create_table(
        "number_sequence",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("prefix", sa.String(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("next_value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "reason_code",
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.String(), nullable=True),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )


def _stages() -> None:
    """Create the stage table."""
    op.create_table(
        "stage",
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.String(), nullable=True),
        sa.Column("stage", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("parent", sa.String(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("can_cancel", sa.Boolean(), nullable=False),
        sa.Column("can_delete", sa.Boolean(), nullable=False),
        sa.Column("can_modify", sa.Boolean(), nullable=False),
        sa.Column("can_post", sa.Boolean(), nullable=False),
        sa.Column("stops_clock", sa.Boolean(), nullable=False),
        sa.Column("requires_reason", sa.Boolean(), nullable=False),
        sa.Column("resolves", sa.Boolean(), nullable=False),
        sa.Column("cancels", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["parent"], ["stage.stage"]),
        sa.PrimaryKeyConstraint("stage"),
    )
    op.create_index("ix_stage_parent", "stage", ["parent"])


def _invoices() -> None:
    """Create the invoice table."""
    op.create_table(
        "invoice",
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.String(), nullable=True),
        sa.Column("number", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("customer", sa.String(), nullable=False),
        sa.Column("currency", sa.String(), nullable=False),
        sa.Column("invoice_date", sa.Date(), nullable=False),
        sa.Column("credits", sa.String(), nullable=True),
        sa.Column("total_cents", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["credits"], ["invoice.number"]),
        sa.ForeignKeyConstraint(["customer"], ["customer.account"]),
        sa.PrimaryKeyConstraint("number"),
    )
    op.create_index("ix_invoice_customer", "invoice", ["customer"])
    op.create_index("ix_invoice_invoice_date", "invoice", ["invoice_date"])


def _agreements() -> None:
    """Create the agreement table."""
    op.create_table(
        "agreement",
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.String(), nullable=True),
        sa.Column("agreement", sa.String(), nullable=False),
        sa.Column("customer", sa.String(), nullable=False),
        sa.Column("agreement_group", sa.String(), nullable=True),
        sa.Column("description", sa.String(), nullable=True),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=True),
        sa.Column("technician", sa.String(), nullable=True),
        sa.Column("combine", sa.String(), nullable=False),
        sa.Column("suspended", sa.Boolean(), nullable=False),
        sa.Column("template", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["customer"], ["customer.account"]),
        sa.ForeignKeyConstraint(["technician"], ["worker.worker"]),
        sa.PrimaryKeyConstraint("agreement"),
    )
    op.create_index("ix_agreement_customer", "agreement", ["customer"])


def _agreement_lines() -> None:
    """Create the agreement_line table."""
    op.create_table(
        "agreement_line",
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.String(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement", sa.String(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(), nullable=False),
        sa.Column("object", sa.String(), nullable=True),
        sa.Column("task", sa.String(), nullable=True),
        sa.Column("worker", sa.String(), nullable=True),
        sa.Column("item", sa.String(), nullable=True),
        sa.Column("quantity_milli", sa.BigInteger(), nullable=True),
        sa.Column("price_cents", sa.BigInteger(), nullable=True),
        sa.Column("description", sa.String(), nullable=True),
        sa.Column("every_count", sa.Integer(), nullable=True),
        sa.Column("every_unit", sa.String(), nullable=True),
        sa.Column("rrule", sa.String(), nullable=True),
        sa.Column("window_kind", sa.String(), nullable=True),
        sa.Column("window_days", sa.Integer(), nullable=True),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=True),
        sa.Column("stopped", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["agreement"], ["agreement.agreement"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["item"], ["item.item"]),
        sa.ForeignKeyConstraint(["object"], ["service_object.object"]),
        sa.ForeignKeyConstraint(["task"], ["service_task.task"]),
        sa.ForeignKeyConstraint(["worker"], ["worker.worker"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agreement", "line_no", name="uq_agreement_line_number"),
    )
    op.create_index("ix_agreement_line_agreement", "agreement_line", ["agreement"])


def _service_orders() -> None:
    """Create the service_order table."""
    op.create_table(
        "service_order",
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.String(), nullable=True),
        sa.Column("number", sa.String(), nullable=False),
        sa.Column("customer", sa.String(), nullable=False),
        sa.Column("agreement", sa.String(), nullable=True),
        sa.Column("priority", sa.String(), nullable=False),
        sa.Column("stage", sa.String(), nullable=False),
        sa.Column("technician", sa.String(), nullable=True),
        sa.Column("description", sa.String(), nullable=True),
        sa.Column("address", sa.String(), nullable=True),
        sa.Column("preferred_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("service_date", sa.Date(), nullable=True),
        sa.Column("group_key", sa.String(), nullable=True),
        sa.Column("requires_sign_off", sa.Boolean(), nullable=False),
        sa.Column("signed_off_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signed_off_by", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["agreement"], ["agreement.agreement"]),
        sa.ForeignKeyConstraint(["customer"], ["customer.account"]),
        sa.ForeignKeyConstraint(["stage"], ["stage.stage"]),
        sa.ForeignKeyConstraint(["technician"], ["worker.worker"]),
        sa.PrimaryKeyConstraint("number"),
    )
    op.create_index("ix_service_order_agreement", "service_order", ["agreement"])
    op.create_index("ix_service_order_customer", "service_order", ["customer"])
    op.create_index("ix_service_order_service_date", "service_order", ["service_date"])
    op.create_index("ix_service_order_stage", "service_order", ["stage"])
    op.create_index("ix_service_order_technician", "service_order", ["technician"])


def _order_lines() -> None:
    """Create the order_line table."""
    op.create_table(
        "order_line",
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.String(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_number", sa.String(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(), nullable=False),
        sa.Column("worker", sa.String(), nullable=True),
        sa.Column("item", sa.String(), nullable=True),
        sa.Column("task", sa.String(), nullable=True),
        sa.Column("object", sa.String(), nullable=True),
        sa.Column("quantity_milli", sa.BigInteger(), nullable=False),
        sa.Column("price_cents", sa.BigInteger(), nullable=False),
        sa.Column("description", sa.String(), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("signed_off_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signed_off_by", sa.String(), nullable=True),
        sa.Column("agreement_line_id", sa.Integer(), nullable=True),
        sa.Column("visit_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["agreement_line_id"], ["agreement_line.id"]),
        sa.ForeignKeyConstraint(["item"], ["item.item"]),
        sa.ForeignKeyConstraint(["object"], ["service_object.object"]),
        sa.ForeignKeyConstraint(["order_number"], ["service_order.number"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["task"], ["service_task.task"]),
        sa.ForeignKeyConstraint(["worker"], ["worker.worker"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agreement_line_id", "visit_date", name="uq_order_line_visit"),
        sa.UniqueConstraint("order_number", "line_no", name="uq_order_line_number"),
    )
    op.create_index("ix_order_line_item", "order_line", ["item"])
    op.create_index("ix_order_line_object", "order_line", ["object"])
    op.create_index("ix_order_line_order_number", "order_line", ["order_number"])
    op.create_index("ix_order_line_status", "order_line", ["status"])
    op.create_index("ix_order_line_task", "order_line", ["task"])
    op.create_index("ix_order_line_worker", "order_line", ["worker"])


def _order_objects_and_stage_log() -> None:
    """Create the order_object and order_stage_log tables."""
    op.create_table(
        "order_object",
        sa.Column("order_number", sa.String(), nullable=False),
        sa.Column("object", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["object"], ["service_object.object"]),
        sa.ForeignKeyConstraint(["order_number"], ["service_order.number"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("order_number", "object"),
    )
    op.create_index("ix_order_object_object", "order_object", ["object"])
    op.create_table(
        "order_stage_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_number", sa.String(), nullable=False),
        sa.Column("from_stage", sa.String(), nullable=True),
        sa.Column("to_stage", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("note", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["from_stage"], ["stage.stage"]),
        sa.ForeignKeyConstraint(["order_number"], ["service_order.number"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reason"], ["reason_code.code"]),
        sa.ForeignKeyConstraint(["to_stage"], ["stage.stage"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_order_stage_log_order_number", "order_stage_log", ["order_number"])


def _invoice_lines() -> None:
    """Create the invoice_line table."""
    op.create_table(
        "invoice_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice", sa.String(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("quantity_milli", sa.BigInteger(), nullable=False),
        sa.Column("unit_price_cents", sa.BigInteger(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("source_type", sa.String(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=True),
        sa.Column("credited_line_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["credited_line_id"], ["invoice_line.id"]),
        sa.ForeignKeyConstraint(["invoice"], ["invoice.number"]),
        sa.ForeignKeyConstraint(["order_line_id"], ["order_line.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("invoice", "line_no", name="uq_invoice_line_number"),
    )
    op.create_index("ix_invoice_line_credited_line_id", "invoice_line", ["credited_line_id"])
    op.create_index("ix_invoice_line_invoice", "invoice_line", ["invoice"])
    op.create_index("ix_invoice_line_order_line_id", "invoice_line", ["order_line_id"])


def _service_task_prices() -> None:
    """Add the price_cents column to service_task."""
    op.add_column("service_task", sa.Column("price_cents", sa.BigInteger(), server_default="0", nullable=False))


def seed() -> None:
    from alembic import context

    from custsvc import clock

    # the command's "now" (honours --now / CUSTSVC_NOW), handed over by custsvc.migrations.upgrade
    now = context.config.attributes.get("now") or clock.now()
    stage = sa.table(
        "stage",
        sa.column("stage"),
        sa.column("name"),
        sa.column("parent"),
        sa.column("position"),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("created_by"),
        *(sa.column(flag, sa.Boolean()) for flag in FLAGS),
    )
    rows = []
    for position, (code, name, parent, flags) in enumerate(STAGES):
        row = {
            "stage": code,
            "name": name,
            "parent": parent,
            "position": position,
            "created_at": now,
            "created_by": "custsvc",
        }
        row.update({flag: flag in flags for flag in FLAGS})
        rows.append(row)
    op.bulk_insert(stage, rows)
    sequence = sa.table(
        "number_sequence", sa.column("name"), sa.column("prefix"), sa.column("width"), sa.column("next_value")
    )
    op.bulk_insert(sequence, [{"name": n, "prefix": p, "width": w, "next_value": 1} for n, p, w in SEQUENCES])


def downgrade() -> None:
    for table in (
        "invoice_line",
        "order_stage_log",
        "order_object",
        "order_line",
        "service_order",
        "agreement_line",
        "agreement",
        "invoice",
        "stage",
        "reason_code",
        "number_sequence",
    ):
        op.drop_table(table)
    with op.batch_alter_table("service_task") as batch:
        batch.drop_column("price_cents")
