"""The order lifecycle seam: guards refuse with problems as data, listeners react, capabilities plug
in through the bus; and the one invoice writer."""

from decimal import Decimal

import pytest

from custsvc.events import Bus, Problem, Refused
from custsvc.services import invoices, master, orders, settings
from custsvc.services.orders import events


@pytest.fixture
def shop(ctx):
    master.add(ctx, "customer", {"account": "C-1", "name": "Bakery"})
    settings.set_value(ctx, "sign_off_required", "no")
    return ctx


def open_order(ctx):
    number = orders.create(ctx, customer="C-1")["order"]
    orders.add_line(ctx, number, type="fee", price="10")
    return number


def test_guards_refuse_with_every_problem_and_nothing_changes(shop):
    number = open_order(shop)
    shop.bus.guard(
        events.StageMoved, lambda ctx, e: [Problem("repair-open", f"{e.order.number} has an open repair line")]
    )
    shop.bus.guard(events.StageMoved, lambda ctx, e: [Problem("parts-missing", "2 parts are not on the shelf", True)])
    with pytest.raises(Refused) as refused:
        orders.move(shop, number, "planned")
    assert refused.value.message == f"{number} has an open repair line (rule: repair-open)"
    assert refused.value.details == ["2 parts are not on the shelf (rule: parts-missing; --force overrides this)"]
    assert [p.rule for p in refused.value.problems] == ["repair-open", "parts-missing"]
    assert orders.show(shop, number)["stage"] == "created"


def test_force_overrides_only_the_problems_that_allow_it(shop):
    number = open_order(shop)

    def parts(ctx, e):
        return [Problem("parts-missing", "2 parts are not on the shelf", True)] if e.after.stage == "planned" else []

    shop.bus.guard(events.StageMoved, parts)
    with pytest.raises(Refused):
        orders.move(shop, number, "planned")
    assert orders.move(shop, number, "planned", force=True)["stage"] == "planned"
    shop.bus.guard(events.OrderPosted, lambda ctx, e: [Problem("repair-open", "a repair line is open")])
    orders.move(shop, number, "in-progress")
    orders.move(shop, number, "completed")
    with pytest.raises(Refused, match="repair-open"):
        orders.post(shop, number, force=True)


def test_listeners_hear_after_the_change_with_what_happened(shop):
    heard = []
    shop.bus.listen(events.StageMoved, lambda ctx, e: heard.append((e.before.stage, e.after.stage, e.order.stage)))
    shop.bus.listen(events.LineAdded, lambda ctx, e: heard.append(("line", e.line.line_no, e.line.id is not None)))
    shop.bus.listen(events.OrderPosted, lambda ctx, e: heard.append(("posted", e.invoice, len(e.lines))))
    number = open_order(shop)
    for stage in ("planned", "in-progress", "completed"):
        orders.move(shop, number, stage)
    invoice = orders.post(shop, number)["invoice"]
    assert heard == [
        ("line", 1, True),
        ("created", "planned", "planned"),
        ("planned", "in-progress", "in-progress"),
        ("in-progress", "completed", "completed"),
        ("posted", invoice, 1),
    ]


def test_every_transition_is_announced(shop):
    seen = []
    for kind in (
        events.OrdersCreated,
        events.StageMoved,
        events.OrderCanceled,
        events.OrderSignedOff,
        events.OrderDeleted,
        events.LineAdded,
        events.LineCanceled,
        events.LineRevoked,
    ):
        shop.bus.listen(kind, lambda ctx, e: seen.append(type(e).__name__))
    from custsvc.services import stages

    stages.add_reason(shop, "NO-ACCESS", "Could not get in")
    number = open_order(shop)
    orders.cancel_line(shop, number, 1)
    orders.revoke_line(shop, number, 1)
    orders.sign_off(shop, number)
    orders.cancel(shop, number, reason="NO-ACCESS")
    other = orders.create(shop, customer="C-1")["order"]
    orders.delete_order(shop, other)
    assert seen == [
        "OrdersCreated",
        "LineAdded",
        "LineCanceled",
        "LineRevoked",
        "OrderSignedOff",
        "OrderCanceled",
        "OrdersCreated",
        "OrderDeleted",
    ]


