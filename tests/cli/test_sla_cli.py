"""Calendars, SLAs and the SLA clock through the real command (times in Europe/Riga)."""

import pytest

T0 = "2026-03-09T09:00"  # a Monday, shop zone Europe/Riga


@pytest.fixture
def shop(cli, monkeypatch):
    cli("config", "set", "timezone", "Europe/Riga")
    cli("customer", "add", "C-1", "--name", "Bakery", "--tier", "gold")
    cli("customer", "add", "C-2", "--name", "Cafe", "--tier", "silver")
    cli("customer", "add", "C-3", "--name", "Shop")
    cli("worker", "add", "T-1", "--name", "Anna", "--role", "technician")
    cli("order", "reason", "add", "NO-ACCESS", "--description", "No access")
    cli("order", "reason", "add", "LATE", "--description", "Explained delay")
    cli(
        "calendar",
        "add",
        "office",
        "--timezone",
        "Europe/Riga",
        "--hours",
        "mon-fri 08:00-12:00,13:00-17:00",
        "--holidays-country",
        "LV",
    )
    cli(
        "sla",
        "add",
        "gold",
        "--calendar",
        "office",
        "--response",
        "high=1h",
        "--response",
        "2h",
        "--resolution",
        "high=4h",
        "--resolution",
        "8h",
    )
    cli("sla", "add", "std", "--calendar", "office", "--response", "8h", "--resolution", "24h")
    cli("sla", "apply", "gold", "--tier", "gold")
    cli("sla", "apply", "std", "--default")
    monkeypatch.setenv("CUSTSVC_NOW", T0)
    return cli


def at(cli, when, *args, **kwargs):
    return cli("--now", when, *args, **kwargs)


def new_order(cli, *args, when=T0):
    return at(cli, when, "order", "create", *args).stdout.strip()


def test_calendar_commands(shop):
    days = shop.json("calendar", "show", "office", "--from", "2026-04-02", "--to", "2026-04-07")
    assert [(d["date"], d["windows"], d["holiday"]) for d in days] == [
        ("2026-04-02", ["08:00-12:00", "13:00-17:00"], None),
        ("2026-04-03", [], "Good Friday"),
        ("2026-04-04", [], None),
        ("2026-04-05", [], "Easter Sunday"),
        ("2026-04-06", [], "Easter Monday"),
        ("2026-04-07", ["08:00-12:00", "13:00-17:00"], None),
    ]
    shop("calendar", "holiday", "add", "office", "2026-04-07", "--name", "Company day")
    assert (
        shop.json("calendar", "show", "office", "--from", "2026-04-07", "--to", "2026-04-07")[0]["holiday"]
        == "Company day"
    )
    listed = shop.json("calendar", "holiday", "list", "office", "--year", "2026")
    assert {"date": "2026-04-07", "name": "Company day", "source": "explicit"} in listed
    assert {"date": "2026-11-18", "name": "Republic of Latvia Proclamation Day", "source": "public LV"} in listed
    shop("calendar", "holiday", "remove", "office", "2026-04-07")
    shop(
        "calendar",
        "add",
        "night",
        "--timezone",
        "Europe/Riga",
        "--hours",
        "mon-sun 22:00-24:00",
        "--hours",
        "mon-sun 00:00-06:00",
    )
    night = shop.json("calendar", "show", "night", "--from", "2026-03-28", "--to", "2026-03-29")
    assert night[1]["windows"] == ["00:00-06:00", "22:00-24:00"] and night[1]["hours"] == 7.0  # spring forward
    result = shop("calendar", "add", "bad", "--timezone", "Europe/Riga", "--hours", "mon-fri 17:00-08:00", code=1)
    assert result.stderr.startswith("error: invalid hours 'mon-fri 17:00-08:00'")
    result = shop(
        "calendar",
        "add",
        "bad",
        "--timezone",
        "Europe/Riga",
        "--hours",
        "mon 08:00-12:00",
        "--holidays-country",
        "XX",
        code=1,
    )
    assert result.stderr.startswith("error: invalid holidays-country 'XX'")
    result = shop("calendar", "remove", "office", code=1)
    assert "(rule: referenced-records-stay)" in result.stderr


