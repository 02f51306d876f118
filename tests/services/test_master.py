from datetime import UTC, datetime
from decimal import Decimal

import pytest

from custsvc.errors import CustSvcError, Duplicate, InvalidInput, NotFound, Problems, RuleViolation
from custsvc.services import master, workers


def seed(ctx):
    master.add(ctx, "worker", {"worker": "M-1", "name": "Mara", "roles": ["manager"]})
    master.add(ctx, "team", {"team": "north", "owner": "M-1"})
    master.add(ctx, "customer", {"account": "C-1", "name": "Bakery", "tier": "Gold", "timezone": "Europe/Riga"})
    master.add(ctx, "item", {"item": "PUMP", "name": "Pump", "price": "189"})


def test_add_stamps_clock_and_actor(ctx):
    record = master.add(ctx, "customer", {"account": "C-1", "name": "Bakery"})
    assert record["created_at"] == datetime(2026, 3, 10, 7, 0, tzinfo=UTC)
    assert record["created_by"] == "tester"
    assert record["updated_at"] is None


def test_values_are_cleaned(ctx):
    seed(ctx)
    assert master.show(ctx, "customer", "C-1")["tier"] == "gold"
    item = master.show(ctx, "item", "PUMP")
    assert item["price"] == Decimal("189.00") and item["unit"] == "pcs"
    task = master.add(ctx, "task", {"task": "T", "description": "Service", "hours": "1.50", "skill": "Gas"})
    assert task["hours"] == Decimal("1.5") and task["skill"] == "gas"


def test_required_and_invalid_fields_name_the_field(ctx):
    with pytest.raises(InvalidInput, match="name"):
        master.add(ctx, "customer", {"account": "C-1"})
    with pytest.raises(InvalidInput, match="account"):
        master.add(ctx, "customer", {"account": "C 1", "name": "x"})
    with pytest.raises(InvalidInput, match="email"):
        master.add(ctx, "customer", {"account": "C-1", "name": "x", "email": "nope"})
    with pytest.raises(InvalidInput, match="role"):
        master.add(ctx, "worker", {"worker": "W", "name": "x", "roles": ["boss"]})
    with pytest.raises(InvalidInput, match="field"):
        master.add(ctx, "customer", {"account": "C-1", "name": "x", "colour": "red"})


def test_duplicates_and_missing_references(ctx):
    seed(ctx)
    with pytest.raises(Duplicate):
        master.add(ctx, "customer", {"account": "C-1", "name": "again"})
    with pytest.raises(NotFound, match="customer 'C-404'"):
        master.add(ctx, "object", {"object": "O-1", "customer": "C-404"})
    with pytest.raises(NotFound, match="team 'south'"):
        master.add(ctx, "worker", {"worker": "T-1", "name": "x", "roles": ["technician"], "team": "south"})


def test_serial_numbers_are_unique_per_item(ctx):
    seed(ctx)
    master.add(ctx, "object", {"object": "O-1", "customer": "C-1", "item": "PUMP", "serial": "S1"})
    with pytest.raises(Duplicate, match="S1"):
        master.add(ctx, "object", {"object": "O-2", "customer": "C-1", "item": "PUMP", "serial": "S1"})
    master.add(ctx, "object", {"object": "O-2", "customer": "C-1", "serial": "S1"})  # no item: not compared
    master.add(ctx, "object", {"object": "O-3", "customer": "C-1", "item": "PUMP", "serial": "S2"})
    with pytest.raises(Duplicate):
        master.update_record(ctx, "object", "O-3", {"serial": "S1"})


def test_update_changes_only_given_fields_and_clears_blanks(ctx):
    seed(ctx)
    ctx.now = datetime(2026, 3, 11, tzinfo=UTC)
    record = master.update_record(ctx, "customer", "C-1", {"phone": "+371 1", "tier": ""})
    assert record["phone"] == "+371 1"
    assert record["tier"] is None
    assert record["name"] == "Bakery"
    assert record["updated_at"] == datetime(2026, 3, 11, tzinfo=UTC)
    with pytest.raises(InvalidInput, match="name"):
        master.update_record(ctx, "customer", "C-1", {"name": ""})
    with pytest.raises(NotFound):
        master.update_record(ctx, "customer", "C-404", {"name": "x"})


