from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from custsvc.errors import InvalidInput, RuleViolation
from custsvc.models import OrderLine, ServiceOrder
from custsvc.services import agreements, master, orders, settings


@pytest.fixture
def shop(ctx):
    master.add(ctx, "worker", {"worker": "T-1", "name": "Anna", "roles": ["technician"]})
    master.add(ctx, "customer", {"account": "C-1", "name": "Bakery"})
    master.add(ctx, "customer", {"account": "C-2", "name": "Cafe"})
    master.add(ctx, "task", {"task": "CHECK", "description": "Inspection", "hours": "2", "price": "50.00"})
    for obj in ("X-1", "X-2"):
        master.add(ctx, "object", {"object": obj, "customer": "C-1"})
    master.add(ctx, "object", {"object": "Y-1", "customer": "C-2"})
    return ctx


def gen(ctx, lo, hi, agreement=None):
    return agreements.generate(
        ctx, agreement=agreement, date_from=date.fromisoformat(lo), date_to=date.fromisoformat(hi)
    )


def count(ctx, model):
    return ctx.execute(select(func.count()).select_from(model)).scalar_one()


def test_reference_example_combine_by_object_gives_ten_orders(shop):
    """April 2007, combine by object: X-1 weekly; X-2 every 2 weeks and weekly from the same start -> 10 orders."""
    agreements.create(shop, "A-1", customer="C-1", start="2007-01-01", combine_rule="object")
    agreements.add_line(shop, "A-1", type="hour", task="CHECK", obj="X-1", every="1 week", start="2007-04-01")
    agreements.add_line(shop, "A-1", type="hour", task="CHECK", obj="X-2", every="2 weeks", start="2007-04-01")
    agreements.add_line(shop, "A-1", type="hour", task="CHECK", obj="X-2", every="1 week", start="2007-04-01")
    result = gen(shop, "2007-04-01", "2007-04-30")
    assert result["created_orders"] == 10
    assert result["created_lines"] == 5 + 3 + 5
    x2 = [o for o in result["orders"] if o["lines"][0]["object"] == "X-2"]
    assert [len(o["lines"]) for o in x2] == [2, 1, 2, 1, 2]


def test_reference_example_generation_stops_at_the_agreement_end(shop):
    agreements.create(shop, "A-1", customer="C-1", start="2012-01-01", end="2012-12-31")
    agreements.add_line(shop, "A-1", type="hour", task="CHECK", every="1 week", start="2012-01-02")
    result = gen(shop, "2012-11-01", "2013-02-01")
    dates = [o["date"] for o in result["orders"]]
    assert max(dates) <= date(2012, 12, 31) and min(dates) >= date(2012, 11, 1)
    assert len(dates) == 9  # Mondays 5 Nov .. 31 Dec 2012


def test_monthly_from_the_31st_is_anchored(shop):
    agreements.create(shop, "A-1", customer="C-1", start="2024-01-01")
    agreements.add_line(shop, "A-1", type="fee", price="10", every="1 month", start="2024-01-31")
    assert [o["date"] for o in gen(shop, "2024-01-01", "2024-05-31")["orders"]] == [
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 3, 31),
        date(2024, 4, 30),
        date(2024, 5, 31),
    ]


def test_generation_is_idempotent_and_catches_up(shop):
    agreements.create(shop, "A-1", customer="C-1", start="2026-01-01")
    agreements.add_line(shop, "A-1", type="hour", task="CHECK", obj="X-1", every="1 week", start="2026-01-05")
    first = gen(shop, "2026-01-01", "2026-01-31")
    assert first["created_orders"] == 4
    assert gen(shop, "2026-01-01", "2026-01-31")["created_orders"] == 0
    # overlapping period: only February is new; March skipped, then caught up by a wider run
    assert gen(shop, "2026-01-15", "2026-02-28")["created_orders"] == 4
    assert gen(shop, "2026-01-01", "2026-03-31")["created_orders"] == 5
    assert count(shop, ServiceOrder) == 13
    assert count(shop, OrderLine) == 13


