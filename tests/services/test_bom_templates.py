"""Template BOMs: versions that never overlap, the version in force at a date, frozen versions,
components, show and diff, and import / export in one shape."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from custsvc.errors import Duplicate, InvalidInput, NotFound, Problems, RuleViolation, Usage
from custsvc.models import BomTemplate, BomTemplateComponent, BomTemplateVersion, Item, ObjectBom
from custsvc.services import master
from custsvc.services.bom import template_components as parts
from custsvc.services.bom import templates, templates_io
from custsvc.services.bom.templates import components_of, version_at

D = date.fromisoformat


@pytest.fixture
def shop(ctx):
    master.add(ctx, "customer", {"account": "C-1", "name": "Bakery"})
    for item, name in [
        ("BOILER", "Boiler"),
        ("PUMP", "Pump"),
        ("VALVE", "Valve"),
        ("SCREW", "Screw"),
        ("BOARD", "Board"),
    ]:
        master.add(ctx, "item", {"item": item, "name": name})
    ctx.get(Item, "BOARD").serialized = True
    master.add(ctx, "object", {"object": "X-1", "customer": "C-1", "item": "BOILER"})
    templates.add_template(ctx, "TPL", item="BOILER", description="Boiler 24")
    templates.add_version(ctx, "TPL", "v1", valid_from=D("2025-01-01"), valid_to=D("2025-12-31"))
    parts.add_component(ctx, "TPL", "v1", position="pump", item="PUMP")
    parts.add_component(ctx, "TPL", "v1", position="R12", item="SCREW", qty="4", note="M6")
    parts.add_component(ctx, "TPL", "v1", position="R2", item="SCREW", qty="2")
    return ctx


def use(ctx, version="v1", obj="X-1"):
    """An object BOM copied from the version (what ``bom attach`` writes)."""
    ctx.add(ObjectBom(object=obj, template="TPL", template_version=version, created_at=ctx.now, created_by="t"))
    ctx.flush()


def count(ctx, model):
    return ctx.execute(select(func.count()).select_from(model)).scalar_one()


def test_the_version_in_force_at_a_date(shop):
    templates.add_version(shop, "TPL", "v2", valid_from=D("2026-01-01"))
    assert version_at(shop, "TPL", D("2025-06-01")).version == "v1"
    assert version_at(shop, "TPL", D("2025-12-31")).version == "v1"  # the end is inclusive
    assert version_at(shop, "TPL", D("2026-01-01")).version == "v2"
    assert version_at(shop, "TPL", D("2099-01-01")).version == "v2"  # open-ended
    assert version_at(shop, "TPL", D("2024-12-31")) is None
    assert version_at(shop, "NOPE", D("2025-06-01")) is None


def test_components_come_by_position_numbers_as_numbers(shop):
    rows = components_of(shop, templates.get_version(shop, "TPL", "v1"))
    assert [(c.position, c.item, c.quantity) for c in rows] == [
        ("pump", "PUMP", Decimal(1)),
        ("R2", "SCREW", Decimal(2)),
        ("R12", "SCREW", Decimal(4)),
    ]


@pytest.mark.parametrize(
    "start,end",
    [("2025-06-01", None), ("2024-01-01", "2025-01-01"), ("2025-12-31", "2026-12-31"), ("2024-01-01", None)],
)
def test_versions_never_overlap_and_the_clash_is_named(shop, start, end):
    with pytest.raises(RuleViolation) as caught:
        templates.add_version(shop, "TPL", "v2", valid_from=D(start), valid_to=D(end) if end else None)
    assert caught.value.rule == "bom-versions-never-overlap"
    assert "version v1" in caught.value.message and "2025-01-01 to 2025-12-31" in caught.value.message


def test_a_version_ends_on_or_after_it_starts(shop):
    with pytest.raises(InvalidInput) as caught:
        templates.add_version(shop, "TPL", "v2", valid_from=D("2027-01-01"), valid_to=D("2026-12-31"))
    assert caught.value.field == "to"
    templates.add_version(shop, "TPL", "v2", valid_from=D("2027-01-01"), valid_to=D("2027-01-01"))  # one day


def test_a_new_from_after_the_versions_end_names_from(shop):
    # only --from is given: the error names it (and its value as typed), not the end the version has
    with pytest.raises(InvalidInput) as caught:
        templates.update_version(shop, "TPL", "v1", valid_from=D("2026-02-01"), from_text="2026-02-01")
    assert caught.value.field == "from" and caught.value.value == "2026-02-01"
    assert "2025-12-31" in caught.value.message
    with pytest.raises(InvalidInput) as caught:
        templates.update_version(shop, "TPL", "v1", valid_to=D("2024-12-31"), to_text="2024-12-31")
    assert caught.value.field == "to" and caught.value.value == "2024-12-31"
    assert version_at(shop, "TPL", D("2025-06-01")).valid_from == D("2025-01-01")  # nothing changed


def test_version_update_keeps_the_rule_and_can_open_the_end(shop):
    templates.add_version(shop, "TPL", "v2", valid_from=D("2026-01-01"), valid_to=D("2026-12-31"))
    with pytest.raises(RuleViolation):
        templates.update_version(shop, "TPL", "v2", valid_from=D("2025-12-01"))
    with pytest.raises(RuleViolation):
        templates.update_version(shop, "TPL", "v1", open_ended=True)
    record = templates.update_version(shop, "TPL", "v2", open_ended=True)
    assert record["to"] is None and record["status"] == "in force"
    with pytest.raises(Usage):
        templates.update_version(shop, "TPL", "v2")


def test_copy_from_copies_the_components(shop):
    record = templates.add_version(shop, "TPL", "v2", valid_from=D("2026-01-01"), copy_from="v1")
    assert record["components"] == 3
    assert parts.diff(shop, "TPL", "v1", "v2") == []
    with pytest.raises(NotFound):
        templates.add_version(shop, "TPL", "v3", valid_from=D("2030-01-01"), copy_from="v9")


def test_duplicates_exit_3(shop):
    with pytest.raises(Duplicate):
        templates.add_template(shop, "TPL", item="BOILER")
    with pytest.raises(Duplicate):
        templates.add_version(shop, "TPL", "v1", valid_from=D("2030-01-01"))
    with pytest.raises(Duplicate):
        parts.add_component(shop, "TPL", "v1", position="pump", item="VALVE")


def test_unknown_things_are_named(shop):
    with pytest.raises(NotFound, match="no item 'GHOST'"):
        templates.add_template(shop, "T2", item="GHOST")
    with pytest.raises(NotFound, match="no bom template 'T9'"):
        templates.add_version(shop, "T9", "v1", valid_from=D("2025-01-01"))
    with pytest.raises(NotFound, match="no version 'v9'"):
        parts.add_component(shop, "TPL", "v9", position="p", item="PUMP")
    with pytest.raises(NotFound, match="no position 'burner'"):
        parts.update_component(shop, "TPL", "v1", "burner", qty="2")


@pytest.mark.parametrize("position", ["has space", "", "-lead", "x" * 41, "a,b"])
def test_a_position_is_a_slot_name(shop, position):
    with pytest.raises(InvalidInput) as caught:
        parts.add_component(shop, "TPL", "v1", position=position, item="VALVE")
    assert caught.value.field == "position"


@pytest.mark.parametrize("qty", ["0", "-1", "two", "1.2345"])
def test_a_quantity_is_more_than_zero(shop, qty):
    with pytest.raises(InvalidInput) as caught:
        parts.add_component(shop, "TPL", "v1", position="valve", item="VALVE", qty=qty)
    assert caught.value.field == "qty"


def test_a_serialized_item_has_quantity_one(shop):
    with pytest.raises(InvalidInput, match="serialized"):
        parts.add_component(shop, "TPL", "v1", position="board", item="BOARD", qty="2")
    parts.add_component(shop, "TPL", "v1", position="board", item="BOARD")
    with pytest.raises(InvalidInput, match="serialized"):
        parts.update_component(shop, "TPL", "v1", "board", qty="3")
    with pytest.raises(InvalidInput, match="serialized"):
        parts.update_component(shop, "TPL", "v1", "R12", item="BOARD")  # R12 holds 4


def test_the_template_item_is_not_its_own_component(shop):
    with pytest.raises(InvalidInput, match="itself"):
        parts.add_component(shop, "TPL", "v1", position="self", item="BOILER")


def test_a_used_version_is_frozen_but_gets_new_versions(shop):
    use(shop)
    for change in (
        lambda: parts.add_component(shop, "TPL", "v1", position="valve", item="VALVE"),
        lambda: parts.update_component(shop, "TPL", "v1", "pump", qty="2"),
        lambda: parts.remove_component(shop, "TPL", "v1", "pump"),
    ):
        with pytest.raises(RuleViolation) as caught:
            change()
        assert caught.value.rule == "bom-version-frozen"
        assert "--copy-from v1" in caught.value.message
    templates.add_version(shop, "TPL", "v2", valid_from=D("2026-01-01"), copy_from="v1")
    parts.add_component(shop, "TPL", "v2", position="valve", item="VALVE")
    with pytest.raises(RuleViolation, match="bom-version-in-use"):
        templates.remove_version(shop, "TPL", "v1")
    with pytest.raises(RuleViolation, match="bom-template-in-use"):
        templates.remove_template(shop, "TPL")
    with pytest.raises(RuleViolation, match="bom-template-item-in-use"):
        templates.update_template(shop, "TPL", item="VALVE")
    templates.remove_version(shop, "TPL", "v2")
    templates.update_version(shop, "TPL", "v1", valid_to=D("2026-06-30"))  # dates of a used version may change


def test_remove_takes_versions_and_components_along(shop):
    templates.remove_template(shop, "TPL")
    assert [count(shop, m) for m in (BomTemplate, BomTemplateVersion, BomTemplateComponent)] == [0, 0, 0]


def test_update_template(shop):
    record = templates.update_template(shop, "TPL", description="", item="VALVE")
    assert (record["item"], record["description"]) == ("VALVE", None)
    with pytest.raises(Usage):
        templates.update_template(shop, "TPL")


def test_list_counts_versions_and_names_the_one_in_force(shop):
    templates.add_version(shop, "TPL", "v2", valid_from=D("2026-01-01"))
    templates.add_template(shop, "EMPTY", item="PUMP")
    rows = templates.list_templates(shop)
    assert [(r["template"], r["versions"], r["in_force"]) for r in rows] == [("EMPTY", 0, None), ("TPL", 2, "v2")]
    assert set(rows[0]) == set(templates.TEMPLATE_FIELDS)


def test_show_picks_today_else_the_newest(shop):
    record = parts.show(shop, "TPL")  # today 2026-03-10: v1 expired, none in force: the newest
    assert (record["version"], record["status"]) == ("v1", "expired")
    assert [c["position"] for c in record["components"]] == ["pump", "R2", "R12"]
    assert record["components"][0] == {"position": "pump", "item": "PUMP", "item_name": "Pump", "qty": 1, "note": None}
    templates.add_version(shop, "TPL", "v3", valid_from=D("2027-01-01"))
    templates.add_version(shop, "TPL", "v2", valid_from=D("2026-01-01"), valid_to=D("2026-12-31"))
    assert parts.show(shop, "TPL")["version"] == "v2"
    assert parts.show(shop, "TPL", at=D("2025-02-01"))["version"] == "v1"
    assert parts.show(shop, "TPL", version="v3")["status"] == "future"
    with pytest.raises(NotFound, match="in force on '2020-01-01'"):
        parts.show(shop, "TPL", at=D("2020-01-01"))


def test_show_of_a_template_without_versions(shop):
    templates.add_template(shop, "EMPTY", item="PUMP")
    record = parts.show(shop, "EMPTY")
    assert record["version"] is None and record["components"] == []


def test_diff_per_position(shop):
    templates.add_version(shop, "TPL", "v2", valid_from=D("2026-01-01"), copy_from="v1")
    parts.update_component(shop, "TPL", "v2", "pump", item="VALVE")
    parts.update_component(shop, "TPL", "v2", "R12", note="")
    parts.remove_component(shop, "TPL", "v2", "R2")
    parts.add_component(shop, "TPL", "v2", position="A1", item="SCREW", qty="1.5")
    rows = parts.diff(shop, "TPL", "v1", "v2")
    assert [(r["position"], r["change"]) for r in rows] == [
        ("A1", "added"),
        ("pump", "changed"),
        ("R2", "removed"),
        ("R12", "changed"),
    ]
    assert rows[1]["old_item"] == "PUMP" and rows[1]["new_item"] == "VALVE"
    assert rows[3]["old_note"] == "M6" and rows[3]["new_note"] is None
    assert rows[0]["new_qty"] == Decimal("1.5") and rows[0]["old_qty"] is None


# --- import / export ------------------------------------------------------------------------------


def test_export_is_one_row_per_component(shop):
    templates.add_version(shop, "TPL", "v2", valid_from=D("2026-01-01"))
    templates.add_template(shop, "EMPTY", item="PUMP")
    rows = templates_io.export_rows(shop)
    assert [(r["template"], r["version"], r["position"]) for r in rows] == [
        ("EMPTY", None, None),
        ("TPL", "v1", "pump"),
        ("TPL", "v1", "R2"),
        ("TPL", "v1", "R12"),
        ("TPL", "v2", None),
    ]
    assert all(list(r) == list(templates_io.EXPORT_FIELDS) for r in rows)
    assert [r["template"] for r in templates_io.export_rows(shop, ["EMPTY"])] == ["EMPTY"]
    with pytest.raises(NotFound):
        templates_io.export_rows(shop, ["GHOST"])


def test_importing_the_export_again_changes_nothing(shop):
    rows = templates_io.export_rows(shop)
    summary = templates_io.import_rows(shop, rows)
    assert (summary["templates"], summary["versions"], summary["skipped_versions"]) == (0, 0, 1)


def _row(**values):
    base = {
        "template": "NEW",
        "item": "BOILER",
        "version": "a",
        "from": "2026-01-01",
        "position": "p1",
        "component": "PUMP",
    }
    return {**base, **values}


def test_import_creates_templates_versions_and_components_in_bulk(shop):
    rows = [
        _row(to="2026-12-31"),
        _row(to="2026-12-31", position="p2", component="SCREW", qty="3", note="M8"),
        _row(version="b", **{"from": "2027-01-01"}, position="", component=""),
        {"template": "TPL", "item": "BOILER", "description": "Boiler 24", "version": "v2", "from": "2026-01-01",
         "position": "pump", "component": "VALVE"},
    ]  # fmt: skip
    dry = templates_io.import_rows(shop, rows, dry_run=True)
    assert count(shop, BomTemplateVersion) == 1 and dry["dry_run"]
    summary = templates_io.import_rows(shop, rows)
    assert (summary["templates"], summary["versions"], summary["components"]) == (1, 3, 3)
    new = parts.show(shop, "NEW", version="a")
    assert [(c["position"], c["item"], c["qty"], c["note"]) for c in new["components"]] == [
        ("p1", "PUMP", 1, None),
        ("p2", "SCREW", 3, "M8"),
    ]
    assert parts.show(shop, "NEW", version="b")["components"] == []
    assert version_at(shop, "TPL", D("2026-03-10")).version == "v2"


def test_import_reports_every_problem_with_its_row_and_writes_nothing(shop):
    rows = [
        _row(),  # 1 fine
        _row(position="p1", component="VALVE"),  # 2 repeats position p1 of row 1
        _row(template="T2", item="GHOST"),  # 3 no item
        _row(template="T3", component="GHOST2"),  # 4 no component item
        _row(template="T4", qty="0"),  # 5 qty
        _row(template="T5", **{"from": "2026-02-01", "to": "2026-01-01"}),  # 6 to before from
        _row(template="TPL", item="BOILER", version="v9", **{"from": "2025-06-01"}),  # 7 overlaps v1
        _row(template="TPL", item="VALVE", version="v8"),  # 8 other item than row 7
        {"template": "TPL", "item": "BOILER", "version": "v1", "from": "2025-01-01", "to": "2025-12-31",
         "position": "pump", "component": "VALVE"},  # 9 v1 with other components
        _row(template="T6", component="BOARD", qty="2"),  # 10 serialized
        _row(template="T7", position="has space"),  # 11 position
        _row(item="VALVE"),  # 12 another item than row 1
    ]  # fmt: skip
    with pytest.raises(Problems) as caught:
        templates_io.import_rows(shop, rows)
    numbers = [int(line.split(":")[0].removeprefix("row ")) for line in caught.value.problems]
    assert numbers == list(range(2, 13))
    assert "nothing was imported" in caught.value.message and caught.value.exit_code == 1
    text = "\n".join(caught.value.problems)
    for needle in ("'p1' repeats row 1", "GHOST", "GHOST2", "'0'", "2026-01-01", "overlaps version v1", "differs from row 7",
                   "exists with other dates or components", "serialized", "has space", "differs from row 1"):  # fmt: skip
        assert needle in text
    assert count(shop, BomTemplate) == 1 and count(shop, BomTemplateVersion) == 1


def test_import_refuses_another_item_or_description_for_a_stored_template(shop):
    with pytest.raises(Problems, match="row 1: invalid item 'VALVE': bom template TPL exists with item BOILER"):
        templates_io.import_rows(shop, [_row(template="TPL", item="VALVE", version="v8")])
    with pytest.raises(Problems, match="exists with another description"):
        templates_io.import_rows(shop, [_row(template="TPL", description="Other", version="v8")])
    summary = templates_io.import_rows(shop, [_row(template="TPL", item="", version="v8")])  # blank: the stored ones
    assert summary["versions"] == 1 and summary["templates"] == 0


def test_import_versions_of_one_file_do_not_overlap_either(shop):
    rows = [_row(), _row(version="b", **{"from": "2026-06-01"})]
    with pytest.raises(Problems, match="row 2: version b .* overlaps version a"):
        templates_io.import_rows(shop, rows)


def test_import_only_duplicates_is_a_conflict(shop):
    rows = [
        {"template": "TPL", "item": "BOILER", "description": "Boiler 24", "version": "v1", "from": "2025-01-01",
         "to": "2025-12-31", "position": "pump", "component": "VALVE"},
    ]  # fmt: skip
    with pytest.raises(Problems) as caught:
        templates_io.import_rows(shop, rows)
    assert caught.value.exit_code == 3


@pytest.mark.parametrize(
    "row,needle",
    [
        ({"template": "X", "colour": "red"}, "colour"),
        ({"template": ["X"]}, "template"),
        ({"template": "X", "item": "PUMP", "version": "a"}, "from"),
        ({"template": "X", "item": "PUMP", "position": "p"}, "version"),
        ({"template": "X", "item": "PUMP", "version": "a", "from": "2026-01-01", "position": "p"}, "component"),
        ({"template": "X", "item": "PUMP", "qty": True}, "qty"),
        ({"item": "PUMP"}, "template"),
        ({"template": "X"}, "item"),
    ],
)
def test_import_row_shape(shop, row, needle):
    with pytest.raises(Problems) as caught:
        templates_io.import_rows(shop, [row])
    assert caught.value.message.startswith("row 1:") and needle in caught.value.message


def test_import_columns_are_checked(shop):
    with pytest.raises(InvalidInput, match="colour"):
        templates_io.import_rows(shop, [], columns=["template", "colour"])
    with pytest.raises(InvalidInput, match="'template' is missing"):
        templates_io.import_rows(shop, [], columns=["item"])
    assert templates_io.import_rows(shop, [], columns=list(templates_io.EXPORT_FIELDS))["rows"] == 0


def test_two_imports_adding_overlapping_versions_at_once_one_wins(db_url, monkeypatch):
    """The import holds the templates it adds versions to (PostgreSQL: FOR UPDATE, as version add
    does; SQLite: the write lock): the second waits, then finds the first one's version in the way."""
    import threading

    from custsvc import state as options
    from custsvc.bootstrap import open_context
    from tests.conftest import FIXED_NOW

    options.reset(db=db_url, now=FIXED_NOW, actor="tester")
    with open_context() as ctx:
        master.add(ctx, "item", {"item": "BOILER", "name": "Boiler"})
        templates.add_template(ctx, "TPL", item="BOILER")
    read = {"a": threading.Event(), "b": threading.Event()}
    mine = threading.local()
    real = templates_io._versions

    def versions(ctx, names):
        found = real(ctx, names)
        if names:  # both read the versions before either writes, unless one waits for the other
            read[mine.name].set()
            read["b" if mine.name == "a" else "a"].wait(3)
        return found

    monkeypatch.setattr(templates_io, "_versions", versions)
    outcomes: dict[str, object] = {}

    def run(name):
        mine.name = name
        try:
            with open_context() as ctx:
                row = {"template": "TPL", "version": name, "from": "2026-01-01"}
                outcomes[name] = templates_io.import_rows(ctx, [row])["versions"]
        except Problems as exc:
            outcomes[name] = exc

    workers = [threading.Thread(target=run, args=(n,)) for n in ("a", "b")]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert sorted(str(type(v).__name__) for v in outcomes.values()) == ["Problems", "int"], outcomes
    lost = next(v for v in outcomes.values() if isinstance(v, Problems))
    assert "bom-versions-never-overlap" in lost.message
    monkeypatch.setattr(templates_io, "_versions", real)
    with open_context() as ctx:
        assert len(templates.versions_of(ctx, "TPL")) == 1
