from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from custsvc.errors import InvalidInput, RuleViolation
from custsvc.models import InvoiceLine, SubscriptionBilling
from custsvc.services import invoices, master, subscriptions

D = Decimal


@pytest.fixture
def shop(ctx):
    master.add(ctx, "customer", {"account": "C-1", "name": "Bakery"})
    master.add(ctx, "customer", {"account": "C-2", "name": "Cafe"})
    subscriptions.add_group(ctx, "monthly", period="month", align="calendar", proration="daily", accrue="month")
    subscriptions.add_group(ctx, "anniv", period="month")
    subscriptions.add_group(ctx, "yearly", period="year", accrue="month")
    subscriptions.add_group(ctx, "strict", period="month", align="calendar", proration="none")
    return ctx


def run(ctx, through, **kwargs):
    return subscriptions.invoice_run(ctx, date.fromisoformat(through), **kwargs)


def lines(ctx, sub):
    return [
        (ln.period_start, ln.amount)
        for ln in ctx.execute(
            select(InvoiceLine).where(InvoiceLine.subscription == sub).order_by(InvoiceLine.id)
        ).scalars()
    ]


def test_the_reduction_example_on_its_own_line(shop):
    subscriptions.create(shop, "S-1", customer="C-1", group="monthly", fee="200.00", start=date(2026, 3, 1))
    subscriptions.reduce(shop, "S-1", date(2026, 3, 10), date(2026, 3, 11), "outage")
    result = run(shop, "2026-03-01")
    assert result["periods"] == 1
    assert [ln["amount"] for ln in result["invoices"][0]["lines"]] == [D("200.00"), D("-12.90")]
    assert result["invoices"][0]["total"] == D("187.10")


def test_catch_up_never_twice_never_before_start_stops_at_end(shop):
    subscriptions.create(
        shop, "S-1", customer="C-1", group="anniv", fee="49.00", start=date(2026, 1, 31), end=date(2026, 5, 15)
    )
    subscriptions.create(shop, "S-2", customer="C-1", group="anniv", fee="10.00", start=date(2026, 6, 1))
    assert run(shop, "2026-01-30")["periods"] == 0  # nothing before the start
    assert run(shop, "2026-01-31")["periods"] == 1
    missed = run(shop, "2026-04-30")  # Feb, Mar and Apr runs were missed: all three caught up, one invoice
    assert missed["periods"] == 3 and len(missed["invoices"]) == 1
    assert [p for p, _a in lines(shop, "S-1")] == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
    ]
    assert run(shop, "2026-04-30")["periods"] == 0  # again: nothing
    last = run(shop, "2026-12-31")
    assert [
        (ln["subscription"], ln["period_start"], ln["period_end"], ln["amount"]) for ln in last["invoices"][0]["lines"]
    ][:1] == [("S-2", date(2026, 6, 1), date(2026, 6, 30), D("10.00"))]
    # the last period (30 Apr - 30 May, anchored on 31 Jan) is cut at the end, 15 May: 49 x 16 / 31 days
    assert lines(shop, "S-1") == [
        (date(2026, 1, 31), D("49.00")),
        (date(2026, 2, 28), D("49.00")),
        (date(2026, 3, 31), D("49.00")),
        (date(2026, 4, 30), D("25.29")),
    ]
    assert subscriptions.explain(shop, "S-1", date(2026, 12, 31))["periods"][-1]["period_end"] == date(2026, 5, 15)


def test_the_database_refuses_a_second_bill_for_a_period(shop):
    from sqlalchemy.exc import IntegrityError

    subscriptions.create(shop, "S-1", customer="C-1", group="monthly", fee="10", start=date(2026, 1, 1))
    run(shop, "2026-01-01")
    bill = shop.execute(select(SubscriptionBilling)).scalar_one()
    with pytest.raises(IntegrityError), shop.session.begin_nested():
        shop.add(
            SubscriptionBilling(
                subscription="S-1",
                period_start=bill.period_start,
                period_end=bill.period_end,
                billed_at=bill.billed_at,
                billed_by="x",
            )
        )
        shop.flush()


