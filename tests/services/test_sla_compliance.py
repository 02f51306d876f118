"""``sla report`` is an SQL aggregate over what each order keeps: it must give what judging every
order one by one (``domain.sla.outcome_as_of``) and ranking its durations in Python gives."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import insert

from custsvc.domain.sla import outcome_as_of
from custsvc.models import Calendar, Customer, OrderSla, ServiceOrder, Sla
from custsvc.services import sla

TIERS = ["gold", "silver", None]
START = datetime(2026, 2, 1, tzinfo=UTC)


def _percentile(values: list[int], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * share
    low, high = math.floor(k), math.ceil(k)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def _shop(ctx, rng: random.Random, count: int) -> list[dict]:
    stamp = {"created_at": START, "created_by": "test"}
    conn = ctx.connection()
    conn.execute(
        insert(Calendar.__table__), [{"calendar": "c", "timezone": "UTC", "hours": "mon-fri 08:00-17:00", **stamp}]
    )
    conn.execute(insert(Sla.__table__), [{"sla": code, "calendar": "c", **stamp} for code in ("s1", "s2")])
    conn.execute(
        insert(Customer.__table__),
        [{"account": f"C-{n}", "name": f"C {n}", "tier": TIERS[n % 3], **stamp} for n in range(7)],
    )
    orders, clocks = [], []
    for n in range(count):
        created = START + timedelta(hours=rng.randrange(0, 24 * 60))
        responded = created + timedelta(minutes=rng.randrange(1, 600)) if rng.random() < 0.7 else None
        outcome = rng.choice(["open", "open", "met", "breached", "canceled"])
        number = f"SO-{n:05d}"
        orders.append(
            {
                "number": number,
                "customer": f"C-{n % 7}",
                "priority": rng.choice(["high", "normal", "low"]),
                "stage": "created",
                "technician": None,
                "created_at": created,
                "created_by": "test",
                "requires_sign_off": True,
            }
        )
        clocks.append(
            {
                "order_number": number,
                "sla": rng.choice(["s1", "s2"]),
                "calendar": "c",
                "priority": orders[-1]["priority"],
                "started_at": created,
                "response_target": 3600,
                "resolution_target": 8 * 3600,
                "responded_at": responded,
                "paused_since": created + timedelta(hours=rng.randrange(1, 48)) if rng.random() < 0.2 else None,
                "response_due": created + timedelta(hours=rng.randrange(1, 72)) if rng.random() < 0.9 else None,
                "resolution_due": created + timedelta(hours=rng.randrange(4, 200)) if rng.random() < 0.9 else None,
                # ties on purpose: ranks of equal values
                "response_seconds": rng.randrange(0, 40) * 600 if responded else None,
                "resolution_seconds": rng.randrange(0, 60) * 900 if outcome in ("met", "breached") else None,
                "paused_seconds": 0,
                "outcome": outcome,
            }
        )
    conn.execute(insert(ServiceOrder.__table__), orders)
    conn.execute(insert(OrderSla.__table__), clocks)
    return [{**o, **c} for o, c in zip(orders, clocks, strict=True)]


def _expected(rows: list[dict], by: str, now: datetime, first: date, last: date) -> list[dict]:
    groups: dict[str, dict] = defaultdict(lambda: {"orders": 0, "responses": [], "resolutions": [], "outcomes": []})
    tiers = {f"C-{n}": TIERS[n % 3] for n in range(7)}
    for row in rows:
        if not first <= row["created_at"].date() <= last:
            continue
        key = {"tier": tiers[row["customer"]], "customer": row["customer"]}.get(by, row.get(by)) or "-"
        group = groups[key]
        group["orders"] += 1
        group["outcomes"].append(
            outcome_as_of(
                row["outcome"],
                now,
                paused_since=row["paused_since"],
                response_due=row["response_due"],
                responded_at=row["responded_at"],
                resolution_due=row["resolution_due"],
            )
        )
        for name, field in (("responses", "response_seconds"), ("resolutions", "resolution_seconds")):
            if row[field] is not None:
                group[name].append(row[field])
    out = []
    for key in sorted(groups):
        g = groups[key]
        met, breached = g["outcomes"].count("met"), g["outcomes"].count("breached")

        def mean(values):
            return round(sum(values) / len(values)) if values else None

        def p90(values):
            value = _percentile(values, 0.9)
            return None if value is None else round(value)

        out.append(
            {
                by: key,
                "orders": g["orders"],
                "met": met,
                "breached": breached,
                "open": g["outcomes"].count("open"),
                "canceled": g["outcomes"].count("canceled"),
                "compliance_pct": round(100 * met / (met + breached), 1) if met + breached else None,
                "mean_response_seconds": mean(g["responses"]),
                "p90_response_seconds": p90(g["responses"]),
                "mean_resolution_seconds": mean(g["resolutions"]),
                "p90_resolution_seconds": p90(g["resolutions"]),
            }
        )
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_sql_report_is_the_one_by_one_judgement(ctx, seed):
    rng = random.Random(seed)
    rows = _shop(ctx, rng, 400)
    ctx.now = START + timedelta(days=rng.randrange(5, 70))
    first, last = date(2026, 2, 3), date(2026, 3, 20)
    for by in ("tier", "customer", "priority", "sla", "technician"):
        assert sla.report(ctx, first, last, by) == _expected(rows, by, ctx.now, first, last), by


def test_an_empty_period_has_no_rows(ctx):
    _shop(ctx, random.Random(4), 20)
    assert sla.report(ctx, date(2025, 1, 1), date(2025, 1, 31), "tier") == []


def test_breaches_are_the_orders_judged_breached(ctx):
    """Only what the database judges breached is read for ``sla breaches``, and that is every order
    ``outcome_as_of`` calls breached."""
    rows = _shop(ctx, random.Random(5), 200)
    ctx.now = START + timedelta(days=30)
    found = {r["order"] for r in sla.breaches(ctx, None, None)}
    judged = {
        r["number"]
        for r in rows
        if outcome_as_of(
            r["outcome"],
            ctx.now,
            paused_since=r["paused_since"],
            response_due=r["response_due"],
            responded_at=r["responded_at"],
            resolution_due=r["resolution_due"],
        )
        == "breached"
    }
    assert found <= judged and found


def test_ended_clocks_read_as_kept_are_what_evaluating_them_gives(demo):
    """``order list`` reads a resolved or canceled order's SLA status from what was kept; evaluating
    its log again gives the same status, time left and deadline (the demo has every kind of clock)."""
    import os

    from sqlalchemy import select

    from custsvc import state
    from custsvc.bootstrap import open_context
    from custsvc.services.sla.clock import state_of
    from custsvc.services.sla.status import status_record, summaries

    state.reset(db=os.environ["CUSTSVC_DB"], now=os.environ["CUSTSVC_NOW"])
    with open_context(write=False) as c:
        rows = list(c.execute(select(OrderSla)).scalars())
        ended = [r for r in rows if r.resolved_at is not None or r.canceled_at is not None]
        assert len(ended) >= 10 and {r.outcome for r in ended} >= {"met", "breached", "canceled"}
        kept = summaries(c, [r.order_number for r in rows])
        for row in rows:
            live = status_record(row.order_number, row, state_of(c, row))
            got = kept[row.order_number]
            assert (got["sla_status"], got["time_left_seconds"], got["resolution_due"]) == (
                live["status"],
                live["time_left_seconds"],
                live["resolution_due"],
            ), row.order_number


def test_resolved_breaches_read_as_kept_are_what_evaluating_them_gives(demo, monkeypatch):
    import os

    from custsvc import state
    from custsvc.bootstrap import open_context
    from custsvc.services.sla import reports
    from custsvc.services.sla.clock import state_of

    state.reset(db=os.environ["CUSTSVC_DB"], now=os.environ["CUSTSVC_NOW"])
    with open_context(write=False) as c:
        read_as_kept = []
        original = reports._kept_targets
        monkeypatch.setattr(reports, "_kept_targets", lambda row: read_as_kept.append(row) or original(row))
        kept = reports.breaches(c, None, None)
        assert read_as_kept and any(r["still_open"] for r in kept)  # both kinds are in the demo

        def evaluated(row):
            live = state_of(c, row)
            return [live.response, live.resolution]

        monkeypatch.setattr(reports, "_kept_targets", evaluated)
        assert reports.breaches(c, None, None) == kept
