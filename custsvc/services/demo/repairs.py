"""Two years of repairs in the demo shop (``fixtures/repair_codes.json``): the codes of heating and
cooling repairs, each object's install date and warranty, and the calls planned by ``repair_plan``
replayed through the services at the times they happened (``Context.at``).

A call is an order for the object's customer with an hour line and a repair line (registered by the
dispatcher); the technician's visit diagnoses it, swaps the part (or uses one from the shelf) and
finishes it; the order is completed, signed off and posted a day or two later. A repair that waited
for parts has two visits, each an assignment of its own hour line. Parts come onto the shelf in a
delivery before the month's first call that needs them."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select

from custsvc.context import Context
from custsvc.errors import RuleViolation
from custsvc.services.demo.repair_plan import SLOTS, Call, Planner, Unit, _local, _weekday
from custsvc.services.demo.timeline import DISPATCHER, MANAGER, Later, relative_day

SPEC = "repair_codes.json"


def _codes(ctx: Context, codes: dict[str, list[Any]]) -> None:
    from custsvc.services.repairs.codes import add_code

    for kind in ("condition", "resolution"):
        for code, text in codes[kind]:
            add_code(ctx, kind, code, description=text)
    for kind, member in (("symptom-area", "symptom"), ("diagnosis-area", "diagnosis")):
        for area, text, members in codes[kind]:
            add_code(ctx, kind, area, description=text)
            for code, description in members:
                add_code(ctx, member, code, description=description, area=area)


def _swaps_from(ctx: Context) -> dict[str, datetime]:
    """When each object's BOM last changed (a swap replayed now must come after it)."""
    from custsvc.models import ObjectBom, ObjectBomChange

    last = dict(
        ctx.execute(select(ObjectBomChange.object, func.max(ObjectBomChange.at)).group_by(ObjectBomChange.object)).all()
    )
    made = dict(ctx.execute(select(ObjectBom.object, ObjectBom.created_at)).all())
    return {obj: max(filter(None, (last.get(obj), at))) for obj, at in made.items()}


def _units(ctx: Context, folder: Path, warranty: dict[str, Any]) -> list[Unit]:
    """The objects with a BOM; each gets its install date (the build date in ``boms.json`` and a
    few days) and the maker's warranty from then on."""
    from custsvc.models import Item, ObjectBom, ObjectBomComponent, ServiceObject

    built = {o["object"]: o["built"] for o in json.loads((folder / "boms.json").read_text(encoding="utf-8"))["objects"]}
    parts: dict[str, dict[str, tuple[str, bool]]] = defaultdict(dict)
    rows = ctx.execute(
        select(ObjectBomComponent.object, ObjectBomComponent.position, Item.item, Item.serialized)
        .join(Item, Item.item == ObjectBomComponent.item)
        .where(ObjectBomComponent.to_version.is_(None))  # type: ignore[union-attr]
    )
    for obj, position, item, serialized in rows:
        parts[obj][position] = (item, bool(serialized))
    swaps_from = _swaps_from(ctx)
    units = []
    query = select(ServiceObject, ObjectBom).join(ObjectBom, ObjectBom.object == ServiceObject.object)
    for row, bom in ctx.execute(query.order_by(ServiceObject.object)):
        row.installed_on = relative_day(built[row.object], ctx.today) + timedelta(days=warranty["installed_after_days"])
        row.warranty_until = row.installed_on + relativedelta(months=warranty["months"])
        row.updated_at, row.updated_by = ctx.now, ctx.actor
        units.append(
            Unit(
                row.object,
                row.customer,
                bom.template,
                bom.template_version,
                row.installed_on,
                swaps_from[row.object],
                parts[row.object],
            )
        )
    ctx.flush()
    return units


def _skilled(ctx: Context) -> dict[str, list[str]]:
    """The technicians who have each task's skill."""
    from custsvc.models import ServiceTask, WorkerRole, WorkerSkill

    techs = set(ctx.execute(select(WorkerRole.worker).where(WorkerRole.role == "technician")).scalars())
    skills = defaultdict(list)
    for worker, skill in ctx.execute(select(WorkerSkill.worker, WorkerSkill.skill).order_by(WorkerSkill.worker)):
        if worker in techs:
            skills[skill].append(worker)
    return {task: skills[skill] for task, skill in ctx.execute(select(ServiceTask.task, ServiceTask.skill))}


