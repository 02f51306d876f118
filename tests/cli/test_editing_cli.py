"""Fixing records after creation through the real command: agreements and their lines, SLAs and
subscription groups (issue 11, point 12). Keys are the demo shop's (2026-03-10 09:00 Europe/Riga)."""

from __future__ import annotations

import os
from typing import Any


def dump() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the test database, ordered by all columns."""
    import sqlmodel
    from sqlalchemy import select

    import custsvc.models

    custsvc.models.load_all()  # registers every table on the metadata
    from custsvc import db

    engine = db.get_engine(db.database_url(os.environ["CUSTSVC_DB"])).execution_options(custsvc_write=False)
    with engine.connect() as conn:
        tables = {
            table.name: [tuple(row) for row in conn.execute(select(table).order_by(*table.columns)).all()]
            for table in sqlmodel.SQLModel.metadata.sorted_tables
        }
        conn.rollback()
    db.dispose_engines()
    return tables


def refused(cli, *args: str, code: int = 1, names: tuple[str, ...] = ()) -> str:
    """Run a command that must be refused: one ``error:`` line naming ``names``, nothing written."""
    before = dump()
    result = cli(*args, code=code)
    error = result.stderr
    assert error.startswith("error: ") and len(error.splitlines()) == 1, error
    for name in names:
        assert name in error, error
    assert result.stdout == ""
    assert dump() == before, f"custsvc {' '.join(args)} changed the database"
    return error


# --- agreement update / remove ----------------------------------------------------------------------


def test_agreement_update_changes_what_is_given(demo):
    out = demo.json(
        "--as",
        "M-01",
        "agreement",
        "update",
        "AGR-3002",
        "--end",
        "2027-05-09",
        "--technician",
        "T-02",
        "--sla",
        "silver",
    )
    assert (out["end"], out["technician"], out["sla"], out["description"]) == (
        "2027-05-09",
        "T-02",
        "silver",
        "Clinic boiler: yearly service",
    )
    assert (out["updated_by"], out["updated_at"]) == ("M-01", "2026-03-10T09:00:00+02:00")
    assert {"scope": "agreement", "key": "AGR-3002", "sla": "silver"}.items() <= next(
        a for a in demo.json("sla", "assignments") if a["key"] == "AGR-3002"
    ).items()
    cleared = demo.json("agreement", "update", "AGR-3002", "--end", "", "--technician", "", "--group", "", "--sla", "")
    assert (cleared["end"], cleared["technician"], cleared["group"], cleared["sla"]) == (None, None, None, None)
    template = demo.json("agreement", "update", "TPL-BOILER", "--description", "Template: boilers", "--combine", "task")
    assert (template["template"], template["description"], template["combine"]) == (True, "Template: boilers", "task")


def test_agreement_update_refusals_name_the_value_and_write_nothing(demo):
    refused(
        demo,
        "agreement",
        "update",
        "AGR-1001",
        "--description",
        "not written",
        "--end",
        "2026-03-01",
        names=("end 2026-03-01", "2026-03-20", "rule: end-after-generated-visits"),
    )
    refused(demo, "agreement", "update", "AGR-1001", "--end", "2025-01-01", names=("end", "2025-01-01", "2025-06-10"))
    refused(demo, "agreement", "update", "AGR-1001", "--combine", "task", names=("rule: combine-fixed-once-generated",))
    refused(demo, "agreement", "update", "AGR-1001", "--technician", "D-01", names=("D-01", "rule: technician-role"))
    refused(demo, "agreement", "update", "AGR-1001", "--sla", "platinum", names=("platinum",))
    refused(demo, "agreement", "update", "AGR-1001", "--group", "Two Words", names=("group", "Two Words"))
    refused(demo, "agreement", "update", "AGR-1001", code=2, names=("nothing to change",))
    refused(demo, "agreement", "update", "AGR-9999", "--description", "x", names=("AGR-9999",))


def test_agreement_remove_only_without_orders(demo):
    refused(
        demo,
        "agreement",
        "remove",
        "AGR-1001",
        names=("8 service orders", "AGR-1001", "rule: agreement-without-orders"),
    )
    demo("agreement", "copy", "TPL-BOILER", "AGR-3003", "--customer", "C-3003", "--start", "2026-04-01")
    demo("sla", "apply", "bronze", "--agreement", "AGR-3003")
    result = demo("agreement", "remove", "AGR-3003")
    assert "removed agreement AGR-3003 and 2 lines" in result.stderr
    demo("agreement", "show", "AGR-3003", code=1)
    assert all(a["key"] != "AGR-3003" for a in demo.json("sla", "assignments"))
    assert "AGR-3003" not in [a["agreement"] for a in demo.json("agreement", "list")]


# --- agreement lines ----------------------------------------------------------------------------------


def test_line_update_and_its_refusals(demo):
    out = demo.json(
        "agreement", "line", "update", "AGR-1001", "4", "--qty", "3", "--price", "14.50", "--window", "week"
    )
    assert (out["quantity"], out["price"], out["window"], out["every"]) == ("3", "14.50", "week", "1 month")
    assert out["updated_at"] == "2026-03-10T09:00:00+02:00"
    refused(
        demo,
        "agreement",
        "line",
        "update",
        "AGR-1001",
        "1",
        "--every",
        "1 month",
        names=("every '1 month'", "agreement line stop AGR-1001 1", "rule: interval-fixed-once-generated"),
    )
    refused(
        demo,
        "agreement",
        "line",
        "update",
        "AGR-1001",
        "1",
        "--start",
        "2025-06-14",
        names=("start 2025-06-14", "anchor", "rule: start-fixed-once-generated"),
    )
    refused(demo, "agreement", "line", "update", "AGR-1001", "1", "--end", "2026-01-01", names=("end 2026-01-01",))
    refused(demo, "agreement", "line", "update", "AGR-1001", "1", "--object", "OBJ-0018", names=("OBJ-0018",))
    refused(demo, "agreement", "line", "update", "AGR-1001", "4", "--item", "", names=("item",))
    refused(demo, "agreement", "line", "update", "AGR-1001", "1", "--qty", "-2", names=("qty", "-2"))
    refused(demo, "agreement", "line", "update", "AGR-1001", "1", "--every", "1 week", "--rrule", "FREQ=DAILY", code=2)
    refused(demo, "agreement", "line", "update", "AGR-1001", "9", "--qty", "1", names=("AGR-1001/9",))
    # a template's line never generated: its start and interval may change
    line = demo.json(
        "agreement",
        "line",
        "update",
        "TPL-BOILER",
        "1",
        "--start",
        "2026-03-01",
        "--every",
        "6 months",
        "--worker",
        "T-02",
    )
    assert (line["start"], line["every"], line["worker"]) == ("2026-03-01", "6 months", "T-02")


def test_line_remove_only_before_it_made_order_lines(demo):
    refused(
        demo,
        "agreement",
        "line",
        "remove",
        "AGR-1001",
        "1",
        names=("line 1 of AGR-1001 generated 2 order lines", "agreement line stop AGR-1001 1"),
    )
    demo("agreement", "line", "add", "AGR-1001", "--type", "fee", "--price", "20", "--start", "2026-06-01")
    assert demo.json("agreement", "line", "remove", "AGR-1001", "5") == {
        "agreement": "AGR-1001",
        "line": 5,
        "removed": True,
    }
    assert [line["line"] for line in demo.json("agreement", "show", "AGR-1001")["line_items"]] == [1, 2, 3, 4]


def test_a_copy_of_a_template_drops_its_template_prefix(demo):
    copied = demo.json("agreement", "copy", "TPL-BOILER", "AGR-3001", "--customer", "C-3001", "--start", "2026-04-01")
    assert copied["description"] == "yearly boiler service with call-out fee" and copied["template"] is False
    again = demo.json("agreement", "copy", "TPL-BOILER", "TPL-2", "--as-template")
    assert again["description"] == "Template: yearly boiler service with call-out fee"
    given = demo.json("agreement", "copy", "TPL-BOILER", "AGR-3003", "--customer", "C-3003", "--description", "Printer")
    assert given["description"] == "Printer"


def test_an_agreement_from_scratch_is_fixed_before_and_after_generation(cli):
    cli("customer", "add", "C-1", "--name", "Bakery")
    cli("worker", "add", "T-1", "--name", "Anna", "--role", "technician")
    cli("task", "add", "CHECK", "--description", "Inspection", "--hours", "1", "--price", "50")
    cli("agreement", "create", "A-1", "--customer", "C-1", "--start", "2026-01-01")
    cli(
        "agreement",
        "line",
        "add",
        "A-1",
        "--type",
        "hour",
        "--task",
        "CHECK",
        "--every",
        "1 week",
        "--start",
        "2026-01-05",
    )
    line = cli.json("agreement", "line", "update", "A-1", "1", "--start", "2026-01-06", "--every", "2 weeks")
    assert (line["start"], line["every"]) == ("2026-01-06", "2 weeks")
    cli("agreement", "update", "A-1", "--combine", "task", "--technician", "T-1")
    cli("agreement", "generate", "--from", "2026-01-01", "--to", "2026-01-31")
    refused(cli, "agreement", "line", "update", "A-1", "1", "--every", "1 week", names=("latest on 2026-01-20",))
    refused(cli, "agreement", "update", "A-1", "--combine", "object", names=("combine 'object'",))
    assert cli.json("agreement", "update", "A-1", "--end", "2026-01-20")["end"] == "2026-01-20"


# --- sla update -----------------------------------------------------------------------------------------


def test_sla_update_changes_targets_for_new_orders_only(demo):
    kept = demo.json("sla", "status", "SO-000039")
    out = demo.json("sla", "update", "silver", "--response", "high=1h", "--response", "4h", "--description", "Faster")
    assert (out["response_high"], out["response_normal"], out["resolution_high"], out["description"]) == (
        "1h",
        "4h",
        "8h",
        "Faster",
    )
    assert out["updated_at"] == "2026-03-10T09:00:00+02:00"
    demo("sla", "update", "silver", "--resolution", "high=2h", "--resolution", "5h", "--calendar", "around-the-clock")
    assert demo.json("sla", "status", "SO-000039") == kept  # its targets were fixed when it was created
    number = demo("order", "create", "--customer", "C-2001", "--priority", "high").stdout.strip()
    fresh = demo.json("sla", "status", number)
    assert fresh["sla"] == "silver" and fresh != kept


def test_sla_update_refusals(demo):
    refused(
        demo,
        "sla",
        "update",
        "silver",
        "--resolution",
        "1h",
        names=("resolution '1h'", "response target 4h (normal, low)"),
    )
    refused(demo, "sla", "update", "silver", "--response", "20h", names=("response '20h'", "resolution target"))
    refused(demo, "sla", "update", "silver", "--response", "high=1h", names=("no target for priority normal",))
    refused(demo, "sla", "update", "silver", "--calendar", "moon", names=("moon",))
    refused(demo, "sla", "update", "silver", "--description", "a\x1b[31mb", names=("description",))
    refused(demo, "sla", "update", "tin", "--description", "x", names=("tin",))
    refused(demo, "sla", "update", "silver", code=2, names=("nothing to change",))


# --- subscription groups ------------------------------------------------------------------------------


def test_subscription_group_update_and_remove(demo):
    out = demo.json(
        "subscription", "group", "update", "monthly-support", "--description", "Support", "--proration", "full"
    )
    assert (out["description"], out["proration"], out["period"], out["subscriptions"]) == (
        "Support",
        "full",
        "month",
        4,
    )
    assert out["updated_at"] == "2026-03-10T09:00:00+02:00"
    refused(
        demo,
        "subscription",
        "group",
        "update",
        "monthly-support",
        "--period",
        "quarter",
        names=("period quarter", "monthly-support", "rule: policy-fixed-once-billed"),
    )
    refused(demo, "subscription", "group", "update", "yearly-care", "--align", "calendar", names=("align calendar",))
    refused(demo, "subscription", "group", "update", "monthly-support", "--accrue", "year", names=("accrue", "year"))
    refused(demo, "subscription", "group", "update", "monthly-support", "--proration", "half", code=2, names=("half",))
    refused(
        demo,
        "subscription",
        "group",
        "remove",
        "yearly-care",
        names=("2 subscriptions are in group yearly-care", "rule: group-without-subscriptions"),
    )
    demo("subscription", "group", "add", "spare-plan", "--period", "month")
    changed = demo.json("subscription", "group", "update", "spare-plan", "--period", "quarter", "--accrue", "month")
    assert (changed["period"], changed["accrue"]) == ("quarter", "month")
    assert "removed subscription group spare-plan" in demo("subscription", "group", "remove", "spare-plan").stderr
    assert "spare-plan" not in [g["group"] for g in demo.json("subscription", "group", "list")]


def test_sla_update_says_orders_keep_their_targets():
    from custsvc.cli import iter_commands

    text = " ".join(dict((" ".join(path), c.help or "") for path, c in iter_commands())["sla update"].split())
    assert "Orders keep the targets (and calendar) they were created with" in text
