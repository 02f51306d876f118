"""custsvc subscription: periodic fees, invoiced by an idempotent, catch-up, cron-safe run."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from custsvc.commands import group_help
from custsvc.commands._choices import SubscriptionStatus
from custsvc.commands._common import DATE_HINT, FormatOpt, fmt_of, run
from custsvc.commands.subscription_groups import group_app
from custsvc.commands.subscription_run import invoice

app = typer.Typer(
    help=group_help("subscription"),
    no_args_is_help=True,
)
app.add_typer(group_app, name="group")

SubArg = Annotated[str, typer.Argument(help="Subscription id, e.g. SUB-1001.", metavar="SUB")]
LIST_COLUMNS = [
    "subscription",
    "customer",
    "group",
    "fee",
    "currency",
    "index",
    "start",
    "end",
    "canceled_on",
    "status",
    "billed_through",
]
PERIOD_COLUMNS = [
    "period_start",
    "period_end",
    "fee",
    "index",
    "base",
    "reduction",
    "total",
    "state",
    "invoice",
    "credited",
]


def _emit(record: dict[str, Any], fmt: str | None) -> None:
    from custsvc import output

    for note in record.get("credit_notes") or []:
        output.message(f"credit note {note}")
    for warning in record.get("warnings") or []:
        output.warn(warning)
    output.emit_record(
        {k: v for k, v in record.items() if k not in ("credit_notes", "warnings")},
        fmt=fmt,
        title=f"subscription {record['subscription']}",
        hide=("prices", "indexes", "reductions"),
        sections={
            "prices": (record.get("prices", []), None),
            "indexes": (record.get("indexes", []), None),
            "reductions": (record.get("reductions", []), None),
        },
    )


@app.command("create")
def create(
    subscription: SubArg,
    customer: Annotated[str, typer.Option("--customer", help="Customer account.")],
    group: Annotated[str, typer.Option("--group", help="Subscription group (the billing policy).")],
    fee: Annotated[str, typer.Option("--fee", help="Fee per period, e.g. 49.00.")],
    start: Annotated[
        str,
        typer.Option("--start", help=f"First day; nothing before it is ever invoiced ({DATE_HINT}).", metavar="<date>"),
    ],
    currency: Annotated[str | None, typer.Option("--currency", help="ISO 4217 code (default: the shop's).")] = None,
    end: Annotated[
        str | None, typer.Option("--end", help=f"Last day, inclusive ({DATE_HINT}).", metavar="<date>")
    ] = None,
    index: Annotated[
        str | None, typer.Option("--index", help="Index in %, price = fee x index / 100 (default 100).")
    ] = None,
    description: Annotated[str | None, typer.Option("--description", help="Text on the invoice lines.")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Create a subscription.

    Example: custsvc subscription create SUB-3004 --customer C-3004 --group monthly-support --fee 49.00 --start 2026-04-01
    """  # noqa: E501 (an example stays on one line, to be copied whole)
    from custsvc.services import subscriptions

    record = run(
        lambda s: subscriptions.create(
            s,
            subscription,
            customer=customer,
            group=group,
            fee=fee,
            start=s.day(start, "start"),
            currency=currency,
            end=s.day(end, "end") if end else None,
            index=index,
            description=description,
        )
    )
    _emit(record, fmt_of(fmt))