def test_the_database_refuses_a_second_line_for_the_same_visit(shop):
    from sqlalchemy.exc import IntegrityError

    agreements.create(shop, "A-1", customer="C-1", start="2026-01-01")
    agreements.add_line(shop, "A-1", type="fee", price="10", start="2026-01-05")
    gen(shop, "2026-01-01", "2026-01-31")
    line = shop.execute(select(OrderLine)).scalar_one()
    other = orders.create(shop, customer="C-1", agreement="A-1")["order"]
    with pytest.raises(IntegrityError), shop.session.begin_nested():
        shop.add(
            OrderLine(
                order_number=other,
                line_no=1,
                type="fee",
                quantity=1,
                price=Decimal("1.00"),
                agreement_line_id=line.agreement_line_id,
                visit_date=line.visit_date,
                created_at=line.created_at,
                created_by="x",
            )
        )
        shop.flush()


def test_suspended_stopped_and_templates_generate_nothing(shop):
    agreements.create(shop, "A-1", customer="C-1", start="2026-01-01")
    agreements.add_line(shop, "A-1", type="fee", price="10", every="1 week", start="2026-01-05")
    agreements.create(shop, "T-1", customer="C-1", start="2026-01-01", template=True)
    agreements.add_line(shop, "T-1", type="fee", price="10", every="1 week", start="2026-01-05")
    agreements.set_suspended(shop, "A-1", True)
    assert gen(shop, "2026-01-01", "2026-01-31")["created_orders"] == 0
    agreements.set_suspended(shop, "A-1", False)
    agreements.stop_line(shop, "A-1", 1)
    assert gen(shop, "2026-01-01", "2026-01-31")["created_orders"] == 0
    assert "template" in gen(shop, "2026-01-01", "2026-01-31", agreement="T-1")["warnings"][0]
    with pytest.raises(RuleViolation, match="templates-make-no-orders"):
        agreements.set_suspended(shop, "T-1", True)


def test_combine_rules(shop):
    agreements.create(shop, "A-1", customer="C-1", start="2026-01-01", combine_rule="agreement")
    agreements.add_line(shop, "A-1", type="hour", task="CHECK", obj="X-1", every="1 week", start="2026-01-05")
    agreements.add_line(shop, "A-1", type="hour", task="CHECK", obj="X-2", every="1 week", start="2026-01-05")
    assert gen(shop, "2026-01-01", "2026-01-31")["created_orders"] == 4
    agreements.create(shop, "A-2", customer="C-1", start="2026-01-01", combine_rule="object")
    agreements.add_line(shop, "A-2", type="hour", task="CHECK", obj="X-1", every="1 week", start="2026-01-05")
    agreements.add_line(shop, "A-2", type="hour", task="CHECK", obj="X-2", every="1 week", start="2026-01-05")
    assert gen(shop, "2026-01-01", "2026-01-31", agreement="A-2")["created_orders"] == 8
    with pytest.raises(InvalidInput):
        agreements.create(shop, "A-3", customer="C-1", start="2026-01-01", combine_rule="colour")


def test_windows_put_lines_on_fewer_orders(shop):
    agreements.create(shop, "A-1", customer="C-1", start="2026-01-01")
    agreements.add_line(shop, "A-1", type="fee", price="10", every="1 month", start="2026-01-05", window="week")
    agreements.add_line(shop, "A-1", type="fee", price="20", every="1 month", start="2026-01-08", window="week")
    result = gen(shop, "2026-01-01", "2026-03-31")
    # January: line 2 starts on the 8th, so the shared order cannot be earlier than that
    assert [(o["date"], len(o["lines"])) for o in result["orders"]] == [
        (date(2026, 1, 8), 2),
        (date(2026, 2, 5), 2),
        (date(2026, 3, 5), 2),
    ]
    # the line keeps its anchored date as the visit date even when the order moved
    march = result["orders"][-1]
    assert sorted(ln["visit_date"] for ln in march["lines"]) == [date(2026, 3, 5), date(2026, 3, 8)]


