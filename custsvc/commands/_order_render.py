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
HEADER_HIDE = ("line_items", "history")


def emit_order(record: dict[str, Any], fmt: str | None, *, number_only: bool = False) -> None:
    """The order with its lines and stage history (only its number in plain format with ``number_only``)."""
    from custsvc import output

    kind = output.resolve_format(fmt)
    if number_only and kind == "plain":
        output.echo(record["order"])
        return
    output.emit_record(
        record,
        fmt=kind,
        title=f"service order {record['order']}",
        hide=HEADER_HIDE,
        sections={
            "lines": (record.get("line_items", []), LINE_COLUMNS),
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
