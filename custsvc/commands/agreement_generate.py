"""custsvc agreement generate: the service orders agreements call for in a period (what cron calls)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from custsvc.commands._common import DATE_HINT, DryRunOpt, FormatOpt, context, fmt_of

FromOpt = Annotated[
    str, typer.Option("--from", help=f"First date of the period ({DATE_HINT}; default: today).", metavar="<date>")
]
ToOpt = Annotated[
    str, typer.Option("--to", help=f"Last date of the period, inclusive ({DATE_HINT}).", metavar="<date>")
]


def generate(
    date_to: ToOpt,
    date_from: FromOpt = "today",
    agreement: Annotated[str | None, typer.Argument(help="Only this agreement (default: all).", metavar="ID")] = None,
    dry_run: DryRunOpt = False,
    summary: Annotated[
        bool, typer.Option("--summary", help="Print only the counts (on stderr, or one JSON object), not every order.")
    ] = False,
    fmt: FormatOpt = None,
) -> None:
    """Generate the service orders agreements call for in a period; safe to run again.

    Running twice, or over overlapping periods, never creates an order line twice. The orders made
    are listed on stdout, the counts on stderr; with --summary only the counts, and only when
    something was made (a run with nothing to do prints nothing unless on a terminal), so a daily
    cron job that looks 30 days ahead (--to +30d) mails only when there is news.

    Example: custsvc agreement generate --from 2026-04-01 --to 2026-04-30
    Example: custsvc agreement generate --to +30d --summary
    """
    from custsvc import output
    from custsvc.services import agreements

    with output.busy("generating service orders ..."), context(write=not dry_run) as s:
        result = agreements.generate(
            s,
            agreement=agreement,
            date_from=s.day(date_from, "from"),
            date_to=s.day(date_to, "to"),
            dry_run=dry_run,
            listing=not summary,
        )
    _warn(result["warnings"])
    kind = output.resolve_format(fmt_of(fmt))
    if summary and kind == "json":
        output.emit_json({k: result[k] for k in ("created_orders", "created_lines", "warnings")} | {"dry_run": dry_run})
        return
    if not summary:
        _emit_generated(result["orders"], kind)
    if kind not in ("json", "csv"):
        _counts(result, dry_run)


def _warn(warnings: list[str]) -> None:
    from custsvc import output

    for warning in warnings[:10]:
        output.warn(warning)
    if len(warnings) > 10:
        output.warn(f"... and {len(warnings) - 10} more (--format json --summary lists them all)")


def _counts(result: dict[str, Any], dry_run: bool) -> None:
    """``created 3 orders and 5 lines`` on stderr: when something was (or would be) made, and to a
    person at a terminal when nothing was; never with --quiet."""
    import sys

    from custsvc import output

    if not result["created_lines"] and not dry_run and not sys.stderr.isatty():
        return
    verb = "would create" if dry_run else "created"
    orders, lines = output.counted(result["created_orders"], "order"), output.counted(result["created_lines"], "line")
    output.message(f"{verb} {orders} and {lines}" + (" (dry run: nothing written)" if dry_run else ""))


def _emit_generated(orders: list[dict[str, Any]], kind: str) -> None:
    """The generated orders: as JSON, as a CSV row per line, else a row per order."""
    from custsvc import output

    if kind == "json":
        output.emit_json(orders)
        return
    if kind == "csv":
        rows = [
            {"order": o["order"], "date": o["date"], "existing": o["existing"], **line}
            for o in orders
            for line in o["lines"]
        ]
        from custsvc.services.agreements.generation import LINE_FIELDS

        output.emit_rows(rows, fmt=kind, fields=["order", "date", "existing", *LINE_FIELDS])
        return
    rows = [
        {
            "order": o["order"] + (" (existing)" if o["existing"] else ""),
            "date": o["date"],
            "agreement": o["agreement"],
            "customer": o["customer"],
            "lines": len(o["lines"]),
            "what": ", ".join(dict.fromkeys(line["description"] for line in o["lines"])),
        }
        for o in orders
    ]
    if rows:
        output.emit_rows(rows, fmt=kind, columns=["order", "date", "agreement", "customer", "lines", "what"])
