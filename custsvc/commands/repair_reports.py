"""custsvc repair list / history / report: reading repairs, and the failure report."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from custsvc.commands._choices import RepairReportBy
from custsvc.commands._common import DATE_HINT, FormatOpt, LimitOpt, fmt_of, run

LIST_COLUMNS = [
    "order", "line", "object", "item", "technician", "symptom", "diagnosis", "resolution", "stage", "warranty",
    "created_at",
]  # fmt: skip
LIST_DROP = ["item", "diagnosis", "technician", "warranty"]
HISTORY_COLUMNS = ["order", "line", "created_at", "symptom", "diagnosis", "resolution", "technician", "bom_version"]

REPORT_HEADERS = {
    "repeat_pct": "repeat %",
    "first_time_fix_pct": "first-time fix",
    "mtbf_days": "MTBF days",
    "warranty_cost": "warranty cost",
    "warranty_repairs": "warranty",
    "first_time_fixes": "FTF",
}
REPORT_COLUMNS = ["repairs", "repeats", "first_time_fix_pct", "mtbf_days", "warranty_repairs", "warranty_cost"]


def list_(
    order: Annotated[str | None, typer.Option("--order", help="Only repairs on this order.")] = None,
    obj: Annotated[str | None, typer.Option("--object", help="Only repairs of this object.")] = None,
    serial: Annotated[
        str | None, typer.Option("--serial", help="Only repairs about this unit, or that swapped it in or out.")
    ] = None,
    technician: Annotated[str | None, typer.Option("--technician", help="Only this technician's repairs.")] = None,
    open_only: Annotated[bool, typer.Option("--open", help="Only repairs not in a finished stage.")] = False,
    symptom: Annotated[str | None, typer.Option("--symptom", help="Only repairs with this symptom code.")] = None,
    date_from: Annotated[
        str | None, typer.Option("--from", help=f"Created on or after this day ({DATE_HINT}).", metavar="<date>")
    ] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", help=f"Created on or before this day ({DATE_HINT}).", metavar="<date>")
    ] = None,
    limit: LimitOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Repair lines, oldest first; JSON gives every field the report counts.

    Example: custsvc repair list --open
    Example: custsvc repair list --from -90d --format json
    """
    from custsvc import output
    from custsvc.services.repairs import reading

    def work(s: Any) -> list[dict[str, Any]]:
        first = s.day(date_from, "from") if date_from else None
        last = s.day(date_to, "to") if date_to else None
        return reading.list_repairs(
            s, order=order, obj=obj, serial=serial, technician=technician, open_only=open_only, symptom=symptom,
            day_from=first, day_to=last,
        )  # fmt: skip

    rows = run(work, write=False)
    if limit is not None:
        rows = rows[:limit]
    output.emit_rows(
        rows, fmt=fmt_of(fmt), columns=LIST_COLUMNS, empty="no repairs", fields=reading.FIELDS, drop=LIST_DROP
    )


def history(
    obj: Annotated[str | None, typer.Argument(help="Service object, e.g. OBJ-0001.", metavar="OBJECT")] = None,
    serial: Annotated[
        str | None, typer.Option("--serial", help="Every repair that touched this unit, in whichever object.")
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """Every repair of an object (or of a unit), newest first: codes, technician, parts swapped, the BOM
    version at the time, the order and its invoices.

    Example: custsvc repair history OBJ-0001
    """
    from custsvc import output
    from custsvc.services.repairs import reading

    record = run(lambda s: reading.history(s, obj, serial), write=False)
    kind = output.resolve_format(fmt_of(fmt))
    if kind == "json":
        output.emit_json(record)
        return
    rows = [
        {**r, "parts": "; ".join(_part_text(p) for p in r["parts"]), "invoices": ", ".join(r["invoices"])}
        for r in record["repairs"]
    ]
    what = record["object"] or f"unit {record['serial']}"
    output.emit_rows(
        rows,
        fmt=kind,
        columns=[*HISTORY_COLUMNS[:2], "object", *HISTORY_COLUMNS[2:], "parts", "invoices"],
        title=f"repairs of {what}",
        empty=f"no repairs of {what}",
        drop=["object", "bom_version", "technician", "invoices", "diagnosis"],
    )


def _part_text(part: dict[str, Any]) -> str:
    old = part["old_item"] + (f" {part['old_serial']}" if part["old_serial"] else "")
    new = part["new_item"] + (f" {part['new_serial']}" if part["new_serial"] else "")
    return f"{part['position']}: {old} -> {new} (v{part['bom_version']})"


def report(
    date_from: Annotated[
        str, typer.Option("--from", help=f"Repairs created on or after this day ({DATE_HINT}).", metavar="<date>")
    ],
    date_to: Annotated[
        str, typer.Option("--to", help=f"Repairs created on or before this day ({DATE_HINT}).", metavar="<date>")
    ],
    by: Annotated[RepairReportBy, typer.Option("--by", help="Group by this.", case_sensitive=False)] = "symptom",
    window: Annotated[
        int,
        typer.Option(
            "--repeat-window", help="Days after a fix within which a new failure is a repeat.", metavar="DAYS"
        ),
    ] = 30,
    fmt: FormatOpt = None,
) -> None:
    """Failures per group: repairs, repeat failures, first-time-fix rate, MTBF and warranty cost.

    The README (Repair report) gives each formula; every figure can be redone from repair list --format json.

    Example: custsvc repair report --from -365d --to today --by bom-version
    """
    from custsvc import output
    from custsvc.services.repairs import report as reports

    with output.busy("computing the report ..."):
        result = run(
            lambda s: reports.report(s, day_from=s.day(date_from, "from"), day_to=s.day(date_to, "to"), by=by,
                                     window=window),
            write=False,
        )  # fmt: skip
    _emit_report(result, fmt_of(fmt))


def _emit_report(result: dict[str, Any], fmt: str | None) -> None:
    from custsvc import output
    from custsvc.commands._sla_render import bar
    from custsvc.services.repairs.report import FIELDS

    by = result["by"]
    kind = output.resolve_format(fmt)
    if kind == "json":
        output.emit_json(result)
        return
    rows = [*result["rows"], result["total"]] if result["rows"] else []
    if kind == "csv":
        output.emit_rows(rows, fmt=kind, fields=[by, *FIELDS])
        return
    cell = None
    if kind == "table":

        def cell(column: str, row: Any) -> Any:  # noqa: E306
            return bar(row["first_time_fix_pct"], 8) if column == "first_time_fix_pct" else None
    else:
        rows = [{**r, "first_time_fix_pct": _pct(r["first_time_fix_pct"])} for r in rows]
    title = f"repairs by {by}, {result['from']} to {result['to']} (repeat window {result['repeat_window_days']} days)"
    output.emit_rows(
        rows, fmt=kind, columns=[by, *REPORT_COLUMNS], headers=REPORT_HEADERS, title=title, cell=cell,
        empty="no repairs in that period", drop=["warranty_repairs", "mtbf_days"],
    )  # fmt: skip


def _pct(value: Any) -> str:
    return "" if value is None else f"{value:.1f}%"
