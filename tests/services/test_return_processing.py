"""``return process``: each of the seven actions makes exactly its documents and stock movements;
credits in exact decimals, never beyond what is left of the invoice line; a second run does nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from custsvc.errors import InvalidInput, NotFound, RuleViolation
from custsvc.models import InvoiceLine, OrderLine, RepairLine, ReturnOrder, StockMove
from custsvc.services import invoices, orders
from custsvc.services.returns import arrivals, lines, processing
from tests.services.test_return_lines import _post, _rma
from tests.services.test_return_lines import shop as shop  # noqa: F401  (the fixture)


def _open_line(ctx, item="VALVE", qty="1", **extra):
    rma = _rma(ctx, status="open")
    lines.add(ctx, rma, item=item, qty=qty, **extra)
    return rma


def _moves(ctx, rma):
    query = select(StockMove.from_location, StockMove.to_location).where(
        StockMove.doc_type == "return", StockMove.doc == rma
    )
    return ctx.execute(query.order_by(StockMove.id)).all()


# (action, where the goods go after quarantine, credited, a replacement order, a repair order, closed)
ACTIONS = [
    ("credit", "stock", True, False, False, True),
    ("credit-only", None, True, False, False, True),
    ("scrap", "scrap", True, False, False, True),
    ("replace-credit", "stock", True, True, False, True),
    ("replace-scrap", "scrap", True, True, False, True),
    ("return-to-customer", "customer", False, False, False, True),
    ("repair", None, False, False, True, False),
]


@pytest.mark.parametrize(("action", "to", "credited", "replaced", "repaired", "closed"), ACTIONS)
def test_each_action_makes_its_documents_and_movements(shop, action, to, credited, replaced, repaired, closed):
    invoice = _post(shop, "C-1", ("VALVE", "3"))
    if action == "repair":
        rma = _open_line(shop, item="BOILER", obj="O-1")
    else:
        rma = _open_line(shop, qty="2", invoice=invoice, invoice_line=1)
    if action != "credit-only":
        arrivals.arrive(shop, rma, 1, qty=str(lines.get_line(shop, rma, 1).quantity))
    arrivals.inspect(shop, rma, 1, disposition=action)
    result = processing.process(shop, rma)
    line = lines.get_line(shop, rma, 1)
    arrived = [] if action == "credit-only" else [("customer", "quarantine")]
    assert _moves(shop, rma) == arrived + ([("quarantine", to)] if to else [])
    assert len(result["credit_notes"]) == credited and bool(line.credit_line_id) == credited
    if credited:
        note = invoices.show(shop, result["credit_notes"][0])
        assert (note["kind"], note["credits"], note["total"]) == ("credit", invoice, Decimal("-192.80"))
        credit = shop.get(InvoiceLine, line.credit_line_id)
        assert credit.credited_line_id == line.invoice_line_id and credit.amount == Decimal("-192.80")
    assert bool(result["replacement_orders"]) == replaced == bool(line.replacement_order)
    if replaced:
        ordered = shop.execute(select(OrderLine.item, OrderLine.quantity).where(
            OrderLine.order_number == line.replacement_order)).all()  # fmt: skip
        assert ordered == [("VALVE", Decimal(2))]
    assert bool(result["repair_orders"]) == repaired == bool(line.repair_order)
    if repaired:
        repair = shop.execute(select(RepairLine).where(RepairLine.order_number == line.repair_order)).scalar_one()
        assert repair.object == "O-1"
    assert line.status == ("in-repair" if action == "repair" else "processed")
    assert (shop.get(ReturnOrder, rma).status == "closed") == closed


def test_a_second_run_does_nothing(shop):
    rma = _open_line(shop)
    arrivals.arrive(shop, rma, 1, qty="1")
    arrivals.inspect(shop, rma, 1, disposition="credit")
    first = processing.process(shop)
    assert (first["processed_lines"], len(first["credit_notes"])) == (1, 1)
    again = processing.process(shop)
    assert (again["processed_lines"], again["credit_notes"], again["return_orders"]) == (0, [], [])
    assert _moves(shop, rma) == [("customer", "quarantine"), ("quarantine", "stock")]


def test_one_credit_note_per_return_order_for_all_its_lines(shop):
    invoice = _post(shop, "C-1", ("VALVE", "3"), ("FILTER", "4"))
    rma = _rma(shop, status="open")
    lines.add(shop, rma, item="VALVE", qty="1", invoice=invoice, invoice_line=1)
    lines.add(shop, rma, item="FILTER", qty="3", invoice=invoice, invoice_line=2)
    lines.add(shop, rma, item="FILTER", qty="1", price="0.10")
    for line in (1, 2, 3):
        arrivals.inspect(shop, rma, line, disposition="credit-only")
    result = processing.process(shop, rma)
    note = invoices.show(shop, result["credit_notes"][0])
    assert [x["amount"] for x in note["line_items"]] == [Decimal("-96.40"), Decimal("-37.05"), Decimal("-0.10")]
    assert note["total"] == Decimal("-133.55")


def test_a_credit_beyond_what_is_left_of_the_invoice_line_is_rejected_and_the_rest_goes_on(shop):
    invoice = _post(shop, "C-1", ("VALVE", "2"))
    stuck = _open_line(shop, qty="2", invoice=invoice, invoice_line=1)
    fine = _open_line(shop, item="FILTER", qty="1")
    invoices.credit(shop, invoice)  # the whole invoice credited by hand meanwhile
    for rma in (stuck, fine):
        arrivals.inspect(shop, rma, 1, disposition="credit-only")
    result = processing.process(shop)
    assert result["return_orders"] == [fine] and len(result["credit_notes"]) == 1
    assert result["rejected"] == [
        {"rma": stuck, "problem": f"{stuck}/1: {invoice}/1 has 0.00 left to credit, not 192.80"}
    ]
    assert lines.get_line(shop, stuck, 1).status == "inspected"  # left as it was, for another run


def test_processing_refuses_what_is_not_open_and_a_repair_needs_its_object(shop):
    rma = _rma(shop, status="closed")
    with pytest.raises(RuleViolation, match=f"{rma} is closed: only an open return order is processed"):
        processing.process(shop, rma)
    with pytest.raises(NotFound, match="RMA-999999"):
        processing.process(shop, "RMA-999999")
    open_rma = _open_line(shop)
    with pytest.raises(NotFound, match=f"{open_rma}/4"):
        processing.process(shop, open_rma, 4)
    arrivals.arrive(shop, open_rma, 1, qty="1")
    with pytest.raises(RuleViolation, match="a repair \\(repair\\) needs one"):
        arrivals.inspect(shop, open_rma, 1, disposition="repair")


def test_the_replacement_is_an_order_of_the_customer(shop):
    rma = _open_line(shop, qty="2")
    arrivals.arrive(shop, rma, 1, qty="2")
    arrivals.inspect(shop, rma, 1, disposition="replace-scrap")
    number = processing.process(shop, rma)["replacement_orders"][0]
    assert orders.show(shop, number)["customer"] == "C-1"


def test_a_repaired_unit_is_shipped_back_when_its_repair_order_resolves(shop):
    from custsvc.services.repairs import codes
    from custsvc.services.repairs import lines as repair_lines

    rma = _open_line(shop, item="BOILER", obj="O-1")
    arrivals.arrive(shop, rma, 1, qty="1")
    arrivals.inspect(shop, rma, 1, disposition="repair")
    number = processing.process(shop, rma)["repair_orders"][0]
    orders.move(shop, number, "planned")
    orders.move(shop, number, "in-progress")
    assert lines.get_line(shop, rma, 1).status == "in-repair"
    codes.add_code(shop, "resolution", "REPAIRED", description="Repaired")
    repair_lines.update(shop, number, 1, resolution="REPAIRED", stage="repaired")
    orders.move(shop, number, "completed")
    assert lines.get_line(shop, rma, 1).status == "ship-back"
    assert _moves(shop, rma)[-1] == ("quarantine", "customer")
    assert shop.get(ReturnOrder, rma).status == "closed"


def test_a_replacement_sent_up_front_is_not_sent_again(shop):
    from custsvc.services.returns import documents

    rma = _open_line(shop, qty="2")
    made = documents.replace_now(shop, rma, 1)
    assert orders.show(shop, made["replacement_order"])["customer"] == "C-1"
    with pytest.raises(RuleViolation, match="was replaced already by SO-"):
        documents.replace_now(shop, rma, 1)
    arrivals.arrive(shop, rma, 1, qty="2")
    arrivals.inspect(shop, rma, 1, disposition="replace-credit")
    result = processing.process(shop, rma)
    assert result["replacement_orders"] == [] and len(result["credit_notes"]) == 1
    assert lines.get_line(shop, rma, 1).replacement_order == made["replacement_order"]
    other = _open_line(shop, qty="1")
    with pytest.raises(InvalidInput, match="returns 1"):
        documents.replace_now(shop, other, 1, qty="2")


def test_the_report_counts_lines_quantities_credits_and_days_to_close(shop):
    from datetime import UTC, datetime

    from custsvc.services.returns import report

    with shop.at(datetime(2026, 3, 7, 7, tzinfo=UTC)):  # three days before the clock's now
        invoice = _post(shop, "C-1", ("VALVE", "3"))
        rma = _open_line(shop, qty="2", invoice=invoice, invoice_line=1)
        lines.add(shop, rma, item="FILTER", qty="1", reason="wrong-item")
        arrivals.arrive(shop, rma, 1, qty="2")
        arrivals.inspect(shop, rma, 1, disposition="credit")
        arrivals.inspect(shop, rma, 2, disposition="credit-only")
    processing.process(shop, rma)
    open_one = _open_line(shop, item="FILTER", qty="5")
    found = report.report(shop, day_from=date(2026, 3, 1), day_to=date(2026, 3, 31), by="reason")
    rows = {row["reason"]: row for row in found["rows"]}
    assert rows["(none)"] == {
        "reason": "(none)", "return_orders": 2, "lines": 2, "quantity": Decimal(7), "credited": Decimal("192.80"),
        "closed": 1, "avg_days_to_close": Decimal("3.0"),
    }  # fmt: skip
    assert (rows["wrong-item"]["credited"], rows["wrong-item"]["return_orders"]) == (Decimal("12.35"), 1)
    assert open_one and report.report(shop, day_from=date(2026, 4, 1), day_to=date(2026, 4, 30))["rows"] == []


def test_goods_shipped_back_as_they_are_can_carry_a_handling_fee(shop):
    from custsvc.services.returns import setup

    with pytest.raises(InvalidInput, match="return-to-customer only"):
        setup.update_disposition(shop, "scrap", fee="15")
    setup.update_disposition(shop, "return-to-customer", fee="15")
    rma = _open_line(shop, qty="2")
    arrivals.arrive(shop, rma, 1, qty="2")
    arrivals.inspect(shop, rma, 1, disposition="return-to-customer")
    result = processing.process(shop, rma)
    assert result["credit_notes"] == [] and len(result["fee_invoices"]) == 1
    fee = invoices.show(shop, result["fee_invoices"][0])
    assert (fee["kind"], fee["total"], fee["line_items"][0]["description"]) == (
        "invoice",
        Decimal("15.00"),
        f"Handling fee, return {rma}/1",
    )
