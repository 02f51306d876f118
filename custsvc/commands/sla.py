"""custsvc sla: service-level agreements, the clock of each order, and compliance reports."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from custsvc.commands import group_help
from custsvc.commands._choices import ReportBy
from custsvc.commands._common import DATE_HINT, FormatOpt, done, fmt_of, run
from custsvc.commands._sla_render import emit_report, emit_status

app = typer.Typer(
    help=group_help("sla"),
    no_args_is_help=True,
)
SlaArg = Annotated[str, typer.Argument(help="SLA id, e.g. gold.", metavar="SLA")]
OrderArg = Annotated[str, typer.Argument(help="Service order number.", metavar="ORDER")]
LIST_COLUMNS = [
    "sla",
    "calendar",
    "response_high",
    "resolution_high",
    "response_normal",
    "resolution_normal",
    "response_low",
    "resolution_low",
    "applies_to",
    "suspended",
]


@app.command("add")
def add(
    sla: SlaArg,
    calendar: Annotated[str, typer.Option("--calendar", help="The working calendar the business time is counted in.")],
    response: Annotated[
        list[str],
        typer.Option(
            "--response",
            help="Response target: 4h, or per priority high=1h (repeatable; a bare value covers the rest).",
        ),
    ],
    resolution: Annotated[
        list[str], typer.Option("--resolution", help="Resolution target: 2d, or per priority high=4h (repeatable).")
    ],
    description: Annotated[str | None, typer.Option("--description", help="What the SLA promises.")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Add an SLA with response and resolution targets in business time.

    Example: custsvc sla add platinum --calendar around-the-clock --response high=30m --response 2h --resolution high=2h --resolution 8h
    """  # noqa: E501 (an example stays on one line, to be copied whole)
    from custsvc import output
    from custsvc.services import sla as slas

    record = run(
        lambda s: slas.add(s, sla, calendar=calendar, response=response, resolution=resolution, description=description)
    )
    output.emit_record(record, fmt=fmt_of(fmt), title=f"SLA {sla}", hide=("targets",))