def test_one_invoice_per_customer_and_currency(shop):
    subscriptions.create(shop, "A", customer="C-1", group="monthly", fee="10", start=date(2026, 1, 1))
    subscriptions.create(shop, "B", customer="C-1", group="monthly", fee="20", start=date(2026, 1, 1))
    subscriptions.create(shop, "C", customer="C-1", group="monthly", fee="30", start=date(2026, 1, 1), currency="USD")
    subscriptions.create(shop, "D", customer="C-2", group="monthly", fee="40", start=date(2026, 1, 1))
    result = run(shop, "2026-02-01")
    assert sorted((i["customer"], i["currency"], len(i["lines"]), i["total"]) for i in result["invoices"]) == [
        ("C-1", "EUR", 4, D("60.00")),
        ("C-1", "USD", 2, D("60.00")),
        ("C-2", "EUR", 2, D("80.00")),
    ]
    assert result["totals"] == {"EUR": D("140.00"), "USD": D("60.00")}
    only = run(shop, "2026-03-01", customer="C-2")
    assert [i["customer"] for i in only["invoices"]] == ["C-2"]


def test_proration_policies_on_partial_first_periods(shop):
    subscriptions.create(shop, "daily", customer="C-1", group="monthly", fee="310", start=date(2026, 1, 22))
    subscriptions.create(shop, "free", customer="C-1", group="strict", fee="310", start=date(2026, 1, 22))
    result = run(shop, "2026-02-01")
    amounts = {(ln["subscription"], ln["period_start"]): ln["amount"] for ln in result["invoices"][0]["lines"]}
    assert amounts[("daily", date(2026, 1, 22))] == D("100.00")  # 310 x 10 / 31
    assert ("free", date(2026, 1, 22)) not in amounts  # free, and not billed again later
    assert amounts[("free", date(2026, 2, 1))] == D("310.00")
    assert run(shop, "2026-02-01")["periods"] == 0


def test_price_changes_and_indexation(shop):
    subscriptions.create(shop, "S-1", customer="C-1", group="monthly", fee="1000", start=date(2026, 1, 1))
    subscriptions.set_price(shop, "S-1", "1100", date(2026, 3, 15))  # in force from the April period
    subscriptions.set_index(shop, "S-1", None, percent=None, value="110", valid_from=date(2026, 5, 1))
    subscriptions.set_index(shop, None, "monthly", percent="3.5", value=None, valid_from=date(2026, 6, 1))
    run(shop, "2026-06-30")
    assert [a for _p, a in lines(shop, "S-1")] == [
        D("1000.00"),
        D("1000.00"),
        D("1000.00"),
        D("1100.00"),
        D("1210.00"),
        D("1252.35"),
    ]
    with pytest.raises(RuleViolation, match="billed-periods-stay"):
        subscriptions.set_price(shop, "S-1", "5", date(2026, 2, 1))


def test_cancellation_mid_period_with_and_without_credit(shop):
    subscriptions.create(shop, "S-1", customer="C-1", group="monthly", fee="310", start=date(2026, 1, 1))
    subscriptions.create(shop, "S-2", customer="C-1", group="monthly", fee="310", start=date(2026, 1, 1))
    run(shop, "2026-03-01")  # January to March billed in advance
    result = subscriptions.cancel(shop, "S-1", date(2026, 2, 10), credit=True)
    credit_lines = [
        ln
        for ln in shop.execute(
            select(InvoiceLine).where(InvoiceLine.subscription == "S-1", InvoiceLine.amount < 0)
        ).scalars()
    ]
    assert sorted(ln.amount for ln in credit_lines) == [
        D("-310.00"),
        D("-199.29"),
    ]  # all of March; 11-28 Feb: 310 x 18 / 28
    assert len(result["credit_notes"]) == 2  # one per credited invoice line, each referring to it
    assert run(shop, "2026-12-31")["periods"] == 12 - 3  # only S-2 continues
    subscriptions.cancel(shop, "S-2", date(2026, 12, 15))
    assert subscriptions.explain(shop, "S-2", date(2026, 12, 31))["periods"][-1]["period_end"] == date(
        2026, 12, 31
    )  # billed before the cancellation