def test_sla_definitions(shop):
    gold = shop.json("sla", "show", "gold")
    assert (gold["response_high"], gold["resolution_high"], gold["response_low"], gold["resolution_normal"]) == (
        "1h",
        "4h",
        "2h",
        "8h",
    )
    assert gold["applies_to"] == ["tier gold"]
    result = shop("sla", "add", "x", "--calendar", "office", "--response", "high=1h", "--resolution", "4h", code=1)
    assert "no target for priority normal" in result.stderr
    result = shop("sla", "add", "x", "--calendar", "office", "--response", "urgent=1h", "--resolution", "4h", code=1)
    assert result.stderr.startswith("error: invalid response 'urgent=1h'")
    shop("sla", "apply", "gold", "--customer", "C-3", "--tier", "gold", code=2)
    assert {(a["scope"], a["key"]) for a in shop.json("sla", "assignments")} == {("tier", "gold"), ("default", None)}


def test_precedence_order_agreement_customer_tier_default(shop):
    shop("sla", "add", "cust", "--calendar", "office", "--response", "3h", "--resolution", "9h")
    shop("sla", "add", "agr", "--calendar", "office", "--response", "5h", "--resolution", "10h")
    shop("agreement", "create", "A-1", "--customer", "C-1", "--start", "2026-01-01", "--sla", "agr")
    assert shop.json("agreement", "show", "A-1")["sla"] == "agr"
    sla_of = lambda number: shop.json("sla", "status", number)["sla"]  # noqa: E731
    assert sla_of(new_order(shop, "--customer", "C-3")) == "std"  # the default
    assert sla_of(new_order(shop, "--customer", "C-1")) == "gold"  # tier
    shop("sla", "apply", "cust", "--customer", "C-1")
    assert sla_of(new_order(shop, "--customer", "C-1")) == "cust"  # customer beats tier
    assert sla_of(new_order(shop, "--customer", "C-1", "--agreement", "A-1")) == "agr"  # agreement beats customer
    assert (
        sla_of(new_order(shop, "--customer", "C-1", "--agreement", "A-1", "--sla", "std")) == "std"
    )  # the order's own
    shop("sla", "suspend", "cust")
    assert sla_of(new_order(shop, "--customer", "C-1")) == "gold"  # suspended SLAs are passed over


def test_targets_are_fixed_when_the_order_is_created(shop):
    number = new_order(shop, "--customer", "C-1", "--priority", "high")
    shop("sla", "apply", "std", "--tier", "gold")
    status = shop.json("sla", "status", number)
    assert (status["sla"], status["response_target_seconds"], status["resolution_target_seconds"]) == (
        "gold",
        3600,
        14400,
    )
    shop("order", "update", number, "--priority", "low")
    assert shop.json("sla", "status", number)["resolution_target_seconds"] == 14400


def test_the_clock_through_an_orders_life(shop):
    number = new_order(shop, "--customer", "C-1", "--priority", "high", when="2026-03-06T16:00")  # Friday 16:00
    status = shop.json("sla", "status", number)
    assert (
        status["response_due"] == "2026-03-06T17:00:00+02:00"
    )  # 1h: Fri 16-17; a deadline at a window's end stays there
    assert status["resolution_due"] == "2026-03-09T11:00:00+02:00"  # 4h: Fri 16-17, Mon 08-11
    at(shop, "2026-03-09T07:30", "order", "move", number, "planned")  # leaving the initial stage records the response
    at(shop, "2026-03-09T08:00", "order", "move", number, "in-progress")
    at(shop, "2026-03-09T09:00", "order", "move", number, "waiting-for-parts")
    paused = shop.json("--now", "2026-03-10T09:00", "sla", "status", number)
    # paused, but the response (due Fri 17:00, given Mon 07:30) was late, and a breach shows first
    assert (paused["paused"], paused["status"], paused["response_status"]) == (True, "breached", "breached")
    assert paused["paused_seconds"] == 8 * 3600  # Mon 09-12, 13-17, Tue 08-09
    at(shop, "2026-03-10T10:00", "order", "move", number, "in-progress", "--back")
    status = shop.json("--now", "2026-03-10T10:00", "sla", "status", number)
    # 2h counted before the pause (Fri 16-17, Mon 08-09), 9h paused; the other 2h run Tue 10-12
    assert status["resolution_due"] == "2026-03-10T12:00:00+02:00"
    assert status["resolution_seconds"] == 2 * 3600 and status["paused_seconds"] == 9 * 3600
    at(shop, "2026-03-10T13:30", "order", "move", number, "completed")
    done = shop.json("--now", "2026-03-11T09:00", "sla", "status", number)
    assert (done["status"], done["resolved_at"], done["resolution_status"]) == (
        "breached",
        "2026-03-10T13:30:00+02:00",
        "breached",
    )
    explained = shop.json("--now", "2026-03-11T09:00", "sla", "explain", number)
    assert [(i["clock"], i["business_seconds"]) for i in explained["intervals"]] == [
        ("counted", 2 * 3600),
        ("paused", 9 * 3600),
        ("counted", 2.5 * 3600),
    ]
    assert [e["event"] for e in explained["log"]] == ["start", "respond", "pause", "resume", "resolve"]
    # re-opening clears the resolution
    at(shop, "2026-03-11T09:00", "order", "move", number, "in-progress", "--back")
    reopened = shop.json("--now", "2026-03-11T09:30", "sla", "status", number)
    assert reopened["resolved_at"] is None and reopened["status"] == "breached"


