"""custsvc agreement: service agreements and the service orders they generate."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from custsvc.commands import group_help
from custsvc.commands._common import DryRunOpt, FormatOpt, context, fmt_of, run

app = typer.Typer(help=group_help("agreement"), no_args_is_help=True)
line_app = typer.Typer(help="Agreement lines: what recurs, how often, and in which window.", no_args_is_help=True)
app.add_typer(line_app, name="line")

AgreementArg = Annotated[str, typer.Argument(help="Agreement id, e.g. AGR-1001.", metavar="ID")]
LIST_COLUMNS = ["agreement", "customer", "group", "start", "end", "combine", "sla", "status", "lines", "technician"]
LINE_COLUMNS = [
    "line",
    "type",
    "task",
    "object",
    "schedule",
    "start",
    "end",
    "window",
    "item",
    "quantity",
    "price",
    "stopped",
]


def _emit(record: dict[str, Any], fmt: str | None) -> None:
    from custsvc import output

    for warning in record.get("warnings", []):
        output.warn(warning)
    output.emit_record(
        {k: v for k, v in record.items() if k != "warnings"},
        fmt=fmt,
        title=f"agreement {record['agreement']}",
        hide=("line_items",),
        sections={"lines": (record.get("line_items", []), LINE_COLUMNS)},
    )


@app.command("create")
def create(
    agreement: AgreementArg,
    customer: Annotated[str, typer.Option("--customer", help="Customer account.")],
    start: Annotated[str, typer.Option("--start", help="Valid from (YYYY-MM-DD).")],
    end: Annotated[
        str | None, typer.Option("--end", help="Valid to, inclusive (YYYY-MM-DD; default: open-ended).")
    ] = None,
    group: Annotated[str | None, typer.Option("--group", help="Agreement group, e.g. gold.")] = None,
    technician: Annotated[str | None, typer.Option("--technician", help="Preferred technician.")] = None,
    combine: Annotated[
        str, typer.Option("--combine", help="Group generated lines into orders by agreement, task, worker or object.")
    ] = "agreement",
    description: Annotated[str | None, typer.Option("--description", help="What the agreement covers.")] = None,
    template: Annotated[
        bool, typer.Option("--template", help="Create a template (it generates nothing; copy it to use it).")
    ] = False,
    sla: Annotated[
        str | None,
        typer.Option("--sla", help="The SLA of the agreement's orders (same as `sla apply SLA --agreement ID`)."),
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """Create a service agreement.

    Example: custsvc agreement create AGR-3004 --customer C-3004 --start 2026-04-01 --end 2027-03-31 --combine object
    """
    from custsvc.services import agreements

    record = run(
        lambda s: agreements.create(
            s,
            agreement,
            customer=customer,
            start=start,
            end=end,
            group=group,
            technician=technician,
            combine_rule=combine,
            description=description,
            template=template,
            sla=sla,
        )
    )
    _emit(record, fmt_of(fmt))


@app.command("list")
def list_(
    customer: Annotated[str | None, typer.Option("--customer", help="Only this customer's agreements.")] = None,
    status: Annotated[
        str | None, typer.Option("--status", help="active, future, expired, suspended or template.")
    ] = None,
    group: Annotated[str | None, typer.Option("--group", help="Only this agreement group.")] = None,
    fmt: FormatOpt = None,
) -> None:
    """List agreements with their status.

    Example: custsvc agreement list --status active
    """
    from custsvc import output
    from custsvc.services import agreements

    rows = run(
        lambda s: agreements.list_agreements(s, customer=customer, status_filter=status, group=group), write=False
    )
    output.emit_rows(rows, fmt=fmt_of(fmt), columns=LIST_COLUMNS, empty="no agreements")


@app.command("show")
def show(agreement: AgreementArg, fmt: FormatOpt = None) -> None:
    """Show an agreement and its lines.

    Example: custsvc agreement show AGR-1001
    """
    from custsvc.services import agreements

    _emit(run(lambda s: agreements.show(s, agreement), write=False), fmt_of(fmt))


@app.command("suspend")
def suspend(agreement: AgreementArg, fmt: FormatOpt = None) -> None:
    """Suspend an agreement: it generates nothing until resumed.

    Example: custsvc agreement suspend AGR-1001
    """
    from custsvc.services import agreements

    _emit(run(lambda s: agreements.set_suspended(s, agreement, True)), fmt_of(fmt))


@app.command("resume")
def resume(agreement: AgreementArg, fmt: FormatOpt = None) -> None:
    """Resume a suspended agreement (the next generation catches up what it missed).

    Example: custsvc agreement resume AGR-1001
    """
    from custsvc.services import agreements

    _emit(run(lambda s: agreements.set_suspended(s, agreement, False)), fmt_of(fmt))


@app.command("copy")
def copy(
    source: Annotated[str, typer.Argument(help="The agreement (or template) to copy.", metavar="SRC")],
    new: Annotated[str, typer.Argument(help="Id of the new agreement.", metavar="NEW")],
    as_template: Annotated[bool, typer.Option("--as-template", help="Make the copy a template.")] = False,
    customer: Annotated[
        str | None, typer.Option("--customer", help="Customer of the copy (default: the same).")
    ] = None,
    start: Annotated[str | None, typer.Option("--start", help="Start of the copy; line dates shift with it.")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Copy an agreement with its lines, e.g. a template into a customer's agreement.

    Example: custsvc agreement copy TPL-BOILER AGR-3001 --customer C-3001 --start 2026-04-01
    """
    from custsvc.services import agreements

    _emit(
        run(lambda s: agreements.copy(s, source, new, as_template=as_template, customer=customer, start=start)),
        fmt_of(fmt),
    )


