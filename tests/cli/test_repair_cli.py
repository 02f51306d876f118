"""``custsvc repair`` through the real commands: setup lists and stages, repair lines with their
numbers and one-line errors, swaps that change BOM, stock and order together or not at all, the
order guards, warranty lines posted at zero, list filters, history and the failure report."""

from __future__ import annotations

import csv
import io

import pytest

from tests.cli.test_bad_input import differences, dump
from tests.conftest import FIXED_NOW


@pytest.fixture
def shop(cli, monkeypatch):
    monkeypatch.setenv("CUSTSVC_NOW", FIXED_NOW)
    cli("customer", "add", "C-1", "--name", "Bakery")
    cli("customer", "add", "C-2", "--name", "Cafe")
    cli("item", "add", "BOILER", "--name", "Boiler", "--price", "2000")
    cli("item", "add", "PUMP", "--name", "Pump", "--price", "189", "--serialized", "--warranty", "24m")
    cli("worker", "add", "T-1", "--name", "Tech One", "--role", "technician")
    for obj, customer in (("O-1", "C-1"), ("O-2", "C-1"), ("O-3", "C-2")):
        cli("object", "add", obj, "--customer", customer, "--item", "BOILER")
    cli("bom", "template", "add", "T", "--item", "BOILER")
    cli("bom", "template", "version", "add", "T", "v1", "--from", "2024-01-01")
    cli("bom", "template", "component", "add", "T", "v1", "--position", "pump", "--item", "PUMP")
    cli("bom", "attach", "O-1", "--template", "T", "--at", "2025-03-10", "--serial", "pump=P-1")
    cli("stock", "receive", "PUMP", "--qty", "2", "--serial", "P-2", "--serial", "P-3")
    cli("bom", "attach", "O-2", "--template", "T", "--serial", "pump=P-3")
    for args in (
        ("symptom-area", "HEAT"),
        ("symptom-area", "NOISE"),
        ("symptom", "NO-HEAT", "--area", "HEAT"),
        ("symptom", "WHISTLE", "--area", "NOISE"),
        ("diagnosis-area", "HYDRAULIC"),
        ("diagnosis", "PUMP-SEIZED", "--area", "HYDRAULIC"),
        ("resolution", "REPLACED"),
        ("condition", "EXTENDED-USE"),
    ):
        cli("repair", "code", "add", *args, "--description", args[1].title())
    cli("config", "set", "sign_off_required", "no")
    return cli


def new_order(cli, *objects, now=None, customer="C-1"):
    args = [arg for obj in objects for arg in ("--object", obj)]
    clock = ("--now", now) if now else ()
    return cli(*clock, "order", "create", "--customer", customer, *args, "--format", "plain").stdout.strip()


def add(cli, number, *args):
    return cli("repair", "add", number, *args, "--format", "plain")


def state(cli, number):
    """What a failed swap must leave as it was: the BOM, the stock ledger and the order."""
    return (
        cli.json("bom", "show", "O-1"),
        cli.json("stock", "ledger"),
        {k: v for k, v in cli.json("order", "show", number).items() if k != "time_left_seconds"},
    )


# --- setup lists and stages ---------------------------------------------------------------------


def test_code_commands(shop):
    result = shop("repair", "code", "add", "symptom", "DRIP", "--area", "HYDRAULIC", "--description", "Drips", code=1)
    assert "symptom-area code 'HYDRAULIC'" in result.stderr
    result = shop("repair", "code", "add", "symptom", "DRIP", "--area", "HEAT", "--description", "Drips")
    assert result.stderr == "added symptom DRIP\n"
    assert [c["code"] for c in shop.json("repair", "code", "list", "symptom", "--area", "HEAT")] == ["DRIP", "NO-HEAT"]
    shop("repair", "code", "update", "symptom", "DRIP", "--area", "NOISE")
    assert shop.json("repair", "code", "list", "--area", "NOISE")[0]["code"] == "DRIP"
    assert shop("repair", "code", "remove", "symptom", "DRIP").stderr == "removed symptom DRIP\n"
    assert "WHISTLE" in shop("repair", "code", "list", "--format", "plain").stdout


