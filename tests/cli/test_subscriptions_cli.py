"""Subscriptions through the real command, including runs at the same time and a run killed half-way."""

import json
import os
import signal
import subprocess
import sys
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, insert, select

NOW = "2026-04-02T09:00"


@pytest.fixture
def shop(cli, monkeypatch):
    cli("customer", "add", "C-1", "--name", "Bakery")
    cli("customer", "add", "C-2", "--name", "Cafe")
    cli(
        "subscription",
        "group",
        "add",
        "monthly",
        "--period",
        "month",
        "--align",
        "calendar",
        "--proration",
        "daily",
        "--accrue",
        "month",
    )
    cli("subscription", "group", "add", "yearly", "--period", "year", "--accrue", "month")
    monkeypatch.setenv("CUSTSVC_NOW", NOW)
    return cli


def test_setup_and_the_run_for_cron(shop):
    sub = shop.json(
        "subscription",
        "create",
        "SUB-1",
        "--customer",
        "C-1",
        "--group",
        "monthly",
        "--fee",
        "200",
        "--start",
        "2026-01-15",
        "--description",
        "Support plan",
    )
    assert (sub["fee"], sub["index"], sub["status"], sub["currency"]) == ("200.00", "100", "active", "EUR")
    shop(
        "subscription",
        "create",
        "SUB-2",
        "--customer",
        "C-2",
        "--group",
        "yearly",
        "--fee",
        "1200",
        "--start",
        "2026-02-01",
    )
    shop("subscription", "reduce", "SUB-1", "--from", "2026-03-10", "--to", "2026-03-11", "--reason", "outage")
    dry = shop("subscription", "invoice", "--through", "2026-03-31", "--dry-run")
    assert dry.stderr == "would invoice 4 periods on 2 invoices, total 1,696.78 EUR\n" and dry.stdout == ""
    result = shop("subscription", "invoice", "--through", "2026-03-31")
    # the summary goes to stderr; stdout stays empty (a cron job mails only what is printed)
    assert (result.stdout, result.stderr) == ("", "invoiced 4 periods on 2 invoices, total 1,696.78 EUR\n")
    again = shop("subscription", "invoice", "--through", "2026-03-31")
    assert (again.stdout, again.stderr) == ("", "")  # nothing to do, no terminal: silence
    full = shop.json("subscription", "invoice", "--through", "2026-04-30")
    assert full["periods"] == 1 and full["invoices"][0]["lines"][0]["amount"] == "200.00"
    assert [s["billed_through"] for s in shop.json("subscription", "list")] == ["2026-04-30", "2027-01-31"]


def test_explain_shows_the_arithmetic(shop):
    shop(
        "subscription",
        "create",
        "SUB-1",
        "--customer",
        "C-1",
        "--group",
        "monthly",
        "--fee",
        "200",
        "--start",
        "2026-03-01",
    )
    shop("subscription", "reduce", "SUB-1", "--from", "2026-03-10", "--to", "2026-03-11")
    shop("subscription", "invoice", "--through", "2026-03-31")
    periods = shop.json("subscription", "explain", "SUB-1", "--through", "2026-04-30")["periods"]
    assert [(p["period_start"], p["base"], p["reduction"], p["total"], p["state"]) for p in periods] == [
        ("2026-03-01", "200.00", "-12.90", "187.10", "billed"),
        ("2026-04-01", "200.00", "0.00", "200.00", "not billed yet"),
    ]
    assert periods[0]["invoice"] == "INV-000001"
    assert "2 reduction days: -200.00 x 2 / 31 = -12.90" in periods[0]["arithmetic"]
    text = shop("subscription", "explain", "SUB-1", "--through", "2026-04-30").stdout
    assert "2026-03-01 - 2026-03-31: fee 200.00 x index 100% = 200.00" in text


def test_index_price_cancel_credit_and_accruals(shop):
    shop(
        "subscription",
        "create",
        "SUB-1",
        "--customer",
        "C-1",
        "--group",
        "monthly",
        "--fee",
        "1000",
        "--start",
        "2026-01-01",
    )
    shop(
        "subscription",
        "create",
        "SUB-2",
        "--customer",
        "C-1",
        "--group",
        "monthly",
        "--fee",
        "100",
        "--start",
        "2026-01-01",
    )
    rows = shop.json("subscription", "index", "--group", "monthly", "--percent", "10", "--from", "2026-02-01")
    assert [(r["subscription"], r["index_before"], r["index"]) for r in rows] == [
        ("SUB-1", "100", "110"),
        ("SUB-2", "100", "110"),
    ]
    shop("subscription", "price", "SUB-2", "--fee", "120", "--from", "2026-03-01")
    shop("subscription", "invoice", "--through", "2026-03-31")
    assert shop.json("subscription", "show", "SUB-1")["index"] == "110"
    canceled = shop.json("subscription", "cancel", "SUB-1", "--on", "2026-03-15", "--credit")
    assert canceled["canceled_on"] == "2026-03-15"
    credits = shop.json("invoice", "list", "--kind", "credit")
    assert [c["total"] for c in credits] == ["-567.74"]  # 1100 x 16 / 31
    result = shop("subscription", "price", "SUB-2", "--fee", "1", "--from", "2026-02-01", code=1)
    assert "(rule: billed-periods-stay)" in result.stderr
    acc = shop.json("subscription", "accruals", "--through", "2026-03-31")
    assert sum(float(m["recognized"]) for m in acc["months"]) == pytest.approx(
        1000 + 1100 + 1100 - 567.74 + 100 + 110 + 132
    )