@app.command("generate")
def generate(
    date_from: Annotated[str, typer.Option("--from", help="First date of the period (YYYY-MM-DD).")],
    date_to: Annotated[str, typer.Option("--to", help="Last date of the period, inclusive (YYYY-MM-DD).")],
    agreement: Annotated[str | None, typer.Argument(help="Only this agreement (default: all).", metavar="[ID]")] = None,
    dry_run: DryRunOpt = False,
    summary: Annotated[
        bool, typer.Option("--summary", help="Print only the counts (one line, or one JSON object), not every order.")
    ] = False,
    fmt: FormatOpt = None,
) -> None:
    """Generate the service orders agreements call for in a period; safe to run again.

    Running twice, or over overlapping periods, never creates an order line twice; a missed period
    is caught up by the next run. Example: custsvc agreement generate --from 2026-04-01 --to 2026-04-30
    """
    from custsvc import output
    from custsvc.services import agreements

    with output.busy("generating service orders ..."), context(write=not dry_run) as s:
        result = agreements.generate(
            s, agreement=agreement, date_from=s.day(date_from, "from"), date_to=s.day(date_to, "to"), dry_run=dry_run
        )
    warnings = result["warnings"]
    for warning in warnings[:10]:
        output.warn(warning)
    if len(warnings) > 10:
        output.warn(f"... and {len(warnings) - 10} more (--format json --summary lists them all)")
    kind = output.resolve_format(fmt_of(fmt))
    verb = "would create" if dry_run else "created"
    counts = f"{verb} {result['created_orders']} order(s) and {result['created_lines']} line(s)" + (
        " (dry run: nothing written)" if dry_run else ""
    )
    if summary:
        if kind == "json":
            output.emit_json(
                {k: result[k] for k in ("created_orders", "created_lines", "warnings")} | {"dry_run": dry_run}
            )
        else:
            output.echo(counts)
        return
    _emit_generated(result["orders"], kind, counts)


def _emit_generated(orders: list[dict[str, Any]], kind: str, counts: str) -> None:
    """The generated orders: as JSON, as a CSV row per line, else a row per order and the counts on stderr."""
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
        output.emit_rows(rows, fmt=kind)
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
    output.emit_rows(rows, fmt=kind, columns=["order", "date", "agreement", "customer", "lines", "what"])
    output.message(counts)


@line_app.command("add")
def line_add(
    agreement: AgreementArg,
    type: Annotated[str, typer.Option("--type", help="hour, expense, item or fee.")],
    start: Annotated[str, typer.Option("--start", help="First date (the anchor of the interval).")],
    end: Annotated[str | None, typer.Option("--end", help="Last date, inclusive.")] = None,
    obj: Annotated[str | None, typer.Option("--object", help="Service object (of the agreement's customer).")] = None,
    task: Annotated[str | None, typer.Option("--task", help="Service task.")] = None,
    worker: Annotated[str | None, typer.Option("--worker", help="Worker for the line.")] = None,
    item: Annotated[str | None, typer.Option("--item", help="Item.")] = None,
    qty: Annotated[
        str | None, typer.Option("--qty", help="Quantity or hours (default: the task's hours, else 1).")
    ] = None,
    price: Annotated[
        str | None, typer.Option("--price", help="Unit price (default: from the item or task at generation).")
    ] = None,
    every: Annotated[
        str | None,
        typer.Option("--every", help='Interval: "10 days", "1 week", "2 weeks", "3 months", "1 year" (none: once).'),
    ] = None,
    rrule: Annotated[
        str | None, typer.Option("--rrule", help="An RFC 5545 rule instead, e.g. FREQ=MONTHLY;BYDAY=1MO.")
    ] = None,
    window: Annotated[
        str | None, typer.Option("--window", help="week, month or days:N: how far a visit may move to share an order.")
    ] = None,
    description: Annotated[str | None, typer.Option("--description", help="Line text.")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Add a line to an agreement.

    Example: custsvc agreement line add AGR-1001 --type hour --task BOILER-SERVICE --object OBJ-0001 --every "3 months" --start 2026-01-15
    """  # noqa: E501 (an example stays on one line, to be copied whole)
    from custsvc import output
    from custsvc.services import agreements

    record = run(
        lambda s: agreements.add_line(
            s,
            agreement,
            type=type,
            start=start,
            end=end,
            obj=obj,
            task=task,
            worker=worker,
            item=item,
            quantity=qty,
            price=price,
            every=every,
            rrule=rrule,
            window=window,
            description=description,
        )
    )
    output.emit_record(record, fmt=fmt_of(fmt), title=f"{agreement} line {record['line']}")


@line_app.command("stop")
def line_stop(
    agreement: AgreementArg,
    line: Annotated[int, typer.Argument(help="Line number.", metavar="LINE", min=1, max=1_000_000)],
    fmt: FormatOpt = None,
) -> None:
    """Stop a line: it generates nothing more.

    Example: custsvc agreement line stop AGR-1001 2
    """
    from custsvc import output
    from custsvc.services import agreements

    record = run(lambda s: agreements.stop_line(s, agreement, line))
    output.emit_record(record, fmt=fmt_of(fmt), title=f"{agreement} line {line}")