def test_a_code_in_use_stays(shop):
    add(shop, new_order(shop, "O-1"), "--object", "O-1", "--symptom", "WHISTLE")
    result = shop("repair", "code", "remove", "symptom", "WHISTLE", code=1)
    assert result.stderr == (
        "error: symptom WHISTLE is used by 1 repair line; it cannot be removed (rule: code-in-use)\n"
    )


def test_stage_commands(shop):
    stages = shop.json("repair", "stage", "list")
    assert [(s["stage"], s["finished"]) for s in stages] == [
        ("registered", False),
        ("diagnosed", False),
        ("repaired", True),
        ("not-repairable", True),
    ]
    shop("repair", "stage", "add", "waiting-for-part", "--description", "Waiting for a part")
    shop("repair", "stage", "update", "waiting-for-part", "--finished")
    assert shop.json("repair", "stage", "list")[-1] == {
        "stage": "waiting-for-part",
        "description": "Waiting for a part",
        "finished": True,
        "position": 4,
    }
    shop("repair", "stage", "remove", "waiting-for-part")
    shop("repair", "stage", "remove", "not-repairable")
    result = shop("repair", "stage", "remove", "repaired", code=1)
    assert "repaired is the only finished repair stage; one is needed" in result.stderr


# --- repair lines -------------------------------------------------------------------------------


def test_repair_add_prints_the_line_number(shop):
    number = new_order(shop, "O-1", "O-2")
    first = add(
        shop, number, "--object", "O-1", "--symptom", "NO-HEAT", "--condition", "EXTENDED-USE", "--serial", "P-1"
    )
    assert first.stdout == "1\n"
    assert first.stderr == f"repair {number}/1 on O-1, stage registered (under warranty)\n"
    assert add(shop, number, "--object", "O-2", "--symptom-area", "NOISE").stdout == "2\n"
    record = shop.json("repair", "show", number, "1")
    assert (record["symptom_area"], record["bom"], record["warranty_basis"]) == (
        "HEAT",
        "T@v1",
        "part PUMP P-1 until 2027-03-10",
    )


def test_repair_add_refusals_are_one_line(shop):
    number = new_order(shop, "O-1")
    cases = [
        (("--object", "O-2"), f"service object O-2 is not on {number}"),
        (("--object", "O-1", "--symptom", "NO-HEAT", "--symptom-area", "NOISE"), "belongs to symptom-area HEAT"),
        (("--object", "O-1", "--symptom", "GHOST"), "no symptom code 'GHOST'"),
        (("--object", "O-1", "--stage", "repaired"), "give the --resolution"),
        (("--object", "O-1", "--serial", "P-2"), "'P-2': is not installed in O-1"),
    ]
    for args, text in cases:
        result = shop("repair", "add", number, *args, code=1)
        assert text in result.stderr and len(result.stderr.splitlines()) == 1, (args, result.stderr)
        assert result.stdout == ""
    assert shop.json("repair", "list") == []


def test_a_finished_stage_takes_its_time_from_the_clock(shop):
    number = new_order(shop, "O-1")
    add(shop, number, "--object", "O-1", "--symptom", "NO-HEAT")
    args = ("repair", "update", number, "1", "--diagnosis", "PUMP-SEIZED", "--resolution", "REPLACED")
    record = shop.json("--now", "2026-03-12T15:30:00+02:00", *args, "--stage", "repaired")
    assert (record["finished"], record["finished_at"], record["diagnosis_area"]) == (
        True,
        "2026-03-12T13:30:00+00:00",
        "HYDRAULIC",
    )
    record = shop.json(*args, "--stage", "diagnosed", env={"CUSTSVC_NOW": "2026-03-13T09:00:00+02:00"})
    assert (record["finished"], record["finished_at"]) == (False, None)


