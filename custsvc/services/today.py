"""``custsvc today``: the manager's and dispatcher's morning view, one section per concern, each with
the command that shows more. Like ``custsvc.bootstrap``, this module may know every capability: it
only reads, through their services. Returns (once they exist) add a section here."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from custsvc.context import Context
from custsvc.domain import orders as rules
from custsvc.models import Customer, OrderLine, ServiceOrder
from custsvc.services import dispatch, orders, stages, subscriptions

#: how many orders at risk the view lists (the count is always complete)
ATTENTION_ROWS = 10


def by_stage(ctx: Context) -> dict[str, Any]:
    """Open orders per stage, in the stage tree's order."""
    query = select(ServiceOrder.stage, func.count()).where(orders.open_condition()).group_by(ServiceOrder.stage)
    counts = dict(ctx.execute(query).all())
    rows = [{"stage": s.stage, "orders": counts[s.stage]} for s in stages.all_stages(ctx) if s.stage in counts]
    return {"count": sum(counts.values()), "rows": rows, "more": "custsvc order list --open --stage STAGE"}


def attention(ctx: Context) -> dict[str, Any]:
    """Open orders whose SLA is at risk or breached, the most urgent first."""
    urgent = [
        r
        for r in orders.list_orders(ctx, open_only=True, sort="time-left")
        if r.get("sla_status") in ("at-risk", "breached")
    ]
    rows = [
        {k: r.get(k) for k in ("order", "customer", "stage", "sla_status", "time_left", "time_left_seconds")}
        | {"time_left_for": r.get("time_left_for"), "assigned": r.get("assigned")}
        for r in urgent[:ATTENTION_ROWS]
    ]
    return {"count": len(urgent), "rows": rows, "more": "custsvc order list --open --sort time-left"}


def board(ctx: Context) -> dict[str, Any]:
    """Today's board in short: per technician the visits, hours booked and available, the first visit."""
    data = dispatch.board(ctx, ctx.today, 1)
    rows = []
    for lane in data["days"][0]["lanes"]:
        bars = sorted(lane["bars"], key=lambda b: b["start"])
        rows.append(
            {
                "technician": lane["worker"],
                "name": lane["name"],
                "visits": len(bars),
                "booked_hours": round(Decimal(lane["booked_seconds"]) / 3600, 1),
                "available_hours": round(Decimal(lane["available_seconds"]) / 3600, 1),
                "first_visit": bars[0]["start"] if bars else None,
                "absent": lane["absent"],
            }
        )
    return {
        "count": sum(r["visits"] for r in rows),
        "rows": rows,
        "not_dispatched": len(data["queue"]),
        "more": "custsvc dispatch board (and custsvc dispatch queue)",
    }


def to_invoice(ctx: Context) -> dict[str, Any]:
    """Signed-off orders with open lines, per customer: what `order post --signed-off` would invoice."""
    query = (
        select(ServiceOrder.customer, Customer.name, ServiceOrder.number, OrderLine.quantity, OrderLine.price)
        .join(OrderLine, OrderLine.order_number == ServiceOrder.number)
        .join(Customer, Customer.account == ServiceOrder.customer)
        .where(ServiceOrder.signed_off_at.is_not(None), OrderLine.status == "created")
        .order_by(ServiceOrder.customer)
    )
    found: dict[tuple[str, str], dict[str, Any]] = defaultdict(lambda: {"orders": set(), "total": Decimal("0.00")})
    for customer, name, number, quantity, price in ctx.execute(query):
        entry = found[(customer, name)]
        entry["orders"].add(number)
        entry["total"] += rules.line_amount(quantity, price)
    rows = [
        {"customer": customer, "name": name, "orders": len(v["orders"]), "total": v["total"]}
        for (customer, name), v in found.items()
    ]
    return {
        "count": sum(r["orders"] for r in rows),
        "rows": rows,
        "more": "custsvc order post --customer CUSTOMER --signed-off",
    }


def subscriptions_due(ctx: Context) -> dict[str, Any]:
    """What the invoicing run would bill through today (a dry run: nothing written)."""
    run = subscriptions.invoice_run(ctx, ctx.today, dry_run=True)
    rows = [{"currency": currency, "total": total} for currency, total in sorted(run["totals"].items())]
    return {
        "count": run["periods"],
        "invoices": len(run["invoices"]),
        "rejected": len(run["rejected"]),
        "rows": rows,
        "more": "custsvc subscription invoice --through today --dry-run",
    }


def today(ctx: Context) -> dict[str, Any]:
    return {
        "date": ctx.today,
        "now": ctx.now,
        "open_orders": by_stage(ctx),
        "at_risk_or_breached": attention(ctx),
        "board": board(ctx),
        "signed_off_not_invoiced": to_invoice(ctx),
        "subscriptions_due": subscriptions_due(ctx),
    }
