"""custsvc subscription group: the billing policies subscriptions follow."""

from __future__ import annotations

from typing import Annotated

import typer

from custsvc.commands._choices import Accrue, AccrueOrNone, Align, Period, Proration
from custsvc.commands._common import FormatOpt, done, fmt_of, run

group_app = typer.Typer(
    help="Subscription groups: the invoicing period, alignment, proration and accrual policy.", no_args_is_help=True
)


@group_app.command("add")
def group_add(
    group: Annotated[str, typer.Argument(help="Group id, e.g. monthly-support.", metavar="GROUP")],
    period: Annotated[Period, typer.Option("--period", help="Invoicing period.", case_sensitive=False)],
    every: Annotated[
        int,
        typer.Option(
            "--every", help="Every N periods (e.g. --period month --every 6 for half-yearly).", min=1, max=100
        ),
    ] = 1,
    align: Annotated[
        Align,
        typer.Option(
            "--align",
            help="anniversary: periods from each subscription's start; calendar: calendar months, quarters ...",
            case_sensitive=False,
        ),
    ] = "anniversary",
    proration: Annotated[
        Proration,
        typer.Option(
            "--proration",
            help="Partial periods: full (whole fee), daily (pro rata per day) or none (free).",
            case_sensitive=False,
        ),
    ] = "daily",
    accrue: Annotated[
        Accrue | None,
        typer.Option(
            "--accrue", help="Recognize revenue per this unit (no longer than the period).", case_sensitive=False
        ),
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
            accrue="" if accrue == "none" else accrue,
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
    from custsvc.services.subscriptions.catalog import GROUP_FIELDS

    output.emit_rows(
        run(subscriptions.list_groups, write=False),
        fmt=fmt_of(fmt),
        columns=["group", "period", "every", "align", "proration", "accrue", "subscriptions", "description"],
        empty="no subscription groups",
        fields=GROUP_FIELDS,
    )


GroupArg = Annotated[str, typer.Argument(help="Group id, e.g. monthly-support.", metavar="GROUP")]


@group_app.command("update")
def group_update(
    group: GroupArg,
    description: Annotated[str | None, typer.Option("--description", help='What the group is ("" for none).')] = None,
    proration: Annotated[
        Proration | None, typer.Option("--proration", help="How partial periods are charged.", case_sensitive=False)
    ] = None,
    accrue: Annotated[
        AccrueOrNone | None,
        typer.Option("--accrue", help="Recognize revenue per this (none: not at all).", case_sensitive=False),
    ] = None,
    period: Annotated[Period | None, typer.Option("--period", help="Invoicing period.", case_sensitive=False)] = None,
    every: Annotated[int | None, typer.Option("--every", help="Every N periods.", min=1, max=100)] = None,
    align: Annotated[
        Align | None,
        typer.Option("--align", help="Periods from the start day, or calendar ones.", case_sensitive=False),
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """Change a subscription group: only the options given.

    Period, every and align stay once a subscription of the group was billed (make a new group), and the
    accrual stays once accruals were posted; a new proration applies to periods not yet invoiced.

    Example: custsvc subscription group update monthly-support --description "Monthly support, per calendar month" --proration full
    """  # noqa: E501 (an example stays on one line, to be copied whole)
    from custsvc import output
    from custsvc.services.subscriptions import catalog

    record = run(
        lambda s: catalog.update_group(
            s,
            group,
            period=period,
            every=every,
            align=align,
            proration=proration,
            accrue="" if accrue == "none" else accrue,
            description=description,
        )
    )
    output.emit_record(record, fmt=fmt_of(fmt), title=f"subscription group {group}")


@group_app.command("remove")
def group_remove(group: GroupArg, fmt: FormatOpt = None) -> None:
    """Remove a subscription group that has no subscriptions.

    Example: custsvc subscription group add spare-plan --period month
    Example: custsvc subscription group remove spare-plan
    """
    from custsvc.services.subscriptions import catalog

    done(run(lambda s: catalog.remove_group(s, group)), fmt, f"removed subscription group {group}")
