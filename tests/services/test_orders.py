from decimal import Decimal

import pytest

from custsvc.errors import InvalidInput, NotFound, RuleViolation
from custsvc.services import invoices, master, orders, settings, stages


@pytest.fixture
def shop(ctx):
    master.add(ctx, "worker", {"worker": "T-1", "name": "Anna", "roles": ["technician"], "skills": ["gas"]})
    master.add(ctx, "worker", {"worker": "D-1", "name": "Dan", "roles": ["dispatcher"]})
    master.add(ctx, "customer", {"account": "C-1", "name": "Bakery", "address": "Main st 1"})
    master.add(ctx, "customer", {"account": "C-2", "name": "Cafe"})
    master.add(ctx, "item", {"item": "PUMP", "name": "Pump", "price": "189.00"})
    master.add(
        ctx,
        "task",
        {"task": "BOIL", "description": "Boiler service", "hours": "1.5", "price": "68.00", "skill": "gas"},
    )
    master.add(ctx, "object", {"object": "O-1", "customer": "C-1", "item": "PUMP", "serial": "S1"})
    master.add(ctx, "object", {"object": "O-2", "customer": "C-2"})
    stages.add_reason(ctx, "NO-ACCESS", "Could not get in")
    return ctx


def walk(ctx, number, *path):
    for stage in path:
        orders.move(ctx, number, stage)


def test_numbers_come_from_a_sequence(shop):
    first = orders.create(shop, customer="C-1")
    second = orders.create(shop, customer="C-2")
    assert (first["order"], second["order"]) == ("SO-000001", "SO-000002")
    assert first["stage"] == "created" and first["progress"] == "in-process"
    assert first["address"] == "Main st 1"


def test_create_checks_its_references(shop):
    with pytest.raises(NotFound):
        orders.create(shop, customer="C-404")
    with pytest.raises(RuleViolation, match="object-of-customer"):
        orders.create(shop, customer="C-1", objects=["O-2"])
    with pytest.raises(RuleViolation, match="technician-role"):
        orders.create(shop, customer="C-1", technician="D-1")
    with pytest.raises(InvalidInput, match="priority"):
        orders.create(shop, customer="C-1", priority="urgent")


def test_lines_take_prices_and_hours_from_item_and_task(shop):
    order = orders.create(shop, customer="C-1", technician="T-1")["order"]
    hour = orders.add_line(shop, order, type="hour", task="BOIL")
    assert (hour["quantity"], hour["price"], hour["amount"], hour["worker"]) == (
        Decimal("1.5"),
        Decimal("68.00"),
        Decimal("102.00"),
        "T-1",
    )
    item = orders.add_line(shop, order, type="item", item="PUMP", quantity="2")
    assert (item["price"], item["amount"], item["description"]) == (Decimal("189.00"), Decimal("378.00"), "Pump")
    fee = orders.add_line(shop, order, type="fee", price="25", description="Call-out")
    assert fee["line"] == 3 and fee["amount"] == Decimal("25.00")
    with pytest.raises(InvalidInput, match="price"):
        orders.add_line(shop, order, type="expense")
    with pytest.raises(InvalidInput, match="item"):
        orders.add_line(shop, order, type="item")
    assert orders.show(shop, order)["total"] == Decimal("505.00")


def test_progress_follows_the_lines(shop):
    number = orders.create(shop, customer="C-1")["order"]
    orders.add_line(shop, number, type="fee", price="10")
    orders.add_line(shop, number, type="fee", price="20")
    orders.cancel_line(shop, number, 1)
    assert orders.show(shop, number)["progress"] == "in-process"
    orders.cancel_line(shop, number, 2)
    assert orders.show(shop, number)["progress"] == "canceled"
    orders.revoke_line(shop, number, 2)
    assert orders.show(shop, number)["progress"] == "in-process"
    with pytest.raises(RuleViolation, match="revoke-canceled-lines"):
        orders.revoke_line(shop, number, 2)