def test_a_later_run_joins_an_existing_order_in_the_window(shop):
    agreements.create(shop, "A-1", customer="C-1", start="2026-01-01")
    agreements.add_line(shop, "A-1", type="fee", price="10", every="1 month", start="2026-01-10")
    gen(shop, "2026-01-01", "2026-01-31")
    agreements.add_line(shop, "A-1", type="fee", price="20", every="1 month", start="2026-01-05", window="days:7")
    result = gen(shop, "2026-01-01", "2026-01-31")
    assert result["created_orders"] == 0 and result["created_lines"] == 1
    assert result["orders"][0]["existing"] is True
    number = result["orders"][0]["order"]
    assert [ln["line"] for ln in orders.show(shop, number)["line_items"]] == [1, 2]


def test_generated_orders_take_defaults(shop):
    agreements.create(
        shop, "A-1", customer="C-1", start="2026-01-01", technician="T-1", description="Bakery maintenance"
    )
    agreements.add_line(shop, "A-1", type="hour", task="CHECK", obj="X-1", start="2026-01-06")
    order = gen(shop, "2026-01-01", "2026-01-31")["orders"][0]
    shown = orders.show(shop, order["order"])
    assert (shown["agreement"], shown["technician"], shown["description"], shown["stage"]) == (
        "A-1",
        "T-1",
        "Bakery maintenance",
        "created",
    )
    line = shown["line_items"][0]
    assert (line["quantity"], line["price"], line["worker"], line["object"]) == (
        Decimal("2"),
        Decimal("50.00"),
        "T-1",
        "X-1",
    )
    assert shown["objects"] == ["X-1"]


def test_closed_days_give_a_warning_not_a_refusal(shop):
    settings.set_value(shop, "workdays", "mon-fri")
    agreements.create(shop, "A-1", customer="C-1", start="2026-01-01")
    agreements.add_line(shop, "A-1", type="fee", price="10", start="2026-01-10")  # a Saturday
    result = gen(shop, "2026-01-01", "2026-01-31")
    assert result["created_orders"] == 1
    assert "Sat 2026-01-10, a closed day" in result["warnings"][0]


def test_copy_a_template_into_an_agreement(shop):
    agreements.create(shop, "TPL", customer="C-1", start="2026-01-01", template=True, combine_rule="object")
    agreements.add_line(shop, "TPL", type="hour", task="CHECK", obj="X-1", every="3 months", start="2026-01-15")
    copied = agreements.copy(shop, "TPL", "A-9", customer="C-2", start="2026-04-01")
    assert (copied["customer"], copied["template"], copied["combine"]) == ("C-2", False, "object")
    line = copied["line_items"][0]
    assert (line["start"], line["object"], line["every"]) == (date(2026, 4, 15), None, "3 months")
    assert "X-1" in copied["warnings"][0]
    assert gen(shop, "2026-04-01", "2026-12-31", agreement="A-9")["created_orders"] == 3


def test_line_validation(shop):
    agreements.create(shop, "A-1", customer="C-1", start="2026-01-01", end="2026-12-31")
    with pytest.raises(InvalidInput, match="rrule"):
        agreements.add_line(shop, "A-1", type="fee", price="1", start="2026-01-01", every="1 week", rrule="FREQ=DAILY")
    with pytest.raises(RuleViolation, match="object-of-customer"):
        agreements.add_line(shop, "A-1", type="fee", price="1", start="2026-01-01", obj="Y-1")
    with pytest.raises(InvalidInput, match="start"):
        agreements.add_line(shop, "A-1", type="fee", price="1", start="2027-01-01")
    with pytest.raises(InvalidInput, match="price"):
        agreements.add_line(shop, "A-1", type="fee", start="2026-01-01")
    rule = agreements.add_line(shop, "A-1", type="fee", price="1", start="2026-01-01", rrule="FREQ=MONTHLY;BYDAY=1MO")
    assert rule["rrule"] == "FREQ=MONTHLY;BYDAY=1MO"
    assert [o["date"] for o in gen(shop, "2026-01-01", "2026-02-28")["orders"]] == [date(2026, 1, 5), date(2026, 2, 2)]
