"""``customer show`` and ``object show``: the sections other capabilities contribute under the record
(objects, agreements, open orders, subscriptions, invoiced this year; an object's orders), built with
a bounded number of statements whatever the number of orders."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event

from custsvc.services import agreements, calendars, invoices, master, orders, settings, subscriptions
from custsvc.services import sla as slas
from custsvc.services.invoices import DraftInvoice, DraftLine

CUSTOMER_SECTIONS = ["objects", "agreements", "open_orders", "subscriptions", "invoiced_this_year"]


@pytest.fixture
def shop(ctx):
    master.add(ctx, "worker", {"worker": "T-1", "name": "Anna", "roles": ["technician"]})
    master.add(ctx, "customer", {"account": "C-1", "name": "Bakery"})
    master.add(ctx, "customer", {"account": "C-2", "name": "Cafe"})
    master.add(ctx, "object", {"object": "O-1", "customer": "C-1", "serial": "S1", "group": "heating"})
    master.add(ctx, "object", {"object": "O-2", "customer": "C-2"})
    master.add(ctx, "object", {"object": "O-3", "customer": "C-1"})
    settings.set_value(ctx, "sign_off_required", "no")
    from custsvc.services import stages

    stages.add_reason(ctx, "NO-ACCESS", "Could not get in")
    return ctx


def walk(ctx, number, *path):
    for stage in path:
        orders.move(ctx, number, stage)


def posted_order(ctx, customer, price):
    """An order whose only line is posted: an invoice of ``price``, and the order no longer open."""
    number = orders.create(ctx, customer=customer)["order"]
    orders.add_line(ctx, number, type="fee", price=price)
    walk(ctx, number, "planned", "in-progress", "completed")
    return number, orders.post(ctx, number)["invoice"]


def test_a_customer_without_anything_has_empty_sections(shop):
    record = master.show(shop, "customer", "C-2")
    assert record["name"] == "Cafe"
    assert list(record)[-len(CUSTOMER_SECTIONS) :] == CUSTOMER_SECTIONS
    assert record["objects"] == [{"object": "O-2", "item": None, "serial": None, "description": None, "group": None}]
    assert [record[name] for name in CUSTOMER_SECTIONS[1:]] == [[], [], [], []]


def test_customer_show_lists_objects_agreements_subscriptions_and_only_open_orders(shop):
    agreements.create(shop, "A-2", customer="C-1", start="2026-01-01", group="gold")
    agreements.create(shop, "A-1", customer="C-1", start="2024-01-01", end="2025-12-31")
    agreements.create(shop, "A-9", customer="C-2", start="2026-01-01")
    subscriptions.add_group(shop, "monthly", period="month")
    subscriptions.create(shop, "S-1", customer="C-1", group="monthly", fee="25.00", start=date(2026, 1, 1))
    subscriptions.set_price(shop, "S-1", "30.00", date(2026, 4, 1))
    empty = orders.create(shop, customer="C-1", objects=["O-1"], technician="T-1")["order"]
    working = orders.create(shop, customer="C-1", priority="high")["order"]
    orders.add_line(shop, working, type="fee", price="10")
    canceled = orders.create(shop, customer="C-1")["order"]
    orders.cancel(shop, canceled, reason="NO-ACCESS")
    posted, _invoice = posted_order(shop, "C-1", "40")
    orders.create(shop, customer="C-2")

    record = master.show(shop, "customer", "C-1")
    assert [o["object"] for o in record["objects"]] == ["O-1", "O-3"]
    assert record["objects"][0] == {
        "object": "O-1",
        "item": None,
        "serial": "S1",
        "description": None,
        "group": "heating",
    }
    assert record["agreements"] == [
        {"agreement": "A-1", "group": None, "start": date(2024, 1, 1), "end": date(2025, 12, 31), "status": "expired"},
        {"agreement": "A-2", "group": "gold", "start": date(2026, 1, 1), "end": None, "status": "active"},
    ]
    open_orders = record["open_orders"]
    assert [o["order"] for o in open_orders] == [empty, working]  # not the canceled one, not the posted one
    assert canceled not in {o["order"] for o in open_orders} and posted not in {o["order"] for o in open_orders}
    assert set(open_orders[0]) == {"order", "service_date", "stage", "priority", "sla_status", "assigned"}
    assert (open_orders[1]["priority"], open_orders[1]["stage"]) == ("high", "created")
    assert record["subscriptions"] == [
        {
            "subscription": "S-1",
            "group": "monthly",
            "fee": Decimal("25.00"),  # the fee in force today, not the one from April
            "currency": "EUR",
            "status": "active",
            "billed_through": None,
        }
    ]


def test_open_orders_carry_what_sla_and_dispatch_contribute(shop):
    calendars.add(shop, "always", timezone="Europe/Riga", hours=["mon-sun 00:00-24:00"])
    slas.add(shop, "gold", calendar="always", response=["2h"], resolution=["8h"])
    slas.apply(shop, "gold", "default", None)
    number = orders.create(shop, customer="C-1")["order"]
    from_orders = orders.show(shop, number)
    shown = master.show(shop, "customer", "C-1")["open_orders"]
    assert shown == [
        {
            "order": number,
            "service_date": from_orders["service_date"],
            "stage": "created",
            "priority": "normal",
            "sla_status": from_orders["sla_status"],
            "assigned": from_orders["assigned"],
        }
    ]
    assert shown[0]["sla_status"] == "on-track"


def test_invoiced_this_year_subtracts_credit_notes_and_leaves_last_year_out(shop):
    with shop.at(datetime(2025, 12, 20, 10, tzinfo=shop.tz)):
        posted_order(shop, "C-1", "1000.00")  # last year's invoice
    _number, first = posted_order(shop, "C-1", "100.00")
    _number, second = posted_order(shop, "C-1", "50.50")
    invoices.credit(shop, second)
    invoices.write_one(
        shop,
        DraftInvoice(
            customer="C-1",
            currency="USD",
            lines=[DraftLine("Freight", Decimal(1), Decimal("12.00"), source_type="order", source="x")],
        ),
    )
    posted_order(shop, "C-2", "7.00")  # another customer's

    year = master.show(shop, "customer", "C-1")["invoiced_this_year"]
    assert year == [
        {
            "year": 2026,
            "currency": "EUR",
            "invoices": 2,
            "credit_notes": 1,
            "invoiced": Decimal("150.50"),
            "credited": Decimal("50.50"),
            "total": Decimal("100.00"),
        },
        {
            "year": 2026,
            "currency": "USD",
            "invoices": 1,
            "credit_notes": 0,
            "invoiced": Decimal("12.00"),
            "credited": Decimal("0.00"),
            "total": Decimal("12.00"),
        },
    ]
    assert first != second


def test_object_show_lists_its_orders_by_header_and_by_line_newest_first(shop):
    start = shop.now - timedelta(days=10)
    with shop.at(start):
        by_header = orders.create(shop, customer="C-1", objects=["O-1"])["order"]
    with shop.at(start + timedelta(days=1)):
        by_line = orders.create(shop, customer="C-1")["order"]
        orders.add_line(shop, by_line, type="fee", price="10", obj="O-1")
    with shop.at(start + timedelta(days=2)):
        both = orders.create(shop, customer="C-1", objects=["O-1"])["order"]
        orders.add_line(shop, both, type="fee", price="5", obj="O-1")
        orders.add_line(shop, both, type="fee", price="7", obj="O-1")
        other = orders.create(shop, customer="C-1", objects=["O-3"])["order"]
        orders.add_line(shop, other, type="fee", price="5", obj="O-3")
    orders.cancel(shop, by_header, reason="NO-ACCESS")

    record = master.show(shop, "object", "O-1")
    assert record["customer"] == "C-1"
    service_date = orders.show(shop, both)["service_date"]
    assert [o["order"] for o in record["orders"]] == [both, by_line, by_header]  # closed ones too
    assert record["orders"][0] == {
        "order": both,
        "service_date": service_date,
        "stage": "created",
        "customer": "C-1",
        "total": Decimal("12.00"),
        "progress": "in-process",
    }
    assert record["orders"][2]["progress"] == "canceled"
    assert [o["order"] for o in master.show(shop, "object", "O-3")["orders"]] == [other]
    assert master.show(shop, "object", "O-2")["orders"] == []


def test_other_kinds_show_only_their_record(shop):
    record = master.show(shop, "worker", "T-1")
    assert "open_orders" not in record and "orders" not in record and record["roles"] == ["technician"]


@contextmanager
def statements(ctx):
    """The SQL statements run inside the block."""
    seen: list[str] = []
    engine = ctx.session.get_bind()

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    ctx.flush()
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _add_orders(ctx, n):
    for _ in range(n):
        number = orders.create(ctx, customer="C-1", objects=["O-1"], technician="T-1")["order"]
        orders.add_line(ctx, number, type="fee", price="10", obj="O-3")
        done, _invoice = posted_order(ctx, "C-1", "3.00")
        orders.add_line(ctx, orders.create(ctx, customer="C-1")["order"], type="fee", price="1", obj="O-1")
        assert done


def _counts(ctx):
    out = {}
    for kind, key in (("customer", "C-1"), ("object", "O-1"), ("object", "O-3")):
        master.show(ctx, kind, key)  # per-command caches filled, as a command would have them
        with statements(ctx) as seen:
            master.show(ctx, kind, key)
        # the SLA capability reads its at-risk setting once per order's status (``sla.clock.state_of`` ->
        # ``at_risk_share`` -> ``settings.get``; the session's identity map keeps no row), a statement per
        # order of its own that ``order list`` has as well: counted apart, and known
        out[(kind, key)] = len([s for s in seen if "FROM setting" not in s])
    return out


def test_the_statement_count_does_not_grow_with_the_number_of_orders(shop):
    calendars.add(shop, "always", timezone="Europe/Riga", hours=["mon-sun 00:00-24:00"])
    slas.add(shop, "gold", calendar="always", response=["2h"], resolution=["8h"])
    slas.apply(shop, "gold", "default", None)
    agreements.create(shop, "A-1", customer="C-1", start="2026-01-01")
    subscriptions.add_group(shop, "monthly", period="month")
    subscriptions.create(shop, "S-1", customer="C-1", group="monthly", fee="25.00", start=date(2026, 1, 1))
    _add_orders(shop, 2)
    few = _counts(shop)
    _add_orders(shop, 25)
    many = _counts(shop)
    assert len(master.show(shop, "customer", "C-1")["open_orders"]) == 2 * 27
    assert len(master.show(shop, "object", "O-1")["orders"]) == 2 * 27
    assert many == few
    assert few[("customer", "C-1")] <= 20 and few[("object", "O-1")] <= 15
