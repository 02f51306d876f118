"""custsvc demo and custsvc db: creating, checking and upgrading the database."""

import os
import sqlite3
from pathlib import Path

import pytest

from custsvc import migrations
from tests.conftest import PG_SERVER, Cli

sqlite_only = pytest.mark.skipif(bool(PG_SERVER), reason="checks an SQLite file")


def test_demo_loads_the_shop(demo):
    customers = demo.json("customer", "list")
    tiers = [c["tier"] for c in customers]
    assert all(tiers.count(t) >= 3 for t in ("gold", "silver", "bronze"))
    objects = demo.json("object", "list")
    assert len(objects) >= 20 and all(o["serial"] for o in objects)
    technicians = demo.json("worker", "list", "--role", "technician")
    assert len(technicians) >= 6 and len({t["team"] for t in technicians}) == 2
    assert all(t["skills"] for t in technicians)
    assert demo.json("worker", "list", "--role", "manager") and demo.json("worker", "list", "--role", "dispatcher")
    assert len(demo.json("item", "list")) >= 10
    assert len(demo.json("task", "list")) >= 5


def test_demo_prints_an_overview(cli):
    result = cli("demo")
    assert "customers by tier: 4 bronze, 4 gold, 4 silver" in result.stdout
    overview = cli.json("demo", "--force")
    assert overview["counts"]["customers"] == 12


def test_demo_refuses_a_database_with_data_unless_forced(cli):
    cli("customer", "add", "MINE", "--name", "My own customer")
    result = cli("demo", code=1)
    assert result.stderr.startswith("error: the database already holds data (1 customer); use --force")
    assert [c["account"] for c in cli.json("customer", "list")] == ["MINE"]
    cli("demo", "--force")
    accounts = [c["account"] for c in cli.json("customer", "list")]
    assert "MINE" not in accounts and len(accounts) == 12


@sqlite_only
def test_demo_creates_the_database_in_the_data_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("CUSTSVC_DB", raising=False)
    cli = Cli()
    path = Path(cli("db", "path").stdout.strip())
    assert path == tmp_path / "home" / "data" / "custsvc" / "custsvc.db"
    assert not path.exists()
    cli("demo")
    assert path.exists()
    assert len(cli.json("customer", "list")) == 12


@sqlite_only
def test_db_path_for_files_and_urls(cli, tmp_path):
    assert cli("--db", str(tmp_path / "x.db"), "db", "path").stdout.strip() == str(tmp_path / "x.db")
    out = cli("--db", "postgresql+psycopg://shop:secret@db.example/custsvc", "db", "path").stdout.strip()
    assert out == "postgresql+psycopg://shop:***@db.example/custsvc"


def test_db_check_passes_on_a_good_database(demo):
    report = demo.json("db", "check")
    assert report["ok"] is True and report["revision"] == migrations.HEAD and report["problems"] == []


@sqlite_only
def test_db_check_finds_broken_foreign_keys(demo):
    db_url = os.environ["CUSTSVC_DB"]
    with sqlite3.connect(db_url) as conn:
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("UPDATE service_object SET customer = 'GONE' WHERE object = 'OBJ-0001'")
    result = demo("db", "check", code=1)
    assert result.stderr.splitlines() == [
        f"error: 1 problem in {db_url}",
        "error: foreign key: service_object row 1 refers to a missing customer",
    ]


def test_db_check_on_an_empty_database(blank_db):
    result = Cli()("db", "check", code=1)
    # SQLite: the file is not there (and db check does not make it); PostgreSQL: an empty database
    assert "error: the database is empty" in result.stderr or "error: no database at" in result.stderr


def test_sqlite_connections_use_the_pragmas(db_url):
    from custsvc import db

    if PG_SERVER:
        pytest.skip("SQLite pragmas")
    with db.get_engine().connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == db.BUSY_TIMEOUT_MS


def test_head_constant_matches_the_migration_scripts():
    assert migrations.script_head() == migrations.HEAD


