"""The kinds of record a bundle can be limited to (``custsvc export DIR --only order,invoice``): each
kind is a record and the tables that belong to it (an order's lines, stage history, assignments and SLA
clock). Every table of the schema is in exactly one kind, and no two kinds refer to each other (tests
hold both): a kind loads into a shop that holds the kinds it refers to, in the order of ``KINDS``."""

from __future__ import annotations

from collections.abc import Iterable

from custsvc.errors import BadChoice

KINDS: dict[str, tuple[str, ...]] = {
    "setting": ("setting", "number_sequence"),
    "calendar": ("calendar", "calendar_holiday"),
    "customer": ("customer",),
    "item": ("item",),
    "task": ("service_task",),
    "object": ("service_object",),
    # workers name their team and teams their owner: one kind, so that either loads with the other
    "worker": ("worker", "worker_role", "worker_skill", "team"),
    "absence": ("absence",),
    "stage": ("stage", "reason_code"),
    "sla": ("sla", "sla_target", "sla_assignment"),
    "agreement": ("agreement", "agreement_line"),
    "order": (
        "service_order",
        "order_line",
        "order_object",
        "order_stage_log",
        "assignment",
        "removed_assignment",
        "order_sla",
        "sla_log",
    ),
    "subscription": (
        "subscription_group",
        "subscription",
        "subscription_price",
        "subscription_index",
        "subscription_reduction",
    ),
    # invoice lines name the subscription they bill, and the billed periods name their invoice line
    "invoice": ("invoice", "invoice_line", "subscription_billing", "accrual_entry"),
    "bom": (
        "bom_template",
        "bom_template_version",
        "bom_template_component",
        "object_bom",
        "object_bom_component",
        "object_bom_change",
    ),
    "stock": ("stock_move", "serial_unit"),
    "repair": ("repair_code", "repair_stage", "repair_line", "repair_order_line", "repair_part"),
    "return": ("return_order", "return_line", "return_reason", "return_disposition"),
}


def tables_of(kinds: Iterable[str]) -> set[str]:
    """The tables of the named kinds; an unknown kind is a usage error that lists the kinds."""
    tables: set[str] = set()
    for kind in kinds:
        if kind not in KINDS:
            raise BadChoice("--only", kind, tuple(KINDS))
        tables.update(KINDS[kind])
    return tables


def parse_kinds(text: str | None) -> list[str] | None:
    """``--only order,invoice`` as a list of kinds (None: every kind)."""
    if text is None:
        return None
    kinds = [part.strip().lower() for part in text.split(",") if part.strip()]
    tables_of(kinds)
    return kinds or None
