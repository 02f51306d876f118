"""``batch.insert_rows`` stores exactly what the ORM's insert stores (money, dates, times, NULLs)."""

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import insert, select

from custsvc.models import Customer, Item, ServiceObject
from custsvc.services.batch import insert_rows

WHEN = datetime(2026, 3, 10, 7, 0, tzinfo=UTC)


def _raw(ctx, table, key_column):
    """The rows as the database holds them (money as integer cents), in key order."""
    return [tuple(row) for row in ctx.connection().execute(select(table).order_by(table.c[key_column]))]


def test_insert_rows_stores_what_the_orm_insert_stores(ctx):
    items = Item.__table__
    names = ["item", "name", "price_cents", "created_at", "created_by"]
    ctx.execute(insert(items), [dict(zip(names, ("A", "Filter", Decimal("14.50"), WHEN, "t"), strict=True))])
    insert_rows(ctx.connection(), items, names, [("B", "Filter", Decimal("14.50"), WHEN, "t")])
    first, second = _raw(ctx, items, "item")
    assert first[first.index("A") + 1 :] == second[second.index("B") + 1 :]
    stored = ctx.connection().exec_driver_sql("SELECT price_cents FROM item ORDER BY item").scalars().all()
    assert stored == [1450, 1450]  # integer cents, as the Money type binds them

    customers, objects = Customer.__table__, ServiceObject.__table__
    insert_rows(ctx.connection(), customers, ["account", "name", "created_at", "created_by"], [("C-1", "x", WHEN, "t")])
    names = ["created_by", "created_at", "installed_on", "customer", "object", "serial"]  # any order
    ctx.execute(insert(objects), [dict(zip(names, ("t", WHEN, date(2020, 1, 2), "C-1", "O-1", None), strict=True))])
    insert_rows(ctx.connection(), objects, names, [["t", WHEN, date(2020, 1, 2), "C-1", "O-2", None]])
    one, two = _raw(ctx, objects, "object")
    assert [v for v in one if v != "O-1"] == [v for v in two if v != "O-2"]
    assert ctx.get(ServiceObject, "O-2").installed_on == date(2020, 1, 2)


def test_insert_rows_of_nothing_sends_no_statement(ctx):
    insert_rows(ctx.connection(), Item.__table__, ["item", "name"], [])
    assert ctx.execute(select(Item)).all() == []
