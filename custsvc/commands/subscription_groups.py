"""custsvc subscription group: the billing policies subscriptions follow."""

from __future__ import annotations

from typing import Annotated

import typer

from custsvc.commands._common import FormatOpt, fmt_of, run

group_app = typer.Typer(
    help="Subscription groups: the invoicing period, alignment, proration and accrual policy.", no_args_is_help=True
)


@group_app.command("add")
def group_add(
    group: Annotated[str, typer.Argument(help="Group id, e.g. monthly-support.", metavar="GROUP")],
    period: Annotated[str, typer.Option("--period", help="Invoicing period: day, week, month, quarter or year.")],
    every: Annotated[
        int,
        typer.Option(
            "--every", help="Every N periods (e.g. --period month --every 6 for half-yearly).", min=1, max=100
        ),
    ] = 1,
    align: Annotated[
        str,
        typer.Option(
            "--align",
            help="anniversary (periods from each subscription's start) or calendar (calendar months, quarters ...).",
        ),
    ] = "anniversary",
    proration: Annotated[
        str,
        typer.Option("--proration", help="Partial periods: full (whole fee), daily (pro rata per day) or none (free)."),
    ] = "daily",
    accrue: Annotated[
        str | None,
        typer.Option("--accrue", help="Recognize revenue per day, month, quarter or year (no longer than the period)."),
    ] = None,
    description: Annotated[str | None, typer.Option("--description", help="What the group is.")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Add a subscription group.

    Example: custsvc subscription group add half-yearly --period month --every 6 --align calendar --accrue month
    """
    from custsvc import output
    from custsvc.services import subscriptions

    record = run(
        lambda s: subscriptions.add_group(
            s,
            group,
            period=period,
            every=every,
            align=align,
            proration=proration,
            accrue=accrue,
            description=description,
        )
    )
    output.emit_record(record, fmt=fmt_of(fmt), title=f"subscription group {group}")


@group_app.command("list")
def group_list(fmt: FormatOpt = None) -> None:
    """List subscription groups.

    Example: custsvc subscription group list
    """
    from custsvc import output
    from custsvc.services import subscriptions

    output.emit_rows(
        run(subscriptions.list_groups, write=False),
        fmt=fmt_of(fmt),
        columns=["group", "period", "every", "align", "proration", "accrue", "subscriptions", "description"],
        empty="no subscription groups",
    )
