"""Service orders, agreements and invoices through the real command."""

import csv
import io
import json
import os
import subprocess
import sys

import pytest


@pytest.fixture
def shop(demo):
    return demo  # the demo shop at 2026-03-10 09:00 Riga; it has reason codes, e.g. NO-ACCESS


def test_create_prints_the_number_and_json_the_order(shop):
    result = shop(
        "order",
        "create",
        "--customer",
        "C-1001",
        "--object",
        "OBJ-0001",
        "--priority",
        "high",
        "--description",
        "No heat",
    )
    number = result.stdout.strip()
    assert number.startswith("SO-")
    order = shop.json("order", "create", "--customer", "C-1002", "--preferred-at", "2026-03-05T10:00")
    assert order["order"] != number
    assert order["preferred_at"] == "2026-03-05T10:00:00+02:00"
    assert order["service_date"] == "2026-03-05"
    assert order["stage"] == "created" and order["progress"] == "in-process"


def test_an_order_from_create_to_invoice(shop):
    number = shop(
        "order", "create", "--customer", "C-1001", "--object", "OBJ-0001", "--technician", "T-01"
    ).stdout.strip()
    line = shop.json("order", "line", "add", number, "--type", "hour", "--task", "BOILER-SERVICE")
    assert (line["quantity"], line["price"], line["amount"], line["worker"]) == ("1.5", "68.00", "102.00", "T-01")
    shop("order", "line", "add", number, "--type", "item", "--item", "PUMP-CIRC", "--qty", "2")
    shop("order", "line", "add", number, "--type", "expense", "--price", "12.40", "--description", "Parking")
    shop("order", "line", "cancel", number, "3")
    for stage in ("planned", "in-progress", "completed"):
        shop("order", "move", number, stage)
    result = shop("order", "post", number, code=1)
    assert (
        result.stderr.startswith(f"error: {number} must be signed off before posting")
        and "(rule: signed-off-before-post)" in result.stderr
    )
    shop("order", "sign-off", number)
    invoice_number = shop("order", "post", number).stdout.strip()
    invoice = shop.json("invoice", "show", invoice_number)
    assert [(ln["description"], ln["quantity"], ln["unit_price"], ln["amount"]) for ln in invoice["line_items"]] == [
        ("Annual gas boiler service and flue gas analysis", "1.5", "68.00", "102.00"),
        ("Circulation pump", "2", "189.00", "378.00"),
    ]
    assert invoice["total"] == "480.00" and invoice["customer"] == "C-1001"
    order = shop.json("order", "show", number)
    assert order["progress"] == "posted"
    assert [ln["status"] for ln in order["line_items"]] == ["posted", "posted", "canceled"]
    assert [h["to_stage"] for h in order["history"]] == ["created", "planned", "in-progress", "completed"]
    assert all(h["at"].endswith("+02:00") for h in order["history"])


def test_refusals_name_their_rule(shop):
    number = shop("order", "create", "--customer", "C-1001").stdout.strip()
    result = shop("order", "move", number, "completed", code=1)
    assert (
        result.stderr
        == f"error: {number} can move from 'created' only to 'planned', 'canceled', not 'completed' (rule: move-to-child-stage)\n"
    )
    result = shop("order", "move", number, "canceled", code=1)
    assert "(rule: stage-requires-reason)" in result.stderr
    shop("order", "move", number, "planned")
    shop("order", "move", number, "in-progress")
    result = shop("order", "delete", number, "--yes", code=1)
    assert "does not allow deleting (rule: stage-allows-delete)" in result.stderr
    result = shop("order", "cancel", number, "--reason", "NO-ACCESS", code=1)
    assert "(rule: stage-allows-cancel)" in result.stderr
    shop("order", "move", number, "planned", "--back")
    shop("order", "cancel", number, "--reason", "NO-ACCESS")
    assert shop.json("order", "show", number)["progress"] == "canceled"


def test_list_filters_and_plain_output(shop):
    shop("customer", "add", "C-9001", "--name", "New customer")
    shop("customer", "add", "C-9002", "--name", "Other customer")
    shop("worker", "add", "T-99", "--name", "New tech", "--role", "technician")
    a = shop("order", "create", "--customer", "C-9001", "--technician", "T-99").stdout.strip()
    b = shop("order", "create", "--customer", "C-9002").stdout.strip()
    shop("order", "move", a, "planned")
    assert a in [o["order"] for o in shop.json("order", "list", "--stage", "planned")]
    assert b not in [o["order"] for o in shop.json("order", "list", "--stage", "planned")]
    assert [o["order"] for o in shop.json("order", "list", "--customer", "C-9002")] == [b]
    assert [o["order"] for o in shop.json("order", "list", "--technician", "T-99", "--preferred")] == [a]
    shop("order", "cancel", b, "--reason", "NO-ACCESS")
    open_orders = [o["order"] for o in shop.json("order", "list", "--open")]
    assert a in open_orders and b not in open_orders
    assert all(o["progress"] == "in-process" for o in shop.json("order", "list", "--open"))
    header = shop("order", "list").stdout.splitlines()[0].split()
    assert header == [
        "order",
        "date",
        "customer",
        "stage",
        "priority",
        "sla",
        "time",
        "left",
        "assigned",
        "total",
        "progress",
        "preferred",
        "objects",
    ]


