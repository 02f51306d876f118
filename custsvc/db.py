"""Engine, session scope and the database-specific corners (the only place for SQLite-only SQL).

* The engine is created lazily from ``--db`` / ``CUSTSVC_DB`` (a file path or an SQLAlchemy URL),
  defaulting to ``custsvc.db`` in the user's data folder.
* SQLite connections get foreign keys on, WAL and a busy timeout; write transactions start with
  ``BEGIN IMMEDIATE`` so two writers queue instead of failing half-way.
* One session per command: it commits at the end or rolls back on any error.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from custsvc import clock, state
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
    """Turn ``--db`` (a path or a URL) into an SQLAlchemy URL."""
    value = db if db is not None else (state.current().db or os.environ.get("CUSTSVC_DB"))
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


def ensure_schema(engine: Engine) -> None:
    """Create the schema in an empty database; refuse to work on an out-of-date one."""
    from custsvc.migrations import HEAD

    with engine.connect() as conn:
        current = schema_revision(conn)
        conn.rollback()
    if current == HEAD:
        return
    if current is None:
        from custsvc.migrations import upgrade

        upgrade(engine)
        return
    raise SchemaOutOfDate(
        f"the database schema is at revision {current}, this custsvc needs {HEAD}: run `custsvc db upgrade`"
    )


# --- sessions ------------------------------------------------------------------------------


def shop_zone(session: Session) -> tzinfo:
    from custsvc.services import settings as shop_settings

    return shop_settings.timezone(session)


@contextmanager
def session_scope(*, write: bool = True, actor: str | None = None, check_actor: bool = True) -> Iterator[Session]:
    """One unit of work: commit at the end, roll back on any error.

    ``session.info`` carries ``now`` (read once from the clock), ``actor`` and ``tz`` (the shop's zone).
    """
    from sqlmodel import Session

    engine = get_engine()
    ensure_schema(engine)
    session = Session(engine.execution_options(custsvc_write=write), expire_on_commit=False, autoflush=False)
    try:
        tz = shop_zone(session)
        clock.set_zone(tz)
        settings = state.current()
        session.info["tz"] = tz
        session.info["now"] = clock.now()
        session.info["actor"] = actor or settings.acting()
        if write and check_actor and actor is None and settings.actor_explicit:
            from custsvc.services.workers import check_actor as _check

            _check(session, session.info["actor"])
        yield session
        if write:
            session.commit()
        else:
            session.rollback()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def now_of(session: Session) -> Any:
    return session.info.get("now") or clock.now()


def actor_of(session: Session) -> str:
    return session.info.get("actor") or state.current().acting()


def zone_of(session: Session) -> tzinfo:
    return session.info.get("tz") or UTC


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