def test_status_json_has_the_promised_fields(shop):
    number = new_order(shop, "--customer", "C-2")
    status = shop.json("--now", "2026-03-09T10:00", "sla", "status", number)
    for field in (
        "order",
        "sla",
        "priority",
        "response_due",
        "resolution_due",
        "responded_at",
        "resolved_at",
        "response_seconds",
        "resolution_seconds",
        "paused_seconds",
        "compliance_pct",
        "status",
    ):
        assert field in status
    assert (status["response_seconds"], status["resolution_seconds"], status["status"]) == (3600, 3600, "on-track")
    assert status["compliance_pct"] == round(100 * 3600 / (24 * 3600), 1)


def test_manual_stop_and_start_and_respond(shop):
    number = new_order(shop, "--customer", "C-2")
    shop("sla", "start", number, code=1)
    at(shop, "2026-03-09T10:00", "sla", "stop", number, "--reason", "NO-ACCESS")
    result = at(shop, "2026-03-09T10:30", "sla", "stop", number, "--reason", "NO-ACCESS", code=1)
    assert "(rule: clock-running)" in result.stderr
    at(shop, "2026-03-10T10:00", "sla", "start", number)
    status = shop.json("--now", "2026-03-10T11:00", "sla", "status", number)
    assert status["paused_seconds"] == 8 * 3600 and status["resolution_seconds"] == 2 * 3600
    at(shop, "2026-03-10T11:00", "sla", "respond", number)
    assert shop("sla", "respond", number, code=1).stderr.endswith("(rule: respond-once)\n")
    log = shop.json("sla", "explain", number)["log"]
    assert [(e["event"], e["reason"]) for e in log] == [
        ("start", None),
        ("stop", "NO-ACCESS"),
        ("start", None),
        ("respond", None),
    ]


def test_sign_off_resolves(shop):
    number = new_order(shop, "--customer", "C-1")
    at(shop, "2026-03-09T11:00", "order", "sign-off", number)
    status = shop.json("--now", "2026-03-09T12:00", "sla", "status", number)
    assert (status["status"], status["resolved_at"]) == ("met", "2026-03-09T11:00:00+02:00")


def test_a_missed_target_needs_a_reason_to_move_on_from_a_requires_reason_stage(shop):
    shop("order", "stage-def", "update", "planned", "--requires-reason")
    number = new_order(shop, "--customer", "C-1", "--priority", "high")
    at(shop, "2026-03-09T09:30", "order", "move", number, "planned", "--reason", "LATE")
    result = at(shop, "2026-03-09T15:00", "order", "move", number, "in-progress", code=1)
    assert "(rule: missed-target-needs-reason)" in result.stderr
    at(shop, "2026-03-09T15:00", "order", "move", number, "in-progress", "--reason", "LATE")


def test_cancel_stops_the_clock(shop):
    number = new_order(shop, "--customer", "C-3")
    at(shop, "2026-03-09T10:00", "order", "cancel", number, "--reason", "NO-ACCESS")
    assert shop.json("--now", "2026-03-20T10:00", "sla", "status", number)["status"] == "canceled"