def test_models_and_migrations_agree(db_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import custsvc.models

    custsvc.models.load_all()
    from custsvc import db

    with db.get_engine().connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []


def _revisions() -> list[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrations.alembic_config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


@pytest.mark.parametrize("start", _revisions())
def test_upgrade_from_every_revision_keeps_rows(blank_db, start):
    """Build the database at an earlier revision, fill it, then `db upgrade`: every row survives."""
    from sqlalchemy import text

    from custsvc import db

    engine = db.get_engine()
    migrations.upgrade(engine, start)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO customer (account, name, created_at, created_by) VALUES ('C-1', 'Bakery', '2026-01-01 00:00:00', 't')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO worker (worker, name, created_at, created_by) VALUES ('T-1', 'Anna', '2026-01-01 00:00:00', 't')"
            )
        )
        conn.execute(text("INSERT INTO worker_role (worker, role) VALUES ('T-1', 'technician')"))
        conn.execute(text("INSERT INTO worker_skill (worker, skill) VALUES ('T-1', 'gas')"))
        conn.execute(
            text(
                "INSERT INTO service_task (task, description, hours_milli, skill, created_at, created_by) VALUES ('BOIL', 'Boiler', 1500, 'gas', '2026-01-01 00:00:00', 't')"
            )
        )
    cli = Cli()
    if start != migrations.HEAD:
        result = cli("customer", "list", code=1)
        assert "run `custsvc db upgrade`" in result.stderr
    result = cli.json("db", "upgrade")
    assert result["to"] == migrations.HEAD
    assert [c["account"] for c in cli.json("customer", "list")] == ["C-1"]
    worker = cli.json("worker", "show", "T-1")
    assert (worker["roles"], worker["skills"]) == (["technician"], ["gas"])
    task = cli.json("task", "show", "BOIL")
    assert (task["hours"], task["skill"]) == ("1.5", "gas")
    assert task["price"] == "0.00"  # added by 0002, existing rows get 0.00
    assert cli.json("db", "check")["ok"] is True


def test_upgrade_on_a_current_database_changes_nothing(db_url):
    result = Cli().json("db", "upgrade")
    assert result["changed"] is False and result["from"] == result["to"] == migrations.HEAD


@sqlite_only
def test_a_foreign_sqlite_file_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (x)")
    monkeypatch.setenv("CUSTSVC_DB", str(path))
    result = Cli()("customer", "list", code=1)
    assert result.stderr == f"error: {path} holds tables but is not a custsvc database\n"


@sqlite_only
def test_db_pointing_at_a_folder_is_a_usage_error(tmp_path):
    result = Cli()("--db", str(tmp_path), "customer", "list", code=2)
    assert "is a folder" in result.stderr


def test_postgres_urls_without_the_driver_get_a_clear_message(monkeypatch):
    import builtins

    from custsvc import db

    real_import = builtins.__import__

    def no_psycopg(name, *args, **kwargs):
        if name == "psycopg":
            raise ImportError("no psycopg")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_psycopg)
    monkeypatch.delenv("CUSTSVC_DEBUG")
    result = Cli()("--db", "postgresql://u@127.0.0.1:1/x", "customer", "list", code=1)
    assert result.stderr == "error: PostgreSQL support needs the driver: pip install 'custsvc[postgres]'\n"
    db.dispose_engines()


def test_config_settings(cli):
    assert cli("config", "get", "currency").stdout == "EUR\n"
    cli("config", "set", "currency", "usd")
    assert cli("config", "get", "currency").stdout == "USD\n"
    result = cli("config", "set", "timezone", "Mars/Base", code=1)
    assert result.stderr.startswith("error: invalid timezone 'Mars/Base'")
    cli("config", "get", "colour", code=1)
    rows = {r["key"]: r["value"] for r in cli.json("config", "list")}
    assert rows == {
        "timezone": "UTC",
        "currency": "USD",
        "sign_off_required": "yes",
        "workdays": "mon-fri",
        "sla_at_risk_pct": "25",
        "calendar": "",
        "planned_stage": "planned",
        "visit_duration": "2h",
        "negative_stock": "warn",
        "return_validity_days": "90",
    }
    cli("config", "set", "calendar", "nope", code=1)
    cli("config", "set", "visit_duration", "forever", code=1)
    cli("config", "set", "workdays", "mon-sat")
    cli("config", "set", "workdays", "someday", code=1)
    cli("config", "set", "sign_off_required", "maybe", code=1)


def test_commands_on_an_out_of_date_database_say_to_upgrade(db_url):
    from sqlalchemy import text

    from custsvc import db

    with db.get_engine().begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0000'"))
    result = Cli()("customer", "list", code=1)
    assert result.stderr == (
        f"error: the database schema is at revision 0000, this custsvc needs {migrations.HEAD}: run `custsvc db upgrade`\n"
    )


def test_demo_has_agreements_orders_in_several_stages_and_invoices(demo):
    assert len(demo.json("agreement", "list", "--status", "active")) >= 5
    assert demo.json("agreement", "list", "--status", "template")
    orders = demo.json("order", "list")
    stages = {o["stage"] for o in orders}
    assert {"created", "planned", "in-progress", "completed", "canceled"} <= stages
    assert any(o["agreement"] for o in orders) and any(not o["agreement"] for o in orders)
    assert {o["progress"] for o in orders} == {"in-process", "posted", "canceled"}
    invoices = demo.json("invoice", "list")
    assert invoices and sum(i["total"] != "0.00" for i in invoices) > len(invoices) * 0.9
    # an invoice at zero is one for a repair under warranty: every line says what it would have cost
    for invoice in (i for i in invoices if i["total"] == "0.00"):
        lines = demo.json("invoice", "show", invoice["invoice"])["line_items"]
        assert all(line["description"].startswith("Warranty (") and line["warranty_value"] for line in lines)
    # the demo's generation is caught up: running it again for its months creates nothing
    assert (
        demo.json("agreement", "generate", "--from", "2025-12-01", "--to", "2026-03-31", "--summary")["created_orders"]
        == 0
    )


