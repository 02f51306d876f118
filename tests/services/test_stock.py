"""Parts stock on a session: receiving, count corrections and moves write the ledger; on-hand is the
ledger summed; a serialized unit is in one place; posting an order's item lines takes the parts from
the shelf once."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from custsvc.domain.locations import ADJUSTMENT
from custsvc.errors import Duplicate, InvalidInput, NotFound, RuleViolation
from custsvc.events import Refused
from custsvc.models import SerialUnit, StockMove
from custsvc.services import invoices, master, orders
from custsvc.services import settings as shop_settings
from custsvc.services.stock import ledger, listing, moves, serials


@pytest.fixture
def shop(ctx):
    master.add(ctx, "customer", {"account": "C-1", "name": "Bakery"})
    master.add(ctx, "object", {"object": "O-1", "customer": "C-1"})
    master.add(ctx, "item", {"item": "FILTER", "name": "Air filter", "price": "14.50", "reorder_level": "10"})
    master.add(ctx, "item", {"item": "GAS", "name": "Refrigerant", "unit": "kg", "price": "38"})
    master.add(ctx, "item", {"item": "PUMP", "name": "Pump", "price": "189", "serialized": "yes", "warranty": "24m"})
    shop_settings.set_value(ctx, "sign_off_required", "no")
    return ctx


def held(ctx, item, place="stock"):
    return ledger.on_hand(ctx, items=[item]).get((item, place), Decimal(0))


def test_receive_adjust_and_move_write_the_ledger(shop):
    record = moves.receive(shop, "FILTER", "20", note="delivery 4711")
    assert (record["qty"], record["from"], record["to"], record["on_hand"]) == (20, "vendor", "stock", 20)
    assert moves.adjust(shop, "FILTER", "-2", "counted 18")["on_hand"] == 18
    assert moves.adjust(shop, "FILTER", "+1", "found one")["on_hand"] == 19
    record = moves.move_parts(shop, "FILTER", "4", "stock", "quarantine", note="wet")
    assert (record["location"], record["on_hand"]) == ("quarantine", 4)
    moves.move_parts(shop, "FILTER", "1", "quarantine", "scrap")
    assert held(shop, "FILTER") == 15 and held(shop, "FILTER", "quarantine") == 3
    assert held(shop, "FILTER", "scrap") == 1 and held(shop, "FILTER", ADJUSTMENT) == 0
    rows = listing.ledger_rows(shop, item="FILTER")
    assert [(r["from"], r["to"], r["qty"], r["doc_type"]) for r in rows] == [
        ("vendor", "stock", 20, "receive"),
        ("stock", "adjustment", 2, "adjust"),
        ("adjustment", "stock", 1, "adjust"),
        ("stock", "quarantine", 4, "manual"),
        ("quarantine", "scrap", 1, "manual"),
    ]
    assert rows[0]["note"] == "delivery 4711" and rows[1]["note"] == "counted 18" and rows[0]["actor"] == "tester"
    assert [r["id"] for r in listing.ledger_rows(shop, limit=2)] == [rows[3]["id"], rows[4]["id"]]


def test_what_cannot_move(shop):
    moves.receive(shop, "FILTER", "3")
    with pytest.raises(RuleViolation, match="stock holds 3 pcs of FILTER; cannot take 4"):
        moves.move_parts(shop, "FILTER", "4", "stock", "scrap")
    with pytest.raises(RuleViolation, match="quarantine holds 0"):
        moves.move_parts(shop, "FILTER", "1", "quarantine", "stock")
    with pytest.raises(RuleViolation, match="stock holds 3"):
        moves.adjust(shop, "FILTER", "-5", "count")
    moves.move_parts(shop, "FILTER", "2", "customer", "quarantine")  # outside the shop: may go below zero
    assert held(shop, "FILTER", "customer") == -2
    for qty in ("0", "-1", "abc", "1.2345"):
        with pytest.raises(InvalidInput, match="qty"):
            moves.receive(shop, "FILTER", qty)
    for qty in ("0", "+0", "x", "--1"):
        with pytest.raises(InvalidInput, match="qty"):
            moves.adjust(shop, "FILTER", qty, "count")
    with pytest.raises(InvalidInput, match="reason"):
        moves.adjust(shop, "FILTER", "+1", "  ")
    with pytest.raises(InvalidInput, match="location"):
        listing.stock_list(shop, location="shelf")
    with pytest.raises(InvalidInput, match="from 'attic'"):
        moves.move_parts(shop, "FILTER", "1", "attic", "stock")
    with pytest.raises(NotFound, match="O-9"):
        moves.move_parts(shop, "FILTER", "1", "stock", "object:O-9")
    with pytest.raises(InvalidInput, match="to 'STOCK'"):
        moves.move_parts(shop, "FILTER", "1", "stock", "STOCK")
    with pytest.raises(NotFound, match="GHOST"):
        moves.receive(shop, "GHOST", "1")
    with pytest.raises(InvalidInput, match="not serialized"):
        moves.receive(shop, "FILTER", "1", ["S-1"])


def test_serialized_units_are_received_by_number_and_in_one_place(shop):
    moves.receive(shop, "PUMP", "2", ["P-1", "P-2"])
    with pytest.raises(Duplicate, match="known already \\(now in stock\\)"):
        moves.receive(shop, "PUMP", "1", ["P-1"])
    with pytest.raises(Duplicate, match="given twice"):
        moves.receive(shop, "PUMP", "2", ["P-3", "P-3"])
    with pytest.raises(InvalidInput, match="needs one --serial per unit, 1 serial given"):
        moves.receive(shop, "PUMP", "2", ["P-3"])
    with pytest.raises(RuleViolation, match="stock receive PUMP"):
        moves.adjust(shop, "PUMP", "+1", "found")
    moves.move_parts(shop, "PUMP", "1", "stock", "object:O-1", ["P-1"])
    with pytest.raises(RuleViolation, match="serial P-1 of PUMP is in object:O-1, not in stock"):
        moves.move_parts(shop, "PUMP", "1", "stock", "scrap", ["P-1"])
    moves.adjust(shop, "PUMP", "-1", "lost", "P-2")
    assert held(shop, "PUMP") == 0 and held(shop, "PUMP", "object:O-1") == 1
    where = {u.serial: u.location for u in shop.execute(select(SerialUnit)).scalars()}
    assert where == {"P-1": "object:O-1", "P-2": ADJUSTMENT}
    units = {u["serial"]: u for u in serials.units(shop, item="PUMP")}
    assert units["P-1"]["in_service_on"] == shop.today and units["P-2"]["in_service_on"] is None
    assert [u["serial"] for u in serials.units(shop, location="object:O-1")] == ["P-1"]


def test_serial_show_tells_the_units_life(shop):
    moves.receive(shop, "PUMP", "1", ["P-1"], note="first delivery")
    moves.move_parts(shop, "PUMP", "1", "stock", "object:O-1", ["P-1"])
    record = serials.show(shop, "P-1")
    assert record["location"] == "object:O-1" and record["warranty"] == "24m"
    assert record["in_service_on"] == shop.today and record["under_warranty"] is True
    assert record["warranty_end"].isoformat() == "2028-03-10"
    assert [(m["from"], m["to"], m["doc_type"]) for m in record["movements"]] == [
        ("vendor", "stock", "receive"),
        ("stock", "object:O-1", "manual"),
    ]
    assert record["received_at"] == record["movements"][0]["at"] and record["installed"] == []
    master.add(shop, "item", {"item": "BOARD", "name": "Board", "serialized": "true"})
    moves.receive(shop, "BOARD", "1", ["P-1"])
    with pytest.raises(InvalidInput, match="several items \\(BOARD, PUMP\\); name one with --item"):
        serials.show(shop, "P-1")
    assert serials.show(shop, "P-1", item="BOARD")["location"] == "stock"
    with pytest.raises(NotFound):
        serials.show(shop, "P-9")


def test_stock_list_hints_to_reorder_and_lists_an_empty_shelf(shop):
    moves.receive(shop, "FILTER", "4")
    moves.receive(shop, "GAS", "12.5")
    moves.move_parts(shop, "GAS", "2", "stock", "quarantine")
    rows = listing.stock_list(shop)
    assert [(r["item"], r["location"], r["on_hand"], r["hint"]) for r in rows] == [
        ("FILTER", "stock", 4, "reorder 6"),
        ("GAS", "stock", Decimal("10.5"), None),
        ("GAS", "quarantine", 2, None),
    ]
    moves.move_parts(shop, "FILTER", "4", "stock", "scrap")
    rows = listing.stock_list(shop, below="11")
    assert [(r["item"], r["on_hand"], r["hint"]) for r in rows] == [("FILTER", 0, "reorder 10"), ("GAS", 10.5, None)]
    assert [r["item"] for r in listing.stock_list(shop, below="5")] == ["FILTER"]
    assert [r["location"] for r in listing.stock_list(shop, item="GAS")] == ["stock", "quarantine"]
    assert listing.stock_list(shop, location="scrap")[0]["on_hand"] == 4


def test_ledger_filters_by_day_in_the_shops_zone(shop):
    from datetime import date, datetime

    shop_settings.set_value(shop, "timezone", "Europe/Riga")
    shop.tz = shop_settings.timezone(shop)
    late = datetime(2026, 3, 8, 23, 30, tzinfo=shop.tz)  # 21:30 UTC
    with shop.at(late):
        moves.receive(shop, "FILTER", "1")
    moves.receive(shop, "FILTER", "2")
    day = date(2026, 3, 8)
    assert [r["qty"] for r in listing.ledger_rows(shop, first=day, last=day)] == [1]
    assert [r["qty"] for r in listing.ledger_rows(shop, first=date(2026, 3, 9))] == [2]
    with pytest.raises(InvalidInput, match="before --from"):
        listing.ledger_rows(shop, first=date(2026, 3, 9), last=day)


NAMES = (f"PART-{n}" for n in itertools.count())
PLACES = ("stock", "quarantine", "scrap", "vendor", "customer", "object:O-1")
OPS = st.one_of(
    st.tuples(st.just("receive"), st.integers(1, 20)),
    st.tuples(st.just("adjust"), st.integers(-10, 10).filter(bool)),
    st.tuples(st.just("move"), st.integers(1, 15), st.sampled_from(PLACES), st.sampled_from(PLACES)),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(OPS, max_size=12))
def test_on_hand_is_the_ledger_summed(shop, steps):
    name = next(NAMES)
    master.add(shop, "item", {"item": name, "name": "Part"})
    model: dict[str, int] = {}

    def take(place: str, qty: int) -> bool:
        if place not in ("vendor", "customer") and model.get(place, 0) < qty:
            return False
        model[place] = model.get(place, 0) - qty
        return True

    for step in steps:
        if step[0] == "receive":
            moves.receive(shop, name, str(step[1]))
            model["vendor"] = model.get("vendor", 0) - step[1]
            model["stock"] = model.get("stock", 0) + step[1]
        elif step[0] == "adjust":
            qty = step[1]
            if qty > 0 or take("stock", -qty):
                moves.adjust(shop, name, f"{qty:+d}", "count")
                if qty > 0:
                    model["stock"] = model.get("stock", 0) + qty
            else:
                with pytest.raises(RuleViolation):
                    moves.adjust(shop, name, f"{qty:+d}", "count")
        else:
            _op, qty, source, target = step
            if source == target:
                with pytest.raises(InvalidInput):
                    moves.move_parts(shop, name, str(qty), source, target)
            elif take(source, qty):
                moves.move_parts(shop, name, str(qty), source, target)
                model[target] = model.get(target, 0) + qty
            else:
                with pytest.raises(RuleViolation):
                    moves.move_parts(shop, name, str(qty), source, target)
    expected = {(name, place): Decimal(qty) for place, qty in model.items() if qty}
    assert ledger.on_hand(shop, items=[name]) == expected
    assert all(v >= 0 for (_i, place), v in expected.items() if place not in ("vendor", "customer"))


# --- posting an order's item lines -------------------------------------------------------------


def posted_order(ctx, *lines, force=False):
    number = orders.create(ctx, customer="C-1")["order"]
    for item, qty in lines:
        orders.add_line(ctx, number, type="item", item=item, quantity=qty)
    orders.add_line(ctx, number, type="fee", price="10")
    for stage in ("planned", "in-progress", "completed"):
        orders.move(ctx, number, stage)
    return number, orders.post(ctx, number, force=force)


def order_moves(ctx):
    query = select(StockMove).where(StockMove.doc_type == "order").order_by(StockMove.id)
    return list(ctx.execute(query).scalars())


def test_posting_takes_the_parts_from_the_shelf_once(shop):
    moves.receive(shop, "FILTER", "5")
    number, invoice = posted_order(shop, ("FILTER", "2"), ("GAS", "1.5"))
    taken = order_moves(shop)
    assert [(m.item, m.quantity, m.from_location, m.to_location, m.doc) for m in taken] == [
        ("FILTER", 2, "stock", "customer", number),
        ("GAS", Decimal("1.5"), "stock", "customer", number),
    ]
    assert all(m.order_line_id for m in taken)
    assert held(shop, "FILTER") == 3
    assert shop.warnings == [f"posting {number} takes the shelf of GAS to -1.5 kg"]
    invoices.credit(shop, invoice["invoice"], reopen=True)
    orders.post(shop, number)  # the re-opened lines posted again: their parts left already
    assert len(order_moves(shop)) == 2 and held(shop, "FILTER") == 3


def test_serialized_item_lines_are_not_moved_but_warned_of(shop):
    moves.receive(shop, "PUMP", "1", ["P-1"])
    number, _invoice = posted_order(shop, ("PUMP", "1"))
    assert order_moves(shop) == []
    assert any("PUMP is serialized" in w and "--serial" in w for w in shop.warnings)


def test_a_setting_makes_a_short_shelf_refuse_and_force_overrides(shop):
    shop_settings.set_value(shop, "negative_stock", "refuse")
    moves.receive(shop, "FILTER", "1")
    with pytest.raises(Refused) as refused:
        posted_order(shop, ("FILTER", "3"))
    assert refused.value.rule == "stock-on-hand"
    assert "takes 3 pcs of FILTER from the shelf, which holds 1" in str(refused.value)
    assert "--force overrides" in str(refused.value)
    shop.cache.clear()
    number, _invoice = posted_order(shop, ("FILTER", "3"), force=True)
    assert held(shop, "FILTER") == -2
    assert shop.warnings == [f"posting {number} takes the shelf of FILTER to -2 pcs"]
    with pytest.raises(InvalidInput):
        shop_settings.set_value(shop, "negative_stock", "maybe")


def test_posting_several_orders_counts_their_parts_together(shop):
    shop_settings.set_value(shop, "negative_stock", "refuse")
    moves.receive(shop, "FILTER", "3")
    shop_settings.set_value(shop, "sign_off_required", "yes")
    numbers = []
    for _ in range(2):
        number = orders.create(shop, customer="C-1")["order"]
        orders.add_line(shop, number, type="item", item="FILTER", quantity="2")
        for stage in ("planned", "in-progress", "completed"):
            orders.move(shop, number, stage)
        orders.sign_off(shop, number)
        numbers.append(number)
    with pytest.raises(Refused, match="takes 4 pcs of FILTER"):
        orders.post_signed_off(shop, "C-1")
    shop.cache.clear()
    orders.post_signed_off(shop, "C-1", force=True)
    assert held(shop, "FILTER") == -1


def test_the_serialized_flag_is_fixed_once_the_item_is_on_the_ledger(shop):
    master.update_record(shop, "item", "GAS", {"serialized": "yes"})  # nothing on the ledger yet
    master.update_record(shop, "item", "GAS", {"serialized": "no"})
    moves.receive(shop, "GAS", "1")
    with pytest.raises(RuleViolation, match="cannot become serialized: the stock ledger has 1 movement of it"):
        master.update_record(shop, "item", "GAS", {"serialized": True})
    assert master.update_record(shop, "item", "GAS", {"serialized": False, "warranty": "2y"})["warranty"] == "24m"
    assert master.update_record(shop, "item", "GAS", {"warranty": ""})["warranty"] is None
    count = shop.execute(select(func.count()).select_from(StockMove)).scalar()
    assert count == 1


# --- a bounded number of statements whatever the number of units ---------------------------------


def _statements_of(ctx, fn):
    from tests.services.test_customer_show import statements

    with statements(ctx) as seen:
        fn()
        ctx.flush()
    return len(seen)


def test_receiving_and_moving_units_takes_the_same_statements_whatever_their_number(shop):
    moves.receive(shop, "PUMP", "1", ["WARM-1"])  # the item is loaded, as in any later command

    def numbers(count, prefix):
        return [f"{prefix}-{n}" for n in range(count)]

    few, many = numbers(2, "F"), numbers(60, "M")
    received = [_statements_of(shop, lambda n=n: moves.receive(shop, "PUMP", str(len(n)), n)) for n in (few, many)]
    assert received[0] == received[1], received
    moved = [
        _statements_of(shop, lambda n=n: moves.move_parts(shop, "PUMP", str(len(n)), "stock", "quarantine", n))
        for n in (few, many)
    ]
    assert moved[0] == moved[1], moved
    assert held(shop, "PUMP", "quarantine") == 62 and held(shop, "PUMP") == 1
    where = {u.serial: u.location for u in shop.execute(select(SerialUnit)).scalars()}
    assert {where[s] for s in few + many} == {"quarantine"} and where["WARM-1"] == "stock"
    # a known serial among many is still refused, and nothing of the receipt is written
    with pytest.raises(Duplicate, match="PUMP M-7"):
        moves.receive(shop, "PUMP", "3", ["NEW-1", "M-7", "NEW-2"])
    shop.session.rollback()


def _signed_off(ctx, count, *lines):
    for _ in range(count):
        number = orders.create(ctx, customer="C-1")["order"]
        for item, qty in lines:
            orders.add_line(ctx, number, type="item", item=item, quantity=qty)
        for stage in ("planned", "in-progress", "completed"):
            orders.move(ctx, number, stage)
        orders.sign_off(ctx, number)


def test_posting_many_orders_takes_their_parts_in_the_same_statements_as_two(shop):
    """The stock guard and listener hear of every order of a run at once (``batch=True`` on the bus)."""
    shop_settings.set_value(shop, "negative_stock", "refuse")
    shop_settings.set_value(shop, "sign_off_required", "yes")
    moves.receive(shop, "FILTER", "100")
    moves.receive(shop, "GAS", "100")
    _signed_off(shop, 1, ("FILTER", "1"))
    orders.post_signed_off(shop, "C-1")  # what a command reads once (the customer, the settings) is read
    counts = []
    for size in (2, 8):
        _signed_off(shop, size, ("FILTER", "2"), ("GAS", "1.5"))

        def post():
            orders.post_signed_off(shop, "C-1")

        counts.append(_statements_of(shop, post))
    assert counts[0] == counts[1], counts
    assert held(shop, "FILTER") == 79 and held(shop, "GAS") == 85
    assert len(order_moves(shop)) == 21 and shop.warnings == []
