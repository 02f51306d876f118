"""custsvc agreement: service agreements and the service orders they generate."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from custsvc.commands import group_help
from custsvc.commands._choices import AgreementStatus, Combine, LineType
from custsvc.commands._common import DATE_HINT, FormatOpt, done, fmt_of, run
from custsvc.commands.agreement_generate import generate
from custsvc.values import counted

app = typer.Typer(help=group_help("agreement"), no_args_is_help=True)
line_app = typer.Typer(help="Agreement lines: what recurs, how often, and in which window.", no_args_is_help=True)
app.add_typer(line_app, name="line")

AgreementArg = Annotated[str, typer.Argument(help="Agreement id, e.g. AGR-1001.", metavar="ID")]
LineArg = Annotated[int, typer.Argument(help="Line number.", metavar="LINE", min=1, max=1_000_000)]
EndOpt = Annotated[str | None, typer.Option("--end", help=f"Last date, inclusive ({DATE_HINT}).", metavar="<date>")]
ObjectOpt = Annotated[str | None, typer.Option("--object", help="Service object (of the agreement's customer).")]
TaskOpt = Annotated[str | None, typer.Option("--task", help="Service task.")]
WorkerOpt = Annotated[str | None, typer.Option("--worker", help="Worker for the line.")]
QtyOpt = Annotated[str | None, typer.Option("--qty", help="Quantity or hours (default: the task's hours, else 1).")]
PriceOpt = Annotated[
    str | None, typer.Option("--price", help="Unit price (default: from the item or task at generation).")
]
EveryOpt = Annotated[
    str | None,
    typer.Option("--every", help='Interval: "10 days", "1 week", "2 weeks", "3 months", "1 year" (none: once).'),
]
RruleOpt = Annotated[str | None, typer.Option("--rrule", help="An RFC 5545 rule instead, e.g. FREQ=MONTHLY;BYDAY=1MO.")]
WindowOpt = Annotated[
    str | None, typer.Option("--window", help="week, month or days:N: how far a visit may move to share an order.")
]
LineTextOpt = Annotated[str | None, typer.Option("--description", help="Line text.")]
LIST_COLUMNS = ["agreement", "customer", "group", "start", "end", "combine", "sla", "status", "lines", "technician"]
LINE_COLUMNS = ["line", "type", "task", "object", "schedule", "start", "end", "window", "item", "quantity", "price"]
LINE_COLUMNS += ["stopped"]


def _given(options: dict[str, Any], *positional: str) -> dict[str, Any]:
    """A command's options as the service's keywords (each command names its parameters as the service does)."""
    return {k: v for k, v in options.items() if k not in positional and k != "fmt"}


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
    start: Annotated[str, typer.Option("--start", help=f"Valid from ({DATE_HINT}).", metavar="<date>")],
    end: Annotated[
        str | None, typer.Option("--end", help=f"Valid to, inclusive ({DATE_HINT}).", metavar="<date>")
    ] = None,
    group: Annotated[str | None, typer.Option("--group", help="Agreement group, e.g. gold.")] = None,
    technician: Annotated[str | None, typer.Option("--technician", help="Preferred technician.")] = None,
    combine_rule: Annotated[
        Combine,
        typer.Option("--combine", help="What generated lines are grouped into orders by.", case_sensitive=False),
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
    values = _given(locals(), "agreement")
    from custsvc.services import agreements

    record = run(lambda s: agreements.create(s, agreement, **values))
    _emit(record, fmt_of(fmt))


@app.command("list")
def list_(
    customer: Annotated[str | None, typer.Option("--customer", help="Only this customer's agreements.")] = None,
    status: Annotated[
        AgreementStatus | None, typer.Option("--status", help="Only agreements in this state.", case_sensitive=False)
    ] = None,
    group: Annotated[str | None, typer.Option("--group", help="Only this agreement group.")] = None,
    fmt: FormatOpt = None,
) -> None:
    """List agreements with their status.

    Example: custsvc agreement list --status active
    """
    from custsvc import output
    from custsvc.services import agreements
    from custsvc.services.agreements.catalog import AGREEMENT_FIELDS

    rows = run(
        lambda s: agreements.list_agreements(s, customer=customer, status_filter=status, group=group), write=False
    )
    output.emit_rows(rows, fmt=fmt_of(fmt), columns=LIST_COLUMNS, empty="no agreements", fields=AGREEMENT_FIELDS)


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
    start: Annotated[
        str | None,
        typer.Option("--start", help=f"Start of the copy; line dates shift with it ({DATE_HINT}).", metavar="<date>"),
    ] = None,
    description: Annotated[
        str | None,
        typer.Option("--description", help='Description of the copy (default: the source\'s, without "Template:").'),
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """Copy an agreement with its lines, e.g. a template into a customer's agreement.

    A template's copy that is no template drops a leading "Template:" or "Template -" from the description.
    Example: custsvc agreement copy TPL-BOILER AGR-3001 --customer C-3001 --start 2026-04-01
    Example: custsvc agreement copy TPL-BOILER AGR-3003 --customer C-3003 --start 2026-05-01 --description "Print studio boiler"
    """  # noqa: E501 (an example stays on one line, to be copied whole)
    from custsvc.services import agreements

    _emit(
        run(
            lambda s: agreements.copy(
                s, source, new, as_template=as_template, customer=customer, start=start, description=description
            )
        ),
        fmt_of(fmt),
    )


app.command("generate")(generate)


@line_app.command("add")
def line_add(
    agreement: AgreementArg,
    type: Annotated[LineType, typer.Option("--type", help="What the line is.", case_sensitive=False)],
    start: Annotated[
        str, typer.Option("--start", help=f"First date, the anchor of the interval ({DATE_HINT}).", metavar="<date>")
    ],
    end: EndOpt = None,
    obj: ObjectOpt = None,
    task: TaskOpt = None,
    worker: WorkerOpt = None,
    item: Annotated[str | None, typer.Option("--item", help="Item.")] = None,
    quantity: QtyOpt = None,
    price: PriceOpt = None,
    every: EveryOpt = None,
    rrule: RruleOpt = None,
    window: WindowOpt = None,
    description: LineTextOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Add a line to an agreement.

    Example: custsvc agreement line add AGR-1001 --type hour --task BOILER-SERVICE --object OBJ-0001 --every "3 months" --start 2026-01-15
    """  # noqa: E501 (an example stays on one line, to be copied whole)
    values = _given(locals(), "agreement")
    from custsvc import output
    from custsvc.services import agreements

    record = run(lambda s: agreements.add_line(s, agreement, **values))
    output.emit_record(record, fmt=fmt_of(fmt), title=f"{agreement} line {record['line']}")