@app.command("update")
def update(
    sla: SlaArg,
    calendar: Annotated[str | None, typer.Option("--calendar", help="The working calendar of new orders.")] = None,
    response: Annotated[
        list[str] | None,
        typer.Option("--response", help="New response targets, as for `sla add` (replace all response targets)."),
    ] = None,
    resolution: Annotated[
        list[str] | None,
        typer.Option("--resolution", help="New resolution targets, as for `sla add` (replace all resolution targets)."),
    ] = None,
    description: Annotated[
        str | None, typer.Option("--description", help='What the SLA promises ("" for none).')
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """Change an SLA's calendar, targets or description, checked as `sla add` checks them.

    Orders keep the targets (and calendar) they were created with: an SLA's targets are fixed on each
    order when it is created, so a change applies to new orders only.
    Example: custsvc sla update silver --response high=1h --response 4h --description "Silver: faster first response"
    """
    from custsvc import output
    from custsvc.services.sla import definitions

    record = run(
        lambda s: definitions.update(
            s, sla, calendar=calendar, response=response or (), resolution=resolution or (), description=description
        )
    )
    output.emit_record(record, fmt=fmt_of(fmt), title=f"SLA {sla}", hide=("targets",))


@app.command("list")
def list_(fmt: FormatOpt = None) -> None:
    """List SLAs with their targets and where they apply.

    Example: custsvc sla list
    """
    from custsvc import output
    from custsvc.services import sla as slas
    from custsvc.services.sla.definitions import SLA_FIELDS

    rows = run(slas.list_slas, write=False)
    output.emit_rows(rows, fmt=fmt_of(fmt), columns=LIST_COLUMNS, empty="no SLAs", fields=SLA_FIELDS)


@app.command("show")
def show(sla: SlaArg, fmt: FormatOpt = None) -> None:
    """Show an SLA.

    Example: custsvc sla show gold
    """
    from custsvc import output
    from custsvc.services import sla as slas

    record = run(lambda s: slas.record(s, slas.get(s, sla)), write=False)
    output.emit_record(record, fmt=fmt_of(fmt), title=f"SLA {sla}", hide=("targets",))


@app.command("suspend")
def suspend(sla: SlaArg, fmt: FormatOpt = None) -> None:
    """Suspend an SLA: new orders pass over it (orders that have it keep it).

    Example: custsvc sla suspend bronze
    """
    from custsvc import output
    from custsvc.services import sla as slas

    output.emit_record(run(lambda s: slas.set_suspended(s, sla, True)), fmt=fmt_of(fmt), hide=("targets",))


@app.command("resume")
def resume(sla: SlaArg, fmt: FormatOpt = None) -> None:
    """Resume a suspended SLA.

    Example: custsvc sla resume bronze
    """
    from custsvc import output
    from custsvc.services import sla as slas

    output.emit_record(run(lambda s: slas.set_suspended(s, sla, False)), fmt=fmt_of(fmt), hide=("targets",))


def _scope(customer: str | None, tier: str | None, agreement: str | None, default: bool) -> tuple[str, str | None]:
    chosen = [
        (name, value) for name, value in (("customer", customer), ("tier", tier), ("agreement", agreement)) if value
    ] + ([("default", None)] if default else [])
    if len(chosen) != 1:
        raise typer.BadParameter("give exactly one of --customer, --tier, --agreement or --default")
    return chosen[0]


@app.command("apply")
def apply(
    sla: SlaArg,
    customer: Annotated[str | None, typer.Option("--customer", help="For this customer's new orders.")] = None,
    tier: Annotated[str | None, typer.Option("--tier", help="For new orders of customers of this tier.")] = None,
    agreement: Annotated[str | None, typer.Option("--agreement", help="For this agreement's new orders.")] = None,
    default: Annotated[bool, typer.Option("--default", help="For new orders nothing else covers.")] = False,
    fmt: FormatOpt = None,
) -> None:
    """Say where an SLA applies. A new order gets: its own --sla, else its agreement's, its customer's, its tier's, the default.

    Example: custsvc sla apply gold --tier gold
    """  # noqa: E501 (an example stays on one line, to be copied whole)
    from custsvc import output
    from custsvc.services import sla as slas

    scope, key = _scope(customer, tier, agreement, default)
    result = run(lambda s: slas.apply(s, sla, scope, key))
    if output.resolve_format(fmt_of(fmt)) == "json":
        output.emit_json(result)
    else:
        where = scope if scope == "default" else f"{scope} {result['key']}"
        output.message(f"SLA {sla} applies to {where}")


@app.command("unapply")
def unapply(
    customer: Annotated[str | None, typer.Option("--customer", help="The customer's SLA.")] = None,
    tier: Annotated[str | None, typer.Option("--tier", help="The tier's SLA.")] = None,
    agreement: Annotated[str | None, typer.Option("--agreement", help="The agreement's SLA.")] = None,
    default: Annotated[bool, typer.Option("--default", help="The default SLA.")] = False,
    fmt: FormatOpt = None,
) -> None:
    """Remove an SLA assignment.

    Example: custsvc sla unapply --tier bronze
    """
    from custsvc.services import sla as slas

    scope, key = _scope(customer, tier, agreement, default)
    result = run(lambda s: slas.unapply(s, scope, key))
    done(
        {**result, "removed": True}, fmt, f"SLA {result['sla']} no longer applies to {scope}{' ' + key if key else ''}"
    )


@app.command("assignments")
def assignments(fmt: FormatOpt = None) -> None:
    """List where each SLA applies.

    Example: custsvc sla assignments
    """
    from custsvc import output
    from custsvc.services import sla as slas
    from custsvc.services.sla.definitions import ASSIGNMENT_FIELDS

    output.emit_rows(
        run(slas.assignments, write=False),
        fmt=fmt_of(fmt),
        columns=["scope", "key", "sla"],
        empty="no SLA applies anywhere yet",
        fields=ASSIGNMENT_FIELDS,
    )


@app.command("status")
def status(order: OrderArg, fmt: FormatOpt = None) -> None:
    """Show an order's SLA: deadlines, business time used, compliance and status.

    Status is on-track, at-risk, paused, breached, met or canceled. Example: custsvc sla status SO-000045 --format json
    """
    from custsvc.services import sla as slas

    emit_status(run(lambda s: slas.status(s, order), write=False), fmt_of(fmt))


@app.command("explain")
def explain(order: OrderArg, fmt: FormatOpt = None) -> None:
    """Show every interval that counted or was paused, with its business time, and how each deadline follows.

    Example: custsvc sla explain SO-000045
    """
    from custsvc import output
    from custsvc.services import sla as slas

    result = run(lambda s: slas.explain(s, order), write=False)
    kind = output.resolve_format(fmt_of(fmt))
    if kind == "json":
        output.emit_json(result)
        return
    emit_status(result, kind)
    output.echo()
    output.emit_rows(result["intervals"], fmt=kind, columns=["from", "to", "clock", "business_time"], title="intervals")
    output.echo()
    output.emit_rows(result["log"], fmt=kind, columns=["at", "event", "actor", "reason", "note"], title="SLA log")
    output.echo()
    for line in result["derivation"]:
        output.echo(line)


@app.command("respond")
def respond(
    order: OrderArg,
    note: Annotated[str | None, typer.Option("--note", help="A note for the SLA log.")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Record the response to an order now (it is also recorded when the order first leaves the initial stage).

    Example: custsvc sla respond SO-000060
    """
    from custsvc.services import sla as slas

    emit_status(run(lambda s: slas.respond(s, order, note)), fmt_of(fmt))


@app.command("stop")
def stop(
    order: OrderArg,
    reason: Annotated[str, typer.Option("--reason", help="Reason code (see `order reason list`).")],
    note: Annotated[str | None, typer.Option("--note", help="A note for the SLA log.")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Stop an order's SLA clock until `sla start` (the paused business time moves its deadlines).

    Example: custsvc sla stop SO-000050 --reason NO-ACCESS
    """
    from custsvc.services import sla as slas

    emit_status(run(lambda s: slas.stop(s, order, reason, note)), fmt_of(fmt))


@app.command("start")
def start(
    order: OrderArg,
    note: Annotated[str | None, typer.Option("--note", help="A note for the SLA log.")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Start a stopped SLA clock again.

    Example: custsvc sla stop SO-000050 --reason NO-ACCESS
    Example: custsvc sla start SO-000050
    """
    from custsvc.services import sla as slas

    emit_status(run(lambda s: slas.start(s, order, note)), fmt_of(fmt))


@app.command("report")
def report(
    date_from: Annotated[
        str, typer.Option("--from", help=f"Orders created on or after this date ({DATE_HINT}).", metavar="<date>")
    ],
    date_to: Annotated[
        str, typer.Option("--to", help=f"Orders created on or before this date ({DATE_HINT}).", metavar="<date>")
    ],
    by: Annotated[ReportBy, typer.Option("--by", help="Group the report by this.", case_sensitive=False)] = "customer",
    fmt: FormatOpt = None,
) -> None:
    """SLA compliance per group: orders, met, breached, open, compliance %, mean and 90th percentile response and resolution.

    Compliance is met / (met + breached); times are business time. Example: custsvc sla report --from 2026-01-01 --to 2026-03-31 --by tier
    """  # noqa: E501 (an example stays on one line, to be copied whole)
    from custsvc import output
    from custsvc.services import sla as slas

    days: list[Any] = []

    def compute(s: Any) -> Any:
        days.extend((s.day(date_from, "from"), s.day(date_to, "to")))  # the title names the days, not "-90d"
        return slas.report(s, days[0], days[1], by)

    with output.busy("computing the report ..."):
        rows = run(compute, write=False)
    emit_report(rows, fmt_of(fmt), by, f"SLA compliance by {by}, {days[0]} to {days[1]}")


@app.command("breaches")
def breaches(
    date_from: Annotated[
        str | None,
        typer.Option("--from", help=f"Orders created on or after this date ({DATE_HINT}).", metavar="<date>"),
    ] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", help=f"Orders created on or before this date ({DATE_HINT}).", metavar="<date>")
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """Orders that missed a target, with how late (in business time).

    Example: custsvc sla breaches --from 2026-03-01
    """
    from custsvc import output
    from custsvc.services import sla as slas
    from custsvc.services.sla.reports import BREACH_FIELDS

    def work(s: Any) -> Any:
        lo = s.day(date_from, "from") if date_from else None
        hi = s.day(date_to, "to") if date_to else None
        return slas.breaches(s, lo, hi)

    output.emit_rows(
        run(work, write=False),
        fmt=fmt_of(fmt),
        columns=["order", "customer", "priority", "sla", "target", "due", "done_at", "late", "technician"],
        empty="no breaches",
        fields=BREACH_FIELDS,
    )


@app.command("at-risk")
def at_risk(
    within: Annotated[str, typer.Option("--within", help="Business time left to the deadline, e.g. 2h.")] = "2h",
    fmt: FormatOpt = None,
) -> None:
    """Open orders whose next deadline is within that much business time, soonest first.

    Example: custsvc sla at-risk --within 2h
    """
    from custsvc import output
    from custsvc.services import sla as slas
    from custsvc.services.sla.reports import AT_RISK_FIELDS

    output.emit_rows(
        run(lambda s: slas.at_risk(s, within), write=False),
        fmt=fmt_of(fmt),
        columns=["order", "customer", "priority", "target", "due", "time_left", "stage", "technician", "status"],
        empty="no orders at risk",
        fields=AT_RISK_FIELDS,
    )