def _deliveries(ctx: Context, calls: list[Call], faults: dict[str, Any]) -> None:
    """Parts onto the shelf before each month's first call that needs them."""
    from custsvc.services.stock import moves

    batches: dict[tuple[str, str], dict[str, Any]] = {}
    for call in calls:
        if call.open is not None:
            continue
        spec = faults[call.fault]
        needs = [tuple(spec["item"])] if spec.get("item") else []
        if spec.get("swap"):
            needs.append((call.unit.parts[spec["swap"]][0], "1"))
        for item, qty in needs:
            batch = batches.setdefault(
                (call.at.strftime("%Y-%m"), item), {"at": call.at, "qty": Decimal(0), "serials": []}
            )
            batch["qty"] += Decimal(qty)
            if item == call.unit.parts.get(spec.get("swap") or "", ("",))[0] and call.new_serial:
                batch["serials"].append(call.new_serial)
    for (_month, item), batch in sorted(batches.items(), key=lambda kv: kv[1]["at"]):
        day = batch["at"].astimezone(ctx.tz).date() - timedelta(days=1)
        with ctx.at(_local(ctx, day, 7, 45), actor=MANAGER):
            qty = str(len(batch["serials"])) if batch["serials"] else format(batch["qty"], "f")
            moves.receive(ctx, item, qty, batch["serials"], "repair parts: monthly delivery")