def test_credit_and_reopen_a_period(shop):
    subscriptions.create(shop, "S-1", customer="C-1", group="monthly", fee="50", start=date(2026, 1, 1))
    result = run(shop, "2026-02-01")
    number = result["invoices"][0]["invoice"]
    invoices.credit(shop, number, line_nos=[1])  # January credited, not reopened
    assert run(shop, "2026-02-01")["periods"] == 0
    invoices.credit(shop, number, line_nos=[2], reopen=True)  # February credited and reopened
    again = run(shop, "2026-02-01")
    assert [(ln["period_start"], ln["amount"]) for ln in again["invoices"][0]["lines"]] == [
        (date(2026, 2, 1), D("50.00"))
    ]


def test_reopen_needs_the_whole_period_credited(shop):
    subscriptions.create(shop, "S-1", customer="C-1", group="monthly", fee="200", start=date(2026, 3, 1))
    subscriptions.reduce(shop, "S-1", date(2026, 3, 10), date(2026, 3, 11), None)
    number = run(shop, "2026-03-01")["invoices"][0]["invoice"]
    with pytest.raises(RuleViolation, match="reopen-whole-periods"):
        invoices.credit(shop, number, line_nos=[1], reopen=True)


def test_reductions_on_billed_days_need_credit(shop):
    subscriptions.create(shop, "S-1", customer="C-1", group="monthly", fee="310", start=date(2026, 3, 1))
    run(shop, "2026-03-01")
    with pytest.raises(RuleViolation, match="billed-periods-stay"):
        subscriptions.reduce(shop, "S-1", date(2026, 3, 5), date(2026, 3, 6), "outage")
    result = subscriptions.reduce(shop, "S-1", date(2026, 3, 5), date(2026, 3, 6), "outage", credit=True)
    assert len(result["credit_notes"]) == 1
    assert lines(shop, "S-1")[-1] == (date(2026, 3, 5), D("-20.00"))


def test_rejected_subscriptions_are_named_and_the_rest_billed(shop):
    subscriptions.create(shop, "GOOD", customer="C-1", group="monthly", fee="10", start=date(2026, 1, 1))
    subscriptions.create(shop, "BAD", customer="C-2", group="monthly", fee="10", start=date(2026, 1, 1))
    shop.execute(text("DELETE FROM subscription_price WHERE subscription = 'BAD'"))  # e.g. an import without prices
    result = run(shop, "2026-01-31")
    assert [r["subscription"] for r in result["rejected"]] == ["BAD"]
    assert "no price in force on 2026-01-01" in result["rejected"][0]["reason"]
    assert [i["customer"] for i in result["invoices"]] == ["C-1"]


def test_yearly_fees_accrue_monthly_and_credits_reverse(shop):
    subscriptions.create(shop, "Y", customer="C-1", group="yearly", fee="1000.00", start=date(2026, 1, 1))
    number = run(shop, "2026-01-01")["invoices"][0]["invoice"]
    report = subscriptions.accruals(shop, date(2026, 3, 31))
    recognized = {m["month"]: m["recognized"] for m in report["months"]}
    assert recognized == {"2026-01": D("83.33"), "2026-02": D("83.33"), "2026-03": D("83.33")}
    assert report["deferred"] == {"EUR": D("750.01")}
    posted = subscriptions.accruals(shop, date(2026, 3, 31), post=True)
    assert posted["posted"] == 3 and subscriptions.accruals(shop, date(2026, 3, 31), post=True)["posted"] == 0
    invoices.credit(shop, number)
    after = subscriptions.accruals(shop, date(2026, 12, 31))
    assert sum(m["recognized"] for m in after["months"]) == D("0.00") and after["deferred"] == {}


def test_group_validation(shop):
    with pytest.raises(InvalidInput, match="accrue"):
        subscriptions.add_group(shop, "g", period="month", accrue="year")
    with pytest.raises(InvalidInput, match="period"):
        subscriptions.add_group(shop, "g", period="fortnight")
