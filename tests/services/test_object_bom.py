"""Each object's own BOM on a session: attach copies the template version in force, every change is a
history line and the next version, parts move through the stock ledger, changes under an order pass
the lifecycle seam's guards and invoice a new part once, two writers never make the same version."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from custsvc.errors import Conflict, Duplicate, InvalidInput, NotFound, Problems, RuleViolation, Usage
from custsvc.events import Refused
from custsvc.models import ObjectBomChange, ObjectBomComponent, OrderLine, SerialUnit, StockMove
from custsvc.services import master, orders
from custsvc.services import settings as shop_settings
from custsvc.services.bom import objects, objects_attach, objects_change, objects_io, objects_read, templates
from custsvc.services.bom.template_components import add_component
from custsvc.services.stock import ledger, moves
from tests.conftest import FIXED_NOW


def build_shop(ctx):
    master.add(ctx, "customer", {"account": "C-1", "name": "Bakery"})
    master.add(ctx, "customer", {"account": "C-2", "name": "Cafe"})
    master.add(ctx, "item", {"item": "BOILER", "name": "Boiler", "price": "2000"})
    master.add(ctx, "item", {"item": "PUMP", "name": "Pump", "price": "189"})
    master.add(ctx, "item", {"item": "VALVE", "name": "Valve", "price": "96.40"})
    master.add(ctx, "item", {"item": "BURNER", "name": "Burner", "price": "450", "serialized": "yes"})
    for obj, customer, item in (("O-1", "C-1", "BOILER"), ("O-2", "C-1", "BOILER"), ("O-3", "C-2", "BOILER")):
        master.add(ctx, "object", {"object": obj, "customer": customer, "item": item})
    master.add(ctx, "object", {"object": "O-4", "customer": "C-1", "item": "PUMP"})
    templates.add_template(ctx, "T", item="BOILER")
    templates.add_version(ctx, "T", "v1", valid_from=date(2025, 1, 1), valid_to=date(2025, 12, 31))
    add_component(ctx, "T", "v1", position="pump", item="PUMP")
    add_component(ctx, "T", "v1", position="burner", item="BURNER")
    templates.add_version(ctx, "T", "v2", valid_from=date(2026, 1, 1), copy_from="v1")
    add_component(ctx, "T", "v2", position="valve", item="VALVE", qty="2")
    shop_settings.set_value(ctx, "sign_off_required", "no")
    return ctx


@pytest.fixture
def shop(ctx):
    return build_shop(ctx)


def state(ctx, obj, **kwargs):
    record = objects_read.show(ctx, obj, **kwargs)
    return {c["position"]: (c["item"], c["qty"], c["serial"]) for c in record["components"]}


def held(ctx, item, place):
    return ledger.on_hand(ctx, items=[item]).get((item, place), Decimal(0))


# --- attach and detach ----------------------------------------------------------------------------


def test_attach_copies_the_version_in_force_and_places_named_units(shop):
    moves.receive(shop, "BURNER", "1", ["B-2"])
    record = objects_attach.attach(shop, "O-1", "T", serials=["burner=B-1"])
    assert (record["template_version"], record["version"], record["customer"]) == ("v2", 1, "C-1")
    assert state(shop, "O-1") == {
        "burner": ("BURNER", 1, "B-1"),
        "pump": ("PUMP", 1, None),
        "valve": ("VALVE", 2, None),
    }
    unit = ledger.unit(shop, "BURNER", "B-1")
    assert (unit.location, unit.in_service_on) == ("object:O-1", date(2026, 3, 10))
    objects_attach.attach(shop, "O-2", "T", day=date(2025, 6, 1), serials=["burner=B-2"])
    assert state(shop, "O-2") == {"burner": ("BURNER", 1, "B-2"), "pump": ("PUMP", 1, None)}
    found = shop.execute(select(StockMove).where(StockMove.doc_type == "bom").order_by(StockMove.id)).scalars()
    assert [(m.serial, m.from_location, m.to_location, m.doc) for m in found] == [
        ("B-1", "customer", "object:O-1", "O-1"),
        ("B-2", "stock", "object:O-2", "O-2"),
    ]  # non-serialized parts came with the object: no movement
    assert objects_read.history(shop, "O-1")[0]["change"] == "attach"


def test_attach_refusals(shop):
    objects_attach.attach(shop, "O-1", "T", serials=["burner=B-1"])
    with pytest.raises(Duplicate, match="O-1"):
        objects_attach.attach(shop, "O-1", "T")
    with pytest.raises(RuleViolation, match="B-1 of BURNER is installed in O-1"):
        objects_attach.attach(shop, "O-2", "T", serials=["burner=B-1"])
    with pytest.raises(InvalidInput, match="'T': is the BOM of BOILER; service object O-4 is a PUMP"):
        objects_attach.attach(shop, "O-4", "T")
    with pytest.raises(InvalidInput, match="'2024-06-01': bom template T has no version in force"):
        objects_attach.attach(shop, "O-2", "T", day=date(2024, 6, 1))
    with pytest.raises(InvalidInput, match="VALVE at position valve is not serialized"):
        objects_attach.attach(shop, "O-2", "T", serials=["valve=V-1"])
    with pytest.raises(NotFound, match="'fan'"):
        objects_attach.attach(shop, "O-2", "T", serials=["fan=F-1"])
    with pytest.raises(InvalidInput, match="POSITION=SERIAL"):
        objects_attach.attach(shop, "O-2", "T", serials=["burner"])
    with pytest.raises(NotFound, match="bom template 'NOPE'"):
        objects_attach.attach(shop, "O-2", "NOPE")
    with pytest.raises(NotFound, match="service object 'O-9'"):
        objects_attach.attach(shop, "O-9", "T")


def test_attach_many_checks_everything_first_and_writes_in_bulk(shop):
    requests = [("O-1", "T", None, {"burner": "B-1"}), ("O-2", "T", None, {"burner": "B-1"}), ("O-4", "T", None, {})]
    with pytest.raises(Problems) as refused:
        objects_attach.attach_many(shop, requests)
    assert refused.value.problems == [
        "request 2: serial 'B-1' of BURNER is named twice (O-1 burner)",
        "request 3: invalid template 'T': is the BOM of BOILER; service object O-4 is a PUMP",
    ]
    assert shop.execute(select(func.count()).select_from(ObjectBomChange)).scalar() == 0
    summary = objects_attach.attach_many(shop, [("O-1", "T", None, {"burner": "B-1"}), ("O-2", "T", None, {})])
    assert (summary["objects"], summary["components"]) == (2, 6)
    assert ledger.unit(shop, "BURNER", "B-1").location == "object:O-1"


def test_detach_only_while_unchanged_and_units_go_back(shop):
    moves.receive(shop, "BURNER", "1", ["B-2"])
    objects_attach.attach(shop, "O-1", "T", serials=["burner=B-2"])
    objects_attach.detach(shop, "O-1")
    assert ledger.unit(shop, "BURNER", "B-2").location == "stock"
    with pytest.raises(NotFound, match="BOM of service object 'O-1'"):
        objects_read.show(shop, "O-1")
    objects_attach.attach(shop, "O-1", "T", serials=["burner=B-2"])
    objects_change.set_qty(shop, "O-1", "valve", "3")
    with pytest.raises(RuleViolation, match="1 change since it was attached"):
        objects_attach.detach(shop, "O-1")


# --- changes --------------------------------------------------------------------------------------


def test_replace_moves_the_old_unit_out_and_the_new_one_in(shop):
    objects_attach.attach(shop, "O-1", "T", serials=["burner=B-1"])
    moves.receive(shop, "BURNER", "1", ["B-2"])
    record = objects_change.replace(shop, "O-1", "burner", new_serial="B-2", faulty=True, reason="flame loss")
    assert (record["version"], record["old"], record["new"], record["reason"]) == (
        2,
        "BURNER (B-1)",
        "BURNER (B-2)",
        "faulty: flame loss",
    )
    assert ledger.unit(shop, "BURNER", "B-1").location == "quarantine"
    assert ledger.unit(shop, "BURNER", "B-2").location == "object:O-1"
    again = objects_change.replace(shop, "O-1", "burner", new_serial="B-2")
    assert not again["changed"] and "already" in again["note"] and again["version"] == 2
    with pytest.raises(NotFound, match="'B-3'"):
        objects_change.replace(shop, "O-1", "burner", new_serial="B-3")
    with pytest.raises(RuleViolation, match="--new-serial"):
        objects_change.replace(shop, "O-1", "burner")
    with pytest.raises(NotFound, match="'fan'"):
        objects_change.replace(shop, "O-1", "fan")
    moves.receive(shop, "PUMP", "1")
    objects_change.replace(shop, "O-1", "pump", reason="worn")
    assert held(shop, "PUMP", "stock") == 1  # one out to the object, the old one back
    assert held(shop, "PUMP", "object:O-1") == 1 and held(shop, "PUMP", "customer") == -1


def test_a_serial_installed_elsewhere_is_refused(shop):
    objects_attach.attach(shop, "O-1", "T", serials=["burner=B-1"])
    objects_attach.attach(shop, "O-2", "T")
    with pytest.raises(RuleViolation, match="B-1 of BURNER is installed in O-1, not in stock"):
        objects_change.replace(shop, "O-2", "burner", new_serial="B-1")
    with pytest.raises(RuleViolation, match="installed in O-1"):
        objects_change.set_serial(shop, "O-2", "burner", "B-1")


def test_add_remove_set_qty_and_serial(shop):
    objects_attach.attach(shop, "O-1", "T")
    with pytest.raises(Duplicate, match="'pump' is taken in the BOM of O-1"):
        objects_change.add(shop, "O-1", "pump", "PUMP")
    objects_change.add(shop, "O-1", "pump2", "PUMP", qty="2")
    assert shop.warnings == ["the BOM change of O-1 takes the shelf of PUMP to -2 pcs"]
    with pytest.raises(InvalidInput, match="qty"):
        objects_change.add(shop, "O-1", "burner2", "BURNER", qty="2", serial="B-9")
    with pytest.raises(InvalidInput, match="serialized"):
        objects_change.set_qty(shop, "O-1", "burner", "2")
    with pytest.raises(InvalidInput, match="'0'"):
        objects_change.set_qty(shop, "O-1", "valve", "0")
    assert not objects_change.set_qty(shop, "O-1", "valve", "2")["changed"]
    objects_change.set_qty(shop, "O-1", "valve", "3")
    objects_change.set_qty(shop, "O-1", "valve", "1")
    assert held(shop, "VALVE", "object:O-1") == 0 and held(shop, "VALVE", "stock") == 1
    objects_change.set_serial(shop, "O-1", "burner", "B-7")
    with pytest.raises(RuleViolation, match="holds serial B-7 already"):
        objects_change.set_serial(shop, "O-1", "burner", "B-8")
    objects_change.remove(shop, "O-1", "burner", faulty=True)
    assert ledger.unit(shop, "BURNER", "B-7").location == "quarantine"
    assert state(shop, "O-1") == {"pump": ("PUMP", 1, None), "pump2": ("PUMP", 2, None), "valve": ("VALVE", 1, None)}
    history = objects_read.history(shop, "O-1")
    assert [(h["version"], h["change"], h["position"]) for h in history] == [
        (1, "attach", None),
        (2, "add", "pump2"),
        (3, "set-qty", "valve"),
        (4, "set-qty", "valve"),
        (5, "serial", "burner"),
        (6, "remove", "burner"),
    ]


def test_show_at_a_time_or_version_and_diff(shop):
    times = [datetime(2026, 1, d, 9, tzinfo=UTC) for d in (5, 6, 7)]
    with shop.at(times[0]):
        objects_attach.attach(shop, "O-1", "T")
    with shop.at(times[1]):
        objects_change.set_qty(shop, "O-1", "valve", "3")
    with shop.at(times[2]):
        objects_change.remove(shop, "O-1", "pump")
    assert state(shop, "O-1", at=datetime(2026, 1, 6, 12, tzinfo=UTC))["valve"] == ("VALVE", 3, None)
    assert "pump" in state(shop, "O-1", version=2) and "pump" not in state(shop, "O-1")
    with pytest.raises(InvalidInput, match="before the BOM of O-1 was attached"):
        objects_read.show(shop, "O-1", at=datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(NotFound, match="version 1 to 3"):
        objects_read.show(shop, "O-1", version=4)
    assert [(d["position"], d["change"], d["old_qty"], d["new_qty"]) for d in objects_read.diff(shop, "O-1", 1, 3)] == [
        ("pump", "removed", 1, None),
        ("valve", "changed", 2, 3),
    ]


def test_where_tells_where_a_unit_is_and_was(shop):
    objects_attach.attach(shop, "O-1", "T", serials=["burner=B-1"])
    objects_change.remove(shop, "O-1", "burner", reason="upgrade")
    objects_attach.attach(shop, "O-2", "T")
    objects_change.set_serial(shop, "O-2", "burner", "B-1")
    found = objects_read.where(shop, "B-1")
    assert (found["object"], found["position"], found["location"]) == ("O-2", "burner", "object:O-2")
    assert [(p["object"], p["from_version"], p["to_version"], p["left_change"]) for p in found["places"]] == [
        ("O-1", 1, 2, "remove"),
        ("O-2", 2, None, None),
    ]
    with pytest.raises(NotFound, match="serial 'B-0'"):
        objects_read.where(shop, "B-0")


# --- under an order: guards and invoicing -----------------------------------------------------------


def test_replace_under_an_order_invoices_the_part_once(shop):
    objects_attach.attach(shop, "O-1", "T", serials=["burner=B-1"])
    moves.receive(shop, "BURNER", "1", ["B-2"])
    number = orders.create(shop, customer="C-1", objects=["O-1"])["order"]
    record = objects_change.replace(shop, "O-1", "burner", new_serial="B-2", order=number, invoice=True)
    line = shop.get(OrderLine, record["order_line"])
    assert (line.item, line.quantity, line.price, line.object) == ("BURNER", 1, Decimal("450.00"), "O-1")
    assert objects_read.history(shop, "O-1")[-1]["order_line"] == line.line_no
    again = objects_change.replace(shop, "O-1", "burner", new_serial="B-2", order=number, invoice=True)
    assert not again["changed"]
    lines = shop.execute(select(func.count()).select_from(OrderLine).where(OrderLine.item == "BURNER")).scalar()
    assert lines == 1
    moves.receive(shop, "PUMP", "2")
    objects_change.replace(shop, "O-1", "pump", order=number, invoice=True)
    assert not objects_change.replace(shop, "O-1", "pump", order=number, invoice=True)["changed"]
    for stage in ("planned", "in-progress", "completed"):
        orders.move(shop, number, stage)
    orders.post(shop, number)
    assert held(shop, "PUMP", "stock") == 2  # posting did not take the pump again
    assert shop.execute(select(func.count()).select_from(StockMove).where(StockMove.doc_type == "order")).scalar() == 0
    with pytest.raises(Usage, match="--invoice needs --order"):
        objects_change.replace(shop, "O-1", "pump", invoice=True)


def test_guards_refuse_changes_under_a_closed_order_or_of_another_customer(shop):
    objects_attach.attach(shop, "O-1", "T")
    objects_attach.attach(shop, "O-3", "T")
    number = orders.create(shop, customer="C-1")["order"]
    with pytest.raises(Refused) as refused:
        objects_change.set_qty(shop, "O-3", "valve", "3", order=number)
    assert refused.value.rule == "object-of-the-customer" and "O-3 belongs to C-2" in refused.value.message
    for stage in ("planned", "in-progress", "completed", "closed"):
        orders.move(shop, number, stage)
    with pytest.raises(Refused) as refused:
        objects_change.remove(shop, "O-1", "pump", order=number)
    assert refused.value.rule == "stage-allows-modify"
    assert objects_read.show(shop, "O-1")["version"] == 1
    with pytest.raises(NotFound, match="SO-9"):
        objects_change.remove(shop, "O-1", "pump", order="SO-9")


# --- export and import ----------------------------------------------------------------------------


def test_export_and_import_round_trip(shop):
    objects_attach.attach(shop, "O-1", "T", serials=["burner=B-1"])
    objects_change.set_qty(shop, "O-1", "valve", "3")
    rows = objects_io.export(shop)
    assert [(r["position"], r["qty"], r["serial"], r["version"]) for r in rows] == [
        ("burner", 1, "B-1", 2),
        ("pump", 1, None, 2),
        ("valve", 3, None, 2),
    ]
    moved = [{**r, "object": "O-2", "serial": None, "qty": str(r["qty"])} for r in rows]
    summary = objects_io.import_rows(shop, moved, dry_run=True)
    assert (summary["objects"], summary["components"]) == (1, 3)
    assert objects_io.export(shop, ["O-1"]) == rows
    objects_io.import_rows(shop, moved)
    imported = objects_io.export(shop, ["O-2"])
    assert [(r["position"], r["qty"], r["version"]) for r in imported] == [
        ("burner", 1, 1),
        ("pump", 1, 1),
        ("valve", 3, 1),
    ]


def test_import_reports_every_problem_with_its_row(shop):
    rows = [
        {"object": "O-2", "template": "T", "template_version": "v9", "position": "pump", "item": "PUMP"},
        {"object": "O-3", "template": "T", "template_version": "v1", "position": "pump", "item": "GHOST"},
        {"object": "O-3", "template": "T", "template_version": "v1", "position": "pump", "item": "PUMP"},
        {"object": "O-1", "template": "T", "template_version": "v1", "position": "pump", "item": "PUMP", "qty": "-1"},
    ]
    with pytest.raises(Problems) as refused:
        objects_io.import_rows(shop, rows)
    assert refused.value.problems == [
        "row 1: no version 'v9' (of bom template T)",
        "row 2: no item 'GHOST' (at position pump)",
        "row 3: position 'pump' of O-3 repeats row 2",
        "row 4: invalid qty '-1': must be positive",
    ]


# --- two writers ----------------------------------------------------------------------------------


def test_two_processes_replacing_the_same_position_one_wins(db_url, monkeypatch):
    from custsvc import state as options
    from custsvc.bootstrap import open_context

    options.reset(db=db_url, now=FIXED_NOW, actor="tester")
    with open_context() as ctx:
        build_shop(ctx)
        objects_attach.attach(ctx, "O-1", "T", serials=["burner=B-1"])
        moves.receive(ctx, "BURNER", "2", ["B-2", "B-3"])
    both_read = threading.Barrier(2, timeout=20)
    real = objects.get_bom

    def after_reading(ctx, obj):
        both_read.wait()
        return real(ctx, obj)

    monkeypatch.setattr(objects, "get_bom", after_reading)
    outcomes: dict[str, object] = {}

    def run(serial):
        try:
            with open_context() as ctx:
                outcomes[serial] = objects_change.replace(ctx, "O-1", "burner", new_serial=serial)["version"]
        except Conflict as exc:
            outcomes[serial] = exc

    workers = [threading.Thread(target=run, args=(s,)) for s in ("B-2", "B-3")]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    won = [v for v in outcomes.values() if v == 2]
    lost = [v for v in outcomes.values() if isinstance(v, Conflict)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert lost[0].exit_code == 3 and "changed by another process meanwhile; run it again" in lost[0].message
    monkeypatch.setattr(objects, "get_bom", real)
    with open_context() as ctx:
        assert [h["version"] for h in objects_read.history(ctx, "O-1")] == [1, 2]
        units = ctx.execute(select(SerialUnit.serial, SerialUnit.location).order_by(SerialUnit.serial)).all()
        assert sorted(loc for _s, loc in units).count("object:O-1") == 1


def test_two_processes_installing_the_same_unit_in_two_objects_one_wins(db_url, monkeypatch):
    """The unit is read where it is and held until the change commits (PostgreSQL: FOR UPDATE; SQLite:
    the write lock): the second change waits, then finds it installed in the first object."""
    from custsvc import state as options
    from custsvc.bootstrap import open_context

    options.reset(db=db_url, now=FIXED_NOW, actor="tester")
    with open_context() as ctx:
        build_shop(ctx)
        objects_attach.attach(ctx, "O-1", "T", serials=["burner=B-1"])
        objects_attach.attach(ctx, "O-2", "T", serials=["burner=B-2"])
        moves.receive(ctx, "BURNER", "1", ["B-9"])
    read = {"O-1": threading.Event(), "O-2": threading.Event()}
    mine = threading.local()
    real = ledger.unit

    def unit(ctx, item, serial):
        row = real(ctx, item, serial)
        if serial == "B-9":  # both read the unit before either moves it, unless one waits for the other
            read[mine.obj].set()
            read["O-2" if mine.obj == "O-1" else "O-1"].wait(3)
        return row

    monkeypatch.setattr(ledger, "unit", unit)
    outcomes: dict[str, object] = {}

    def run(obj):
        mine.obj = obj
        try:
            with open_context() as ctx:
                outcomes[obj] = objects_change.replace(ctx, obj, "burner", new_serial="B-9")["version"]
        except RuleViolation as exc:
            outcomes[obj] = exc

    workers = [threading.Thread(target=run, args=(o,)) for o in ("O-1", "O-2")]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    won = [o for o, v in outcomes.items() if v == 2]
    lost = [v for v in outcomes.values() if isinstance(v, RuleViolation)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert lost[0].rule == "serial-in-one-place" and f"installed in {won[0]}" in lost[0].message
    monkeypatch.setattr(ledger, "unit", real)
    with open_context() as ctx:
        assert ledger.unit(ctx, "BURNER", "B-9").location == f"object:{won[0]}"
        holders = ctx.execute(
            select(ObjectBomComponent.object).where(
                ObjectBomComponent.serial == "B-9",
                ObjectBomComponent.to_version.is_(None),
            )
        ).all()
        assert holders == [(won[0],)]


def test_detach_takes_the_same_statements_whatever_the_number_of_units(shop):
    from tests.services.test_customer_show import statements

    for n in range(30):
        add_component(shop, "T", "v2", position=f"burner-{n}", item="BURNER")

    def detached(obj, day, count):
        named = [f"burner=U-{obj}"] + [f"burner-{n}=U-{obj}-{n}" for n in range(count)]
        objects_attach.attach(shop, obj, "T", day=day, serials=named)
        shop.flush()
        with statements(shop) as seen:
            objects_attach.detach(shop, obj)
            shop.flush()
        return len(seen)

    few = detached("O-1", date(2025, 6, 1), 0)  # version v1: pump and burner
    many = detached("O-2", date(2026, 3, 1), 30)  # version v2: 31 burners
    assert few == many, (few, many)
    units = dict(shop.execute(select(SerialUnit.serial, SerialUnit.location)).all())
    assert {units[f"U-O-2-{n}"] for n in range(30)} == {"customer"} and units["U-O-1"] == "customer"