def test_list_filters(shop):
    first = new_order(shop, "O-1", now="2026-02-01T10:00")
    codes = ("--symptom", "NO-HEAT", "--serial", "P-1", "--technician", "T-1")
    shop("--now", "2026-02-01T10:00", "repair", "add", first, "--object", "O-1", *codes)
    second = new_order(shop, "O-2", now="2026-02-10T10:00")
    shop("--now", "2026-02-10T10:00", "repair", "add", second, "--object", "O-2", "--symptom", "WHISTLE")
    shop("repair", "update", first, "1", "--resolution", "REPLACED", "--stage", "repaired")

    def found(*filters):
        return [r["order"] for r in shop.json("repair", "list", *filters)]

    assert found() == [first, second]
    assert found("--order", second) == found("--object", "O-2") == found("--symptom", "WHISTLE") == [second]
    assert found("--serial", "P-1") == found("--technician", "T-1") == [first]
    assert found("--open") == [second]
    assert found("--from", "2026-02-02") == [second]
    assert found("--to", "2026-02-09") == [first]
    assert found("--from", "2026-02-11") == []
    assert "no repairs" in shop("repair", "list", "--open", "--symptom", "NO-HEAT").stderr


# --- swap ---------------------------------------------------------------------------------------


def test_swap_changes_bom_stock_and_order_together(shop):
    number = new_order(shop, "O-1")
    add(shop, number, "--object", "O-1", "--symptom", "NO-HEAT")
    record = shop.json("repair", "swap", number, "1", "--position", "pump", "--new-serial", "P-2", "--invoice")
    assert [(p["old_serial"], p["new_serial"], p["bom_version"], p["order_line"]) for p in record["parts"]] == [
        ("P-1", "P-2", 2, 1)
    ]
    assert shop.json("bom", "show", "O-1")["version"] == 2
    assert shop.json("bom", "where", "P-1")["location"] == "quarantine"
    assert shop.json("bom", "where", "P-2")["location"] == "object:O-1"
    assert shop.json("order", "show", number)["line_items"][0]["item"] == "PUMP"
    plain = shop("repair", "show", number, "1", "--format", "plain").stdout
    assert "parts swapped" in plain and "P-2" in plain
    history = shop("repair", "history", "O-1", "--format", "plain").stdout
    assert "pump: PUMP P-1 -> PUMP P-2 (v2)" in history
    assert [r["order"] for r in shop.json("repair", "history", "--serial", "P-2")["repairs"]] == [number]


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (("--position", "pump", "--new-serial", "P-9"), "no serial 'P-9'"),
        (("--position", "nozzle", "--new-serial", "P-2"), "'nozzle'"),
        (("--position", "pump", "--new-serial", "P-1"), "holds PUMP (P-1) already"),
        (("--position", "pump", "--new-serial", "P-3"), "P-3 of PUMP is installed in O-2, not in stock"),
        (("--position", "pump", "--item", "GHOST", "--new-serial", "P-2"), "GHOST"),
    ],
    ids=["unknown-serial", "unknown-position", "the-installed-unit", "installed-elsewhere", "unknown-item"],
)
def test_a_failed_swap_leaves_bom_stock_and_order_untouched(shop, db_url, args, text):
    number = new_order(shop, "O-1")
    add(shop, number, "--object", "O-1", "--symptom", "NO-HEAT")
    before, rows = state(shop, number), dump(db_url)
    result = shop("repair", "swap", number, "1", *args, "--invoice", code=1)
    assert text in result.stderr and len(result.stderr.splitlines()) == 1, result.stderr
    assert state(shop, number) == before
    assert differences(rows, dump(db_url)) == []