def test_stage_definitions_and_reason_codes(shop):
    shop(
        "order",
        "stage-def",
        "add",
        "on-hold",
        "--name",
        "On hold",
        "--parent",
        "in-progress",
        "--stops-clock",
        "--can-modify",
    )
    tree = shop.json("order", "stage-def", "list")
    hold = next(s for s in tree if s["stage"] == "on-hold")
    assert (hold["parent"], hold["stops-clock"], hold["can-post"], hold["depth"]) == ("in-progress", True, False, 3)
    plain = shop("order", "stage-def", "list").stdout
    assert "      └ on-hold" in plain
    shop("order", "stage-def", "update", "on-hold", "--requires-reason")
    assert (
        next(s for s in shop.json("order", "stage-def", "list") if s["stage"] == "on-hold")["requires-reason"] is True
    )
    result = shop("order", "stage-def", "add", "start", "--name", "Start", code=1)
    assert "(rule: one-initial-stage)" in result.stderr
    shop("order", "stage-def", "remove", "on-hold")
    shop("order", "reason", "add", "WEATHER", "--description", "Storm, no travel")
    assert "WEATHER" in [r["code"] for r in shop.json("order", "reason", "list")]
    shop("order", "reason", "remove", "WEATHER")
    result = shop("order", "reason", "remove", "CUSTOMER-CANCELED", code=1)
    assert "(rule: reason-unused)" in result.stderr


def test_agreement_generate_and_idempotent_rerun(shop):
    shop(
        "agreement",
        "create",
        "AGR-9",
        "--customer",
        "C-2001",
        "--start",
        "2026-01-01",
        "--end",
        "2026-12-31",
        "--combine",
        "object",
    )
    shop(
        "agreement",
        "line",
        "add",
        "AGR-9",
        "--type",
        "hour",
        "--task",
        "HEATPUMP-SERVICE",
        "--object",
        "OBJ-0011",
        "--every",
        "1 month",
        "--start",
        "2026-01-31",
    )
    shop(
        "agreement",
        "line",
        "add",
        "AGR-9",
        "--type",
        "hour",
        "--task",
        "BOILER-SERVICE",
        "--object",
        "OBJ-0012",
        "--every",
        "3 months",
        "--start",
        "2026-02-15",
    )
    dry = shop.json("agreement", "generate", "AGR-9", "--from", "2026-04-01", "--to", "2026-06-30", "--dry-run")
    assert [o["date"] for o in dry] == ["2026-04-30", "2026-05-15", "2026-05-31", "2026-06-30"]
    assert shop.json("order", "list", "--agreement", "AGR-9") == []
    created = shop.json("agreement", "generate", "AGR-9", "--from", "2026-04-01", "--to", "2026-06-30")
    assert [o["order"] for o in created] == [o["order"] for o in dry]  # the dry run showed the real numbers
    assert created[0]["lines"][0]["agreement_line"] == "AGR-9/1"
    assert shop.json("agreement", "generate", "AGR-9", "--from", "2026-04-01", "--to", "2026-06-30") == []
    result = shop("agreement", "generate", "AGR-9", "--from", "2026-04-01", "--to", "2026-06-30")
    assert (result.stdout, result.stderr) == ("", "")  # nothing to do and no terminal: a silent success
    assert len(shop.json("order", "list", "--agreement", "AGR-9")) == 4


def test_agreement_lifecycle_commands(shop):
    shop("agreement", "create", "TPL-1", "--customer", "C-1001", "--start", "2026-01-01", "--template")
    shop(
        "agreement",
        "line",
        "add",
        "TPL-1",
        "--type",
        "fee",
        "--price",
        "99",
        "--every",
        "1 year",
        "--start",
        "2026-01-01",
        "--description",
        "Annual fee",
    )
    copied = shop.json("agreement", "copy", "TPL-1", "AGR-10", "--customer", "C-3001", "--start", "2026-03-01")
    assert copied["status"] == "active" and copied["line_items"][0]["start"] == "2026-03-01"
    assert shop.json("agreement", "suspend", "AGR-10")["status"] == "suspended"
    assert shop.json("agreement", "resume", "AGR-10")["status"] == "active"
    assert shop.json("agreement", "line", "stop", "AGR-10", "1")["stopped"] is True
    statuses = {a["agreement"]: a["status"] for a in shop.json("agreement", "list")}
    assert statuses["TPL-1"] == "template" and statuses["AGR-10"] == "active"
    result = shop(
        "agreement",
        "line",
        "add",
        "AGR-10",
        "--type",
        "fee",
        "--price",
        "1",
        "--start",
        "2026-03-01",
        "--every",
        "fortnightly-ish",
        code=1,
    )
    assert result.stderr.startswith("error: invalid every 'fortnightly-ish'")