def test_orders_work_without_any_capability_registered(shop):
    shop.bus = Bus()  # no SLA: orders neither know nor need it
    record = orders.create(shop, customer="C-1", priority="high")
    assert "sla" not in record and record["stage"] == "created"
    with_sla = shop.bus.contributions(shop, "order", [record["order"]])
    assert with_sla == {record["order"]: {}}


def test_a_batch_guard_and_listener_hear_of_every_event_of_a_run_at_once():
    class Posted:
        def __init__(self, number):
            self.number = number

    heard: list[object] = []
    bus = Bus()
    bus.guard(Posted, lambda ctx, e: heard.append(("guard", e.number)) or [])
    bus.guard(Posted, lambda ctx, es: heard.append(("batch guard", [e.number for e in es])) or [], batch=True)
    bus.listen(Posted, lambda ctx, e: heard.append(("listener", e.number)))
    bus.listen(Posted, lambda ctx, es: heard.append(("batch listener", [e.number for e in es])), batch=True)
    run = [Posted(1), Posted(2)]
    assert bus.check_all(None, run) == []
    bus.publish_all(None, run)
    assert heard == [
        ("guard", 1),
        ("guard", 2),
        ("batch guard", [1, 2]),
        ("listener", 1),
        ("listener", 2),
        ("batch listener", [1, 2]),
    ]
    bus.publish(None, Posted(3))  # one event: the batch listener hears of it alone
    assert heard[-1] == ("batch listener", [3])
    bus.guard(Posted, lambda ctx, es: [Problem("short", f"{len(es)} orders", overridable=True)], batch=True)
    with pytest.raises(Refused, match="2 orders"):
        bus.check_all(None, run)
    assert [p.rule for p in bus.check_all(None, run, force=True)] == ["short"]


def test_capabilities_add_fields_to_order_records(shop):
    shop.bus.contribute("order", ("repairs",), lambda ctx, numbers: {n: {"repairs": 2} for n in numbers})
    number = open_order(shop)
    assert orders.show(shop, number)["repairs"] == 2
    assert [r["repairs"] for r in orders.list_orders(shop)] == [2]


def test_credits_reopen_by_the_source_of_each_line(shop):
    number = open_order(shop)
    for stage in ("planned", "in-progress", "completed"):
        orders.move(shop, number, stage)
    invoice = orders.post(shop, number)["invoice"]
    invoices.credit(shop, invoice, reopen=True)
    assert orders.show(shop, number)["line_items"][0]["status"] == "created"
    draft = invoices.DraftInvoice("C-1", [invoices.DraftLine("Return", Decimal(1), Decimal(5), "return", "RMA-000001")])
    returned = invoices.write_one(shop, draft)
    with pytest.raises(Exception, match="lines from 'return' cannot be re-opened"):
        invoices.credit(shop, returned, reopen=True)


def test_the_writer_numbers_in_bulk_and_a_preview_takes_no_number(shop):
    def draft(amount):
        return invoices.DraftInvoice("C-1", [invoices.DraftLine("Fee", Decimal(2), Decimal(amount), "order", "SO-X")])

    preview = invoices.write(shop, [draft("1.25"), draft("3")], preview=True)
    assert [w.number for w in preview] == ["INV-000001", "INV-000002"] and preview[0].line_ids == []
    written = invoices.write(shop, [draft("1.25"), draft("3")])
    assert [w.number for w in written] == ["INV-000001", "INV-000002"]
    assert [invoices.show(shop, w.number)["total"] for w in written] == [Decimal("2.50"), Decimal("6.00")]
    assert len(set(written[0].line_ids + written[1].line_ids)) == 2
    with pytest.raises(Exception, match="at least one line"):
        invoices.write(shop, [invoices.DraftInvoice("C-1", [])])