def test_moves_go_to_children_only_and_are_logged(shop):
    number = orders.create(shop, customer="C-1")["order"]
    with pytest.raises(RuleViolation, match="move-to-child-stage") as err:
        orders.move(shop, number, "completed")
    assert "only to 'planned', 'canceled'" in err.value.message
    walk(shop, number, "planned", "in-progress", "waiting-for-parts")
    with pytest.raises(RuleViolation, match="add --back"):
        orders.move(shop, number, "in-progress")
    orders.move(shop, number, "in-progress", back=True, note="parts arrived")
    record = orders.move(shop, number, "completed")
    assert [(h["from_stage"], h["to_stage"]) for h in record["history"]] == [
        (None, "created"),
        ("created", "planned"),
        ("planned", "in-progress"),
        ("in-progress", "waiting-for-parts"),
        ("waiting-for-parts", "in-progress"),
        ("in-progress", "completed"),
    ]
    assert record["history"][4]["note"] == "parts arrived"
    assert all(h["actor"] == "tester" for h in record["history"])


def test_stage_requiring_a_reason(shop):
    stages.add(shop, "on-hold", "On hold", "created", {"requires_reason": True, "can_modify": True})
    number = orders.create(shop, customer="C-1")["order"]
    with pytest.raises(RuleViolation, match="stage-requires-reason"):
        orders.move(shop, number, "on-hold")
    with pytest.raises(NotFound, match="reason code"):
        orders.move(shop, number, "on-hold", reason="NOPE")
    record = orders.move(shop, number, "on-hold", reason="NO-ACCESS")
    assert record["history"][-1]["reason"] == "NO-ACCESS"


def test_stage_flags_guard_changes(shop):
    number = orders.create(shop, customer="C-1")["order"]
    orders.add_line(shop, number, type="fee", price="10")
    walk(shop, number, "planned", "in-progress", "completed", "closed")
    with pytest.raises(RuleViolation, match="stage-allows-modify"):
        orders.add_line(shop, number, type="fee", price="10")
    with pytest.raises(RuleViolation, match="stage-allows-cancel"):
        orders.cancel(shop, number, reason="NO-ACCESS")
    with pytest.raises(RuleViolation, match="stage-allows-delete"):
        orders.delete_order(shop, number)


def test_cancel_needs_a_reason_and_cancels_open_lines(shop):
    number = orders.create(shop, customer="C-1")["order"]
    orders.add_line(shop, number, type="fee", price="10")
    with pytest.raises(RuleViolation, match="stage-requires-reason"):
        orders.cancel(shop, number, reason=None)
    record = orders.cancel(shop, number, reason="NO-ACCESS", note="locked out")
    assert (record["stage"], record["progress"]) == ("canceled", "canceled")
    assert [line["status"] for line in record["line_items"]] == ["canceled"]
    assert record["history"][-1]["reason"] == "NO-ACCESS"


def test_delete_only_where_allowed(shop):
    number = orders.create(shop, customer="C-1")["order"]
    orders.add_line(shop, number, type="fee", price="10")
    orders.delete_order(shop, number)
    with pytest.raises(NotFound):
        orders.show(shop, number)


def test_post_needs_a_posting_stage_and_sign_off(shop):
    number = orders.create(shop, customer="C-1")["order"]
    orders.add_line(shop, number, type="hour", task="BOIL")
    orders.add_line(shop, number, type="item", item="PUMP")
    with pytest.raises(RuleViolation, match="stage-allows-post"):
        orders.post(shop, number)
    walk(shop, number, "planned", "in-progress", "completed")
    with pytest.raises(RuleViolation, match="signed-off-before-post"):
        orders.post(shop, number)
    orders.sign_off(shop, number, [1])
    with pytest.raises(RuleViolation, match="unsigned lines: 2"):
        orders.post(shop, number)
    orders.sign_off(shop, number)
    invoice = orders.post(shop, number)
    assert invoice["invoice"] == "INV-000001"
    assert [(ln["description"], ln["amount"]) for ln in invoice["line_items"]] == [
        ("Boiler service", Decimal("102.00")),
        ("Pump", Decimal("189.00")),
    ]
    assert invoice["total"] == Decimal("291.00") and invoice["currency"] == "EUR"
    record = orders.show(shop, number)
    assert record["progress"] == "posted" and record["open_total"] == Decimal("0.00")
    with pytest.raises(RuleViolation, match="lines-to-post"):
        orders.post(shop, number)


def test_orders_without_sign_off_post_directly(shop):
    settings.set_value(shop, "sign_off_required", "no")
    number = orders.create(shop, customer="C-1")["order"]
    orders.add_line(shop, number, type="fee", price="33.33", quantity="3")
    walk(shop, number, "planned", "in-progress", "completed")
    assert orders.post(shop, number)["total"] == Decimal("99.99")


