"""Return lines (``services/returns/lines``): the invoiced price, never more back than was invoiced
across return orders, units and objects of the customer only."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from custsvc.errors import BadUsage, InvalidInput, NotFound, RuleViolation
from custsvc.models import ReturnLine, ReturnOrder, SerialUnit, StockMove
from custsvc.services import master, orders
from custsvc.services import settings as shop_settings
from custsvc.services.returns import lines
from custsvc.services.stock import moves


def _rma(ctx, customer="C-1", status="created"):
    """A return order as `return create` makes it (its service is tested with the commands)."""
    from custsvc.services import sequences

    number = sequences.next_number(ctx, "return")
    ctx.add(
        ReturnOrder(
            number=number,
            customer=customer,
            status=status,
            validity_days=90,
            deadline=date(2026, 6, 8),
            created_at=ctx.now,
            created_by=ctx.actor,
        )
    )
    ctx.flush()
    return number


def _post(ctx, customer, *item_lines):
    number = orders.create(ctx, customer=customer)["order"]
    for item, qty in item_lines:
        orders.add_line(ctx, number, type="item", item=item, quantity=qty)
    for stage in ("planned", "in-progress", "completed"):
        orders.move(ctx, number, stage)
    return orders.post(ctx, number, force=True)["invoice"]


@pytest.fixture
def shop(ctx):
    master.add(ctx, "customer", {"account": "C-1", "name": "Bakery"})
    master.add(ctx, "customer", {"account": "C-2", "name": "Cafe"})
    master.add(ctx, "item", {"item": "VALVE", "name": "Valve", "price": "96.40"})
    master.add(ctx, "item", {"item": "FILTER", "name": "Filter", "price": "12.35"})
    master.add(ctx, "item", {"item": "PUMP", "name": "Pump", "price": "189", "serialized": "yes"})
    master.add(ctx, "item", {"item": "BOILER", "name": "Boiler", "price": "2000"})
    master.add(ctx, "object", {"object": "O-1", "customer": "C-1", "item": "BOILER"})
    master.add(ctx, "object", {"object": "O-2", "customer": "C-2", "item": "BOILER"})
    shop_settings.set_value(ctx, "sign_off_required", "no")
    moves.receive(ctx, "VALVE", "10")
    moves.receive(ctx, "FILTER", "10")
    return ctx


def test_a_line_returning_an_invoice_line_takes_its_price(shop):
    invoice = _post(shop, "C-1", ("VALVE", "3"), ("FILTER", "2"))
    rma = _rma(shop)
    line = lines.add(shop, rma, item="VALVE", qty="2", invoice=invoice, invoice_line=1, reason="defective")
    assert (line["line"], line["quantity"], line["price"], line["amount"]) == (
        1,
        Decimal(2),
        Decimal("96.40"),
        Decimal("192.80"),
    )
    assert (line["invoice"], line["invoice_line"], line["status"], line["reason"]) == (
        invoice,
        1,
        "expected",
        "defective",
    )
    second = lines.add(shop, rma, item="FILTER", qty="1", price="10.00")
    assert (second["line"], second["price"], second["invoice"]) == (2, Decimal("10.00"), None)
    third = lines.add(shop, rma, item="FILTER", qty="1")
    assert third["price"] == Decimal("12.35")  # the item's price when nothing else is said


def test_never_more_back_than_invoiced_across_return_orders(shop):
    invoice = _post(shop, "C-1", ("VALVE", "3"))
    first, second = _rma(shop), _rma(shop)
    lines.add(shop, first, item="VALVE", qty="2", invoice=invoice, invoice_line=1)
    with pytest.raises(RuleViolation, match=r"invoiced 3; 1 of it can still be returned, not 2"):
        lines.add(shop, second, item="VALVE", qty="2", invoice=invoice, invoice_line=1)
    lines.add(shop, second, item="VALVE", qty="1", invoice=invoice, invoice_line=1)
    with pytest.raises(RuleViolation, match=r"0 of it can still be returned, not 0.5"):
        lines.add(shop, first, item="VALVE", qty="0.5", invoice=invoice, invoice_line=1)


def test_a_canceled_return_order_or_a_lost_line_gives_the_quantity_back(shop):
    invoice = _post(shop, "C-1", ("VALVE", "2"))
    first, second = _rma(shop), _rma(shop)
    lines.add(shop, first, item="VALVE", qty="2", invoice=invoice, invoice_line=1)
    shop.get(ReturnOrder, first).status = "canceled"
    shop.flush()
    lines.add(shop, second, item="VALVE", qty="2", invoice=invoice, invoice_line=1)
    lost = lines.get_line(shop, second, 1)
    lost.status = "lost"
    shop.flush()
    third = _rma(shop)
    assert lines.add(shop, third, item="VALVE", qty="2", invoice=invoice, invoice_line=1)["quantity"] == 2


def test_the_invoice_line_must_be_the_customers_and_bill_the_item(shop):
    invoice = _post(shop, "C-1", ("VALVE", "1"), ("FILTER", "1"))
    other = _post(shop, "C-2", ("VALVE", "1"))
    rma = _rma(shop)
    with pytest.raises(RuleViolation, match=f"{other} is C-2's invoice, not C-1's"):
        lines.add(shop, rma, item="VALVE", qty="1", invoice=other, invoice_line=1)
    with pytest.raises(RuleViolation, match=f"{invoice}/2 bills item FILTER, not VALVE"):
        lines.add(shop, rma, item="VALVE", qty="1", invoice=invoice, invoice_line=2)
    with pytest.raises(NotFound, match=f"{invoice}/9"):
        lines.add(shop, rma, item="VALVE", qty="1", invoice=invoice, invoice_line=9)
    with pytest.raises(NotFound, match="INV-999999"):
        lines.add(shop, rma, item="VALVE", qty="1", invoice="INV-999999", invoice_line=1)
    with pytest.raises(BadUsage, match="invoiced price"):
        lines.add(shop, rma, item="VALVE", qty="1", invoice=invoice, invoice_line=1, price="1.00")
    with pytest.raises(BadUsage, match="go together"):
        lines.add(shop, rma, item="VALVE", qty="1", invoice=invoice)
    assert shop.execute(ReturnLine.__table__.select()).all() == []


@pytest.mark.parametrize("qty", ["0", "-1", "abc", "1.2345"])
def test_a_quantity_must_be_positive(shop, qty):
    with pytest.raises(InvalidInput, match="qty"):
        lines.add(shop, _rma(shop), item="VALVE", qty=qty)


def test_units_and_objects_must_be_the_customers(shop):
    moves.receive(shop, "PUMP", "3", ["P-1", "P-2", "P-3"])
    moves.move_parts(shop, "PUMP", "1", "stock", "object:O-1", ["P-1"])
    rma = _rma(shop)
    with pytest.raises(RuleViolation, match="unit PUMP P-2 is not C-1's: it is at stock"):
        lines.add(shop, rma, item="PUMP", qty="1", serial="P-2")
    with pytest.raises(NotFound, match="P-9"):
        lines.add(shop, rma, item="PUMP", qty="1", serial="P-9")
    with pytest.raises(InvalidInput, match="returns 1"):
        lines.add(shop, rma, item="PUMP", qty="2", serial="P-1")
    with pytest.raises(InvalidInput, match="not serialized"):
        lines.add(shop, rma, item="VALVE", qty="1", serial="V-1")
    with pytest.raises(RuleViolation, match="O-2 belongs to C-2, not C-1"):
        lines.add(shop, rma, item="BOILER", qty="1", obj="O-2")
    with pytest.raises(BadUsage, match="not both"):
        lines.add(shop, rma, item="PUMP", qty="1", serial="P-1", obj="O-1")
    assert lines.add(shop, rma, item="BOILER", qty="1", obj="O-1")["object"] == "O-1"
    assert lines.add(shop, rma, item="PUMP", qty="1", serial="P-1")["serial"] == "P-1"  # in C-1's object


def test_closed_or_canceled_return_orders_take_no_lines(shop):
    for status in ("closed", "canceled"):
        rma = _rma(shop, status=status)
        with pytest.raises(RuleViolation, match=f"{rma} is {status}"):
            lines.add(shop, rma, item="VALVE", qty="1")
    with pytest.raises(NotFound, match="RMA-999999"):
        lines.add(shop, "RMA-999999", item="VALVE", qty="1")
    with pytest.raises(NotFound, match="GHOST"):
        lines.add(shop, _rma(shop), item="GHOST", qty="1")
    with pytest.raises(NotFound, match="nope"):
        lines.add(shop, _rma(shop), item="VALVE", qty="1", reason="nope")


def test_records_of_many_return_orders_in_one_go(shop):
    first, second, empty = _rma(shop), _rma(shop), _rma(shop)
    lines.add(shop, first, item="VALVE", qty="1")
    lines.add(shop, second, item="FILTER", qty="2")
    lines.add(shop, first, item="FILTER", qty="3")
    found = lines.records(shop, [first, second, empty])
    assert [(r["line"], r["item"]) for r in found[first]] == [(1, "VALVE"), (2, "FILTER")]
    assert [r["quantity"] for r in found[second]] == [Decimal(2)] and found[empty] == []


# --- arrival and inspection -----------------------------------------------------------------------


def _open_rma(ctx, *item_lines, customer="C-1"):
    rma = _rma(ctx, customer=customer, status="open")
    for item, qty, extra in item_lines:
        lines.add(ctx, rma, item=item, qty=qty, **extra)
    return rma


def test_a_partial_arrival_splits_the_line_and_the_quantities_add_up(shop):
    from custsvc.services.returns import arrivals

    rma = _open_rma(shop, ("VALVE", "5", {}))
    arrived = arrivals.arrive(shop, rma, 1, qty="2")
    assert (arrived["line"], arrived["quantity"], arrived["status"], arrived["split_from"]) == (2, 2, "arrived", 1)
    found = {r["line"]: r for r in lines.records(shop, [rma])[rma]}
    assert (found[1]["quantity"], found[1]["status"]) == (Decimal(3), "expected")
    assert found[1]["quantity"] + found[2]["quantity"] == 5
    rest = arrivals.arrive(shop, rma, 1, qty="3")
    assert (rest["line"], rest["status"], rest["split_from"]) == (1, "arrived", None)  # all of it: no split
    moved = shop.execute(
        select(StockMove.quantity, StockMove.from_location, StockMove.to_location, StockMove.doc).where(
            StockMove.doc_type == "return"
        )
    ).all()
    assert moved == [(Decimal(2), "customer", "quarantine", rma), (Decimal(3), "customer", "quarantine", rma)]


def test_more_than_expected_or_a_line_not_expected_is_refused(shop):
    from custsvc.services.returns import arrivals

    rma = _open_rma(shop, ("VALVE", "2", {}))
    with pytest.raises(InvalidInput, match=f"{rma}/1 expects 2"):
        arrivals.arrive(shop, rma, 1, qty="3")
    arrivals.arrive(shop, rma, 1, qty="2")
    with pytest.raises(RuleViolation, match=f"{rma}/1 is arrived, not expected"):
        arrivals.arrive(shop, rma, 1, qty="1")
    with pytest.raises(NotFound, match=f"{rma}/7"):
        arrivals.arrive(shop, rma, 7, qty="1")
    created = _rma(shop)
    lines.add(shop, created, item="VALVE", qty="1")
    with pytest.raises(RuleViolation, match="open it first"):
        arrivals.arrive(shop, created, 1, qty="1")


def test_after_the_deadline_it_needs_late(shop):
    from custsvc.services.returns import arrivals

    rma = _open_rma(shop, ("VALVE", "1", {}))
    shop.get(ReturnOrder, rma).deadline = date(2026, 3, 9)  # the clock says 2026-03-10
    with pytest.raises(RuleViolation, match="had to arrive by 2026-03-09; accept it anyway with --late"):
        arrivals.arrive(shop, rma, 1, qty="1")
    assert arrivals.arrive(shop, rma, 1, qty="1", late=True)["late"] is True


def test_a_unit_comes_back_from_where_it_is(shop):
    from custsvc.services.returns import arrivals

    moves.receive(shop, "PUMP", "1", ["P-1"])
    moves.move_parts(shop, "PUMP", "1", "stock", "object:O-1", ["P-1"])
    rma = _open_rma(shop, ("PUMP", "1", {"serial": "P-1"}))
    assert arrivals.arrive(shop, rma, 1, qty="1")["serial"] == "P-1"
    assert shop.execute(select(SerialUnit.location).where(SerialUnit.serial == "P-1")).scalar_one() == "quarantine"


def test_inspection_sets_a_disposition_credit_only_needs_no_goods(shop):
    from custsvc.services.returns import arrivals

    rma = _open_rma(shop, ("VALVE", "1", {}), ("FILTER", "1", {}))
    with pytest.raises(RuleViolation, match=r"has not arrived; disposition scrap \(scrap\) needs the goods back"):
        arrivals.inspect(shop, rma, 1, disposition="scrap")
    assert arrivals.inspect(shop, rma, 2, disposition="credit-only")["status"] == "inspected"
    arrivals.arrive(shop, rma, 1, qty="1")
    done = arrivals.inspect(shop, rma, 1, disposition="scrap", note="housing cracked")
    assert (done["disposition"], done["inspection_note"], done["status"]) == ("scrap", "housing cracked", "inspected")
    with pytest.raises(NotFound, match="melt"):
        arrivals.inspect(shop, rma, 1, disposition="melt")
