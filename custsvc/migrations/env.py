"""Alembic environment: always given a connection by ``custsvc.migrations.upgrade``."""

from alembic import context
from sqlmodel import SQLModel

import custsvc.models

custsvc.models.load_all()  # registers every table on the metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only through custsvc.migrations
    raise SystemExit("run migrations with `custsvc db upgrade`")

context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