def test_a_swap_under_an_order_that_forbids_changes_leaves_everything(shop, db_url):
    number = new_order(shop, "O-1")
    add(shop, number, "--object", "O-1", "--symptom", "NO-HEAT")
    shop("order", "reason", "add", "DUPLICATE", "--description", "Entered twice")
    shop("order", "cancel", number, "--reason", "DUPLICATE")
    before, rows = state(shop, number), dump(db_url)
    result = shop("repair", "swap", number, "1", "--position", "pump", "--new-serial", "P-2", "--invoice", code=1)
    assert result.stderr == (
        f"error: {number} is in stage 'canceled', which does not allow changing repair lines "
        "(rule: stage-allows-modify)\n"
    )
    assert state(shop, number) == before
    assert differences(rows, dump(db_url)) == []


# --- the order guards ---------------------------------------------------------------------------


def test_an_order_resolves_and_signs_off_only_once_its_repairs_are_finished(shop):
    number = new_order(shop, "O-1", "O-2")
    add(shop, number, "--object", "O-1")
    add(shop, number, "--object", "O-2", "--stage", "diagnosed")
    shop("order", "move", number, "planned")
    shop("order", "move", number, "in-progress")
    result = shop("order", "move", number, "completed", code=1)
    assert result.stderr == (
        f"error: {number} cannot move to 'completed' while repair lines are open: 1 (registered), "
        "2 (diagnosed); finish them first (rule: repairs-finished)\n"
    )
    assert "repair lines are open: 1 (registered), 2 (diagnosed)" in shop("order", "sign-off", number, code=1).stderr
    shop("repair", "update", number, "1", "--resolution", "REPLACED", "--stage", "repaired")
    shop("repair", "update", number, "2", "--resolution", "REPLACED", "--stage", "not-repairable")
    shop("order", "move", number, "completed")
    shop("order", "sign-off", number)
    assert shop.json("order", "show", number)["stage"] == "completed"


# --- warranty -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("created", "covered"),
    [("2027-03-09T12:00", True), ("2027-03-10T23:30", True), ("2027-03-11T00:30", False)],
)
def test_a_pump_installed_2025_03_10_is_covered_through_2027_03_10(shop, created, covered):
    number = new_order(shop, "O-1", now=created)
    later = ("--now", "2027-04-01T09:00")
    record = shop.json(*later, "repair", "add", number, "--object", "O-1", "--serial", "P-1")
    assert record["warranty"] is covered
    assert record["warranty_basis"] == ("part PUMP P-1 until 2027-03-10" if covered else None)


def test_warranty_lines_are_posted_at_zero_and_counted_as_warranty_cost(shop):
    now = ("--now", "2027-03-01T10:00")
    number = new_order(shop, "O-1", now=now[1])
    shop(*now, "repair", "add", number, "--object", "O-1", "--serial", "P-1", "--symptom", "NO-HEAT")
    shop(*now, "repair", "swap", number, "1", "--position", "pump", "--new-serial", "P-2", "--invoice")
    shop(*now, "order", "line", "add", number, "--type", "fee", "--price", "80", "--description", "Call-out")
    shop(*now, "order", "line", "add", number, "--type", "fee", "--price", "25", "--description", "Parking")
    shop(*now, "repair", "link", number, "1", "--lines", "2")
    shop(*now, "repair", "update", number, "1", "--resolution", "REPLACED", "--stage", "repaired")
    for stage in ("planned", "in-progress", "completed"):
        shop(*now, "order", "move", number, stage)
    invoice = shop.json(*now, "order", "post", number)
    assert [(x["unit_price"], x["amount"], x["warranty_value"]) for x in invoice["line_items"]] == [
        ("0.00", "0.00", "189.00"),
        ("0.00", "0.00", "80.00"),
        ("25.00", "25.00", None),
    ]
    assert invoice["line_items"][0]["description"] == f"Warranty ({number}/1): Pump"
    report = shop.json(*now, "repair", "report", "--from", "2027-03-01", "--to", "2027-03-31")
    assert (report["total"]["warranty_repairs"], report["total"]["warranty_cost"]) == (1, "269.00")
    assert shop.json(*now, "repair", "show", number, "1")["invoices"] == [invoice["invoice"]]


