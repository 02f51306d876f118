"""The invoicing run reads only what is due and writes whole customers a chunk at a time (issue 15,
point 4): a run with nothing to do sends one statement, a run reads the billing rows after each
subscription's ``billed_through`` only (the same statements whatever the history), and a run in
many small chunks and pages makes exactly what one chunk makes."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import event, select, text

from custsvc.models import Invoice, InvoiceLine, Subscription, SubscriptionBilling
from custsvc.services import invoices, master, subscriptions
from custsvc.services.subscriptions import billing


@contextmanager
def statements(ctx):
    sent = []
    engine = ctx.session.get_bind()

    def record(_conn, _cursor, statement, *_args):
        sent.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def run(ctx, through, **kwargs):
    return subscriptions.invoice_run(ctx, date.fromisoformat(through), **kwargs)


@pytest.fixture
def shop(ctx):
    for n in range(5):
        master.add(ctx, "customer", {"account": f"C-{n}", "name": f"Customer {n}"})
    subscriptions.add_group(ctx, "monthly", period="month", align="calendar", proration="daily")
    subscriptions.add_group(ctx, "anniv", period="month")
    subscriptions.add_group(ctx, "weekly", period="week", align="calendar", proration="none")
    subscriptions.add_group(ctx, "yearly", period="year")
    return ctx


def _subscriptions(ctx):
    """Subscriptions of every kind for five customers: two currencies, partial periods, an end, a
    reduction, weekly fees, and one without a price (rejected on every run)."""
    make = subscriptions.create
    for n in range(5):
        c = f"C-{n}"
        make(ctx, f"M-{n}", customer=c, group="monthly", fee=f"{10 + n}", start=date(2026, 1, 1 + n))
        make(ctx, f"A-{n}", customer=c, group="anniv", fee="49", start=date(2026, 1, 31), end=date(2026, 5, 15))
        make(ctx, f"W-{n}", customer=c, group="weekly", fee="7", start=date(2026, 2, 2))
        make(ctx, f"U-{n}", customer=c, group="yearly", fee="100", start=date(2026, 3, 1), currency="USD")
    subscriptions.reduce(ctx, "M-2", date(2026, 3, 10), date(2026, 3, 11), "outage")
    make(ctx, "BAD", customer="C-3", group="monthly", fee="1", start=date(2026, 1, 1))
    ctx.execute(text("DELETE FROM subscription_price WHERE subscription = 'BAD'"))


def _rows(ctx):
    invoices_ = ctx.execute(select(Invoice.number, Invoice.customer, Invoice.currency, Invoice.total)).all()
    lines = ctx.execute(
        select(InvoiceLine.invoice, InvoiceLine.line_no, InvoiceLine.subscription, InvoiceLine.period_start,
               InvoiceLine.amount, InvoiceLine.description)
    ).all()  # fmt: skip
    bills = ctx.execute(
        select(SubscriptionBilling.subscription, SubscriptionBilling.period_start, SubscriptionBilling.period_end)
    ).all()
    through = ctx.execute(select(Subscription.subscription, Subscription.billed_through)).all()
    return [sorted(tuple(r) for r in rows) for rows in (invoices_, lines, bills, through)]


def _in_one_chunk_and_in_many(ctx, monkeypatch, action):
    outcomes = []
    for chunk, page in ((10**9, 10**6), (1, 2)):
        monkeypatch.setattr(billing, "CHUNK_PERIODS", chunk)
        monkeypatch.setattr(billing, "PAGE", page)
        with ctx.session.begin_nested() as savepoint:
            outcomes.append((action(ctx), _rows(ctx)))
            savepoint.rollback()
    return outcomes


def test_a_run_in_many_chunks_makes_what_one_chunk_makes(shop, monkeypatch):
    _subscriptions(shop)
    run(shop, "2026-02-15")  # some billed before: the chunks start from each billed_through
    (one, one_rows), (many, many_rows) = _in_one_chunk_and_in_many(shop, monkeypatch, lambda c: run(c, "2026-06-30"))
    assert many == one and many_rows == one_rows
    assert len(one["invoices"]) == 10 and [r["subscription"] for r in one["rejected"]] == ["BAD"]
    assert [i["invoice"] for i in one["invoices"]] == [f"INV-{n:06d}" for n in range(6, 16)]  # 5 before
    assert set(one["totals"]) == {"EUR", "USD"}


def test_a_dry_run_in_many_chunks_numbers_as_the_run_does(shop, monkeypatch):
    _subscriptions(shop)
    monkeypatch.setattr(billing, "CHUNK_PERIODS", 1)
    monkeypatch.setattr(billing, "PAGE", 3)
    planned = run(shop, "2026-04-30", dry_run=True)
    assert shop.execute(select(InvoiceLine.id)).first() is None
    made = run(shop, "2026-04-30")
    assert planned == made
    summary = run(shop, "2026-05-31", details=False)  # the invoice numbers only
    after = len(made["invoices"])
    assert summary["invoices"] == [f"INV-{n:06d}" for n in range(after + 1, after + 1 + len(summary["invoices"]))]
    assert summary["periods"] > 0 and len(summary["invoices"]) == 5


def test_a_rerun_with_nothing_to_do_sends_one_statement(shop):
    _subscriptions(shop)
    shop.execute(text("DELETE FROM subscription WHERE subscription = 'BAD'"))
    run(shop, "2026-06-30")
    with statements(shop) as sent:
        again = run(shop, "2026-06-30")
    assert (again["periods"], again["invoices"], again["rejected"]) == (0, [], [])
    assert len(sent) == 1 and "FROM subscription" in sent[0] and "LIMIT" in sent[0], sent


@pytest.mark.parametrize("months", [2, 12])
def test_a_run_reads_the_billing_rows_after_billed_through_only(shop, months):
    """The next month's run: the same statements whether a year or two months were billed before, and
    the billing rows it reads are those after each subscription's billed_through."""
    for n in range(5):
        subscriptions.create(shop, f"S-{n}", customer=f"C-{n}", group="monthly", fee="10", start=date(2026, 1, 1))
    first = date(2026, 13 - months, 1)
    shop.execute(text("UPDATE subscription SET start = :d"), {"d": first})
    shop.execute(text("UPDATE subscription_price SET valid_from = :d"), {"d": first})
    shop.execute(text("UPDATE subscription_index SET valid_from = :d"), {"d": first})
    run(shop, "2026-12-31")
    assert len(shop.execute(select(SubscriptionBilling.id)).all()) == 5 * months
    with statements(shop) as sent:
        result = run(shop, "2027-01-31")
    assert result["periods"] == 5
    reads = [sql for sql in sent if "FROM subscription_billing" in sql and sql.startswith("SELECT")]
    assert len(reads) == 1 and "subscription_billing.period_start > subscription.billed_through" in reads[0]
    assert len(sent) == 15, sent  # the same at 2 and 12 months of history


def test_a_gap_opened_by_a_credit_is_billed_again_and_billed_through_moves_past_it(shop, monkeypatch):
    monkeypatch.setattr(billing, "CHUNK_PERIODS", 1)
    subscriptions.create(shop, "S-1", customer="C-1", group="monthly", fee="50", start=date(2026, 1, 1))
    number = run(shop, "2026-04-01")["invoices"][0]["invoice"]
    invoices.credit(shop, number, line_nos=[2], reopen=True)  # February reopened: a gap
    shop.session.expire_all()
    assert shop.get(Subscription, "S-1").billed_through == date(2026, 1, 31)
    again = run(shop, "2026-04-01")
    assert [ln["period_start"] for ln in again["invoices"][0]["lines"]] == [date(2026, 2, 1)]
    shop.session.expire_all()
    assert shop.get(Subscription, "S-1").billed_through == date(2026, 4, 30)
    assert run(shop, "2026-04-30")["periods"] == 0