def test_invoice_list_export_and_credit(shop):
    shop("config", "set", "sign_off_required", "no")
    shop("customer", "add", "C-9100", "--name", "Walk-in customer")
    number = shop("order", "create", "--customer", "C-9100").stdout.strip()
    shop("order", "line", "add", number, "--type", "fee", "--price", "40.00", "--description", "Call-out")
    shop("order", "line", "add", number, "--type", "item", "--item", "FILTER-G4", "--qty", "3")
    for stage in ("planned", "in-progress", "completed"):
        shop("order", "move", number, stage)
    invoice = shop.json("order", "post", number)
    credit = shop("invoice", "credit", invoice["invoice"], "--line", "2").stdout.strip()
    rows = shop.json("invoice", "export", "--from", "2026-03-01", "--to", "2026-03-31")
    mine = [r for r in rows if r["customer"] == "C-9100"]
    assert [
        (r["invoice"], r["description"], r["quantity"], r["unit_price"], r["amount"], r["source"]) for r in mine
    ] == [
        (invoice["invoice"], "Call-out", "1", "40.00", "40.00", number),
        (invoice["invoice"], "Air filter G4", "3", "14.50", "43.50", number),
        (credit, "Credit: Air filter G4", "-3", "14.50", "-43.50", number),
    ]
    assert {r["currency"] for r in mine} == {"EUR"} and mine[2]["credits"] == invoice["invoice"]
    text = shop("invoice", "export", "--from", "2026-03-01", "--to", "2026-03-31", "--format", "csv").stdout
    header = next(csv.reader(io.StringIO(text)))
    for field in (
        "invoice",
        "date",
        "customer",
        "currency",
        "description",
        "quantity",
        "unit_price",
        "amount",
        "source",
    ):
        assert field in header
    listed = shop.json("invoice", "list", "--customer", "C-9100")
    assert [(i["kind"], i["total"]) for i in listed] == [("invoice", "83.50"), ("credit", "-43.50")]


def test_two_generation_runs_at_once_create_each_order_once(shop):
    shop("agreement", "create", "AGR-X", "--customer", "C-2002", "--start", "2026-01-01", "--combine", "object")
    for obj in ("OBJ-0013", "OBJ-0014"):
        shop(
            "agreement",
            "line",
            "add",
            "AGR-X",
            "--type",
            "hour",
            "--task",
            "AC-REPAIR",
            "--object",
            obj,
            "--every",
            "1 week",
            "--start",
            "2026-01-05",
        )
    env = {**os.environ, "CUSTSVC_FORMAT": "json"}
    env.pop("CUSTSVC_DEBUG", None)
    args = [
        sys.executable,
        "-m",
        "custsvc",
        "agreement",
        "generate",
        "AGR-X",
        "--from",
        "2026-01-01",
        "--to",
        "2026-12-31",
    ]
    runs = [
        subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]
    codes = [run.returncode for run in runs]
    assert all(code in (0, 3) for code in codes), outputs
    assert 0 in codes
    created = [len(json.loads(out)) for (out, _err), code in zip(outputs, codes, strict=True) if code == 0]
    orders = shop.json("order", "list", "--agreement", "AGR-X")
    assert len(orders) == 2 * 52 == sum(created)
    assert sum(o["lines"] for o in orders) == 2 * 52


def test_every_problem_of_a_refusal_is_printed_and_force_overrides_what_allows_it(shop, monkeypatch):
    """A capability's guards refuse through the lifecycle seam; the command prints every problem."""
    from custsvc import bootstrap
    from custsvc.events import Problem
    from custsvc.services.orders import events

    blocking = {"on": True}
    real = bootstrap.build_bus

    def guarded():
        bus = real()
        bus.guard(events.StageMoved, lambda ctx, e: [Problem("parts-missing", "2 parts are not on the shelf", True)])
        bus.guard(
            events.StageMoved,
            lambda ctx, e: (
                [Problem("repair-open", f"{e.order.number} has an open repair line")] if blocking["on"] else []
            ),
        )
        return bus

    monkeypatch.setattr(bootstrap, "build_bus", guarded)
    number = shop("order", "create", "--customer", "C-1001").stdout.strip()
    result = shop("order", "move", number, "planned", "--force", code=1)
    assert result.stderr.splitlines() == [
        f"error: {number} has an open repair line (rule: repair-open)",
    ]
    result = shop("order", "move", number, "planned", code=1)
    assert result.stderr.splitlines() == [
        "error: 2 parts are not on the shelf (rule: parts-missing; --force overrides this)",
        f"error: {number} has an open repair line (rule: repair-open)",
    ]
    assert shop.json("order", "show", number)["stage"] == "created"
    blocking["on"] = False
    shop("order", "move", number, "planned", code=1)
    shop("order", "move", number, "planned", "--force")
    assert shop.json("order", "show", number)["stage"] == "planned"