@line_app.command("stop")
def line_stop(agreement: AgreementArg, line: LineArg, fmt: FormatOpt = None) -> None:
    """Stop a line: it generates nothing more.

    Example: custsvc agreement line stop AGR-1001 2
    """
    from custsvc import output
    from custsvc.services import agreements

    record = run(lambda s: agreements.stop_line(s, agreement, line))
    output.emit_record(record, fmt=fmt_of(fmt), title=f"{agreement} line {line}")


@app.command("update")
def update(
    agreement: AgreementArg,
    description: Annotated[str | None, typer.Option("--description", help="What the agreement covers.")] = None,
    end: Annotated[
        str | None,
        typer.Option("--end", help=f'Valid to, inclusive ({DATE_HINT}; "" for open-ended).', metavar="<date>"),
    ] = None,
    technician: Annotated[str | None, typer.Option("--technician", help='Preferred technician ("" for none).')] = None,
    group: Annotated[str | None, typer.Option("--group", help='Agreement group ("" for none).')] = None,
    combine_rule: Annotated[
        Combine | None,
        typer.Option(
            "--combine", help="Group lines into orders by this (only before any generation).", case_sensitive=False
        ),
    ] = None,
    sla: Annotated[str | None, typer.Option("--sla", help='Apply this SLA to the agreement ("" for none).')] = None,
    fmt: FormatOpt = None,
) -> None:
    """Change an agreement or template: only the options given ("" clears an optional one).

    The end cannot fall before a visit already generated, nor the combine rule change once orders were
    generated; --sla S does what `sla apply S --agreement ID` does.
    Example: custsvc agreement update AGR-3002 --end 2027-05-09 --technician T-02 --sla silver
    """
    values = _given(locals(), "agreement")
    from custsvc.services.agreements import editing

    _emit(run(lambda s: editing.update(s, agreement, **values)), fmt_of(fmt))


@app.command("remove")
def remove(agreement: AgreementArg, fmt: FormatOpt = None) -> None:
    """Remove an agreement and its lines; refused while any service order refers to it (end it instead).

    Example: custsvc agreement create AGR-3099 --customer C-3003 --start 2026-04-01
    Example: custsvc agreement remove AGR-3099
    """
    from custsvc.services.agreements import editing

    result = run(lambda s: editing.remove(s, agreement))
    done(result, fmt, f"removed agreement {agreement} and {counted(result['lines'], 'line')}")


@line_app.command("update")
def line_update(
    agreement: AgreementArg,
    line: LineArg,
    start: Annotated[
        str | None,
        typer.Option("--start", help=f"First date, only before the line generated ({DATE_HINT}).", metavar="<date>"),
    ] = None,
    end: EndOpt = None,
    obj: ObjectOpt = None,
    task: TaskOpt = None,
    worker: WorkerOpt = None,
    item: Annotated[str | None, typer.Option("--item", help="Item.")] = None,
    quantity: QtyOpt = None,
    price: PriceOpt = None,
    every: EveryOpt = None,
    rrule: RruleOpt = None,
    window: WindowOpt = None,
    description: LineTextOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Change a line: only the options given ("" clears an optional one), checked as `line add` checks them.

    Once the line generated visits its start (the anchor) and interval stay: stop it and add a new line.
    Example: custsvc agreement line update AGR-1001 4 --qty 3 --price 14.50 --description "Filters, three a visit"
    """
    values = _given(locals(), "agreement", "line")
    from custsvc import output
    from custsvc.services.agreements import editing

    record = run(lambda s: editing.update_line(s, agreement, line, **values))
    output.emit_record(record, fmt=fmt_of(fmt), title=f"{agreement} line {line}")


@line_app.command("remove")
def line_remove(agreement: AgreementArg, line: LineArg, fmt: FormatOpt = None) -> None:
    """Remove a line that generated no order lines (one that did can only be stopped).

    Example: custsvc agreement line add AGR-1001 --type fee --price 20 --start 2026-06-01 --description "Call-out"
    Example: custsvc agreement line remove AGR-1001 5
    """
    from custsvc.services.agreements import editing

    result = run(lambda s: editing.remove_line(s, agreement, line))
    done(result, fmt, f"removed line {line} of {agreement}")