@app.command("list")
def list_(
    customer: Annotated[str | None, typer.Option("--customer", help="Only this customer's.")] = None,
    group: Annotated[str | None, typer.Option("--group", help="Only this group's.")] = None,
    status: Annotated[
        SubscriptionStatus | None,
        typer.Option("--status", help="Only subscriptions in this state.", case_sensitive=False),
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """List subscriptions with their current fee and index.

    Example: custsvc subscription list --status active
    """
    from custsvc import output
    from custsvc.services import subscriptions
    from custsvc.services.subscriptions.catalog import SUBSCRIPTION_FIELDS

    rows = run(
        lambda s: subscriptions.list_subscriptions(s, customer=customer, group=group, status_filter=status), write=False
    )
    output.emit_rows(
        rows,
        fmt=fmt_of(fmt),
        columns=LIST_COLUMNS,
        headers={"canceled_on": "canceled", "billed_through": "billed through"},
        empty="no subscriptions",
        fields=SUBSCRIPTION_FIELDS,
    )


@app.command("show")
def show(subscription: SubArg, fmt: FormatOpt = None) -> None:
    """Show a subscription with its prices, indexes and reductions.

    Example: custsvc subscription show SUB-1001
    """
    from custsvc.services import subscriptions

    _emit(run(lambda s: subscriptions.show(s, subscription), write=False), fmt_of(fmt))


@app.command("price")
def price(
    subscription: SubArg,
    fee: Annotated[str, typer.Option("--fee", help="The new fee per period.")],
    valid_from: Annotated[
        str,
        typer.Option(
            "--from",
            help=f"From this day on ({DATE_HINT}); a period is priced by the fee in force on its first day.",
            metavar="<date>",
        ),
    ],
    fmt: FormatOpt = None,
) -> None:
    """Change the fee from a date (not inside periods already billed).

    Example: custsvc subscription price SUB-1001 --fee 55.00 --from 2026-07-01
    """
    from custsvc.services import subscriptions

    _emit(run(lambda s: subscriptions.set_price(s, subscription, fee, s.day(valid_from, "from"))), fmt_of(fmt))


@app.command("index")
def index(
    subscription: Annotated[str | None, typer.Argument(help="One subscription (or --group).", metavar="SUB")] = None,
    group: Annotated[str | None, typer.Option("--group", help="Every subscription of this group.")] = None,
    percent: Annotated[
        str | None, typer.Option("--percent", help="Raise the index by this many percent, e.g. 3.5 (100 -> 103.5).")
    ] = None,
    value: Annotated[str | None, typer.Option("--value", help="Or set the index to this value, e.g. 110.")] = None,
    valid_from: Annotated[
        str, typer.Option("--from", help=f"From this day on ({DATE_HINT}).", metavar="<date>")
    ] = "today",
    fmt: FormatOpt = None,
) -> None:
    """Index prices: price = fee x index / 100 (fee 1000 at index 110 gives 1100).

    Example: custsvc subscription index --group monthly-support --percent 3.5 --from 2027-01-01
    """
    from custsvc import output
    from custsvc.services import subscriptions

    if (subscription is None) == (group is None):
        raise typer.BadParameter("give a subscription or --group, not both")
    rows = run(
        lambda s: subscriptions.set_index(
            s, subscription, group, percent=percent, value=value, valid_from=s.day(valid_from, "from")
        )
    )
    output.emit_rows(
        rows,
        fmt=fmt_of(fmt),
        columns=["subscription", "from", "index_before", "index"],
        empty="no subscription runs on that date",
    )


@app.command("reduce")
def reduce(
    subscription: SubArg,
    first: Annotated[str, typer.Option("--from", help=f"First reduced day ({DATE_HINT}).", metavar="<date>")],
    last: Annotated[str, typer.Option("--to", help=f"Last reduced day, inclusive ({DATE_HINT}).", metavar="<date>")],
    reason: Annotated[str | None, typer.Option("--reason", help="Why, e.g. outage.")] = None,
    credit: Annotated[bool, typer.Option("--credit", help="Credit reduced days that are already invoiced.")] = False,
    fmt: FormatOpt = None,
) -> None:
    """Reduction days: the fee of their period is lowered pro rata per day, on its own invoice line.

    March fee 200.00 with 10-11 March reduced: -12.90, so 187.10. Example: custsvc subscription reduce SUB-1001 --from 2026-03-10 --to 2026-03-11 --reason outage
    """  # noqa: E501 (an example stays on one line, to be copied whole)
    from custsvc.services import subscriptions

    _emit(
        run(
            lambda s: subscriptions.reduce(
                s, subscription, s.day(first, "from"), s.day(last, "to"), reason, credit=credit
            )
        ),
        fmt_of(fmt),
    )


@app.command("cancel")
def cancel(
    subscription: SubArg,
    on: Annotated[
        str,
        typer.Option(
            "--on", help=f"The last day of service; no period after it is invoiced ({DATE_HINT}).", metavar="<date>"
        ),
    ],
    credit: Annotated[
        bool, typer.Option("--credit", help="Credit the days after it that are already invoiced (pro rata per day).")
    ] = False,
    fmt: FormatOpt = None,
) -> None:
    """Cancel a subscription.

    Example: custsvc subscription cancel SUB-1001 --on 2026-06-15 --credit
    """
    from custsvc.services import subscriptions

    _emit(run(lambda s: subscriptions.cancel(s, subscription, s.day(on, "on"), credit=credit)), fmt_of(fmt))


@app.command("explain")
def explain(
    subscription: SubArg,
    through: Annotated[
        str | None, typer.Option("--through", help=f"Up to this day ({DATE_HINT}; default: today).", metavar="<date>")
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """Every period with its dates, the price in force, index, reductions, proration arithmetic and the invoice that billed it.

    Example: custsvc subscription explain SUB-1001 --through 2026-12-31
    """  # noqa: E501 (an example stays on one line, to be copied whole)
    from custsvc import output
    from custsvc.services import subscriptions

    result = run(
        lambda s: subscriptions.explain(s, subscription, s.day(through, "through") if through else None), write=False
    )
    kind = output.resolve_format(fmt_of(fmt))
    if kind == "json":
        output.emit_json(result)
        return
    if kind == "csv":
        from custsvc.services.subscriptions.explain import PERIOD_FIELDS

        output.emit_rows(result["periods"], fmt=kind, fields=PERIOD_FIELDS)
        return
    policy = result["policy"]
    output.echo(
        f"{result['subscription']}: {result['customer']}, group {result['group']} "
        f"({policy['every']} {policy['period']}, {policy['align']}, proration {policy['proration']}), "
        f"{result['currency']}, from {result['start']}"
        + (f" to {result['end']}" if result["end"] else "")
        + (f", canceled on {result['canceled_on']}" if result["canceled_on"] else "")
    )
    output.emit_rows(result["periods"], fmt=kind, columns=PERIOD_COLUMNS, empty="no periods yet")
    for period in result["periods"]:
        output.echo(f"{period['period_start']} - {period['period_end']}: {period['arithmetic']}")


@app.command("accruals")
def accruals(
    through: Annotated[
        str, typer.Option("--through", help=f"Recognize revenue up to this day ({DATE_HINT}).", metavar="<date>")
    ],
    post: Annotated[bool, typer.Option("--post", help="Record the recognized parts (each once).")] = False,
    fmt: FormatOpt = None,
) -> None:
    """Revenue recognized and deferred per month: each invoiced fee spread over its group's accrual periods.

    A yearly fee recognized monthly is 12 equal parts (the rounding cents on the last); credits reverse
    their share. Example: custsvc subscription accruals --through 2026-12-31 --post
    """
    from custsvc import output
    from custsvc.services import subscriptions

    result = run(lambda s: subscriptions.accruals(s, s.day(through, "through"), post=post), write=post)
    kind = output.resolve_format(fmt_of(fmt))
    if kind == "json":
        output.emit_json(result)
        return
    output.emit_rows(
        result["months"],
        fmt=kind,
        columns=["month", "currency", "invoiced", "recognized", "deferred"],
        empty="nothing invoiced yet",
    )
    if post:
        output.message(f"posted {output.counted(result['posted'], 'accrual part')}")


app.command("invoice")(invoice)