def test_warranty_by_hand(shop):
    number = new_order(shop, "O-2")
    add(shop, number, "--object", "O-2")
    assert shop.json("repair", "update", number, "1", "--warranty", "yes")["warranty_basis"] == "set by hand"
    assert shop.json("repair", "update", number, "1", "--warranty", "auto")["warranty"] is False
    result = shop("repair", "update", number, "1", "--warranty", "maybe", code=1)
    assert "'maybe': expected yes, no or auto" in result.stderr


# --- link ---------------------------------------------------------------------------------------


def test_link_and_unlink(shop):
    number = new_order(shop, "O-1")
    add(shop, number, "--object", "O-1")
    shop("order", "line", "add", number, "--type", "fee", "--price", "80", "--description", "Call-out")
    assert shop.json("repair", "link", number, "1", "--lines", "1")["order_lines"] == [1]
    assert shop.json("repair", "unlink", number, "1", "--lines", "1")["order_lines"] == []
    assert "'x': expected order line numbers" in shop("repair", "link", number, "1", "--lines", "x", code=1).stderr
    assert f"no order line '{number}/7'" in shop("repair", "link", number, "1", "--lines", "7", code=1).stderr


# --- report -------------------------------------------------------------------------------------


def _repair(cli, obj, when, *codes):
    number = new_order(cli, obj, now=when, customer="C-2" if obj == "O-3" else "C-1")
    cli("--now", when, "repair", "add", number, "--object", obj, *codes)
    return number


def test_report_repeat_window_and_formats(shop):
    first = _repair(shop, "O-2", "2026-01-05T09:00", "--symptom", "NO-HEAT")
    shop("--now", "2026-01-05T15:00", "repair", "update", first, "1", "--resolution", "REPLACED", "--stage", "repaired")
    _repair(shop, "O-2", "2026-02-04T09:00", "--symptom", "NO-HEAT")  # 30 days after the finish
    base = ("repair", "report", "--from", "2026-01-01", "--to", "2026-01-31")
    assert shop.json(*base)["total"]["repeats"] == 1
    assert shop.json(*base, "--repeat-window", "29")["total"]["repeats"] == 0
    rows = list(csv.DictReader(io.StringIO(shop(*base, "--format", "csv").stdout)))
    assert [(r["symptom"], r["repairs"], r["repeats"], r["first_time_fix_pct"]) for r in rows] == [
        ("NO-HEAT", "1", "1", "0.0"),
        ("total", "1", "1", "0.0"),
    ]
    plain = shop(*base, "--format", "markdown").stdout
    assert "repairs by symptom, 2026-01-01 to 2026-01-31 (repeat window 30 days)" in plain


def test_report_by_bom_version(shop):
    _repair(shop, "O-1", "2026-01-10T09:00", "--symptom", "NO-HEAT")
    _repair(shop, "O-3", "2026-01-11T09:00", "--symptom", "WHISTLE")
    report = shop.json("repair", "report", "--from", "2026-01-01", "--to", "2026-01-31", "--by", "bom-version")
    assert [(r["bom-version"], r["repairs"]) for r in report["rows"]] == [("(none)", 1), ("T@v1", 1)]


def test_report_refusals(shop):
    base = ("repair", "report", "--from", "2026-01-01", "--to", "2026-01-31")
    assert "repeat-window" in shop(*base, "--repeat-window", "-1", code=1).stderr
    assert "--by" in shop(*base, "--by", "colour", code=2).stderr
    assert "is before --from" in shop("repair", "report", "--from", "2026-02-01", "--to", "2026-01-01", code=1).stderr
    assert "no repairs in that period" in shop(*base, "--format", "plain").stderr


