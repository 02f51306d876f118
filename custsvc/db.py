"""Engines, sessions and the database-specific corners (the only place for SQLite-only SQL).

* The engine is created lazily from ``--db`` / ``CUSTSVC_DB`` (a file path or an SQLAlchemy URL),
  defaulting to ``custsvc.db`` in the user's data folder.
* SQLite connections get foreign keys on, WAL and a busy timeout; write transactions start with
  ``BEGIN IMMEDIATE`` so two writers queue instead of failing half-way.
* This module calls no service: the unit of work of a command is built in ``custsvc.bootstrap``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from custsvc.errors import CustSvcError, SchemaOutOfDate, Usage

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy.engine import Connection, Engine
    from sqlmodel import Session

BUSY_TIMEOUT_MS = 30_000
_engines: dict[str, Engine] = {}


def default_db_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path("custsvc", appauthor=False) / "custsvc.db"


def database_url(db: str | None = None) -> str:
    """Turn ``--db`` (a path or a URL; default ``CUSTSVC_DB``, else the data folder) into an SQLAlchemy URL."""
    value = db or os.environ.get("CUSTSVC_DB")
    if not value:
        value = str(default_db_path())
    if "://" in value:
        if value.startswith(("postgresql://", "postgres://")):
            value = "postgresql+psycopg://" + value.split("://", 1)[1]
        return value
    path = Path(value).expanduser()
    if path.exists() and path.is_dir():
        raise Usage(f"--db {value!r} is a folder; give a file name such as {path / 'custsvc.db'}")
    return "sqlite:///" + str(path.resolve())


def sqlite_path(url: str) -> Path | None:
    if url.startswith("sqlite:///"):
        return Path(url[len("sqlite:///") :])
    return None


def display_url(url: str) -> str:
    """The database location for humans: a file path, or the URL without its password."""
    path = sqlite_path(url)
    if path is not None:
        return str(path)
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def get_engine(url: str | None = None) -> Engine:
    url = url or database_url()
    engine = _engines.get(url)
    if engine is None:
        engine = _create_engine(url)
        _engines[url] = engine
    return engine


def dispose_engines() -> None:
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


def _create_engine(url: str) -> Engine:
    from sqlalchemy import create_engine, event
    from sqlalchemy.pool import NullPool

    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            # let SQLAlchemy (below) say when a transaction begins, instead of pysqlite guessing
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            write = conn.get_execution_options().get("custsvc_write", True)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine
    if url.startswith("postgresql"):
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise CustSvcError("PostgreSQL support needs the driver: pip install 'custsvc[postgres]'") from None
    try:
        return create_engine(url, poolclass=NullPool)
    except Exception as exc:  # unknown dialect, malformed URL
        raise Usage(f"invalid --db {url!r}: {exc}") from None


# --- schema -------------------------------------------------------------------------------


def schema_revision(conn: Connection) -> str | None:
    """The Alembic revision of the database, ``None`` for an empty database."""
    from sqlalchemy import inspect, text

    names = set(inspect(conn).get_table_names())
    if "alembic_version" not in names:
        if names:
            raise SchemaOutOfDate(f"{display_url(str(conn.engine.url))} holds tables but is not a custsvc database")
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


# --- sessions ------------------------------------------------------------------------------


def new_session(engine: Engine, *, write: bool = True) -> Session:
    """A session on ``engine``; writers start their transaction with ``BEGIN IMMEDIATE`` on SQLite
    (see ``_create_engine``). ``custsvc.bootstrap.open_context`` wraps it into the command's unit of work.
    """
    from sqlmodel import Session

    return Session(engine.execution_options(custsvc_write=write), expire_on_commit=False, autoflush=False)


# --- SQLite-only maintenance ----------------------------------------------------------------


def integrity_problems(engine: Engine) -> list[str]:
    """Integrity and foreign-key checks.  SQLite runs its own checks; PostgreSQL enforces both."""
    from sqlalchemy import text

    problems: list[str] = []
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            for (row,) in conn.exec_driver_sql("PRAGMA integrity_check"):
                if row != "ok":
                    problems.append(f"integrity: {row}")
            for table, rowid, parent, _fk in conn.exec_driver_sql("PRAGMA foreign_key_check"):
                problems.append(f"foreign key: {table} row {rowid} refers to a missing {parent}")
        else:
            conn.execute(text("SELECT 1"))
        conn.rollback()
    return problems


def sqlite_foreign_keys(conn: Connection, on: bool) -> None:
    """Switch SQLite foreign keys, outside any transaction (inside one the pragma does nothing).

    Table rebuilds in migrations must run with them off, or dropping the old table would fire
    ON DELETE actions and lose rows.
    """
    if conn.dialect.name == "sqlite":
        conn.connection.driver_connection.execute(f"PRAGMA foreign_keys = {'ON' if on else 'OFF'}")


def sqlite_foreign_key_problems(conn: Connection) -> list[str]:
    if conn.dialect.name != "sqlite":
        return []
    return [
        f"{table} row {rowid} refers to a missing {parent}"
        for table, rowid, parent, _fk in conn.exec_driver_sql("PRAGMA foreign_key_check")
    ]
