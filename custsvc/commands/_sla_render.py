"""How SLA clocks and compliance reports print: durations in business time, compliance bars."""

from __future__ import annotations

from typing import Any

STATUS_FIELDS = [
    "order",
    "sla",
    "priority",
    "status",
    "response_due",
    "resolution_due",
    "responded_at",
    "resolved_at",
    "response_seconds",
    "resolution_seconds",
    "paused_seconds",
    "compliance_pct",
    "time_left",
    "time_left_for",
]
REPORT_DURATIONS = (
    "mean_response_seconds",
    "p90_response_seconds",
    "mean_resolution_seconds",
    "p90_resolution_seconds",
)
REPORT_HEADERS = {
    "mean_response_seconds": "mean response",
    "p90_response_seconds": "p90 response",
    "mean_resolution_seconds": "mean resolution",
    "p90_resolution_seconds": "p90 resolution",
    "compliance_pct": "compliance",
}


def bar(pct: float | None, width: int = 20) -> Any:
    """A compliance bar for Rich tables: green share met, red the rest."""
    from rich.text import Text

    if pct is None:
        return Text("n/a", style="dim")
    filled = round(width * pct / 100)
    style = "green" if pct >= 95 else "yellow" if pct >= 80 else "red"
    return Text("█" * filled, style=style) + Text("░" * (width - filled), style="dim") + Text(f" {pct:5.1f}%")


def short_span(seconds: int) -> str:
    """A span to read at a glance, as precise as it matters: ``40m``, ``3h29m``, ``37h``, ``2d13h``, ``12d``."""
    minutes = round(abs(seconds) / 60)
    hours, rest = divmod(minutes, 60)
    if hours == 0:
        return f"{rest}m"
    if hours < 10:
        return f"{hours}h{rest}m" if rest else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours}h" if days < 10 and hours else f"{days}d"


#: what time left is for, as a verb that reads after it: "10m to respond", "33h late (resolve)"
_VERBS = {"response": "respond", "resolution": "resolve"}


def time_left(seconds: int | None, target: str | None) -> str:
    """``10m to respond`` / ``33h late (resolve)``: time left always names its target, after the time
    (what a narrow column keeps)."""
    if seconds is None or not target:
        return ""
    verb = _VERBS.get(target, target)
    return f"{short_span(seconds)} late ({verb})" if seconds < 0 else f"{short_span(seconds)} to {verb}"


def with_time_left(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows for a table, their time left naming its target."""
    return [{**r, "time_left": time_left(r.get("time_left_seconds"), r.get("time_left_for"))} for r in rows]


def duration(seconds: int | None) -> str:
    """Business seconds as a readable duration ("" for none)."""
    from custsvc.domain.timeparse import format_duration

    return "" if seconds is None else format_duration(seconds)


def emit_status(record: dict[str, Any], fmt: str | None) -> None:
    """An order's SLA clock: deadlines, business time used, compliance and status."""
    from custsvc import output

    kind = output.resolve_format(fmt)
    if kind == "json":
        output.emit_json(record)
        return
    shown = {k: record[k] for k in STATUS_FIELDS if k in record}
    for key in ("response_seconds", "resolution_seconds", "paused_seconds"):
        shown[key] = duration(shown[key])
    output.emit_record(shown, fmt=kind, title=f"SLA clock of {record['order']}")


def emit_report(rows: list[dict[str, Any]], fmt: str | None, by: str, title: str) -> None:
    """The compliance report: a row per group, durations readable, compliance as a bar on a terminal."""
    from custsvc import output

    kind = output.resolve_format(fmt)
    if kind in ("json", "csv"):
        from custsvc.services.sla.compliance import REPORT_FIELDS

        output.emit_rows(rows, fmt=kind, fields=[by, *REPORT_FIELDS])
        return
    shown = [{**r, **{k: duration(r[k]) for k in REPORT_DURATIONS}} for r in rows]
    columns = [by, "orders", "met", "breached", "open", "compliance_pct", *REPORT_DURATIONS]
    cell = (
        (lambda column, row: bar(row["compliance_pct"], 12) if column == "compliance_pct" else None)
        if kind == "table"
        else None
    )
    if kind != "table":
        shown = [
            {**r, "compliance_pct": "" if r["compliance_pct"] is None else f"{r['compliance_pct']:.1f}%"} for r in shown
        ]
    output.emit_rows(
        shown,
        fmt=kind,
        columns=columns,
        headers=REPORT_HEADERS,
        cell=cell,
        title=title,
        empty="no orders with an SLA in that period",
    )
