"""Repairs on a session: the setup lists and repair stages, repair lines on orders (codes in their
areas, finished stages), swaps through the object's BOM, the order seam's guards, warranty by dates
and at zero on the invoice, and the failure report's figures against hand-computed fixtures."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from custsvc.errors import Duplicate, InvalidInput, NotFound, RuleViolation
from custsvc.events import Refused
from custsvc.models import Assignment, ServiceObject
from custsvc.services import master, orders
from custsvc.services import settings as shop_settings
from custsvc.services.bom import objects_attach, objects_read, templates
from custsvc.services.bom.template_components import add_component
from custsvc.services.repairs import codes, lines, reading, swaps
from custsvc.services.repairs import report as reports
from custsvc.services.stock import ledger, moves

CODES = [
    ("condition", "EXTENDED-USE", None),
    ("symptom-area", "HEAT", None),
    ("symptom-area", "NOISE", None),
    ("symptom", "NO-HEAT", "HEAT"),
    ("symptom", "WHISTLE", "NOISE"),
    ("diagnosis-area", "HYDRAULIC", None),
    ("diagnosis-area", "ELECTRIC", None),
    ("diagnosis", "PUMP-SEIZED", "HYDRAULIC"),
    ("diagnosis", "BOARD-DEAD", "ELECTRIC"),
    ("resolution", "REPLACED", None),
    ("resolution", "ADJUSTED", None),
]


def build_shop(ctx):
    master.add(ctx, "customer", {"account": "C-1", "name": "Bakery"})
    master.add(ctx, "customer", {"account": "C-2", "name": "Cafe"})
    master.add(ctx, "item", {"item": "BOILER", "name": "Boiler", "price": "2000"})
    master.add(ctx, "item", {"item": "PUMP", "name": "Pump", "price": "189", "serialized": "yes", "warranty": "24m"})
    master.add(ctx, "item", {"item": "VALVE", "name": "Valve", "price": "96.40"})
    master.add(ctx, "worker", {"worker": "T-1", "name": "Tech One", "roles": "technician"})
    master.add(ctx, "worker", {"worker": "T-2", "name": "Tech Two", "roles": "technician"})
    for obj, customer in (("O-1", "C-1"), ("O-2", "C-1"), ("O-3", "C-2")):
        master.add(ctx, "object", {"object": obj, "customer": customer, "item": "BOILER"})
    templates.add_template(ctx, "T", item="BOILER")
    templates.add_version(ctx, "T", "v1", valid_from=date(2024, 1, 1))
    add_component(ctx, "T", "v1", position="pump", item="PUMP")
    add_component(ctx, "T", "v1", position="valve", item="VALVE")
    for kind, code, area in CODES:
        codes.add_code(ctx, kind, code, description=code.title(), area=area)
    shop_settings.set_value(ctx, "sign_off_required", "no")
    return ctx


@pytest.fixture
def shop(ctx):
    return build_shop(ctx)


def order_for(ctx, *objects, technician=None):
    customer = ctx.get(ServiceObject, objects[0]).customer
    return orders.create(ctx, customer=customer, objects=list(objects), technician=technician)["order"]


def at(day, hour=9):
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def repair_at(ctx, when, obj, **codes_given):
    """An order for ``obj`` and a repair line on it, both created at ``when``."""
    with ctx.at(when):
        number = order_for(ctx, obj)
        return lines.add(ctx, number, obj=obj, **codes_given)


def finish_at(ctx, when, record, resolution="REPLACED"):
    with ctx.at(when):
        return lines.update(ctx, record["order"], record["line"], resolution=resolution, stage="repaired")


# --- setup lists --------------------------------------------------------------------------------


def test_codes_are_listed_by_kind_and_area(shop):
    symptoms = codes.list_codes(shop, "symptom")
    assert [(c["code"], c["area"]) for c in symptoms] == [("NO-HEAT", "HEAT"), ("WHISTLE", "NOISE")]
    assert [c["code"] for c in codes.list_codes(shop, area="HYDRAULIC")] == ["PUMP-SEIZED"]
    assert codes.list_codes(shop)[0] == {
        "kind": "condition",
        "code": "EXTENDED-USE",
        "description": "Extended-Use",
        "area": None,
    }


def test_a_symptom_belongs_to_a_symptom_area_and_a_diagnosis_to_a_diagnosis_area(shop):
    with pytest.raises(InvalidInput, match="a symptom belongs to a symptom-area: give --area"):
        codes.add_code(shop, "symptom", "DRIP", description="Drips")
    with pytest.raises(NotFound, match="symptom-area code 'HYDRAULIC'"):
        codes.add_code(shop, "symptom", "DRIP", description="Drips", area="HYDRAULIC")
    with pytest.raises(NotFound, match="diagnosis-area code 'HEAT'"):
        codes.add_code(shop, "diagnosis", "LEAK", description="Leak", area="HEAT")
    with pytest.raises(InvalidInput, match="only symptoms and diagnoses belong to an area"):
        codes.add_code(shop, "resolution", "CLEANED", description="Cleaned", area="HEAT")
    record = codes.add_code(shop, "diagnosis", "LEAK", description="Leak", area="HYDRAULIC")
    assert (record["kind"], record["area"]) == ("diagnosis", "HYDRAULIC")


def test_code_add_refusals(shop):
    with pytest.raises(Duplicate, match="NO-HEAT"):
        codes.add_code(shop, "symptom", "NO-HEAT", description="Again", area="HEAT")
    with pytest.raises(InvalidInput, match="kind"):
        codes.add_code(shop, "colour", "RED", description="Red")
    with pytest.raises(InvalidInput, match="description"):
        codes.add_code(shop, "condition", "NEW", description="  ")


def test_code_update_and_remove(shop):
    assert codes.update_code(shop, "resolution", "ADJUSTED", description="Set right")["description"] == "Set right"
    assert codes.update_code(shop, "symptom", "WHISTLE", area="HEAT")["area"] == "HEAT"
    assert codes.remove_code(shop, "resolution", "ADJUSTED")["code"] == "ADJUSTED"
    with pytest.raises(NotFound, match="ADJUSTED"):
        codes.remove_code(shop, "resolution", "ADJUSTED")


def test_a_code_in_use_cannot_be_removed_nor_move_area(shop):
    lines.add(shop, order_for(shop, "O-1"), obj="O-1", symptom="WHISTLE", condition="EXTENDED-USE")
    with pytest.raises(RuleViolation, match="symptom WHISTLE is used by 1 repair line; it cannot be removed"):
        codes.remove_code(shop, "symptom", "WHISTLE")
    with pytest.raises(RuleViolation, match="condition EXTENDED-USE is used by 1 repair line"):
        codes.remove_code(shop, "condition", "EXTENDED-USE")
    with pytest.raises(RuleViolation, match="its area stays NOISE"):
        codes.update_code(shop, "symptom", "WHISTLE", area="HEAT")
    with pytest.raises(RuleViolation, match="symptom-area NOISE is used by 1 repair line"):
        codes.remove_code(shop, "symptom-area", "NOISE")


def test_an_area_with_codes_cannot_be_removed(shop):
    with pytest.raises(RuleViolation, match=r"symptom-area HEAT still has codes \(NO-HEAT\)"):
        codes.remove_code(shop, "symptom-area", "HEAT")
    codes.remove_code(shop, "symptom", "NO-HEAT")
    assert codes.remove_code(shop, "symptom-area", "HEAT")["code"] == "HEAT"


# --- repair stages ------------------------------------------------------------------------------


def test_the_default_stages(ctx):
    assert [(s["stage"], s["finished"]) for s in codes.list_stages(ctx)] == [
        ("registered", False),
        ("diagnosed", False),
        ("repaired", True),
        ("not-repairable", True),
    ]


def test_stage_add_update_remove(ctx):
    record = codes.add_stage(ctx, "waiting-for-part", description="Waiting for a part")
    assert (record["finished"], record["position"]) == (False, 4)
    with pytest.raises(Duplicate, match="waiting-for-part"):
        codes.add_stage(ctx, "waiting-for-part", description="Again")
    assert codes.update_stage(ctx, "waiting-for-part", finished=True)["finished"] is True
    assert codes.remove_stage(ctx, "waiting-for-part")["stage"] == "waiting-for-part"
    with pytest.raises(NotFound, match="repair stage 'waiting-for-part'"):
        codes.get_stage(ctx, "waiting-for-part")


def test_at_least_one_finished_stage_stays(ctx):
    codes.remove_stage(ctx, "not-repairable")
    with pytest.raises(RuleViolation, match="repaired is the only finished repair stage"):
        codes.remove_stage(ctx, "repaired")
    with pytest.raises(RuleViolation, match="repaired is the only finished repair stage"):
        codes.update_stage(ctx, "repaired", finished=False)


def test_a_stage_in_use_cannot_be_removed_nor_change_finished(shop):
    lines.add(shop, order_for(shop, "O-1"), obj="O-1")
    with pytest.raises(RuleViolation, match="repair stage registered holds 1 repair line; it cannot be removed"):
        codes.remove_stage(shop, "registered")
    with pytest.raises(RuleViolation, match="whether it is finished stays as it is"):
        codes.update_stage(shop, "registered", finished=True)


# --- repair lines -------------------------------------------------------------------------------


def test_add_numbers_lines_and_takes_the_area_from_the_code(shop):
    objects_attach.attach(shop, "O-1", "T", serials=["pump=P-1"])
    number = order_for(shop, "O-1", "O-2", technician="T-1")
    first = lines.add(shop, number, obj="O-1", symptom="NO-HEAT", condition="EXTENDED-USE")
    assert (first["line"], first["symptom_area"], first["stage"], first["technician"]) == (
        1,
        "HEAT",
        "registered",
        "T-1",
    )
    assert (first["bom"], first["bom_version"], first["finished"], first["finished_at"]) == ("T@v1", 1, False, None)
    second = lines.add(shop, number, obj="O-2", symptom_area="NOISE", technician="T-2")
    assert (second["line"], second["symptom"], second["technician"], second["bom"]) == (2, None, "T-2", None)


def test_the_object_must_be_on_the_order(shop):
    number = order_for(shop, "O-1")
    with pytest.raises(RuleViolation, match=f"service object O-2 is not on {number}"):
        lines.add(shop, number, obj="O-2")
    with pytest.raises(NotFound, match="service order 'SO-999999'"):
        lines.add(shop, "SO-999999", obj="O-1")


def test_a_symptom_or_diagnosis_of_another_area_is_refused(shop):
    number = order_for(shop, "O-1")
    with pytest.raises(InvalidInput, match="'NO-HEAT': belongs to symptom-area HEAT, not NOISE"):
        lines.add(shop, number, obj="O-1", symptom="NO-HEAT", symptom_area="NOISE")
    with pytest.raises(InvalidInput, match="'PUMP-SEIZED': belongs to diagnosis-area HYDRAULIC, not ELECTRIC"):
        lines.add(shop, number, obj="O-1", diagnosis="PUMP-SEIZED", diagnosis_area="ELECTRIC")
    record = lines.add(shop, number, obj="O-1", diagnosis="PUMP-SEIZED", diagnosis_area="HYDRAULIC")
    assert (record["line"], record["diagnosis_area"]) == (1, "HYDRAULIC")


def test_unknown_codes_stages_and_technicians_are_refused(shop):
    number = order_for(shop, "O-1")
    with pytest.raises(NotFound, match="symptom code 'GHOST'"):
        lines.add(shop, number, obj="O-1", symptom="GHOST")
    with pytest.raises(NotFound, match="resolution code 'NO-HEAT'"):
        lines.add(shop, number, obj="O-1", resolution="NO-HEAT")
    with pytest.raises(NotFound, match="repair stage 'fixed'"):
        lines.add(shop, number, obj="O-1", stage="fixed")
    with pytest.raises(NotFound, match="worker 'T-9'"):
        lines.add(shop, number, obj="O-1", technician="T-9")


def test_a_finished_stage_needs_a_resolution_and_stamps_the_clock(shop):
    number = order_for(shop, "O-1")
    with pytest.raises(RuleViolation, match="repair stage 'repaired' is finished: give the --resolution"):
        lines.add(shop, number, obj="O-1", stage="repaired")
    lines.add(shop, number, obj="O-1", symptom="NO-HEAT")
    when = datetime(2026, 3, 1, 14, 30, tzinfo=UTC)
    with shop.at(when):
        done = lines.update(shop, number, 1, resolution="REPLACED", stage="repaired")
    assert (done["finished"], done["finished_at"], done["stage"]) == (True, when, "repaired")
    with pytest.raises(RuleViolation, match="finished-needs-resolution|is finished"):
        lines.update(shop, number, 1, resolution="")
    again = lines.update(shop, number, 1, stage="diagnosed")
    assert (again["finished"], again["finished_at"]) == (False, None)


def test_update_changes_only_what_is_given_and_empty_clears(shop):
    number = order_for(shop, "O-1")
    lines.add(shop, number, obj="O-1", symptom="NO-HEAT", condition="EXTENDED-USE", note="cold since Monday")
    record = lines.update(shop, number, 1, diagnosis="BOARD-DEAD", condition="", technician="T-2")
    assert (record["symptom"], record["diagnosis_area"], record["condition"]) == ("NO-HEAT", "ELECTRIC", None)
    assert (record["technician"], record["note"]) == ("T-2", "cold since Monday")
    with pytest.raises(InvalidInput, match="'NO-HEAT': belongs to symptom-area HEAT, not NOISE"):
        lines.update(shop, number, 1, symptom_area="NOISE")
    with pytest.raises(NotFound, match=f"repair line '{number}/2'"):
        lines.update(shop, number, 2, note="x")


def test_the_serial_must_be_installed_in_the_object(shop):
    objects_attach.attach(shop, "O-1", "T", serials=["pump=P-1"])
    objects_attach.attach(shop, "O-2", "T", serials=["pump=P-2"])
    number = order_for(shop, "O-1")
    record = lines.add(shop, number, obj="O-1", serial="P-1")
    assert (record["serial"], record["part_item"]) == ("P-1", "PUMP")
    with pytest.raises(InvalidInput, match="'P-2': is not installed in O-1"):
        lines.update(shop, number, 1, serial="P-2")


def test_remove_a_line_without_swaps(shop):
    number = order_for(shop, "O-1")
    lines.add(shop, number, obj="O-1")
    assert lines.remove(shop, number, 1)["line"] == 1
    assert reading.list_repairs(shop) == []
    assert lines.add(shop, number, obj="O-1")["line"] == 1


def test_changes_are_refused_under_an_order_that_forbids_them(shop):
    number = order_for(shop, "O-1")
    lines.add(shop, number, obj="O-1", symptom="NO-HEAT")
    orders.cancel(shop, number, reason=_reason(shop))
    for attempt in (
        lambda: lines.add(shop, number, obj="O-1"),
        lambda: lines.update(shop, number, 1, note="late"),
        lambda: lines.remove(shop, number, 1),
    ):
        with pytest.raises(RuleViolation, match="in stage 'canceled', which does not allow changing repair lines") as e:
            attempt()
        assert e.value.rule == "stage-allows-modify"


def _reason(ctx):
    from custsvc.services import stages

    stages.add_reason(ctx, "DUPLICATE", description="Entered twice")
    return "DUPLICATE"


# --- list and show ------------------------------------------------------------------------------


def test_list_filters(shop):
    objects_attach.attach(shop, "O-1", "T", serials=["pump=P-1"])
    first = repair_at(shop, at(date(2026, 2, 1)), "O-1", symptom="NO-HEAT", serial="P-1")
    second = repair_at(shop, at(date(2026, 2, 10)), "O-2", symptom="WHISTLE", technician="T-2")
    finish_at(shop, at(date(2026, 2, 2)), first)

    def found(**filters):
        return [(r["order"], r["line"]) for r in reading.list_repairs(shop, **filters)]

    one, two = (first["order"], 1), (second["order"], 1)
    assert found() == [one, two]
    assert found(order=second["order"]) == [two]
    assert found(obj="O-1") == [one]
    assert found(serial="P-1") == [one]
    assert found(technician="T-2") == [two]
    assert found(open_only=True) == [two]
    assert found(symptom="WHISTLE") == [two]
    assert found(day_from=date(2026, 2, 2)) == [two]
    assert found(day_to=date(2026, 2, 1)) == [one]
    assert found(day_from=date(2026, 2, 11)) == []


def test_show_gives_what_the_report_counts(shop):
    number = order_for(shop, "O-1")
    record = lines.add(shop, number, obj="O-1", symptom="NO-HEAT")
    shown = reading.show(shop, number, 1)
    assert shown == {**record}
    assert (shown["customer"], shown["item"], shown["in_service_on"], shown["visits"]) == (
        "C-1",
        "BOILER",
        date(2026, 3, 10),
        0,
    )
    assert (shown["parts"], shown["order_lines"], shown["invoices"], shown["warranty_cost"]) == (
        [],
        [],
        [],
        Decimal("0.00"),
    )
    with pytest.raises(NotFound, match=f"repair line '{number}/2'"):
        reading.show(shop, number, 2)


# --- swaps --------------------------------------------------------------------------------------


def test_swap_quarantines_the_faulty_unit_and_invoices_the_new_one(shop):
    objects_attach.attach(shop, "O-1", "T", serials=["pump=P-1"])
    moves.receive(shop, "PUMP", "1", ["P-2"])
    number = order_for(shop, "O-1")
    lines.add(shop, number, obj="O-1", symptom="NO-HEAT")
    record = swaps.swap(shop, number, 1, position="pump", new_serial="P-2", invoice=True)
    assert ledger.unit(shop, "PUMP", "P-1").location == "quarantine"
    assert ledger.unit(shop, "PUMP", "P-2").location == "object:O-1"
    assert objects_read.show(shop, "O-1")["version"] == 2
    (part,) = record["parts"]
    assert (part["position"], part["old_serial"], part["new_serial"], part["bom_version"]) == ("pump", "P-1", "P-2", 2)
    assert (part["order_line"], record["order_lines"], record["part_item"]) == (1, [1], "PUMP")
    line = orders.show(shop, number)["line_items"][0]
    assert (line["item"], line["price"]) == ("PUMP", Decimal("189.00"))
    assert "repair " + number + "/1: NO-HEAT" in objects_read.history(shop, "O-1")[-1]["reason"]


def test_swap_refusals(shop):
    objects_attach.attach(shop, "O-1", "T", serials=["pump=P-1"])
    number = order_for(shop, "O-1")
    lines.add(shop, number, obj="O-1")
    with pytest.raises(NotFound, match="'nozzle'"):
        swaps.swap(shop, number, 1, position="nozzle", new_serial="P-2")
    with pytest.raises(NotFound, match="'P-9'"):
        swaps.swap(shop, number, 1, position="pump", new_serial="P-9")
    with pytest.raises(NotFound, match=f"repair line '{number}/2'"):
        swaps.swap(shop, number, 2, position="pump", new_serial="P-9")


def test_a_repair_with_swaps_stays(shop):
    objects_attach.attach(shop, "O-1", "T", serials=["pump=P-1"])
    moves.receive(shop, "PUMP", "1", ["P-2"])
    number = order_for(shop, "O-1")
    lines.add(shop, number, obj="O-1")
    swaps.swap(shop, number, 1, position="pump", new_serial="P-2")
    with pytest.raises(RuleViolation, match="swapped parts; it stays in the object's history"):
        lines.remove(shop, number, 1)


def test_history_of_an_object_and_of_a_unit(shop):
    with shop.at(at(date(2026, 1, 1))):
        objects_attach.attach(shop, "O-1", "T", serials=["pump=P-1"])
    moves.receive(shop, "PUMP", "1", ["P-2"])
    first = repair_at(shop, at(date(2026, 1, 5)), "O-1", symptom="NO-HEAT")
    with shop.at(at(date(2026, 1, 6))):
        swaps.swap(shop, first["order"], 1, position="pump", new_serial="P-2")
    second = repair_at(shop, at(date(2026, 2, 5)), "O-1", symptom="WHISTLE")
    history = reading.history(shop, "O-1")
    assert [(r["order"], r["bom_version"]) for r in history["repairs"]] == [(second["order"], 2), (first["order"], 1)]


def test_a_backdated_repair_records_the_bom_version_of_its_time(shop):
    """The BOM version of a repair is the one the object had when the repair was recorded: none
    before the BOM was attached, the newer one after a swap."""
    moves.receive(shop, "PUMP", "1", ["P-2"])
    early = repair_at(shop, at(date(2025, 12, 1)), "O-1", symptom="NO-HEAT")
    with shop.at(at(date(2026, 1, 1))):
        objects_attach.attach(shop, "O-1", "T", serials=["pump=P-1"])
    first = repair_at(shop, at(date(2026, 1, 5)), "O-1", symptom="NO-HEAT")
    with shop.at(at(date(2026, 1, 6))):
        swaps.swap(shop, first["order"], 1, position="pump", new_serial="P-2")
    later = repair_at(shop, at(date(2026, 2, 5)), "O-1", symptom="WHISTLE")
    versions = {r["order"]: r["bom_version"] for r in reading.history(shop, "O-1")["repairs"]}
    assert versions == {early["order"]: None, first["order"]: 1, later["order"]: 2}
    assert [r["order"] for r in reading.history(shop, serial="P-1")["repairs"]] == [first["order"]]
    assert [r["order"] for r in reading.history(shop, serial="P-2")["repairs"]] == [first["order"]]
    with pytest.raises(NotFound, match="serial 'P-7'"):
        reading.history(shop, serial="P-7")
    with pytest.raises(NotFound, match="service object 'O-9'"):
        reading.history(shop, "O-9")


# --- link and unlink ----------------------------------------------------------------------------


def test_link_and_unlink_order_lines(shop):
    number = order_for(shop, "O-1", "O-2")
    lines.add(shop, number, obj="O-1")
    lines.add(shop, number, obj="O-2")
    orders.add_line(shop, number, type="fee", price="80", description="Call-out")
    orders.add_line(shop, number, type="item", item="VALVE")
    assert swaps.link(shop, number, 1, [1, 2])["order_lines"] == [1, 2]
    assert swaps.link(shop, number, 1, [2])["order_lines"] == [1, 2]  # already so: nothing changes
    with pytest.raises(RuleViolation, match=f"order line {number}/2 belongs to repair {number}/1 already"):
        swaps.link(shop, number, 2, [2])
    with pytest.raises(NotFound, match=f"order line '{number}/5'"):
        swaps.link(shop, number, 2, [5])
    assert swaps.unlink(shop, number, 1, [2])["order_lines"] == [1]
    assert swaps.link(shop, number, 2, [2])["order_lines"] == [2]


def test_only_open_lines_can_be_linked(shop):
    number = order_for(shop, "O-1")
    lines.add(shop, number, obj="O-1")
    orders.add_line(shop, number, type="fee", price="80", description="Call-out")
    orders.cancel_line(shop, number, 1)
    with pytest.raises(RuleViolation, match=f"order line {number}/1 is canceled: only open lines"):
        swaps.link(shop, number, 1, [1])


# --- the order seam -----------------------------------------------------------------------------


def _to_completed(ctx, number):
    for stage in ("planned", "in-progress", "completed"):
        orders.move(ctx, number, stage)


def test_an_order_cannot_resolve_while_repair_lines_are_open(shop):
    number = order_for(shop, "O-1", "O-2")
    lines.add(shop, number, obj="O-1")
    lines.add(shop, number, obj="O-2", stage="diagnosed")
    lines.add(shop, number, obj="O-2", resolution="ADJUSTED", stage="repaired")
    orders.move(shop, number, "planned")
    orders.move(shop, number, "in-progress")
    with pytest.raises(Refused) as refused:
        orders.move(shop, number, "completed")
    assert refused.value.rule == "repairs-finished"
    assert f"{number} cannot move to 'completed' while repair lines are open: 1 (registered), 2 (diagnosed)" in (
        refused.value.message
    )
    orders.move(shop, number, "waiting-for-parts")  # a stage that does not resolve
    lines.update(shop, number, 1, resolution="REPLACED", stage="repaired")
    lines.update(shop, number, 2, resolution="REPLACED", stage="not-repairable")
    orders.move(shop, number, "in-progress", back=True)
    assert orders.move(shop, number, "completed")["stage"] == "completed"


def test_sign_off_waits_for_the_repairs(shop):
    number = order_for(shop, "O-1")
    lines.add(shop, number, obj="O-1")
    orders.add_line(shop, number, type="fee", price="80", description="Call-out")
    orders.add_line(shop, number, type="item", item="VALVE")
    swaps.link(shop, number, 1, [2])
    with pytest.raises(Refused) as refused:
        orders.sign_off(shop, number)
    assert f"{number} cannot be signed off while repair lines are open: 1 (registered)" in refused.value.message
    with pytest.raises(Refused, match="repair lines are open"):
        orders.sign_off(shop, number, [2])  # the repair's own line
    assert orders.sign_off(shop, number, [1])["signed_off_at"] is None  # a line of no repair
    lines.update(shop, number, 1, resolution="REPLACED", stage="repaired")
    assert orders.sign_off(shop, number)["signed_off_at"] is not None


# --- warranty -----------------------------------------------------------------------------------


@pytest.fixture
def later(db_url):
    """A context whose clock is a year after FIXED_NOW: orders can be created in March 2027."""
    from custsvc import state
    from custsvc.bootstrap import open_context

    state.reset(db=db_url, now="2027-04-01T09:00:00+00:00", actor="tester")
    with open_context() as c:
        build_shop(c)
        master.add(c, "item", {"item": "HP", "name": "Heat pump", "price": "5000", "warranty": "24m"})
        master.add(c, "object", {"object": "HP-1", "customer": "C-1", "item": "HP"})
        c.get(ServiceObject, "HP-1").installed_on = date(2025, 3, 10)
        c.flush()
        yield c


def _warranty_on(ctx, day, obj="HP-1", **given):
    with ctx.at(at(day, 12)):
        number = order_for(ctx, obj)
        return lines.add(ctx, number, obj=obj, **given)


@pytest.mark.parametrize(
    ("day", "covered"),
    [(date(2027, 3, 9), True), (date(2027, 3, 10), True), (date(2027, 3, 11), False)],
)
def test_object_warranty_runs_to_its_last_day(later, day, covered):
    record = _warranty_on(later, day)
    assert record["warranty"] is covered
    assert record["warranty_basis"] == ("object HP-1 until 2027-03-10" if covered else None)


def test_the_order_day_decides_not_the_repair_day(later):
    with later.at(at(date(2027, 3, 10), 23)):
        number = order_for(later, "HP-1")
    with later.at(at(date(2027, 3, 20))):
        assert lines.add(later, number, obj="HP-1")["warranty"] is True


def test_an_objects_own_warranty_end_wins(later):
    later.get(ServiceObject, "HP-1").warranty_until = date(2027, 6, 30)
    later.get(ServiceObject, "O-1").warranty_until = date(2027, 3, 1)
    later.flush()
    assert _warranty_on(later, date(2027, 3, 20))["warranty_basis"] == "object HP-1 until 2027-06-30"
    assert _warranty_on(later, date(2027, 3, 20), obj="O-1")["warranty"] is False


def test_a_part_under_warranty_makes_the_repair_one(later):
    with later.at(at(date(2025, 3, 10))):
        objects_attach.attach(later, "O-1", "T", day=date(2025, 3, 10), serials=["pump=P-1"])
    assert _warranty_on(later, date(2027, 3, 10), obj="O-1")["warranty"] is False  # the boiler has none
    record = _warranty_on(later, date(2027, 3, 10), obj="O-1", serial="P-1")
    assert (record["warranty"], record["warranty_basis"]) == (True, "part PUMP P-1 until 2027-03-10")
    assert _warranty_on(later, date(2027, 3, 11), obj="O-1", serial="P-1")["warranty"] is False


def test_a_unit_swapped_out_under_warranty_makes_the_repair_one(later):
    with later.at(at(date(2025, 3, 10))):
        objects_attach.attach(later, "O-1", "T", day=date(2025, 3, 10), serials=["pump=P-1"])
    moves.receive(later, "PUMP", "1", ["P-2"])
    record = _warranty_on(later, date(2027, 3, 9), obj="O-1")
    assert record["warranty"] is False
    swapped = swaps.swap(later, record["order"], 1, position="pump", new_serial="P-2")
    assert (swapped["warranty"], swapped["warranty_basis"]) == (True, "part PUMP P-1 until 2027-03-10")


def test_warranty_set_by_hand_stays_until_auto(later):
    record = _warranty_on(later, date(2027, 3, 11))
    number = record["order"]
    assert lines.update(later, number, 1, warranty="yes")["warranty_basis"] == "set by hand"
    assert lines.update(later, number, 1, note="goodwill")["warranty"] is True
    assert lines.update(later, number, 1, warranty="auto")["warranty"] is False
    with pytest.raises(InvalidInput, match="expected yes, no or auto"):
        lines.update(later, number, 1, warranty="maybe")


def _warranty_order(ctx):
    """An order under warranty: a swapped pump invoiced, a linked fee, and a fee of no repair."""
    with ctx.at(at(date(2025, 3, 10))):
        objects_attach.attach(ctx, "O-1", "T", day=date(2025, 3, 10), serials=["pump=P-1"])
    moves.receive(ctx, "PUMP", "1", ["P-2"])
    record = _warranty_on(ctx, date(2027, 3, 1), obj="O-1", serial="P-1", symptom="NO-HEAT")
    number = record["order"]
    swaps.swap(ctx, number, 1, position="pump", new_serial="P-2", invoice=True)
    orders.add_line(ctx, number, type="fee", price="80", description="Call-out")
    orders.add_line(ctx, number, type="fee", price="25", description="Parking")
    swaps.link(ctx, number, 1, [2])
    lines.update(ctx, number, 1, resolution="REPLACED", stage="repaired")
    return number


def test_warranty_lines_post_at_zero_with_their_value(later):
    number = _warranty_order(later)
    _to_completed(later, number)
    invoice = orders.post(later, number)
    assert [(x["description"], x["unit_price"], x["amount"], x["warranty_value"]) for x in invoice["line_items"]] == [
        (f"Warranty ({number}/1): Pump", Decimal("0.00"), Decimal("0.00"), Decimal("189.00")),
        (f"Warranty ({number}/1): Call-out", Decimal("0.00"), Decimal("0.00"), Decimal("80.00")),
        ("Parking", Decimal("25.00"), Decimal("25.00"), None),
    ]
    assert reading.show(later, number, 1)["invoices"] == [invoice["invoice"]]


def test_the_report_counts_the_normal_price_as_warranty_cost(later):
    number = _warranty_order(later)
    assert reading.show(later, number, 1)["warranty_cost"] == Decimal("269.00")
    result = reports.report(later, day_from=date(2027, 3, 1), day_to=date(2027, 3, 31))
    assert (result["total"]["warranty_repairs"], result["total"]["warranty_cost"]) == (1, Decimal("269.00"))


# --- the failure report -------------------------------------------------------------------------

JAN = (date(2026, 1, 1), date(2026, 1, 31))


def report_of(ctx, by="symptom", window=30, period=JAN):
    result = reports.report(ctx, day_from=period[0], day_to=period[1], by=by, window=window)
    return {row[by]: row for row in result["rows"]}, result["total"]


def _fixed_then_failed(ctx, gap, follow_up_symptom="NO-HEAT"):
    """O-1 repaired on 2026-01-05 (finished the same day), then a follow-up ``gap`` days later."""
    first = repair_at(ctx, at(date(2026, 1, 5)), "O-1", symptom="NO-HEAT")
    finish_at(ctx, at(date(2026, 1, 5), 15), first)
    repair_at(ctx, at(date(2026, 1, 5) + timedelta(days=gap)), "O-1", symptom=follow_up_symptom)


@pytest.mark.parametrize(
    ("gap", "symptom", "repeats"),
    [(30, "NO-HEAT", 1), (31, "NO-HEAT", 0), (0, "NO-HEAT", 1), (10, "WHISTLE", 0)],
)
def test_repeat_window_edges(shop, gap, symptom, repeats):
    _fixed_then_failed(shop, gap, symptom)
    rows, total = report_of(shop, period=(date(2026, 1, 1), date(2026, 1, 5)))
    assert (rows["NO-HEAT"]["repeats"], rows["NO-HEAT"]["finished"], total["repeats"]) == (repeats, 1, repeats)
    assert rows["NO-HEAT"]["repeat_pct"] == Decimal(100 * repeats).quantize(Decimal("0.1"))


def test_the_repeat_window_can_be_changed(shop):
    _fixed_then_failed(shop, 31)
    rows, _ = report_of(shop, window=31, period=(date(2026, 1, 1), date(2026, 1, 5)))
    assert rows["NO-HEAT"]["repeats"] == 1
    rows, _ = report_of(shop, window=0, period=(date(2026, 1, 1), date(2026, 1, 5)))
    assert rows["NO-HEAT"]["repeats"] == 0


def test_a_follow_up_inside_the_period_counts_itself(shop):
    _fixed_then_failed(shop, 20)
    rows, _ = report_of(shop)
    assert (rows["NO-HEAT"]["repairs"], rows["NO-HEAT"]["finished"], rows["NO-HEAT"]["repeats"]) == (2, 1, 1)
    assert rows["NO-HEAT"]["first_time_fixes"] == 0


def test_mtbf_counts_objects_installed_mid_period_from_their_install_day(shop):
    shop.get(ServiceObject, "O-1").installed_on = date(2025, 6, 1)  # all of January: 31 days
    shop.get(ServiceObject, "O-2").installed_on = date(2026, 1, 22)  # 22 .. 31 January: 10 days
    shop.flush()
    repair_at(shop, at(date(2026, 1, 10)), "O-1", symptom="NO-HEAT")
    repair_at(shop, at(date(2026, 1, 20)), "O-1", symptom="NO-HEAT")
    repair_at(shop, at(date(2026, 1, 25)), "O-2", symptom="NO-HEAT")
    rows, total = report_of(shop)
    row = rows["NO-HEAT"]
    assert (row["repairs"], row["objects"], row["object_days"], row["mtbf_days"]) == (3, 2, 41, Decimal("13.7"))
    assert (total["object_days"], total["mtbf_days"]) == (41, Decimal("13.7"))


def test_an_object_without_install_date_serves_from_the_day_it_was_recorded(shop):
    with shop.at(at(date(2026, 1, 1))):
        master.add(shop, "object", {"object": "O-5", "customer": "C-1", "item": "BOILER"})
    with shop.at(at(date(2026, 1, 11))):
        master.add(shop, "object", {"object": "O-6", "customer": "C-1", "item": "BOILER"})
    repair_at(shop, at(date(2026, 1, 12)), "O-5", symptom="WHISTLE")
    repair_at(shop, at(date(2026, 1, 12)), "O-6", symptom="WHISTLE")
    rows, _ = report_of(shop)
    assert (rows["WHISTLE"]["object_days"], rows["WHISTLE"]["mtbf_days"]) == (31 + 21, Decimal("26.0"))


def _visit(ctx, number, technician, day):
    ctx.add(
        Assignment(
            order_number=number,
            technician=technician,
            starts_at=at(day, 9),
            ends_at=at(day, 11),
            created_at=at(day, 8),
            created_by="tester",
        )
    )
    ctx.flush()


def test_first_time_fix_is_finished_on_one_visit_and_not_repeated(shop):
    bench = repair_at(shop, at(date(2026, 1, 3)), "O-3", symptom="WHISTLE")  # no visit: a bench repair
    once = repair_at(shop, at(date(2026, 1, 4)), "O-2", symptom="WHISTLE")
    twice = repair_at(shop, at(date(2026, 1, 5)), "O-1", symptom="WHISTLE")
    open_one = repair_at(shop, at(date(2026, 1, 6)), "O-2", symptom="NO-HEAT")
    _visit(shop, once["order"], "T-1", date(2026, 1, 4))
    for day in (5, 7):
        _visit(shop, twice["order"], "T-1", date(2026, 1, day))
    _visit(shop, open_one["order"], "T-1", date(2026, 1, 6))
    for record in (bench, once, twice):
        finish_at(shop, at(date(2026, 1, 8)), record)
    repair_at(shop, at(date(2026, 1, 20)), "O-3", symptom="WHISTLE")  # the bench fix did not hold
    rows, total = report_of(shop)
    whistle = rows["WHISTLE"]
    assert (whistle["repairs"], whistle["finished"], whistle["repeats"], whistle["first_time_fixes"]) == (4, 3, 1, 1)
    assert whistle["first_time_fix_pct"] == Decimal("33.3")
    assert (rows["NO-HEAT"]["finished"], rows["NO-HEAT"]["first_time_fix_pct"]) == (0, None)
    assert reading.show(shop, twice["order"], 1)["visits"] == 2
    assert (total["repairs"], total["first_time_fixes"]) == (5, 1)


def test_grouped_by_the_bom_version_recorded_when_the_repair_was_created(shop):
    templates.update_version(shop, "T", "v1", valid_to=date(2025, 5, 31))
    templates.add_version(shop, "T", "v2", valid_from=date(2025, 6, 1), copy_from="v1")
    objects_attach.attach(shop, "O-1", "T", day=date(2025, 1, 1))
    objects_attach.attach(shop, "O-2", "T", day=date(2025, 7, 1))
    repair_at(shop, at(date(2026, 1, 10)), "O-1", symptom="NO-HEAT")
    repair_at(shop, at(date(2026, 1, 11)), "O-2", symptom="NO-HEAT")
    repair_at(shop, at(date(2026, 1, 12)), "O-2", symptom="WHISTLE")
    repair_at(shop, at(date(2026, 1, 13)), "O-3", symptom="WHISTLE")
    rows, total = report_of(shop, by="bom-version")
    assert {key: row["repairs"] for key, row in rows.items()} == {"T@v2": 2, "T@v1": 1, "(none)": 1}
    assert list(rows) == ["T@v2", "(none)", "T@v1"]  # most repairs first, then by name
    assert (rows["T@v2"]["objects"], total["objects"], total["repairs"]) == (1, 3, 4)


def test_grouped_by_technician_customer_and_part(shop):
    objects_attach.attach(shop, "O-3", "T", serials=["pump=P-3"])
    repair_at(shop, at(date(2026, 1, 10)), "O-1", symptom="NO-HEAT", technician="T-1")
    repair_at(shop, at(date(2026, 1, 11)), "O-3", serial="P-3", technician="T-2")
    assert set(report_of(shop, by="technician")[0]) == {"T-1", "T-2"}
    assert set(report_of(shop, by="customer")[0]) == {"C-1", "C-2"}
    assert set(report_of(shop, by="part")[0]) == {"PUMP", "(none)"}
    assert set(report_of(shop, by="item")[0]) == {"BOILER"}


def test_report_refusals(shop):
    with pytest.raises(InvalidInput, match="repeat-window"):
        reports.report(shop, day_from=JAN[0], day_to=JAN[1], window=-1)
    with pytest.raises(InvalidInput, match="'2025-12-31': is before --from 2026-01-01"):
        reports.report(shop, day_from=JAN[0], day_to=date(2025, 12, 31))
    with pytest.raises(InvalidInput, match="by"):
        reports.report(shop, day_from=JAN[0], day_to=JAN[1], by="colour")


def test_an_empty_period_has_a_total_of_nothing(shop):
    result = reports.report(shop, day_from=JAN[0], day_to=JAN[1])
    assert result["rows"] == []
    assert (result["total"]["repairs"], result["total"]["mtbf_days"], result["total"]["repeat_pct"]) == (0, None, None)
