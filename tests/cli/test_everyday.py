"""Everyday use (issue 11), through the real command: a mistyped database, confirmations, who an order
is assigned to, relative dates, quiet cron runs, messages as sentences, `custsvc today`, posting a
customer's signed-off work, and the demo's own history."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from tests.conftest import FIXED_NOW

MISSING = "/nonexistent/dir/x.db"


# --- 1. no database made by accident -----------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["subscription", "invoice", "--through", "today"],
        ["customer", "list"],
        ["customer", "import", "-", "--dry-run"],
        ["agreement", "generate", "--to", "+30d"],
        ["today"],
    ],
)
def test_a_missing_database_is_an_error_and_is_not_created(cli, tmp_path, args):
    for where in (MISSING, str(tmp_path / "typo" / "shop.db"), str(tmp_path / "shop.db")):
        result = cli("--db", where, *args, input="account,name\nC-1,Bakery\n", code=1)
        assert result.stderr == f"error: no database at {where} (create it with custsvc db init)\n"
        assert not Path(where).exists()
    assert not (tmp_path / "typo").exists()  # nor its folder


def test_db_init_makes_one_and_is_idempotent(cli, tmp_path):
    where = tmp_path / "new" / "shop.db"
    first = cli("--db", str(where), "db", "init")
    assert where.exists() and "created" in first.stderr
    again = cli("--db", str(where), "db", "init")
    assert "already" in again.stderr
    assert cli.json("--db", str(where), "customer", "list") == []


# --- 3. order delete asks ----------------------------------------------------------------------


def test_order_delete_needs_yes_without_a_terminal_and_asks_on_one(demo, monkeypatch):
    number = demo("order", "create", "--customer", "C-1001").stdout.strip()
    refused = demo("order", "delete", number, code=2)
    assert refused.stderr == "error: order delete asks before it deletes: add --yes to run it without a terminal\n"
    assert demo.json("order", "show", number)["order"] == number
    monkeypatch.setattr("custsvc.commands._common.stdin_is_a_terminal", lambda: True)
    kept = demo("order", "delete", number, input="n\n", code=1)
    assert f"Delete {number} of C-1001 (created, 0 lines)? [y/N]" in kept.stderr
    assert demo.json("order", "show", number)["order"] == number
    deleted = demo("order", "delete", number, input="y\n")
    assert deleted.stderr.endswith(f"deleted {number}\n")
    assert demo("order", "show", number, code=1).stderr == f"error: no service order {number!r}\n"


# --- 4, 11. assigned technician, the acting worker, the order's visit --------------------------


def test_technician_filter_means_assigned_and_mine_is_the_acting_worker(demo):
    assigned = {o["order"] for o in demo.json("order", "list", "--technician", "T-01")}
    preferred = {o["order"] for o in demo.json("order", "list", "--technician", "T-01", "--preferred")}
    assert assigned and preferred and assigned != preferred
    assert all(o["assigned"] == "T-01" for o in demo.json("order", "list", "--technician", "T-01", "--open"))
    assert {o["order"] for o in demo.json("--as", "T-01", "order", "list", "--mine")} == assigned
    shown = demo.json("order", "show", sorted(assigned)[-1])
    assert shown["assigned"] == "T-01" and shown["assignments"][0]["technician"] == "T-01"
    table = demo("order", "show", sorted(assigned)[-1], "--format", "plain").stdout
    assert "assignments" in table and "T-01" in table


# --- 12. order line update ---------------------------------------------------------------------


def test_order_line_update_changes_a_line_and_says_when_nothing_changes(demo):
    number = demo("order", "create", "--customer", "C-1001", "--object", "OBJ-0001").stdout.strip()
    demo("order", "line", "add", number, "--type", "hour", "--qty", "1", "--price", "60", "--worker", "T-01")
    record = demo.json("order", "line", "update", number, "1", "--qty", "1.5", "--description", "Boiler, 1.5 h")
    assert (record["quantity"], record["amount"], record["changed"]) == ("1.5", "90.00", ["description", "quantity"])
    same = demo("order", "line", "update", number, "1", "--qty", "1.5")
    assert same.stderr == f"{number} line 1 already has those values; nothing changed\n"


# --- 13. local times in messages ---------------------------------------------------------------


def test_sla_explain_reads_in_the_shops_zone_to_the_minute(demo):
    lines = demo.json("sla", "explain", "SO-000060")["derivation"]
    assert lines and all("+00:00" not in line and "T" not in line.split(":")[0] for line in lines)
    assert lines[0].startswith("response due 2026-03-10 ")  # Riga time, no seconds, no offset


# --- 14. relative dates and times --------------------------------------------------------------


def test_relative_dates_and_times_wherever_one_is_asked(demo):
    week = demo.json("order", "list", "--from", "last monday", "--to", "+1w")
    exact = demo.json("order", "list", "--from", "2026-03-09", "--to", "2026-03-17")
    assert week == exact and week
    assert demo.json("--now", "tomorrow 9:00", "order", "list", "--limit", "1")  # relative to the wall clock
    assigned = demo.json("dispatch", "assign", "SO-000061", "--technician", "T-06", "--start", "next monday 8:00")
    assert assigned["start"].startswith("2026-03-16T08:00")
    generated = demo.json("agreement", "generate", "--to", "+30d", "--summary")
    assert generated["created_orders"] >= 0
    refused = demo("order", "list", "--to", "+3m", code=1)
    assert refused.stderr == "error: invalid to '+3m': write +3mo for months\n"
    assert "+30d" in demo("order", "list", "--help").stdout and "next monday" in demo("--help").stdout


# --- 16, 17. messages as sentences, help without a subcommand ----------------------------------


def test_messages_read_as_sentences(demo):
    plural = demo("customer", "remove", "C-1001", code=1).stderr
    assert re.search(r"\b25 service orders \(customer\)", plural) and re.search(
        r"\b1 subscription \(customer\)", plural
    )
    assert not re.search(r"\b1 [a-z ]+s \(", plural)
    line = demo("order", "line", "add", "SO-000060", "--type", "hour", code=1).stderr
    assert "an hour line" in line
    days = demo("dispatch", "board", "--days", "40", code=2).stderr
    assert days == "error: invalid --days '40': must be at most 31\n"
    fmt = demo("order", "list", "--format", "yaml", code=2).stderr
    assert fmt == "error: invalid --format 'yaml': must be one of table, json, csv, markdown or plain\n"


@pytest.mark.parametrize("args", [[], ["order"], ["order", "line"], ["subscription", "group"]])
def test_a_group_without_a_subcommand_prints_help_and_exits_0(cli, args):
    result = cli(*args)
    assert "Usage:" in result.stdout and result.stderr == ""


# --- 18. quiet cron runs -----------------------------------------------------------------------


def test_cron_runs_say_something_only_when_something_happened(demo):
    first = demo("subscription", "invoice", "--through", "today")
    assert first.stdout == "" and first.stderr.startswith("invoiced ")
    again = demo("subscription", "invoice", "--through", "today")
    assert (again.stdout, again.stderr) == ("", "")
    generated = demo("agreement", "generate", "--to", "+60d", "--summary")
    assert generated.stdout == "" and generated.stderr.startswith("created ")
    assert demo("agreement", "generate", "--to", "+60d", "--summary").stderr == ""
    quiet = demo("-q", "agreement", "generate", "--to", "+90d", "--summary")
    assert quiet.stdout == "" and "created" not in quiet.stderr
    # what needs a person's attention still shows: a visit on a closed day
    assert all(line.startswith("warning: ") for line in quiet.stderr.splitlines())
    assert demo("-q", "subscription", "invoice", "--through", "+3mo").stderr == ""


# --- 22. sign-off twice ------------------------------------------------------------------------


def test_signing_off_twice_says_it_already_was(demo):
    number = demo("order", "create", "--customer", "C-1001").stdout.strip()
    demo("order", "line", "add", number, "--type", "fee", "--price", "10")
    assert demo("order", "sign-off", number).stderr == f"signed off {number}\n"
    before = demo.json("order", "show", number)
    again = demo("order", "sign-off", number)
    assert again.stderr.startswith(f"{number} was already signed off (on 2026-03-10 09:00 by ")
    assert again.stderr.endswith("; nothing changed\n")
    assert demo.json("order", "show", number) == before


# --- 24. custsvc today -------------------------------------------------------------------------


def test_today_shows_what_needs_attention_with_the_command_for_more(demo):
    view = demo.json("today")
    assert view["date"] == "2026-03-10"
    assert view["open_orders"]["count"] == sum(r["orders"] for r in view["open_orders"]["rows"]) > 0
    urgent = view["at_risk_or_breached"]
    assert urgent["count"] >= len(urgent["rows"]) > 0
    assert {r["sla_status"] for r in urgent["rows"]} <= {"at-risk", "breached"}
    assert view["board"]["rows"] and view["board"]["not_dispatched"] == len(demo.json("dispatch", "queue"))
    posting = view["signed_off_not_invoiced"]
    assert posting["rows"] and all(float(r["total"]) > 0 for r in posting["rows"])
    due = view["subscriptions_due"]
    dry = demo.json("subscription", "invoice", "--through", "today", "--dry-run")
    assert (due["count"], due["invoices"]) == (dry["periods"], len(dry["invoices"]))
    text = demo("today", "--format", "table", env={"COLUMNS": "80"}).stdout
    for words in ("Open orders:", "At risk or breached:", "Today's board:", "Signed off, not invoiced:"):
        assert words in text
    assert "more: custsvc order list --open --sort time-left" in text
    assert max(len(line) for line in text.splitlines()) <= 80


def test_today_on_an_empty_shop(cli):
    cli("db", "init")
    view = cli.json("today")
    assert view["open_orders"]["count"] == 0 and view["subscriptions_due"]["count"] == 0
    assert "Open orders: 0" in cli("today").stdout


# --- 26, 27. order list filters, posting a customer's signed-off orders -------------------------


def test_order_list_filters_and_sort(demo):
    high = demo.json("order", "list", "--priority", "high")
    assert high and {o["priority"] for o in high} == {"high"}
    on_object = demo.json("order", "list", "--object", "OBJ-0001")
    assert on_object and all("OBJ-0001" in o["objects"] for o in on_object)
    breached = demo.json("order", "list", "--sla-status", "breached", "--open")
    assert breached and {o["sla_status"] for o in breached} == {"breached"}
    described = next(o for o in demo.json("order", "list") if o["description"])
    word = described["description"].split()[0]
    found = demo.json("order", "list", "--search", word.upper())
    assert described["order"] in {o["order"] for o in found}
    urgent = demo.json("order", "list", "--open", "--sort", "time-left", "--limit", "3")
    seconds = [o["time_left_seconds"] for o in urgent]
    assert seconds == sorted(seconds)
    totals = [float(o["total"]) for o in demo.json("order", "list", "--sort", "total", "--reverse")]
    assert totals == sorted(totals, reverse=True)


def test_post_a_customers_signed_off_orders_in_one_run(demo):
    waiting = demo.json("today")["signed_off_not_invoiced"]["rows"]
    customer = next(r for r in waiting if r["orders"] > 1)
    result = demo("order", "post", "--customer", customer["customer"], "--signed-off", "--one-invoice")
    numbers = result.stdout.split()
    assert len(numbers) == 1 and f"posted {customer['orders']} orders of {customer['customer']}" in result.stderr
    invoice = demo.json("invoice", "show", numbers[0])
    assert invoice["total"] == customer["total"]
    nothing = demo("order", "post", "--customer", customer["customer"], "--signed-off")
    assert nothing.stdout == "" and "nothing to post" in nothing.stderr


# --- 28. the demo's history --------------------------------------------------------------------


def test_the_demo_numbers_invoices_in_date_order_and_its_workers_did_the_work(demo):
    invoices = sorted(demo.json("invoice", "list"), key=lambda i: i["invoice"])
    dates = [i["date"] for i in invoices]
    assert dates == sorted(dates)
    login = os.environ.get("USER") or "root"
    orders = demo.json("order", "list")
    workers = {w["worker"] for w in demo.json("worker", "list")}
    actors = {o["created_by"] for o in orders} | {i["created_by"] for i in invoices}
    assert actors <= workers and login not in actors
    assert {o["signed_off_by"] for o in orders if o["signed_off_by"]} <= {w for w in workers if w.startswith("T-")}
    assert json.dumps(FIXED_NOW)