def test_object_and_serial_show_list_their_repairs(shop):
    number = new_order(shop, "O-1")
    add(shop, number, "--object", "O-1", "--symptom", "NO-HEAT")
    shop("repair", "swap", number, "1", "--position", "pump", "--new-serial", "P-2")
    assert [r["order"] for r in shop.json("object", "show", "O-1")["repairs"]] == [number]
    assert [r["symptom"] for r in shop.json("serial", "show", "P-1")["repairs"]] == ["NO-HEAT"]


@pytest.mark.parametrize("by", ["bom-version", "symptom", "technician", "customer"])
def test_the_demo_report_is_redone_by_hand_from_repair_list(demo, by):
    """The README's promise: every figure of the report follows from `repair list --format json`
    by the formulas (here through the reference rules, `domain/repairs.group`)."""
    from datetime import date, datetime
    from decimal import Decimal
    from zoneinfo import ZoneInfo

    from custsvc.domain import repairs as rules

    tz = ZoneInfo("Europe/Riga")
    day = lambda text: datetime.fromisoformat(text).astimezone(tz).date()  # noqa: E731
    report = demo.json("repair", "report", "--from", "2025-03-01", "--to", "2026-02-28", "--by", by)
    listed = demo.json("repair", "list", "--from", "2025-03-01", "--to", "2026-03-30", "--format", "json")
    listed.sort(key=lambda r: (r["created_at"], r["order"], r["line"]))  # ids in creation order, as stored
    field = {"bom-version": "bom", "symptom": "symptom", "technician": "technician", "customer": "customer"}[by]
    repairs, keys, in_period = [], [], set()
    for n, r in enumerate(listed):
        repairs.append(
            rules.Repair(
                id=n,
                object=r["object"],
                symptom_area=r["symptom_area"],
                created_on=day(r["created_at"]),
                finished_on=day(r["finished_at"]) if r["finished"] else None,
                visits=r["visits"],
                in_service_on=date.fromisoformat(r["in_service_on"]),
                warranty_cost=Decimal(r["warranty_cost"]),
                warranty=r["warranty"],
            )
        )
        keys.append(r[field] or "(none)")
        if day(r["created_at"]) <= date(2026, 2, 28):
            in_period.add(n)
    groups = rules.group(repairs, keys, in_period)
    by_hand = {
        key: {
            "repairs": f.repairs,
            "repeats": f.repeats,
            "first_time_fixes": f.first_time_fixes,
            "objects": len(f.objects),
            "object_days": f.object_days(date(2025, 3, 1), date(2026, 2, 28)),
            "warranty_repairs": f.warranty_repairs,
            "warranty_cost": f"{f.warranty_cost:.2f}",
        }
        for key, f in groups.items()
    }
    reported = {row[by]: {k: row[k] for k in by_hand[row[by]]} for row in report["rows"]}
    assert reported == by_hand
    assert report["total"]["repairs"] == len(in_period) > 20


@pytest.mark.parametrize("width", ["80", "120"])
def test_the_report_table_keeps_its_bars_and_percentages_whole(demo, width):
    """A bar drawn in a cell takes the room it draws: at 80 columns another column goes, the
    first-time-fix percentage stays whole (and so do the SLA report's)."""
    args = ("--format", "table")
    env = {"COLUMNS": width, "NO_COLOR": "1"}
    table = demo("repair", "report", "--from", "-730d", "--to", "today", "--by", "bom-version", *args, env=env).stdout
    lines = [line for line in table.splitlines() if line.startswith((" VB24@1", " total"))]
    assert len(lines) == 2 and all(line.rstrip().endswith(tuple("0123456789")) for line in lines)
    assert all("%" in line and "…" not in line and len(line.rstrip()) <= int(width) for line in lines)
    sla = demo("sla", "report", "--from", "2026-01-01", "--to", "2026-03-10", "--by", "tier", *args, env=env).stdout
    assert "…" not in sla and "%" in sla and "2026-01-01 to 2026-03-10" in sla
