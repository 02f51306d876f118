"""Alembic migrations, run programmatically (no alembic.ini needed).

``HEAD`` names the newest revision so that every command can check the schema without
importing Alembic; a test keeps it equal to the scripts' head.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from custsvc.errors import CustSvcError, NoDatabase, SchemaOutOfDate, Usage

if TYPE_CHECKING:  # pragma: no cover
    from datetime import datetime

    from sqlalchemy.engine import Engine

HEAD = "0011"
REVISIONS = ("0001", "0002", "0003", "0004", "0005", "0006", "0007", "0008", "0009", "0010", "0011")
HERE = Path(__file__).parent


def alembic_config(connection=None, now=None):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.attributes["connection"] = connection
    config.attributes["now"] = now
    return config


def script_head() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()  # type: ignore[return-value]


def ensure_current(engine: Engine, now: datetime | None = None, *, create: bool = False) -> bool:
    """Refuse to work on an out-of-date schema; an empty database gets its schema only with ``create``
    (``custsvc demo``, ``db init``, the first use of the default location): anything else on an empty
    one is a mistyped ``--db``. Returns whether this call made the schema (another process may have
    made it while this one waited for the schema lock)."""
    from custsvc.db import display_url, schema_revision

    # a read: on SQLite it must not take the write lock (a reader would wait for a long writer)
    with engine.execution_options(custsvc_write=False).connect() as conn:
        current = schema_revision(conn)
        conn.rollback()
    if current == HEAD:
        return False
    if current is None:
        if not create:
            raise NoDatabase(display_url(str(engine.url)))
        before, after = upgrade(engine, now=now)
        return before is None and after is not None
    raise SchemaOutOfDate(
        f"the database schema is at revision {current}, this custsvc needs {HEAD}: run `custsvc db upgrade`"
    )


def upgrade(engine: Engine, revision: str = "head", now: datetime | None = None) -> tuple[str | None, str | None]:
    """Bring the schema to ``revision``; returns (before, after). ``now`` stamps the rows it seeds."""
    from alembic import command
    from alembic.util import CommandError

    from custsvc.db import schema_lock, schema_revision, sqlite_foreign_key_problems, sqlite_foreign_keys

    if not revision.strip():
        raise Usage(f"invalid --to {revision!r}: give a revision ({', '.join(REVISIONS)}) or head")

    with engine.connect() as conn:
        sqlite_foreign_keys(conn, on=False)
        try:
            with conn.begin():
                schema_lock(conn)  # another process creating or upgrading the schema: wait for it
                before = schema_revision(conn)
                if before == HEAD and revision in ("head", HEAD):
                    return before, before
                try:
                    command.upgrade(alembic_config(conn, now), revision)
                except CommandError:
                    known = ", ".join(REVISIONS)
                    raise Usage(f"invalid --to {revision!r}: unknown revision (known: {known}, or head)") from None
                after = schema_revision(conn)
                problems = sqlite_foreign_key_problems(conn)
                if problems:
                    raise CustSvcError("the upgrade would break foreign keys; nothing was changed", details=problems)
        finally:
            sqlite_foreign_keys(conn, on=True)
    return before, after
