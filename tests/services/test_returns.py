"""Return orders on a session (``services/returns``): the deadline (created 1 May with 90 days: 30 July),
validity from the setting, the status machine (created -> open -> closed, or canceled while created),
closing with lines still open, list filters (status, customer, overdue, days), and the reason and
disposition lists with their refusals while in use."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, date, datetime

import pytest

from custsvc.errors import BadChoice, Duplicate, InvalidInput, NotFound, RuleViolation
from custsvc.models import ReturnLine, ReturnOrder
from custsvc.services import master
from custsvc.services import settings as shop_settings
from custsvc.services.returns import lines, orders, setup


@pytest.fixture
def shop(ctx):
    master.add(ctx, "customer", {"account": "C-1", "name": "Bakery"})
    master.add(ctx, "customer", {"account": "C-2", "name": "Cafe"})
    master.add(ctx, "item", {"item": "VALVE", "name": "Valve", "price": "96.40"})
    master.add(ctx, "item", {"item": "FILTER", "name": "Filter", "price": "12.35"})
    return ctx


@contextmanager
def on(ctx, when):
    """Run what follows at ``when`` (later than the command's now too: ``ctx.at`` only goes back)."""
    real = ctx.now
    ctx.now = when
    try:
        yield
    finally:
        ctx.now = real


def at(day, hour=9):
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def with_lines(ctx, customer="C-1", *items, **given):
    rma = orders.create(ctx, customer=customer, **given)["rma"]
    for item in items or ("VALVE",):
        lines.add(ctx, rma, item=item, qty="1")
    return rma


def set_line_status(ctx, rma, line_no, status):
    lines.get_line(ctx, rma, line_no).status = status
    ctx.flush()


# --- creating: number, deadline, validity ------------------------------------------------------------


def test_created_on_1_may_with_90_days_is_due_on_30_july(shop):
    with on(shop, at(date(2026, 5, 1))):
        record = orders.create(shop, customer="C-1", reason="defective", note="  Leaks  ")
    assert {k: record[k] for k in ("rma", "customer", "reason", "status", "validity_days", "deadline", "note")} == {
        "rma": "RMA-000001",
        "customer": "C-1",
        "reason": "defective",
        "status": "created",
        "validity_days": 90,
        "deadline": date(2026, 7, 30),
        "note": "Leaks",
    }
    assert (record["lines"], record["open_lines"], record["overdue"]) == (0, 0, False)
    assert (record["created_at"], record["created_by"]) == (at(date(2026, 5, 1)), "tester")
    assert orders.create(shop, customer="C-2")["rma"] == "RMA-000002"


def test_the_validity_comes_from_the_setting_unless_given(shop):
    shop_settings.set_value(shop, "return_validity_days", "30")
    with on(shop, at(date(2026, 5, 1))):
        assert orders.create(shop, customer="C-1")["deadline"] == date(2026, 5, 31)
        record = orders.create(shop, customer="C-1", validity=14)
    assert (record["validity_days"], record["deadline"]) == (14, date(2026, 5, 15))


def test_the_deadline_is_a_day_in_the_shops_zone(shop):
    shop_settings.set_value(shop, "timezone", "Europe/Riga")
    from zoneinfo import ZoneInfo

    shop.set_zone(ZoneInfo("Europe/Riga"))
    # 22:30 UTC on 30 April is already 1 May in Riga
    with on(shop, datetime(2026, 4, 30, 22, 30, tzinfo=UTC)):
        assert orders.create(shop, customer="C-1")["deadline"] == date(2026, 7, 30)


@pytest.mark.parametrize("validity", [0, -1, 3651, "ten", "1.5"])
def test_the_validity_is_1_to_3650_days(shop, validity):
    with pytest.raises(InvalidInput, match="validity"):
        orders.create(shop, customer="C-1", validity=validity)
    assert orders.create(shop, customer="C-1", validity=3650)["validity_days"] == 3650


def test_create_refusals(shop):
    with pytest.raises(NotFound, match="no customer 'C-9'"):
        orders.create(shop, customer="C-9")
    with pytest.raises(NotFound, match="no return reason 'nope'"):
        orders.create(shop, customer="C-1", reason="nope")
    with pytest.raises(InvalidInput, match="note"):
        orders.create(shop, customer="C-1", note="two\nlines")
    assert shop.execute(ReturnOrder.__table__.select()).all() == []


# --- the status machine ------------------------------------------------------------------------------


def test_open_needs_a_created_return_order_with_lines(shop):
    rma = orders.create(shop, customer="C-1")["rma"]
    with pytest.raises(RuleViolation, match=f"{rma} has no lines: add lines first"):
        orders.open_(shop, rma)
    lines.add(shop, rma, item="VALVE", qty="2")
    with on(shop, at(date(2026, 3, 11))):
        record = orders.open_(shop, rma)
    assert (record["status"], record["open_lines"], [line["line"] for line in record["lines"]]) == ("open", 1, [1])
    row = orders.get(shop, rma)
    assert (row.updated_at, row.updated_by) == (at(date(2026, 3, 11)), "tester")
    with pytest.raises(RuleViolation, match=f"{rma} is open: only a created return order opens"):
        orders.open_(shop, rma)


def test_cancel_only_while_created(shop):
    rma = orders.create(shop, customer="C-1")["rma"]
    assert orders.cancel(shop, rma)["status"] == "canceled"
    with pytest.raises(RuleViolation, match=f"{rma} is canceled: only a created return order can be canceled"):
        orders.cancel(shop, rma)
    with pytest.raises(RuleViolation, match=f"{rma} is canceled: only a created return order opens"):
        orders.open_(shop, rma)
    opened = with_lines(shop)
    orders.open_(shop, opened)
    with pytest.raises(RuleViolation, match="is open: only a created return order can be canceled"):
        orders.cancel(shop, opened)


def test_close_only_from_open(shop):
    rma = with_lines(shop)
    with pytest.raises(RuleViolation, match=f"{rma} is created: only an open return order closes"):
        orders.close(shop, rma, reason="never sent")
    orders.open_(shop, rma)
    orders.close(shop, rma, reason="never sent")
    with pytest.raises(RuleViolation, match=f"{rma} is closed: only an open return order closes"):
        orders.close(shop, rma)


def test_close_when_every_line_is_finished(shop):
    rma = with_lines(shop, "C-1", "VALVE", "FILTER", "VALVE")
    orders.open_(shop, rma)
    set_line_status(shop, rma, 1, "processed")
    set_line_status(shop, rma, 3, "in-repair")
    with pytest.raises(RuleViolation, match=rf"{rma} has open lines: 2 \(expected\), 3 \(in-repair\); finish them"):
        orders.close(shop, rma)
    set_line_status(shop, rma, 2, "lost")
    set_line_status(shop, rma, 3, "ship-back")
    with on(shop, at(date(2026, 3, 12))):
        record = orders.close(shop, rma)
    assert (record["status"], record["closed_at"], record["close_reason"]) == ("closed", at(date(2026, 3, 12)), None)
    assert [line["status"] for line in record["lines"]] == ["processed", "lost", "ship-back"]


def test_close_with_a_reason_marks_the_open_lines_lost(shop):
    rma = with_lines(shop, "C-1", "VALVE", "FILTER")
    orders.open_(shop, rma)
    set_line_status(shop, rma, 1, "processed")
    with pytest.raises(InvalidInput, match="reason"):
        orders.close(shop, rma, reason="   ")
    record = orders.close(shop, rma, reason="Customer kept the filter")
    assert (record["status"], record["close_reason"], record["open_lines"]) == (
        "closed",
        "Customer kept the filter",
        0,
    )
    assert [line["status"] for line in record["lines"]] == ["processed", "lost"]
    lost = lines.get_line(shop, rma, 2)
    assert (lost.updated_at, lost.updated_by) == (shop.now, "tester")


def test_unknown_return_orders(shop):
    for call in (orders.open_, orders.cancel, orders.close, orders.show, orders.get):
        with pytest.raises(NotFound, match="no return order 'RMA-999999'"):
            call(shop, "RMA-999999")


# --- show and list -----------------------------------------------------------------------------------


def test_show_has_the_lines_and_whether_it_is_overdue(shop):
    with on(shop, at(date(2026, 1, 1))):
        rma = with_lines(shop, "C-1", "VALVE", "FILTER", validity=30)
        orders.open_(shop, rma)
    with on(shop, at(date(2026, 1, 31))):
        assert orders.show(shop, rma)["overdue"] is False  # the deadline's own day
    with on(shop, at(date(2026, 2, 1))):
        record = orders.show(shop, rma)
    assert (record["deadline"], record["overdue"], record["lines"][1]["item"]) == (date(2026, 1, 31), True, "FILTER")
    assert [k for k in record if k != "lines"] == [f for f in orders.FIELDS if f != "lines"]


def test_list_filters(shop):
    with on(shop, at(date(2026, 1, 5))):
        old = with_lines(shop, "C-1", validity=10)  # due 15 January
        orders.open_(shop, old)
    with on(shop, at(date(2026, 2, 20))):
        fresh = with_lines(shop, "C-2", "VALVE", "FILTER")
        orders.open_(shop, fresh)
        canceled = orders.create(shop, customer="C-1")["rma"]
        orders.cancel(shop, canceled)
    created = orders.create(shop, customer="C-2")["rma"]

    def numbers(**given):
        return [r["rma"] for r in orders.list_returns(shop, **given)]

    assert numbers() == [old, fresh, canceled, created]
    assert numbers(status="open") == [old, fresh]
    assert numbers(status="OPEN") == [old, fresh]
    assert numbers(customer="C-2") == [fresh, created]
    assert numbers(overdue=True) == [old]
    assert numbers(date_from=date(2026, 2, 20)) == [fresh, canceled, created]
    assert numbers(date_from="2026-01-01", date_to="2026-02-19") == [old]
    assert numbers(date_to=date(2026, 2, 20), customer="C-1") == [old, canceled]
    rows = orders.list_returns(shop, customer="C-2")
    assert [(r["lines"], r["open_lines"]) for r in rows] == [(2, 2), (0, 0)]
    assert list(rows[0]) == orders.FIELDS


def test_list_refusals(shop):
    with pytest.raises(BadChoice, match="status"):
        orders.list_returns(shop, status="dormant")
    with pytest.raises(NotFound, match="C-9"):
        orders.list_returns(shop, customer="C-9")
    with pytest.raises(InvalidInput, match="to '2026-01-01': is before --from 2026-02-01"):
        orders.list_returns(shop, date_from="2026-02-01", date_to="2026-01-01")
    with pytest.raises(InvalidInput, match="from"):
        orders.list_returns(shop, date_from="2026-13-01")


def test_list_and_show_take_a_bounded_number_of_statements(shop):
    from sqlalchemy import event

    for n in range(30):
        with_lines(shop, "C-1" if n % 2 else "C-2", "VALVE", "FILTER")
    statements = []

    def count(*_args):
        statements.append(1)

    engine = shop.session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert len(orders.list_returns(shop)) == 30
        listed = len(statements)
        orders.show(shop, "RMA-000007")
        shown = len(statements) - listed
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert 1 <= listed <= 3 and 1 <= shown <= 3, (listed, shown)


# --- reasons and dispositions ------------------------------------------------------------------------


def test_reasons_crud_and_refusals(shop):
    assert [r["code"] for r in setup.list_reasons(shop)] == ["defective", "for-repair", "not-needed", "wrong-item"]
    assert setup.add_reason(shop, "damaged", description=" Damaged in transit ") == {
        "code": "damaged",
        "description": "Damaged in transit",
    }
    with pytest.raises(Duplicate, match="return reason 'damaged' already exists"):
        setup.add_reason(shop, "damaged", description="Again")
    with pytest.raises(InvalidInput, match="code"):
        setup.add_reason(shop, "bad code", description="x")
    with pytest.raises(InvalidInput, match="description"):
        setup.add_reason(shop, "other", description="  ")
    with pytest.raises(InvalidInput, match="description"):
        setup.add_reason(shop, "other", description="\x1b[31mred")
    assert setup.update_reason(shop, "damaged", description="Broken")["description"] == "Broken"
    with pytest.raises(NotFound, match="no return reason 'nope'"):
        setup.update_reason(shop, "nope", description="x")
    assert setup.remove_reason(shop, "damaged")["code"] == "damaged"
    with pytest.raises(NotFound, match="no return reason 'damaged'"):
        setup.remove_reason(shop, "damaged")


def test_a_reason_in_use_stays(shop):
    rma = orders.create(shop, customer="C-1", reason="defective")["rma"]
    lines.add(shop, rma, item="VALVE", qty="1")  # takes the order's reason
    lines.add(shop, rma, item="VALVE", qty="1", reason="defective")
    with pytest.raises(
        RuleViolation,
        match=r"return reason defective is used by 1 return order and 2 return lines; it cannot be removed "
        r"\(rule: reason-in-use\)",
    ):
        setup.remove_reason(shop, "defective")
    other = orders.create(shop, customer="C-1")["rma"]
    lines.add(shop, other, item="VALVE", qty="1", reason="not-needed")
    with pytest.raises(RuleViolation, match="not-needed is used by 1 return line;"):
        setup.remove_reason(shop, "not-needed")


def test_dispositions_crud_and_refusals(shop):
    from custsvc.domain.returns import ACTIONS

    listed = setup.list_dispositions(shop)
    assert [d["action"] for d in listed] == list(ACTIONS)  # the defaults: one per action, in action order
    assert setup.list_dispositions(shop, "scrap") == [
        {"code": "scrap", "action": "scrap", "description": "Scrapped, customer credited", "fee": None}
    ]
    record = setup.add_disposition(shop, "refurbish", action="Repair", description="Refurbished")
    assert record == {"code": "refurbish", "action": "repair", "description": "Refurbished", "fee": None}
    assert [d["code"] for d in setup.list_dispositions(shop, "repair")] == ["refurbish", "repair"]
    with pytest.raises(Duplicate, match="return disposition 'refurbish'"):
        setup.add_disposition(shop, "refurbish", action="scrap", description="x")
    with pytest.raises(InvalidInput, match="invalid action 'burn': expected one of credit, credit-only"):
        setup.add_disposition(shop, "burn", action="burn", description="x")
    with pytest.raises(InvalidInput, match="action"):
        setup.update_disposition(shop, "refurbish", action="burn")
    updated = setup.update_disposition(shop, "refurbish", action="scrap", description="Scrapped after all")
    assert updated == {"code": "refurbish", "action": "scrap", "description": "Scrapped after all", "fee": None}
    row = setup.get_disposition(shop, "refurbish")
    assert (row.updated_at, row.updated_by) == (shop.now, "tester")
    assert setup.remove_disposition(shop, "refurbish")["code"] == "refurbish"
    with pytest.raises(NotFound, match="no return disposition 'refurbish'"):
        setup.remove_disposition(shop, "refurbish")


def test_a_disposition_in_use_stays_and_keeps_its_action(shop):
    rma = with_lines(shop, "C-1", "VALVE", "FILTER")
    for line in shop.execute(ReturnLine.__table__.select().where(ReturnLine.rma == rma)).all():
        row = shop.get(ReturnLine, line.id)
        row.disposition = "credit"
    shop.flush()
    with pytest.raises(
        RuleViolation, match=r"return disposition credit is used by 2 return lines; it cannot be removed"
    ):
        setup.remove_disposition(shop, "credit")
    with pytest.raises(RuleViolation, match="its action stays credit"):
        setup.update_disposition(shop, "credit", action="scrap")
    assert setup.update_disposition(shop, "credit", action="credit", description="Credited")["action"] == "credit"
