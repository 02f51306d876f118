"""Engines, sessions and the database-specific corners (the only place for SQLite-only SQL).

* The engine is created lazily from ``--db`` / ``CUSTSVC_DB`` (a file path or an SQLAlchemy URL),
  defaulting to ``custsvc.db`` in the user's data folder.
* SQLite connections get foreign keys on, WAL and a busy timeout; write transactions start with
  ``BEGIN IMMEDIATE`` so two writers queue instead of failing half-way.
* This module calls no service: the unit of work of a command is built in ``custsvc.bootstrap``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from custsvc.errors import CustSvcError, NoDatabase, SchemaOutOfDate, Usage
from custsvc.textsafe import mask_secrets

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy.engine import Connection, Engine
    from sqlmodel import Session

BUSY_TIMEOUT_MS = 30_000
_engines: dict[str, Engine] = {}


def default_db_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path("custsvc", appauthor=False) / "custsvc.db"


KNOWN_SCHEMES = ("sqlite", "postgresql+psycopg")


def names_a_database(db: str | None = None) -> bool:
    """Whether ``--db`` / ``CUSTSVC_DB`` names a database (else the default location is used)."""
    return bool(db if db is not None else os.environ.get("CUSTSVC_DB"))


def database_url(db: str | None = None) -> str:
    """Turn ``--db`` (a path or a URL; default ``CUSTSVC_DB``, else the data folder) into an SQLAlchemy URL."""
    value = db if db is not None else os.environ.get("CUSTSVC_DB")
    if value is not None and not value.strip():
        raise Usage("--db is empty: give a database file or an SQLAlchemy URL, or leave --db out for the default")
    if not value:
        value = str(default_db_path())
    if "://" in value:
        return _checked_url(value)
    path = Path(value).expanduser()
    if path.exists() and path.is_dir():
        raise Usage(f"--db {value!r} is a folder; give a file name such as {path / 'custsvc.db'}")
    return "sqlite:///" + str(path.resolve())


def _checked_url(value: str) -> str:
    scheme, rest = value.split("://", 1)
    if scheme in ("postgresql", "postgres"):
        scheme, value = "postgresql+psycopg", "postgresql+psycopg://" + rest
    if scheme not in KNOWN_SCHEMES:
        raise Usage(
            f"invalid --db {mask_secrets(value)!r}: unknown kind of database {scheme!r} "
            "(give a file path, sqlite:///PATH or postgresql://user@host/db)"
        )
    if scheme == "sqlite" and rest.strip("/") in ("", ":memory:"):
        raise Usage(f"invalid --db {value!r}: an in-memory database keeps nothing; give a file path")
    return value


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


def get_engine(url: str | None = None, *, create: bool = True) -> Engine:
    """The engine of ``url``. ``create=False``: a missing SQLite file is ``NoDatabase`` (nothing is
    created on disk); with ``create`` a new file is made private (0600, folders 0700)."""
    url = url or database_url()
    path = sqlite_path(url)
    if path is not None and not path.exists():
        if not create:
            raise NoDatabase(str(path))
        private_file(path)
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
        engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            # let SQLAlchemy (below) say when a transaction begins, instead of pysqlite guessing
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            try:
                cursor.execute("PRAGMA journal_mode = WAL")
            except Exception as exc:  # sqlite3.DatabaseError: file is not a database
                raise SchemaOutOfDate(f"{path} is not a custsvc database ({exc})") from None
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            write = conn.get_execution_options().get("custsvc_write", True)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine
    if url.startswith("postgresql"):
        from sqlalchemy.engine import make_url

        try:
            make_url(url)  # a malformed URL is a usage error, driver or not
        except Exception as exc:
            raise Usage(mask_secrets(f"invalid --db {url!r}: {exc}")) from None
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise CustSvcError("PostgreSQL support needs the driver: pip install 'custsvc[postgres]'") from None
    try:
        return create_engine(url, poolclass=NullPool)
    except Exception as exc:  # unknown dialect, malformed URL
        raise Usage(mask_secrets(f"invalid --db {url!r}: {exc}")) from None


def private_file(path: Path) -> None:
    """A new database file and the folders made for it are its owner's only (0600, 0700), whatever the
    umask; SQLite gives the ``-wal`` and ``-shm`` files the database file's permissions."""
    missing = []
    folder = path.parent
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for new in reversed(missing):
        new.mkdir(mode=0o700)
        os.chmod(new, 0o700)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


# --- schema -------------------------------------------------------------------------------


def schema_revision(conn: Connection) -> str | None:
    """The Alembic revision of the database, ``None`` for an empty database."""
    from sqlalchemy import inspect, text

    try:
        names = set(inspect(conn).get_table_names())
    except Exception as exc:
        if "not a database" in str(exc):
            raise SchemaOutOfDate(f"{display_url(str(conn.engine.url))} is not a custsvc database") from None
        raise
    if "alembic_version" not in names:
        if names:
            raise SchemaOutOfDate(f"{display_url(str(conn.engine.url))} holds tables but is not a custsvc database")
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def current_revision(engine: Engine) -> str | None:
    """The schema revision of the database behind ``engine`` (None: empty)."""
    with engine.connect() as conn:
        revision = schema_revision(conn)
        conn.rollback()
    return revision


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


#: the key of the PostgreSQL advisory lock that creating or upgrading the schema holds
SCHEMA_LOCK_KEY = 0x63757374  # "cust"


def schema_lock(conn: Connection) -> None:
    """Hold the schema lock until the end of the transaction. PostgreSQL: an advisory lock, so that
    eight commands on a new, empty database create its schema once; SQLite: ``BEGIN IMMEDIATE``
    already holds the write lock."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy import text

        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})


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


#: rows per index that SQLite's ANALYZE samples (an estimate is all the planner needs)
ANALYSIS_LIMIT = 1000


def analyze(conn: Connection, tables: Sequence[str]) -> None:
    """Refresh the planner's statistics of ``tables`` after a bulk write, in the writer's transaction:
    SQLite samples (``analysis_limit``), PostgreSQL's ``ANALYZE`` samples too. The queries are shaped
    to use the right index without statistics; this keeps estimates honest for the rest."""
    names = [conn.dialect.identifier_preparer.quote(name) for name in tables]
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}")
        for name in names:
            conn.exec_driver_sql(f"ANALYZE {name}")
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"ANALYZE {', '.join(names)}")


def byte_ordered(conn: Connection, column: Any) -> Any:
    """``column`` to sort by so that text comes in code-point order on every database: SQLite compares
    bytes already, PostgreSQL sorts by its locale unless told ``COLLATE "C"``. A bundle exported
    from either is then the same file."""
    from sqlalchemy import String

    if conn.dialect.name == "postgresql" and isinstance(column.type, String):
        return column.collate("C")
    return column


def move_id_sequences(conn: Connection, tables: Sequence[Any]) -> None:
    """After rows were written with their own integer keys: PostgreSQL's sequence of each such key
    moves past the highest one, so that the next row made here does not collide (SQLite goes on
    from the highest key by itself)."""
    if conn.dialect.name != "postgresql":
        return
    from sqlalchemy import Integer, text

    for table in tables:
        for column in table.primary_key.columns:
            if isinstance(column.type, Integer) and len(table.primary_key.columns) == 1 and column.autoincrement:
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence(:table, :column), "
                        f'COALESCE((SELECT MAX("{column.name}") FROM "{table.name}"), 0) + 1, false) '
                        "WHERE pg_get_serial_sequence(:table, :column) IS NOT NULL"
                    ),
                    {"table": table.name, "column": column.name},
                )