def test_worker_roles_and_skills(ctx):
    seed(ctx)
    master.add(
        ctx,
        "worker",
        {"worker": "T-1", "name": "Anna", "roles": "technician", "skills": "gas, Electrical, gas", "team": "north"},
    )
    record = master.show(ctx, "worker", "T-1")
    assert record["roles"] == ["technician"]
    assert record["skills"] == ["electrical", "gas"]
    record = workers.update_worker(ctx, "T-1", {}, add_skills=["refrigeration"], remove_skills=["gas"])
    assert record["skills"] == ["electrical", "refrigeration"]
    record = workers.update_worker(ctx, "T-1", {"roles": ["technician", "dispatcher"]}, [], [])
    assert record["roles"] == ["dispatcher", "technician"]
    assert [w["worker"] for w in master.list_records(ctx, "worker", filters={"roles": "technician"})] == ["T-1"]
    assert [w["worker"] for w in master.list_records(ctx, "worker", filters={"skills": "gas"})] == []


def test_remove_refuses_records_in_use(ctx):
    seed(ctx)
    master.add(ctx, "object", {"object": "O-1", "customer": "C-1", "item": "PUMP"})
    with pytest.raises(RuleViolation, match="service object"):
        master.remove(ctx, "customer", "C-1")
    with pytest.raises(RuleViolation, match="team"):
        master.remove(ctx, "worker", "M-1")
    master.remove(ctx, "object", "O-1")
    master.remove(ctx, "customer", "C-1")
    with pytest.raises(NotFound):
        master.show(ctx, "customer", "C-1")


def test_remove_worker_takes_roles_and_skills_along(ctx):
    master.add(ctx, "worker", {"worker": "T-1", "name": "Anna", "roles": ["technician"], "skills": ["gas"]})
    master.remove(ctx, "worker", "T-1")
    assert master.list_records(ctx, "worker") == []


def test_list_filters_and_search(ctx):
    seed(ctx)
    master.add(ctx, "customer", {"account": "C-2", "name": "Hotel Daugava", "tier": "silver"})
    assert [c["account"] for c in master.list_records(ctx, "customer", filters={"tier": "GOLD"})] == ["C-1"]
    assert [c["account"] for c in master.list_records(ctx, "customer", search="daug")] == ["C-2"]
    assert len(master.list_records(ctx, "customer", limit=1)) == 1


def test_import_checks_every_row_before_writing(ctx):
    seed(ctx)
    rows = [
        {"account": "C-10", "name": "Ok"},
        {"account": "C-11", "name": "", "timezone": "Mars/Base"},
        {"account": "C-1", "name": "exists"},
        {"account": "C-10", "name": "repeat"},
    ]
    with pytest.raises(Problems) as err:
        master.import_rows(ctx, "customer", rows)
    assert err.value.exit_code == 1
    assert err.value.problems == [
        "row 2: invalid name '': is required",
        "row 3: customer 'C-1' already exists",
        "row 4: customer 'C-10' repeats row 1",
    ]
    assert [c["account"] for c in master.list_records(ctx, "customer")] == ["C-1"]


def test_import_of_duplicates_only_is_a_conflict(ctx):
    seed(ctx)
    with pytest.raises(Problems) as err:
        master.import_rows(ctx, "customer", [{"account": "C-1", "name": "again"}])
    assert err.value.exit_code == 3


def test_import_reports_missing_references_per_row(ctx):
    seed(ctx)
    rows = [{"object": "O-1", "customer": "C-1"}, {"object": "O-2", "customer": "C-9", "item": "NOPE"}]
    with pytest.raises(Problems) as err:
        master.import_rows(ctx, "object", rows)
    assert err.value.problems == ["row 2: no customer 'C-9' (in customer)", "row 2: no item 'NOPE' (in item)"]


def test_import_dry_run_and_upsert(ctx):
    seed(ctx)
    summary = master.import_rows(ctx, "customer", [{"account": "C-2", "name": "New"}], dry_run=True)
    assert summary["created"] == 1 and summary["dry_run"]
    assert len(master.list_records(ctx, "customer")) == 1
    summary = master.import_rows(
        ctx, "customer", [{"account": "C-1", "phone": "+1"}, {"account": "C-2", "name": "New"}], upsert=True
    )
    assert (summary["created"], summary["updated"]) == (1, 1)
    c1 = master.show(ctx, "customer", "C-1")
    assert c1["phone"] == "+1" and c1["name"] == "Bakery" and c1["updated_by"] == "tester"


