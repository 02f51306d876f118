"""Alembic migrations, run programmatically (no alembic.ini needed).

``HEAD`` names the newest revision so that every command can check the schema without
importing Alembic; a test keeps it equal to the scripts' head.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from custsvc.errors import CustSvcError

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy.engine import Engine

HEAD = "0005"
HERE = Path(__file__).parent


def alembic_config(connection=None):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.attributes["connection"] = connection
    return config


def script_head() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()  # type: ignore[return-value]


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """Bring the schema to ``revision``; returns (before, after)."""
    from alembic import command

    from custsvc.db import schema_revision, sqlite_foreign_key_problems, sqlite_foreign_keys

    with engine.connect() as conn:
        sqlite_foreign_keys(conn, on=False)
        try:
            with conn.begin():
                before = schema_revision(conn)
                command.upgrade(alembic_config(conn), revision)
                after = schema_revision(conn)
                problems = sqlite_foreign_key_problems(conn)
                if problems:
                    raise CustSvcError("the upgrade would break foreign keys; nothing was changed", details=problems)
        finally:
            sqlite_foreign_keys(conn, on=True)
    return before, after