def test_demo_has_calendars_slas_and_a_mix_of_outcomes(demo):
    assert {c["calendar"] for c in demo.json("calendar", "list")} >= {"riga-office", "extended", "around-the-clock"}
    assert {s["sla"] for s in demo.json("sla", "list")} >= {"gold", "silver", "bronze"}
    rows = demo.json("sla", "report", "--from", "2025-01-01", "--to", "2026-12-31", "--by", "tier")
    assert {r["tier"] for r in rows} == {"gold", "silver", "bronze"}
    assert sum(r["met"] for r in rows) > 0 and sum(r["breached"] for r in rows) > 0 and sum(r["open"] for r in rows) > 0
    statuses = {o["sla_status"] for o in demo.json("order", "list", "--open")}
    assert {"on-track", "paused", "breached"} <= statuses


def test_demo_has_a_busy_partly_dispatched_board(demo):
    rows = demo.json("dispatch", "board")
    technicians = {r["technician"] for r in rows}
    assert len(rows) >= 8 and len(technicians) >= 4
    assert demo.json("dispatch", "queue")  # and some orders still wait
    assert demo.json("worker", "absence", "list")
    assert {w["calendar"] for w in demo.json("worker", "list", "--role", "technician")} >= {"extended"}


def test_demo_has_subscriptions_in_several_states_invoiced_for_past_months(demo):
    subs = demo.json("subscription", "list")
    assert {s["status"] for s in subs} >= {"active", "future", "canceled"}
    assert len(demo.json("subscription", "group", "list")) >= 3
    assert any(i["lines"] for i in demo.json("invoice", "list"))
    explained = demo.json("subscription", "explain", "SUB-1001")
    assert sum(p["state"] == "billed" for p in explained["periods"]) >= 5
    run = demo.json("subscription", "invoice", "--through", "today")  # this month is still to invoice
    again = demo("subscription", "invoice", "--through", "today")
    assert run["periods"] > 0 and (again.stdout, again.stderr) == ("", "")


def test_demo_repairs_show_the_weak_boiler_version(demo):
    """Two years of repairs: the first VB24's pump seizes every winter, so its BOM version stands out
    in every figure of the report; a few calls are still open, and some were under warranty."""
    rows = demo.json("repair", "report", "--from", "-730d", "--to", "today", "--by", "bom-version")["rows"]
    groups = {row["bom-version"]: row for row in rows}
    weak, others = groups.pop("VB24@1"), list(groups.values())
    assert weak["repairs"] == max(r["repairs"] for r in rows)
    assert weak["repeats"] >= 2 * max(r["repeats"] for r in others)
    assert float(weak["mtbf_days"]) < 0.5 * min(float(r["mtbf_days"]) for r in others)
    assert float(weak["first_time_fix_pct"]) < min(float(r["first_time_fix_pct"]) for r in others)
    repairs = demo.json("repair", "list")
    assert len(repairs) > 60
    assert any(r["warranty"] for r in repairs) and any(not r["finished"] for r in repairs)
    pumps = [r for r in repairs if r["item"] == "BOILER-24" and r["diagnosis"] == "PUMP-SEIZED"]
    in_winter = [r for r in pumps if r["created_at"][5:7] in {"11", "12", "01", "02", "03"}]
    assert len(pumps) >= 8 and len(in_winter) >= 0.8 * len(pumps)


def test_demo_has_return_orders_in_every_status(demo):
    """Return orders of real demo invoices: one overdue, one replaced, one repaired, and inspected
    work left for ``return process --all``."""
    rmas = demo.json("return", "list")
    assert {r["status"] for r in rmas} >= {"created", "open", "closed", "canceled"}
    assert any(r["overdue"] for r in rmas)
    lines = [line for r in rmas for line in demo.json("return", "show", r["rma"])["lines"]]
    assert any(line["repair_order"] for line in lines) and any(line["replacement_order"] for line in lines)
    assert any(line["invoice"] for line in lines) and any(line["split_from"] for line in lines)
    assert any(line["status"] == "inspected" for line in lines)
    assert demo.json("return", "process", "--all")["processed_lines"] >= 1
