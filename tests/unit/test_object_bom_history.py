"""Property: an object's BOM as of any past version or change time is exactly the state built step by
step. A random sequence of replace, add, remove and set-qty (serialized units and plain parts, at
increasing times) is applied to a fresh object; then ``show --at`` each change's time and ``show
--version N`` equal the model, no version holds a serial twice, and the history is versions 1..N."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custsvc.services import master
from custsvc.services.bom import objects_attach, objects_change, objects_read, templates
from custsvc.services.bom.template_components import add_component
from custsvc.services.stock import moves

START = datetime(2025, 1, 1, 8, tzinfo=UTC)
ITEMS = ("PUMP", "VALVE", "BURNER")  # BURNER is serialized

operation = st.tuples(
    st.sampled_from(("replace", "add", "remove", "set-qty")),
    st.integers(min_value=0, max_value=9),  # which position
    st.sampled_from(ITEMS),
    st.integers(min_value=1, max_value=4),  # a quantity
)


@pytest.fixture
def base(ctx):
    master.add(ctx, "customer", {"account": "C-1", "name": "Bakery"})
    master.add(ctx, "item", {"item": "BOILER", "name": "Boiler"})
    master.add(ctx, "item", {"item": "PUMP", "name": "Pump"})
    master.add(ctx, "item", {"item": "VALVE", "name": "Valve"})
    master.add(ctx, "item", {"item": "BURNER", "name": "Burner", "serialized": "yes"})
    templates.add_template(ctx, "T", item="BOILER")
    templates.add_version(ctx, "T", "v1", valid_from=START.date())
    add_component(ctx, "T", "v1", position="burner", item="BURNER")
    add_component(ctx, "T", "v1", position="pump", item="PUMP", qty="2")
    return ctx


COUNTER = itertools.count(1)


def _apply(ctx, obj, model, op, serials):
    """Apply one operation to the object and the model; False when it does not apply."""
    kind, index, item, qty = op
    positions = sorted(model)
    serialized = item == "BURNER"
    new_serial = None
    if serialized and kind in ("replace", "add"):
        new_serial = f"{obj}-S{next(serials)}"
        moves.receive(ctx, item, "1", [new_serial])
    if kind == "add":
        position = f"p{index}"
        if position in model:
            return False
        amount = 1 if serialized else qty
        objects_change.add(ctx, obj, position, item, qty=str(amount), serial=new_serial)
        model[position] = (item, Decimal(amount), new_serial)
        return True
    if not positions:
        return False
    position = positions[index % len(positions)]
    old_item, old_qty, _old_serial = model[position]
    if kind == "remove":
        objects_change.remove(ctx, obj, position, faulty=index % 2 == 0)
        del model[position]
    elif kind == "set-qty":
        if old_item == "BURNER" or Decimal(qty) == old_qty:
            return False
        objects_change.set_qty(ctx, obj, position, str(qty))
        model[position] = (old_item, Decimal(qty), None)
    else:
        amount = Decimal(1) if serialized else old_qty  # a burner's quantity was 1
        objects_change.replace(ctx, obj, position, item=item, new_serial=new_serial)
        model[position] = (item, amount, new_serial)
    return True


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(operation, min_size=1, max_size=14))
def test_every_past_version_is_reproduced_exactly(base, operations):
    ctx = base
    obj = f"O-{next(COUNTER)}"
    master.add(ctx, "object", {"object": obj, "customer": "C-1", "item": "BOILER"})
    serials = itertools.count(1)
    when = START
    with ctx.at(when):
        objects_attach.attach(ctx, obj, "T", serials=[f"burner={obj}-S0"])
    model = {"burner": ("BURNER", Decimal(1), f"{obj}-S0"), "pump": ("PUMP", Decimal(2), None)}
    states = [(when, dict(model))]
    for op in operations:
        when += timedelta(hours=1)
        with ctx.at(when):
            if _apply(ctx, obj, model, op, serials):
                states.append((when, dict(model)))

    def shown(**kwargs):
        record = objects_read.show(ctx, obj, **kwargs)
        return {c["position"]: (c["item"], c["qty"], c["serial"]) for c in record["components"]}, record["version"]

    for version, (moment, expected) in enumerate(states, start=1):
        assert shown(at=moment) == (expected, version)
        assert shown(at=moment + timedelta(minutes=30)) == (expected, version)
        assert shown(version=version)[0] == expected
        held = [serial for _item, _qty, serial in expected.values() if serial]
        assert len(held) == len(set(held))
    assert [h["version"] for h in objects_read.history(ctx, obj)] == list(range(1, len(states) + 1))