def test_a_line_added_after_sign_off_needs_signing_again(shop):
    number = orders.create(shop, customer="C-1")["order"]
    orders.add_line(shop, number, type="fee", price="10")
    assert orders.sign_off(shop, number)["signed_off_at"] is not None
    orders.add_line(shop, number, type="fee", price="10")
    assert orders.show(shop, number)["signed_off_at"] is None


def test_cancel_refused_with_posted_lines(shop):
    stages.update(shop, "completed", None, {"can_cancel": True})
    settings.set_value(shop, "sign_off_required", "no")
    number = orders.create(shop, customer="C-1")["order"]
    orders.add_line(shop, number, type="fee", price="10")
    walk(shop, number, "planned", "in-progress", "completed")
    orders.post(shop, number)
    with pytest.raises(RuleViolation, match="posted-lines-stay"):
        orders.cancel(shop, number, reason="NO-ACCESS")


def test_list_filters(shop):
    a = orders.create(shop, customer="C-1", technician="T-1")["order"]
    b = orders.create(shop, customer="C-2")["order"]
    orders.cancel(shop, b, reason="NO-ACCESS")
    orders.move(shop, a, "planned")
    assert [o["order"] for o in orders.list_orders(shop, customer="C-1")] == [a]
    assert [o["order"] for o in orders.list_orders(shop, stage="planned")] == [a]
    assert [o["order"] for o in orders.list_orders(shop, technician="T-1")] == []  # not assigned to T-1 yet
    assert [o["order"] for o in orders.list_orders(shop, technician="T-1", preferred=True)] == [a]
    assert [o["order"] for o in orders.list_orders(shop, open_only=True)] == [a]
    assert len(orders.list_orders(shop)) == 2


def test_invoice_credit_notes(shop):
    settings.set_value(shop, "sign_off_required", "no")
    number = orders.create(shop, customer="C-1")["order"]
    orders.add_line(shop, number, type="fee", price="10")
    orders.add_line(shop, number, type="fee", price="20")
    walk(shop, number, "planned", "in-progress", "completed")
    invoice = orders.post(shop, number)["invoice"]
    credit = invoices.credit(shop, invoice, line_nos=[2], reopen=True)
    assert (credit["invoice"], credit["kind"], credit["credits"], credit["total"]) == (
        "INV-000002",
        "credit",
        invoice,
        Decimal("-20.00"),
    )
    assert credit["line_items"][0]["quantity"] == Decimal(-1)
    shown = invoices.show(shop, invoice)
    assert [ln["credited"] for ln in shown["line_items"]] == [Decimal("0.00"), Decimal("20.00")]
    assert shown["credit_notes"] == ["INV-000002"]
    with pytest.raises(RuleViolation, match="credit-once"):
        invoices.credit(shop, invoice, line_nos=[2])
    # the reopened line is open again and can be posted anew
    record = orders.show(shop, number)
    assert [ln["status"] for ln in record["line_items"]] == ["posted", "created"]
    assert orders.post(shop, number)["invoice"] == "INV-000003"
    rest = invoices.credit(shop, invoice)
    assert rest["total"] == Decimal("-10.00")
    with pytest.raises(RuleViolation, match="credit-invoices-only"):
        invoices.credit(shop, rest["invoice"])


def test_invoice_numbers_have_no_gaps_after_a_failed_command(shop, db_url):
    from custsvc import state
    from custsvc.bootstrap import open_context
    from tests.conftest import FIXED_NOW

    settings.set_value(shop, "sign_off_required", "no")
    number = orders.create(shop, customer="C-1")["order"]
    orders.add_line(shop, number, type="fee", price="10")
    walk(shop, number, "planned", "in-progress", "completed")
    shop.commit()
    state.reset(db=db_url, now=FIXED_NOW, actor="tester")
    with pytest.raises(RuntimeError), open_context() as s:
        orders.post(s, number)
        raise RuntimeError("crash after numbering")
    with open_context() as s:
        assert orders.post(s, number)["invoice"] == "INV-000001"


