"""How a service order prints: its header, its lines and its stage history."""

from __future__ import annotations

from typing import Any

LINE_COLUMNS = [
    "line",
    "type",
    "description",
    "quantity",
    "price",
    "amount",
    "status",
    "worker",
    "object",
    "signed_off_at",
]
HISTORY_COLUMNS = ["at", "from_stage", "to_stage", "actor", "reason", "note"]
ASSIGNMENT_COLUMNS = ["assignment", "technician", "line", "starts_at", "ends_at", "overridden"]
HEADER_HIDE = ("line_items", "history", "assignments")
#: what a person reads in "time left" already (``resolution in 5h``)
READ_HIDE = ("time_left_seconds", "time_left_for")


def emit_order(record: dict[str, Any], fmt: str | None, *, number_only: bool = False) -> None:
    """The order with its lines and stage history (only its number in plain format with ``number_only``)."""
    from custsvc import output

    kind = output.resolve_format(fmt)
    if number_only and kind == "plain":
        output.echo(record["order"])
        return
    from custsvc.commands._sla_render import time_left

    data = kind in ("json", "csv")
    shown = (
        record
        if data
        else {**record, "time_left": time_left(record.get("time_left_seconds"), record.get("time_left_for"))}
    )
    output.emit_record(
        shown,
        fmt=kind,
        title=f"service order {record['order']}",
        hide=HEADER_HIDE if data else HEADER_HIDE + READ_HIDE,
        sections={
            "lines": (record.get("line_items", []), LINE_COLUMNS),
            "assignments": (record.get("assignments") or [], ASSIGNMENT_COLUMNS),
            "stage history": (record.get("history", []), HISTORY_COLUMNS),
        },
    )


def emit_changed(record: dict[str, Any], fmt: str | None, text: str) -> None:
    """A stage change: the whole order with --format json|csv, else one message on stderr."""
    from custsvc import output

    if output.resolve_format(fmt) in ("json", "csv"):
        emit_order(record, fmt)
    else:
        output.message(text)