def _assign(ctx: Context, number: str, line: int, call: Call, start: datetime, hours: Decimal) -> datetime:
    """The visit on the technician's calendar: the slot planned, else the next one free."""
    from custsvc.services.dispatch.assignment import assign

    day = start.astimezone(ctx.tz).date()
    candidates = [start] + [_local(ctx, _weekday(day, n // 4), *SLOTS[n % 4]) for n in range(1, 16)]
    with ctx.at(min(start, call.at + timedelta(minutes=40)), actor=DISPATCHER):
        for when in candidates:
            if when < ctx.now:
                continue
            try:
                assign(ctx, number, call.technician, when, timedelta(hours=float(hours)), line_no=line)
                return when
            except RuleViolation:
                continue
    raise RuleViolation("demo-visit", f"no free slot for {number} near {start.isoformat()}")  # pragma: no cover


class Replay:
    """One call through the services, step by step at its times."""

    def __init__(self, ctx: Context, call: Call, spec: dict[str, Any], later: Later):
        self.ctx, self.call, self.later = ctx, call, later
        self.fault: dict[str, Any] = spec["faults"][call.fault]
        self.number, self.repair, self.lines = "", 0, []

    def run(self) -> None:
        call = self.call
        self._register()
        visit = self._first_visit()
        if call.open is not None and call.open["stage"] == "registered":
            return self._leave_open(visit)
        self._diagnose(visit + timedelta(minutes=40))
        if call.open is not None:
            return self._leave_open(visit)
        if len(call.visits) > 1:
            visit = self._second_visit()
        work_end = visit + timedelta(hours=float(call.hours))
        self._repair(work_end - timedelta(minutes=25))
        self._finish(work_end)
        return None

    def _register(self) -> None:
        from custsvc.services import orders
        from custsvc.services.repairs import lines

        call, fault = self.call, self.fault
        first_hours = Decimal("1") if len(call.visits) > 1 else call.hours
        with self.ctx.at(call.at, actor=DISPATCHER):
            self.number = orders.create(
                self.ctx,
                customer=call.unit.customer,
                objects=[call.unit.obj],
                priority=call.priority,
                technician=call.technician,
                description=self._description(),
            )["order"]
            self._hour_line(first_hours)
            self.repair = lines.add(
                self.ctx,
                self.number,
                obj=call.unit.obj,
                technician=call.technician,
                condition=fault.get("condition"),
                symptom=fault["symptom"],
                note="again: the fault is back" if call.repeat else None,
            )["line"]

    def _description(self) -> str:
        from custsvc.services.repairs.codes import get_code

        text = get_code(self.ctx, "symptom", self.fault["symptom"]).description
        return f"{text} ({'again' if self.call.repeat else self.call.unit.obj})"

    def _hour_line(self, hours: Decimal) -> int:
        from custsvc.services import orders

        line = orders.add_line(
            self.ctx,
            self.number,
            type="hour",
            task=self.fault["task"],
            worker=self.call.technician,
            quantity=str(hours),
        )["line"]
        self.lines.append(line)
        return line

    def _first_visit(self) -> datetime:
        from custsvc.services import orders

        call = self.call
        if len(call.visits) > 1 or call.open is not None:
            visit = _assign(self.ctx, self.number, self.lines[0], call, call.visits[0], Decimal(1))
        else:
            visit = call.visits[0]
            with self.ctx.at(call.at + timedelta(minutes=25 + call.at.minute % 30), actor=DISPATCHER):
                orders.move(self.ctx, self.number, "planned")
        with self.ctx.at(visit, actor=call.technician):
            orders.move(self.ctx, self.number, "in-progress")
        return visit

    def _diagnose(self, when: datetime) -> None:
        from custsvc.services.repairs import lines

        fault, unit = self.fault, self.call.unit
        position = fault.get("swap")
        serial = None
        if position and when > unit.swaps_from:
            serial = self._installed_serial(position)
        with self.ctx.at(when, actor=self.call.technician):
            lines.update(
                self.ctx, self.number, self.repair, stage="diagnosed", diagnosis=fault.get("diagnosis"), serial=serial
            )

    def _installed_serial(self, position: str) -> str | None:
        from custsvc.services.bom.objects import current_rows

        row = current_rows(self.ctx, self.call.unit.obj).get(position)
        return row.serial if row is not None else None

    def _leave_open(self, visit: datetime) -> None:
        from custsvc.services import orders
        from custsvc.services.repairs import lines

        spec = self.call.open or {}
        with self.ctx.at(visit + timedelta(hours=1), actor=self.call.technician):
            if spec.get("note"):
                lines.update(self.ctx, self.number, self.repair, note=spec["note"])
            if spec["order"] != "in-progress":
                orders.move(self.ctx, self.number, spec["order"])

    def _second_visit(self) -> datetime:
        from custsvc.services import orders

        call = self.call
        with self.ctx.at(call.visits[0] + timedelta(hours=1, minutes=20), actor=call.technician):
            orders.move(self.ctx, self.number, "waiting-for-parts")
        planned = max(call.visits[1], call.visits[0] + timedelta(days=1))
        with self.ctx.at(planned - timedelta(days=1), actor=DISPATCHER):
            line = self._hour_line(call.hours)
        visit = _assign(self.ctx, self.number, line, call, planned, call.hours)
        with self.ctx.at(visit, actor=call.technician):
            orders.move(self.ctx, self.number, "in-progress", back=True)
        return visit

    def _repair(self, when: datetime) -> None:
        from custsvc.services import orders
        from custsvc.services.repairs import swaps

        fault, call = self.fault, self.call
        with self.ctx.at(when, actor=call.technician):
            if fault.get("swap"):
                swaps.swap(
                    self.ctx, self.number, self.repair, position=fault["swap"], new_serial=call.new_serial, invoice=True
                )
            if fault.get("item"):
                item, qty = fault["item"]
                line = orders.add_line(self.ctx, self.number, type="item", item=item, quantity=qty, obj=call.unit.obj)
                self.lines.append(line["line"])
            swaps.link(self.ctx, self.number, self.repair, self.lines)

    def _finish(self, when: datetime) -> None:
        from custsvc.services import orders
        from custsvc.services.repairs import lines

        fault, call = self.fault, self.call
        with self.ctx.at(when, actor=call.technician):
            lines.update(
                self.ctx,
                self.number,
                self.repair,
                stage=fault.get("stage", "repaired"),
                resolution=fault["resolution"],
                note=fault.get("note"),
            )
            orders.move(self.ctx, self.number, "completed")
        with self.ctx.at(when + timedelta(minutes=10), actor=call.technician):
            orders.sign_off(self.ctx, self.number)
        if (self.ctx.today - when.astimezone(self.ctx.tz).date()).days > 10:
            number = self.number
            post_at = _local(self.ctx, _weekday(when.astimezone(self.ctx.tz).date(), 1 + call.at.day % 2), 9, 30)
            self.later.add(post_at, lambda: orders.post(self.ctx, number))


def load_repairs(ctx: Context, folder: Path, later: Later) -> None:
    """The repair codes, the objects' warranties, then two years of calls in the order they came."""
    spec = json.loads((folder / SPEC).read_text(encoding="utf-8"))
    spec["serial_prefix"] = json.loads((folder / "boms.json").read_text(encoding="utf-8"))["serial_prefix"]
    start = ctx.today - relativedelta(months=spec["months"] + 1)
    with ctx.at(_local(ctx, start, 9, 0), actor=MANAGER):
        _codes(ctx, spec["codes"])
        units = _units(ctx, folder, spec["warranty"])
    calls = Planner(ctx, spec, units, _skilled(ctx)).plan()
    _deliveries(ctx, calls, spec["faults"])
    for call in calls:
        Replay(ctx, call, spec, later).run()


def summary(ctx: Context) -> dict[str, int]:
    """Repairs for the demo's overview: all, still open, under warranty, not repairable."""
    from custsvc.models import RepairLine, RepairStage

    rows = ctx.execute(
        select(RepairStage.finished, RepairLine.stage, RepairLine.warranty).join(
            RepairStage, RepairStage.stage == RepairLine.stage
        )
    ).all()
    return {
        "repairs": len(rows),
        "open": sum(1 for finished, _s, _w in rows if not finished),
        "under warranty": sum(1 for _f, _s, warranty in rows if warranty),
        "not repairable": sum(1 for _f, stage, _w in rows if stage == "not-repairable"),
    }