def test_move_lines_between_orders_of_one_agreement(shop):
    from custsvc.services import agreements

    agreements.create(shop, "A-1", customer="C-1", start="2026-01-01")
    a = orders.create(shop, customer="C-1", agreement="A-1")["order"]
    b = orders.create(shop, customer="C-1", agreement="A-1")["order"]
    c = orders.create(shop, customer="C-1")["order"]
    orders.add_line(shop, a, type="fee", price="10", obj="O-1")
    orders.add_line(shop, a, type="fee", price="20")
    orders.add_line(shop, b, type="fee", price="30")
    result = orders.move_lines(shop, a, b, [1])
    assert result["moved"] == [{"from": f"{a}/1", "to": f"{b}/2"}]
    assert [ln["price"] for ln in orders.show(shop, b)["line_items"]] == [Decimal("30.00"), Decimal("10.00")]
    assert orders.show(shop, b)["objects"] == ["O-1"]
    with pytest.raises(RuleViolation, match="same-agreement"):
        orders.move_lines(shop, a, c, [2])
    with pytest.raises(NotFound):
        orders.move_lines(shop, a, b, [9])


def test_stage_tree_rules(shop):
    with pytest.raises(RuleViolation, match="one-initial-stage"):
        stages.add(shop, "start", "Start", None, {})
    with pytest.raises(RuleViolation, match="one-cancel-stage"):
        stages.add(shop, "void", "Void", "created", {"cancels": True})
    with pytest.raises(RuleViolation, match="stage-without-children"):
        stages.remove(shop, "in-progress")
    number = orders.create(shop, customer="C-1")["order"]
    orders.move(shop, number, "planned")
    stages.add(shop, "spare", "Spare", "planned", {})
    stages.remove(shop, "spare")
    rows = stages.tree(shop)
    assert [(r["stage"], r["depth"]) for r in rows][:3] == [("created", 0), ("planned", 1), ("in-progress", 2)]


def test_fresh_database_stages_match_the_defaults(shop):
    from custsvc.domain import defaults

    stored = {r["stage"]: r for r in stages.tree(shop)}
    for row in defaults.stage_rows():
        for flag in defaults.STAGE_FLAGS:
            assert stored[row["stage"]][flag.replace("_", "-")] == row[flag], (row["stage"], flag)
        assert stored[row["stage"]]["parent"] == row["parent"]


def test_an_unfiltered_list_reads_each_stretch_by_key_range_with_the_same_records(shop, monkeypatch):
    from custsvc.services.batch import KeyRun
    from custsvc.services.orders import listing, reading

    numbers = []
    for n in range(7):
        number = orders.create(shop, customer="C-1" if n % 2 else "C-2", objects=["O-1"] if n % 2 else [])["order"]
        for _ in range(n % 3):
            orders.add_line(shop, number, type="item", item="PUMP", quantity=str(n + 1))
        numbers.append(number)
    orders.cancel(shop, numbers[3], reason="NO-ACCESS")
    monkeypatch.setattr(listing, "CHUNK", 3)  # stretches of 3 orders: 3, 3 and 1
    ranges = []
    real = reading.summaries

    def spy(ctx, keys):
        ranges.append((keys.low, keys.high) if isinstance(keys, KeyRun) else None)
        return real(ctx, keys)

    monkeypatch.setattr(reading, "summaries", spy)
    by_range = orders.list_orders(shop)
    backwards = orders.list_orders(shop, reverse=True, limit=5)
    filtered = orders.list_orders(shop, customer="C-1")
    assert ranges == [
        (numbers[0], numbers[2]), (numbers[3], numbers[5]), (numbers[6], numbers[6]),
        (numbers[4], numbers[6]), (numbers[2], numbers[3]),
        None,  # a filtered list: the orders by their numbers
    ]  # fmt: skip
    monkeypatch.setattr(reading, "summaries", real)
    one_by_one = [orders.show(shop, n) for n in numbers]
    for record in one_by_one:
        record.pop("line_items"), record.pop("history"), record.pop("assignments", None)
    assert by_range == one_by_one
    assert backwards == one_by_one[::-1][:5]
    assert filtered == [r for r in one_by_one if r["customer"] == "C-1"]
    assert [r["lines"] for r in by_range] == [n % 3 for n in range(7)]
    assert by_range[3]["progress"] == "canceled" and by_range[1]["objects"] == ["O-1"]
