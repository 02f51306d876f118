"""Everyday order work on a session: filters and sorts of ``order list``, sign-off twice, changing a
line, posting every signed-off order of a customer."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from custsvc.errors import InvalidInput, NotFound, RuleViolation
from custsvc.models import Invoice
from custsvc.services import dispatch, invoices, master, orders, settings, stages


@pytest.fixture
def shop(ctx):
    master.add(ctx, "worker", {"worker": "T-1", "name": "Anna", "roles": ["technician"]})
    master.add(ctx, "worker", {"worker": "T-2", "name": "Ben", "roles": ["technician"]})
    master.add(ctx, "customer", {"account": "C-1", "name": "Bakery 100% Rye", "address": "Main st 1"})
    master.add(ctx, "customer", {"account": "C-2", "name": "Cafe"})
    master.add(ctx, "object", {"object": "O-1", "customer": "C-1"})
    master.add(ctx, "object", {"object": "O-2", "customer": "C-1"})
    stages.add_reason(ctx, "NO-ACCESS", "Could not get in")
    settings.set_value(ctx, "sign_off_required", "yes")
    return ctx


def numbers(rows):
    return [r["order"] for r in rows]


def completed(ctx, number):
    for stage in ("planned", "in-progress", "completed"):
        orders.move(ctx, number, stage)


def test_technician_means_assigned_and_preferred_is_asked_for(shop):
    a = orders.create(shop, customer="C-1", technician="T-1")["order"]
    b = orders.create(shop, customer="C-1")["order"]
    start = datetime(2026, 3, 10, 8, 0, tzinfo=shop.tz)
    dispatch.assign(shop, b, "T-1", start, timedelta(hours=1))
    assert numbers(orders.list_orders(shop, technician="T-1")) == [b]
    assert numbers(orders.list_orders(shop, technician="T-1", preferred=True)) == [a]
    record = orders.list_orders(shop, technician="T-1")[0]
    assert (record["assigned"], record["visit_start"]) == ("T-1", start)
    assert orders.show(shop, b)["assignments"][0]["technician"] == "T-1"
    assert orders.show(shop, a)["assignments"] is None


def test_object_priority_and_search_filters(shop):
    a = orders.create(shop, customer="C-1", objects=["O-1"], priority="high", description="Oven 50% cold")["order"]
    b = orders.create(shop, customer="C-1", description="Door")["order"]
    orders.add_line(shop, b, type="fee", price="5", obj="O-2")
    c = orders.create(shop, customer="C-2", priority="low")["order"]
    assert numbers(orders.list_orders(shop, obj="O-1")) == [a]
    assert numbers(orders.list_orders(shop, obj="O-2")) == [b]  # through a line
    assert numbers(orders.list_orders(shop, priority="low")) == [c]
    assert numbers(orders.list_orders(shop, search="OVEN")) == [a]
    assert numbers(orders.list_orders(shop, search="50%")) == [a]  # % is a character, not a wildcard
    assert numbers(orders.list_orders(shop, search="0_")) == []
    assert numbers(orders.list_orders(shop, search="rye")) == [a, b]  # the customer's name
    assert numbers(orders.list_orders(shop, search=c)) == [c]
    with pytest.raises(InvalidInput):
        orders.list_orders(shop, search="a\x1b[2J")


def test_sorts_limit_and_sla_status(shop):
    a = orders.create(shop, customer="C-2", priority="low")["order"]
    b = orders.create(shop, customer="C-1", priority="high")["order"]
    orders.add_line(shop, b, type="fee", price="30")
    c = orders.create(shop, customer="C-1")["order"]
    orders.add_line(shop, c, type="fee", price="10")
    assert numbers(orders.list_orders(shop, sort="customer")) == [b, c, a]
    assert numbers(orders.list_orders(shop, sort="priority")) == [b, c, a]
    assert numbers(orders.list_orders(shop, sort="priority", reverse=True)) == [a, c, b]
    assert numbers(orders.list_orders(shop, sort="total", reverse=True, limit=2)) == [b, c]
    assert numbers(orders.list_orders(shop, sort="order", reverse=True, limit=1)) == [c]
    # no SLA is set up in this shop: every order is "none", and the time-left sort keeps them in number order
    assert numbers(orders.list_orders(shop, sla_status="none")) == [a, b, c]
    assert numbers(orders.list_orders(shop, sla_status="breached")) == []
    assert numbers(orders.list_orders(shop, sort="time-left")) == [a, b, c]


def test_signing_off_twice_changes_nothing(shop):
    number = orders.create(shop, customer="C-1")["order"]
    orders.add_line(shop, number, type="fee", price="10")
    first = orders.sign_off(shop, number)
    assert "already_signed_off" not in first
    shop.now += timedelta(hours=1)
    again = orders.sign_off(shop, number)
    assert again["already_signed_off"] is True
    assert again["signed_off_at"] == first["signed_off_at"]  # who and when stay as they were
    lines = orders.sign_off(shop, number, [1])
    assert lines["already_signed_off"] is True


def test_line_update_checks_and_takes_the_sign_off_away(shop):
    number = orders.create(shop, customer="C-1")["order"]
    orders.add_line(shop, number, type="hour", quantity="1", price="50", worker="T-1")
    orders.sign_off(shop, number)
    same = orders.update_line(shop, number, 1, description="Work")
    assert same["changed"] == []
    text = orders.update_line(shop, number, 1, description="Boiler service")
    assert text["changed"] == ["description"] and text["signed_off_at"] is not None  # text only: still signed
    changed = orders.update_line(shop, number, 1, quantity="2.5", worker="T-2", obj="O-1")
    assert changed["changed"] == ["object", "quantity", "worker"]
    assert changed["amount"] == Decimal("125.00") and changed["signed_off_at"] is None
    assert orders.show(shop, number)["signed_off_at"] is None
    assert orders.show(shop, number)["objects"] == ["O-1"]
    with pytest.raises(InvalidInput):
        orders.update_line(shop, number, 1, price="1e20")
    with pytest.raises(NotFound):
        orders.update_line(shop, number, 1, worker="T-9")
    orders.cancel_line(shop, number, 1)
    with pytest.raises(RuleViolation, match="only-open-lines"):
        orders.update_line(shop, number, 1, quantity="3")


def test_post_every_signed_off_order_of_a_customer(shop):
    ready = []
    for price in ("10", "20"):
        number = orders.create(shop, customer="C-1")["order"]
        orders.add_line(shop, number, type="fee", price=price)
        orders.sign_off(shop, number)
        completed(shop, number)
        ready.append(number)
    waiting = orders.create(shop, customer="C-1")["order"]  # signed off, but still in created
    orders.add_line(shop, waiting, type="fee", price="5")
    orders.sign_off(shop, waiting)
    unsigned = orders.create(shop, customer="C-1")["order"]
    orders.add_line(shop, unsigned, type="fee", price="7")
    completed(shop, unsigned)
    other = orders.create(shop, customer="C-2")["order"]
    orders.add_line(shop, other, type="fee", price="9")
    orders.sign_off(shop, other)
    completed(shop, other)

    result = orders.post_signed_off(shop, "C-1")
    assert [o["order"] for o in result["orders"]] == ready
    assert len(result["invoices"]) == 2 and result["total"] == Decimal("30.00")
    assert result["waiting"] == [{"order": waiting, "reason": "stage 'created' does not allow posting"}]
    assert [invoices.show(shop, n)["total"] for n in result["invoices"]] == [Decimal("10.00"), Decimal("20.00")]
    again = orders.post_signed_off(shop, "C-1")
    assert again["invoices"] == [] and again["orders"] == []  # nothing twice


def test_post_signed_off_on_one_invoice_with_a_date(shop):
    for price in ("10", "20"):
        number = orders.create(shop, customer="C-1")["order"]
        orders.add_line(shop, number, type="fee", price=price)
        orders.sign_off(shop, number)
        completed(shop, number)
    result = orders.post_signed_off(shop, "C-1", one_invoice=True, invoice_date=date(2026, 3, 12))
    assert len(result["invoices"]) == 1
    invoice = invoices.show(shop, result["invoices"][0])
    assert invoice["total"] == Decimal("30.00") and invoice["date"] == date(2026, 3, 12)
    assert {o["invoice"] for o in result["orders"]} == set(result["invoices"])


def test_a_hand_given_invoice_date_may_not_go_back_before_the_newest(shop):
    number = orders.create(shop, customer="C-1")["order"]
    orders.add_line(shop, number, type="fee", price="10")
    orders.sign_off(shop, number)
    completed(shop, number)
    orders.post(shop, number, invoice_date=date(2026, 3, 20))
    second = orders.create(shop, customer="C-1")["order"]
    orders.add_line(shop, second, type="fee", price="10")
    orders.sign_off(shop, second)
    completed(shop, second)
    with pytest.raises(RuleViolation, match="invoice-dates-in-number-order"):
        orders.post(shop, second, invoice_date=date(2026, 3, 19))
    with pytest.raises(RuleViolation, match="invoice-dates-in-number-order"):
        orders.post_signed_off(shop, "C-1", invoice_date=date(2026, 3, 1))
    assert len(shop.execute(select(Invoice)).all()) == 1
    with pytest.raises(NotFound):
        orders.post_signed_off(shop, "C-404")