def test_order_list_and_show_carry_sla_status(shop):
    number = new_order(shop, "--customer", "C-1", "--priority", "high")
    listed = shop.json("--now", "2026-03-09T12:30", "order", "list")
    # the response (due 10:00) is missed and not given yet: time left is to the response, 2h late (the
    # lunch break from 12:00 does not count), never the resolution's hour next to that breach
    assert (listed[0]["sla"], listed[0]["sla_status"]) == ("gold", "breached")
    assert (listed[0]["time_left"], listed[0]["time_left_for"]) == ("-2h", "response")
    assert shop.json("--now", "2026-03-09T09:15", "order", "show", number)["sla_status"] == "on-track"
    shown = shop.json("--now", "2026-03-09T09:50", "order", "show", number)
    assert (shown["sla_status"], shown["time_left"], shown["time_left_for"]) == ("at-risk", "10m", "response")
    paused = new_order(shop, "--customer", "C-2")
    at(shop, "2026-03-09T09:10", "sla", "stop", paused, "--reason", "NO-ACCESS")
    assert shop.json("--now", "2026-03-09T10:00", "order", "show", paused)["sla_status"] == "paused"
    table = shop("--now", "2026-03-09T12:30", "order", "list", "--format", "plain").stdout
    assert "2h late (respond)" in table
    shop("--now", "2026-03-09T12:30", "sla", "respond", number)
    listed = shop.json("--now", "2026-03-09T12:30", "order", "list")
    # responded late: the breach stays, and the time left now names the resolution (1h after the lunch break)
    assert (listed[0]["sla_status"], listed[0]["time_left"], listed[0]["time_left_for"]) == (
        "breached",
        "1h",
        "resolution",
    )
    assert "1h to resolve" in shop("--now", "2026-03-09T12:30", "order", "list", "--format", "plain").stdout


def test_reports_breaches_and_at_risk(shop):
    met = new_order(shop, "--customer", "C-1", "--priority", "high")
    at(shop, "2026-03-09T09:20", "order", "sign-off", met)
    late = new_order(shop, "--customer", "C-1")  # normal: respond in 2h, resolve in 8h
    at(shop, "2026-03-10T16:00", "order", "sign-off", late)
    waiting = new_order(shop, "--customer", "C-2", "--priority", "high", when="2026-03-10T09:00")  # std: 8h to respond
    risky = new_order(shop, "--customer", "C-1", "--priority", "high", when="2026-03-10T16:00")  # respond by 17:00
    now = "2026-03-10T16:30"
    rows = shop.json("--now", now, "sla", "report", "--from", "2026-03-01", "--to", "2026-03-31", "--by", "tier")
    gold = next(r for r in rows if r["tier"] == "gold")
    assert (gold["orders"], gold["met"], gold["breached"], gold["open"], gold["compliance_pct"]) == (3, 1, 1, 1, 50.0)
    # responses (at the sign-offs): 20m, and Mon 09:00 - Tue 16:00 = 14h of business time
    assert (gold["mean_response_seconds"], gold["p90_response_seconds"]) == (25800, 45480)
    silver = next(r for r in rows if r["tier"] == "silver")
    assert (silver["orders"], silver["open"], silver["breached"], silver["compliance_pct"]) == (1, 1, 0, None)
    by_priority = {
        r["priority"]: r
        for r in shop.json(
            "--now", now, "sla", "report", "--from", "2026-03-01", "--to", "2026-03-31", "--by", "priority"
        )
    }
    assert (by_priority["high"]["orders"], by_priority["normal"]["orders"]) == (3, 1)
    breaches = shop.json("--now", now, "sla", "breaches")
    assert {(b["order"], b["target"], b["late"]) for b in breaches} == {
        (late, "response", "12h"),
        (late, "resolution", "6h"),
    }
    assert [r["order"] for r in shop.json("--now", now, "sla", "at-risk", "--within", "1h")] == [risky]
    assert waiting in [r["order"] for r in shop.json("--now", now, "sla", "at-risk", "--within", "2h")]
    assert (
        shop(
            "--now", now, "sla", "report", "--from", "2026-03-01", "--to", "2026-03-31", "--format", "table"
        ).stdout.count("█")
        > 0
    )


def test_generated_orders_get_the_agreements_sla_from_their_visit_day(shop):
    shop("agreement", "create", "A-1", "--customer", "C-1", "--start", "2026-01-01", "--sla", "gold")
    shop("agreement", "line", "add", "A-1", "--type", "fee", "--price", "10", "--start", "2026-03-20")
    order = shop.json("agreement", "generate", "--from", "2026-03-01", "--to", "2026-03-31")[0]["order"]
    status = shop.json("sla", "status", order)
    assert status["sla"] == "gold" and status["started_at"] == "2026-03-20T00:00:00+02:00"
    assert status["response_due"] == "2026-03-20T10:00:00+02:00"  # normal: 2h from the Friday's opening
