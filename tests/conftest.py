"""Shared test fixtures: every test gets its own database.

SQLite (the default): a copy of a schema-ready template file, made once per worker.
PostgreSQL: set ``CUSTSVC_TEST_PG`` to a server URL (``postgresql+psycopg://postgres@127.0.0.1:5433/postgres``);
every test then gets a fresh database cloned from a migrated template.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

PG_SERVER = os.environ.get("CUSTSVC_TEST_PG")
FIXED_NOW = "2026-03-10T09:00:00+02:00"


def _worker_id(request: pytest.FixtureRequest) -> str:
    return getattr(request.config, "workerinput", {}).get("workerid", "main")


def _pg_admin() -> Any:
    import psycopg

    url = PG_SERVER.replace("postgresql+psycopg://", "postgresql://")  # type: ignore[union-attr]
    return psycopg.connect(url, autocommit=True)


def _pg_url(name: str) -> str:
    base, _, _db = PG_SERVER.rpartition("/")  # type: ignore[union-attr]
    return f"{base}/{name}"


@pytest.fixture(scope="session")
def template_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database at the newest schema, made once, that each test copies."""
    from custsvc import db, migrations

    if PG_SERVER:
        name = f"custsvc_tmpl_{_worker_id(request)}"
        with _pg_admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        migrations.upgrade(db.get_engine(_pg_url(name)))
        db.dispose_engines()
        return name
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrations.upgrade(db.get_engine(db.database_url(str(path))))
    db.dispose_engines()
    return str(path)


def _new_database(template: str | None, tmp_path: Path) -> tuple[str, Any]:
    """(url, cleanup) of a fresh database: a copy of ``template``, or empty when it is None."""
    if PG_SERVER:
        name = f"custsvc_t_{uuid.uuid4().hex[:12]}"
        with _pg_admin() as conn:
            if template:
                conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
            else:
                conn.execute(f'CREATE DATABASE "{name}"')

        def drop() -> None:
            with _pg_admin() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        return _pg_url(name), drop
    path = tmp_path / f"custsvc-{uuid.uuid4().hex[:8]}.db"
    if template:
        shutil.copyfile(template, path)
    return str(path), lambda: None


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No test sees the user's environment, data folder or another test's settings."""
    from custsvc import state

    for name in list(os.environ):
        if name.startswith("CUSTSVC_") and name != "CUSTSVC_TEST_PG":
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home" / "data"))
    monkeypatch.setenv("COLUMNS", "120")
    # unexpected exceptions surface as tracebacks in tests; domain errors still print one line
    monkeypatch.setenv("CUSTSVC_DEBUG", "1")
    monkeypatch.delenv("NO_COLOR", raising=False)
    state.reset()
    yield
    state.reset()


@pytest.fixture
def db_url(template_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh database at the newest schema, chosen through CUSTSVC_DB like a user would."""
    from custsvc import db

    url, cleanup = _new_database(template_db, tmp_path)
    monkeypatch.setenv("CUSTSVC_DB", url)
    yield url
    db.dispose_engines()
    cleanup()


@pytest.fixture
def blank_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An empty database (no schema), chosen through CUSTSVC_DB."""
    from custsvc import db

    url, cleanup = _new_database(None, tmp_path)
    monkeypatch.setenv("CUSTSVC_DB", url)
    yield url
    db.dispose_engines()
    cleanup()


@pytest.fixture
def ctx(db_url: str) -> Iterator[Any]:
    """A unit of work on the test database, as a command would have it (fixed now, actor 'tester')."""
    from custsvc import state
    from custsvc.bootstrap import open_context

    state.reset(db=db_url, now=FIXED_NOW, actor="tester")
    with open_context() as c:
        yield c


class Cli:
    """Runs ``custsvc`` in-process, like a user would, on the test database."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(
        self, *args: str, input: str | None = None, code: int | None = 0, env: dict[str, str] | None = None
    ) -> Any:
        from custsvc.cli import app

        result = self.runner.invoke(app, list(args), input=input, catch_exceptions=False, env=env)
        if code is not None:
            assert result.exit_code == code, (
                f"custsvc {' '.join(args)} exited {result.exit_code}, expected {code}\n"
                f"stdout: {result.stdout}\nstderr: {result.stderr}"
            )
        return result

    def json(self, *args: str, **kwargs: Any) -> Any:
        result = self(*args, "--format", "json", **kwargs)
        return json.loads(result.stdout)


@pytest.fixture
def cli(db_url: str) -> Cli:
    return Cli()


@pytest.fixture(scope="session")
def demo_template(request: pytest.FixtureRequest, template_db: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database with the demo shop loaded at FIXED_NOW, made once, that demo tests copy."""
    from custsvc import db, state

    if PG_SERVER:
        name = f"custsvc_demo_{_worker_id(request)}"
        with _pg_admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}" STRATEGY FILE_COPY')
        url, result = _pg_url(name), name
    else:
        path = tmp_path_factory.mktemp("demo") / "demo.db"
        shutil.copyfile(template_db, path)
        url = result = str(path)
    previous = os.environ.get("CUSTSVC_DB")
    os.environ["CUSTSVC_DB"] = url
    try:
        Cli()("--now", FIXED_NOW, "demo")
    finally:
        if previous is None:
            os.environ.pop("CUSTSVC_DB", None)
        else:
            os.environ["CUSTSVC_DB"] = previous
        state.reset()
        db.dispose_engines()
    return result


@pytest.fixture
def demo(demo_template: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    """A fresh copy of the demo shop; the clock stays at FIXED_NOW for the test."""
    from custsvc import db

    url, cleanup = _new_database(demo_template, tmp_path)
    monkeypatch.setenv("CUSTSVC_DB", url)
    monkeypatch.setenv("CUSTSVC_NOW", FIXED_NOW)
    yield Cli()
    db.dispose_engines()
    cleanup()
