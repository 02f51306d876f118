"""custsvc return report: returns per reason, disposition, item or customer."""

from __future__ import annotations

from typing import Annotated

import typer

from custsvc.commands._common import DATE_HINT, FormatOpt, fmt_of, run

FromOpt = Annotated[str, typer.Option("--from", help=f"Return orders created from ({DATE_HINT}).", metavar="<date>")]
ToOpt = Annotated[str, typer.Option("--to", help=f"... to this day ({DATE_HINT}).", metavar="<date>")]


def report(
    date_from: Annotated[
        str, typer.Option("--from", help=f"Return orders created from ({DATE_HINT}).", metavar="<date>")
    ],
    date_to: Annotated[str, typer.Option("--to", help=f"... to this day ({DATE_HINT}).", metavar="<date>")],
    by: Annotated[str, typer.Option("--by", help="reason, disposition, item or customer.")] = "reason",
    fmt: FormatOpt = None,
) -> None:
    """Returns per reason, disposition, item or customer: return orders, lines, quantity, amount credited,
    and the average days from creation to close (of those closed).

    Example: custsvc return report --from -90d --to today --by reason
    """
    from custsvc import output
    from custsvc.services.returns import report as reports

    result = run(
        lambda s: reports.report(s, day_from=s.day(date_from, "from"), day_to=s.day(date_to, "to"), by=by),
        write=False,
    )
    kind = output.resolve_format(fmt_of(fmt))
    if kind == "json":
        output.emit_json(result)
        return
    output.emit_rows(
        result["rows"], fmt=kind, columns=[result["by"], *reports.FIELDS],
        title=f"returns by {result['by']}, {result['from']} to {result['to']}", empty="no return orders in that period",
    )  # fmt: skip