def test_import_of_many_rows_is_set_based(ctx):
    rows = [{"account": f"C-{n:06d}", "name": f"Customer {n}", "tier": "bronze"} for n in range(5000)]
    summary = master.import_rows(ctx, "customer", rows)
    assert summary["created"] == 5000
    assert len(master.list_records(ctx, "customer", filters={"tier": "bronze"})) == 5000


def test_acting_worker_must_exist_once_there_are_workers(ctx):
    workers.check_actor(ctx, "anyone")  # no workers yet: bootstrap
    seed(ctx)
    workers.check_actor(ctx, "M-1")
    with pytest.raises(CustSvcError, match="no worker 'ghost'"):
        workers.check_actor(ctx, "ghost")


def test_an_object_in_use_does_not_move_to_another_customer(ctx):
    from custsvc.errors import RuleViolation
    from custsvc.services import agreements, orders

    master.add(ctx, "customer", {"account": "C-1", "name": "Bakery"})
    master.add(ctx, "customer", {"account": "C-2", "name": "Cafe"})
    for obj in ("O-1", "O-2"):
        master.add(ctx, "object", {"object": obj, "customer": "C-1"})
    agreements.create(ctx, "A-1", customer="C-1", start="2026-01-01")
    agreements.add_line(ctx, "A-1", type="fee", price="1", obj="O-1", every="1 month", start="2026-01-01")
    number = orders.create(ctx, customer="C-1", objects=["O-1", "O-2"])["order"]
    with pytest.raises(RuleViolation, match=rf"'O-1' is used by C-1's agreement A-1; open order {number}"):
        master.update_record(ctx, "object", "O-1", {"customer": "C-2"})
    with pytest.raises(RuleViolation, match="object-in-use"):
        master.import_rows(ctx, "object", [{"object": "O-2", "customer": "C-2"}], upsert=True, single=True)
    orders.add_line(ctx, number, type="fee", price="5")
    orders.cancel_line(ctx, number, 1)  # no open line left: the order no longer holds the object
    master.update_record(ctx, "object", "O-2", {"customer": "C-2"})
    assert master.show(ctx, "object", "O-2")["customer"] == "C-2"


@pytest.fixture
def small_batches(monkeypatch):
    """Batches of 3 rows and keys on disk past 4: what a million rows do, on a few."""
    from custsvc import scratch
    from custsvc.services.master import imports

    monkeypatch.setattr(imports, "BATCH", 3)
    monkeypatch.setattr(scratch.Claims.__init__, "__defaults__", (4,))


def test_import_in_batches_finds_repeats_and_problems_across_batches(ctx, small_batches):
    seed(ctx)
    rows = [{"account": f"C-{n}", "name": f"Customer {n}"} for n in range(10, 21)]
    rows[9] = {"account": "C-12", "name": "again"}  # row 10 repeats row 3, two batches later
    rows[4] = {"account": "C-14", "name": "", "tier": "nope"}
    with pytest.raises(Problems) as err:
        master.import_rows(ctx, "customer", rows)
    assert err.value.problems == ["row 5: invalid name '': is required", "row 10: customer 'C-12' repeats row 3"]
    assert [c["account"] for c in master.list_records(ctx, "customer")] == ["C-1"]


def test_import_in_batches_writes_every_batch_and_counts_them(ctx, small_batches):
    seed(ctx)
    rows = [{"account": f"C-{n}", "name": f"Customer {n}"} for n in range(10, 21)]
    rows.append({"account": "C-1", "name": "Bakery", "tier": "Gold", "timezone": "Europe/Riga"})
    summary = master.import_rows(ctx, "customer", rows, upsert=True)
    assert (summary["rows"], summary["created"], summary["updated"], summary["unchanged"]) == (12, 11, 0, 1)
    assert len(master.list_records(ctx, "customer")) == 12


def test_serial_numbers_repeated_in_a_later_batch_are_refused(ctx, small_batches):
    seed(ctx)
    rows = [{"object": f"O-{n}", "customer": "C-1", "item": "PUMP", "serial": f"S-{n}"} for n in range(8)]
    rows[7]["serial"] = "S-1"
    with pytest.raises(Problems) as err:
        master.import_rows(ctx, "object", rows)
    assert err.value.problems == ["serial number 'PUMP/S-1' is given to both O-1 and O-7"]