def test_rejected_subscriptions_exit_4_and_are_named(shop, db_url):
    shop(
        "subscription",
        "create",
        "GOOD",
        "--customer",
        "C-1",
        "--group",
        "monthly",
        "--fee",
        "10",
        "--start",
        "2026-01-01",
    )
    shop(
        "subscription",
        "create",
        "BAD",
        "--customer",
        "C-2",
        "--group",
        "monthly",
        "--fee",
        "10",
        "--start",
        "2026-01-01",
    )
    from sqlalchemy import text

    from custsvc import db

    with db.get_engine().begin() as conn:  # e.g. an imported subscription without a price
        conn.execute(text("DELETE FROM subscription_price WHERE subscription = 'BAD'"))
    result = shop("subscription", "invoice", "--through", "2026-01-31", code=4)
    assert (
        result.stderr
        == "error: BAD (C-2) rejected: no price in force on 2026-01-01 (set one with `subscription price`) (rule: price-in-force)\n"
        "invoiced 1 period on 1 invoice, total 10.00 EUR\n"
    )
    assert result.stdout == ""
    quiet = shop("-q", "subscription", "invoice", "--through", "2026-01-31", code=4)
    assert quiet.stderr.startswith("error: BAD (C-2) rejected") and "invoiced" not in quiet.stderr


def _many(count: int) -> None:
    """``count`` monthly subscriptions for two customers, written straight to the tables (fast set-up)."""
    from custsvc import db
    from custsvc.models import Subscription, SubscriptionIndex, SubscriptionPrice

    stamp = datetime(2026, 1, 1, tzinfo=UTC)
    with db.get_engine().begin() as conn:
        conn.execute(
            insert(Subscription.__table__),
            [
                {
                    "subscription": f"S-{n:05d}",
                    "customer": f"C-{1 + n % 2}",
                    "group": "monthly",
                    "currency": "EUR",
                    "start": date(2026, 1, 1),
                    "created_at": stamp,
                    "created_by": "t",
                }
                for n in range(count)
            ],
        )
        conn.execute(
            insert(SubscriptionPrice.__table__),
            [
                {
                    "subscription": f"S-{n:05d}",
                    "valid_from": date(2026, 1, 1),
                    "fee_cents": 4900,
                    "created_at": stamp,
                    "created_by": "t",
                }
                for n in range(count)
            ],
        )
        conn.execute(
            insert(SubscriptionIndex.__table__),
            [
                {
                    "subscription": f"S-{n:05d}",
                    "valid_from": date(2026, 1, 1),
                    "index_milli": 100000,
                    "created_at": stamp,
                    "created_by": "t",
                }
                for n in range(count)
            ],
        )
    db.dispose_engines()


def _billing_state() -> tuple[int, int, int, int]:
    from custsvc import db
    from custsvc.models import Invoice, InvoiceLine, SubscriptionBilling

    with db.get_engine().connect() as conn:
        periods = conn.execute(select(func.count()).select_from(SubscriptionBilling.__table__)).scalar_one()
        distinct = conn.execute(
            select(func.count()).select_from(
                select(SubscriptionBilling.subscription, SubscriptionBilling.period_start).distinct().subquery()
            )
        ).scalar_one()
        lines = conn.execute(
            select(func.count()).select_from(InvoiceLine.__table__).where(InvoiceLine.subscription.is_not(None))
        ).scalar_one()
        invoices = conn.execute(select(func.count()).select_from(Invoice.__table__)).scalar_one()
    db.dispose_engines()
    return periods, distinct, lines, invoices


def _env() -> dict[str, str]:
    env = {**os.environ, "CUSTSVC_NOW": NOW}
    env.pop("CUSTSVC_DEBUG", None)
    return env


def test_two_runs_at_the_same_moment_make_what_one_clean_run_makes(shop):
    _many(300)
    args = [sys.executable, "-m", "custsvc", "--format", "json", "subscription", "invoice", "--through", "2026-12-31"]
    runs = [
        subprocess.Popen(args, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)
    ]
    outs = [(r.communicate(timeout=120), r.returncode) for r in runs]
    assert [code for _o, code in outs] == [0, 0], outs
    made = sorted(json.loads(out)["periods"] for (out, _err), _code in outs)
    assert made == [0, 300 * 12]  # the second saw the first's work and had nothing left
    assert _billing_state() == (3600, 3600, 3600, 2)  # one line per subscription and period, one invoice per customer


def test_a_run_killed_half_way_and_started_again(shop):
    _many(3000)
    args = [sys.executable, "-m", "custsvc", "subscription", "invoice", "--through", "2026-12-31", "--verbose"]
    victim = subprocess.Popen(args, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = victim.stderr.readline()
    assert first.startswith("progress: "), first  # it is working ...
    victim.send_signal(signal.SIGKILL)  # ... and is killed part-way
    victim.wait(timeout=30)
    assert victim.returncode == -signal.SIGKILL
    periods, _distinct, _lines, _invoices = _billing_state()
    assert periods in (0, 36000)  # one transaction: all or nothing, never half
    again = subprocess.run(args, env=_env(), capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert _billing_state() == (36000, 36000, 36000, 2)
    last = subprocess.run(args[:-1], env=_env(), capture_output=True, text=True)
    assert (last.returncode, last.stdout, last.stderr) == (0, "", "")  # nothing left: a silent success
