"""Whether an order has an open line is looked up by the order's key (the composite index), not by
scanning every open line for each order: that made ``order list --open`` quadratic on SQLite."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from custsvc.models import ServiceOrder
from custsvc.services.orders.reading import open_condition


@pytest.mark.parametrize("still_to_work", [False, True])
def test_open_orders_search_their_lines_by_the_order_key(ctx, still_to_work):
    if ctx.dialect != "sqlite":
        pytest.skip("the plan is SQLite's; PostgreSQL plans its own from the same index")
    query = select(ServiceOrder.number).where(open_condition(still_to_work=still_to_work))
    sql = str(query.compile(ctx.session.get_bind(), compile_kwargs={"literal_binds": True}))
    plan = [row[-1] for row in ctx.execute(text("EXPLAIN QUERY PLAN " + sql))]
    lines = [step for step in plan if "order_line" in step]
    assert lines and all("ix_order_line_order_status (order_number=?" in step for step in lines), plan


def test_a_big_generation_run_refreshes_the_planner_statistics(demo, monkeypatch):
    """After writing many orders, generation runs ANALYZE on what it wrote (here: any run, by lowering
    the threshold); on SQLite the statistics then know the order tables."""
    import os

    from sqlalchemy import create_engine

    from custsvc.services.agreements import generation

    monkeypatch.setattr(generation, "ANALYZE_AFTER", 1)
    made = demo.json("agreement", "generate", "--from", "2026-04-01", "--to", "2026-12-31", "--summary")
    assert made["created_orders"] >= 1
    url = os.environ["CUSTSVC_DB"]
    if "://" in url:
        return  # PostgreSQL: ANALYZE ran in the same transaction without error
    with create_engine(f"sqlite:///{url}").connect() as conn:
        analyzed = {row[0] for row in conn.execute(text("SELECT tbl FROM sqlite_stat1"))}
    assert {"service_order", "order_line"} <= analyzed
