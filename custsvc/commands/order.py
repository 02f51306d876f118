"""custsvc order: service orders, their lines, stages, sign-off and posting."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from custsvc.commands import group_help
from custsvc.commands._common import FormatOpt, LimitOpt, done, fmt_of, run

app = typer.Typer(help=group_help("order"), no_args_is_help=True)
line_app = typer.Typer(help="Lines of a service order: hours, expenses, items and fees.", no_args_is_help=True)
stage_app = typer.Typer(
    help="The stage tree service orders move through, with what each stage allows.", no_args_is_help=True
)
reason_app = typer.Typer(help="Reason codes for stage changes and cancellations.", no_args_is_help=True)
app.add_typer(line_app, name="line")
app.add_typer(stage_app, name="stage-def")
app.add_typer(reason_app, name="reason")

OrderArg = Annotated[str, typer.Argument(help="Service order number, e.g. SO-000001.", metavar="ORDER")]
LineArg = Annotated[int, typer.Argument(help="Line number on the order.", metavar="LINE", min=1)]
LIST_COLUMNS = [
    "order",
    "service_date",
    "customer",
    "stage",
    "priority",
    "sla_status",
    "time_left",
    "total",
    "progress",
    "technician",
    "objects",
]
LINE_COLUMNS = [
    "line",
    "type",
    "description",
    "quantity",
    "price",
    "amount",
    "status",
    "worker",
    "object",
    "signed_off_at",
]
HISTORY_COLUMNS = ["at", "from_stage", "to_stage", "actor", "reason", "note"]
HEADER_HIDE = ("line_items", "history")


def _emit_order(record: dict[str, Any], fmt: str | None, *, number_only: bool = False) -> None:
    from custsvc import output

    kind = output.resolve_format(fmt)
    if number_only and kind == "plain":
        output.echo(record["order"])
        return
    output.emit_record(
        record,
        fmt=kind,
        title=f"service order {record['order']}",
        hide=HEADER_HIDE,
        sections={
            "lines": (record.get("line_items", []), LINE_COLUMNS),
            "stage history": (record.get("history", []), HISTORY_COLUMNS),
        },
    )


@app.command("create")
def create(
    customer: Annotated[str, typer.Option("--customer", help="Customer account.")],
    obj: Annotated[
        list[str] | None, typer.Option("--object", help="A service object of the customer; repeatable.")
    ] = None,
    priority: Annotated[str, typer.Option("--priority", help="high, normal or low.")] = "normal",
    agreement: Annotated[
        str | None, typer.Option("--agreement", help="The service agreement the order belongs to.")
    ] = None,
    technician: Annotated[str | None, typer.Option("--technician", help="Preferred technician (a worker).")] = None,
    description: Annotated[str | None, typer.Option("--description", help="What is to be done.")] = None,
    address: Annotated[str | None, typer.Option("--address", help="Service address (default: the customer's).")] = None,
    preferred_at: Annotated[
        str | None, typer.Option("--preferred-at", help="Preferred service time, ISO 8601 (shop zone if no offset).")
    ] = None,
    sign_off: Annotated[
        bool | None,
        typer.Option(
            "--sign-off/--no-sign-off",
            help="Whether posting needs a sign-off (default: the sign_off_required setting).",
        ),
    ] = None,
    sla: Annotated[
        str | None,
        typer.Option("--sla", help="The SLA (default: the agreement's, customer's, tier's or the default one)."),
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """Create a service order in the initial stage and print its number.

    Example: custsvc order create --customer C-1001 --object OBJ-0001 --priority high --description "No heat"
    """
    from custsvc.services import orders

    record = run(
        lambda s: orders.create(
            s,
            customer=customer,
            objects=obj or [],
            priority=priority,
            agreement=agreement,
            technician=technician,
            description=description,
            address=address,
            preferred_at=preferred_at,
            requires_sign_off=sign_off,
            sla=sla,
        )
    )
    _emit_order(record, fmt_of(fmt), number_only=True)


@app.command("list")
def list_(
    stage: Annotated[str | None, typer.Option("--stage", help="Only orders in this stage.")] = None,
    customer: Annotated[str | None, typer.Option("--customer", help="Only this customer's orders.")] = None,
    agreement: Annotated[str | None, typer.Option("--agreement", help="Only orders of this agreement.")] = None,
    technician: Annotated[
        str | None, typer.Option("--technician", help="Only orders with this preferred technician.")
    ] = None,
    open_only: Annotated[
        bool, typer.Option("--open", help="Only orders in process (not posted, not canceled).")
    ] = False,
    date_from: Annotated[
        str | None, typer.Option("--from", help="Only orders with a service date on or after this date.")
    ] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", help="Only orders with a service date on or before this date.")
    ] = None,
    limit: LimitOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """List service orders.

    Example: custsvc order list --open --customer C-1001
    """
    from custsvc import output
    from custsvc.services import orders

    def work(s: Any) -> Any:
        lo = s.day(date_from, "from") if date_from else None
        hi = s.day(date_to, "to") if date_to else None
        return orders.list_orders(
            s,
            stage=stage,
            customer=customer,
            agreement=agreement,
            technician=technician,
            open_only=open_only,
            date_from=lo,
            date_to=hi,
            limit=limit,
        )

    rows = run(work, write=False)
    output.emit_rows(
        rows,
        fmt=fmt_of(fmt),
        columns=LIST_COLUMNS,
        headers={"service_date": "date", "sla_status": "sla"},
        empty="no service orders",
    )


@app.command("show")
def show(order: OrderArg, fmt: FormatOpt = None) -> None:
    """Show an order: header, lines with totals, and its stage history.

    Example: custsvc order show SO-000001
    """
    from custsvc.services import orders

    _emit_order(run(lambda s: orders.show(s, order), write=False), fmt_of(fmt))


@app.command("update")
def update(
    order: OrderArg,
    priority: Annotated[str | None, typer.Option("--priority", help="high, normal or low.")] = None,
    technician: Annotated[str | None, typer.Option("--technician", help='Preferred technician ("" for none).')] = None,
    description: Annotated[str | None, typer.Option("--description", help="What is to be done.")] = None,
    address: Annotated[str | None, typer.Option("--address", help="Service address.")] = None,
    preferred_at: Annotated[
        str | None, typer.Option("--preferred-at", help='Preferred service time ("" for none).')
    ] = None,
    obj: Annotated[list[str] | None, typer.Option("--object", help="Add a service object; repeatable.")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Change an order's header (only in a stage that allows changes).

    Example: custsvc order update SO-000001 --priority high --technician T-01
    """
    from custsvc.services import orders

    record = run(
        lambda s: orders.update_order(
            s,
            order,
            priority=priority,
            technician=technician,
            description=description,
            address=address,
            preferred_at=preferred_at,
            add_objects=obj or [],
        )
    )
    _emit_order(record, fmt_of(fmt))


@app.command("move")
def move(
    order: OrderArg,
    stage: Annotated[str, typer.Argument(help="The stage to move to: a child of the current stage.", metavar="STAGE")],
    reason: Annotated[str | None, typer.Option("--reason", help="Reason code (required by some stages).")] = None,
    back: Annotated[
        bool, typer.Option("--back", help="Move back to an earlier stage on the order's path (e.g. re-open).")
    ] = False,
    note: Annotated[str | None, typer.Option("--note", help="A note kept in the stage history.")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Move an order to the next stage (a child of its current stage), or back with --back.

    Example: custsvc order move SO-000001 planned
    """
    from custsvc import output
    from custsvc.services import orders

    record = run(lambda s: orders.move(s, order, stage, reason=reason, back=back, note=note))
    if output.resolve_format(fmt_of(fmt)) in ("json", "csv"):
        _emit_order(record, fmt_of(fmt))
    else:
        output.message(f"{order} is now in stage {record['stage']}")


@app.command("sign-off")
def sign_off(
    order: OrderArg,
    line: Annotated[
        list[int] | None, typer.Option("--line", help="Sign off only this line; repeatable.", min=1)
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """Mark the work complete: the whole order, or single lines.

    Example: custsvc order sign-off SO-000001
    """
    from custsvc import output
    from custsvc.services import orders

    record = run(lambda s: orders.sign_off(s, order, line or []))
    if output.resolve_format(fmt_of(fmt)) in ("json", "csv"):
        _emit_order(record, fmt_of(fmt))
    else:
        what = f"line(s) {', '.join(map(str, line))} of {order}" if line else order
        output.message(f"signed off {what}")


@app.command("cancel")
def cancel(
    order: OrderArg,
    reason: Annotated[str, typer.Option("--reason", help="Reason code (see `order reason list`).")],
    note: Annotated[str | None, typer.Option("--note", help="A note kept in the stage history.")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Cancel an order and its open lines (only in a stage that allows canceling).

    Example: custsvc order cancel SO-000001 --reason CUSTOMER-CANCELED
    """
    from custsvc import output
    from custsvc.services import orders

    record = run(lambda s: orders.cancel(s, order, reason=reason, note=note))
    if output.resolve_format(fmt_of(fmt)) in ("json", "csv"):
        _emit_order(record, fmt_of(fmt))
    else:
        output.message(f"canceled {order}")


@app.command("delete")
def delete(order: OrderArg, fmt: FormatOpt = None) -> None:
    """Delete an order (only in a stage that allows deleting, and with nothing posted).

    Generated orders deleted this way are created again by the next `agreement generate`;
    cancel them instead to keep them away. Example: custsvc order delete SO-000001
    """
    from custsvc import output
    from custsvc.services import orders

    record = run(lambda s: orders.delete_order(s, order))
    if output.resolve_format(fmt_of(fmt)) == "json":
        output.emit_json({"order": record["order"], "deleted": True})
    else:
        output.message(f"deleted {order}")


@app.command("move-lines")
def move_lines(
    source: Annotated[str, typer.Argument(help="The order the lines are on.", metavar="FROM")],
    target: Annotated[str, typer.Argument(help="The order they move to (same agreement).", metavar="TO")],
    line: Annotated[list[int], typer.Option("--line", help="A line number to move; repeatable.", min=1)],
    fmt: FormatOpt = None,
) -> None:
    """Move open lines between two orders of the same agreement.

    Example: custsvc order move-lines SO-000004 SO-000005 --line 1 --line 2
    """
    from custsvc import output
    from custsvc.services import orders

    result = run(lambda s: orders.move_lines(s, source, target, line))
    if output.resolve_format(fmt_of(fmt)) == "json":
        output.emit_json(result)
    else:
        for moved in result["moved"]:
            output.message(f"moved {moved['from']} to {moved['to']}")


@app.command("post")
def post(order: OrderArg, fmt: FormatOpt = None) -> None:
    """Post the order's open lines into an invoice (stage must allow posting; signed off if required).

    Prints the invoice number (the whole invoice with --format json). Example: custsvc order post SO-000001
    """
    from custsvc.commands.invoice import emit_invoice
    from custsvc.services import orders

    emit_invoice(run(lambda s: orders.post(s, order)), fmt_of(fmt), number_only=True)


# --- lines ------------------------------------------------------------------------------------


@line_app.command("add")
def line_add(
    order: OrderArg,
    type: Annotated[str, typer.Option("--type", help="hour, expense, item or fee.")],
    worker: Annotated[
        str | None, typer.Option("--worker", help="Who worked (hour lines default to the order's technician).")
    ] = None,
    item: Annotated[
        str | None, typer.Option("--item", help="Item (required on item lines; gives the default price).")
    ] = None,
    task: Annotated[str | None, typer.Option("--task", help="Service task (gives default hours and price).")] = None,
    obj: Annotated[str | None, typer.Option("--object", help="Service object the line is for.")] = None,
    qty: Annotated[
        str | None, typer.Option("--qty", help="Quantity or hours (default: the task's hours, else 1).")
    ] = None,
    price: Annotated[str | None, typer.Option("--price", help="Unit price (default: from the item or task).")] = None,
    description: Annotated[
        str | None, typer.Option("--description", help="Line text (default: item name or task description).")
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """Add a line to an order (only in a stage that allows changes).

    Example: custsvc order line add SO-000001 --type hour --task BOILER-SERVICE --worker T-01
    """
    from custsvc import output
    from custsvc.services import orders

    record = run(
        lambda s: orders.add_line(
            s,
            order,
            type=type,
            worker=worker,
            item=item,
            task=task,
            obj=obj,
            quantity=qty,
            price=price,
            description=description,
        )
    )
    output.emit_record(record, fmt=fmt_of(fmt), title=f"{order} line {record['line']}")


@line_app.command("cancel")
def line_cancel(order: OrderArg, line: LineArg, fmt: FormatOpt = None) -> None:
    """Cancel an open line.

    Example: custsvc order line cancel SO-000001 2
    """
    from custsvc import output
    from custsvc.services import orders

    output.emit_record(run(lambda s: orders.cancel_line(s, order, line)), fmt=fmt_of(fmt), title=f"{order} line {line}")


@line_app.command("revoke")
def line_revoke(order: OrderArg, line: LineArg, fmt: FormatOpt = None) -> None:
    """Revoke a line's cancellation: it is open (created) again.

    Example: custsvc order line revoke SO-000001 2
    """
    from custsvc import output
    from custsvc.services import orders

    output.emit_record(run(lambda s: orders.revoke_line(s, order, line)), fmt=fmt_of(fmt), title=f"{order} line {line}")


# --- stage definitions ------------------------------------------------------------------------

FLAG_HELP = {
    "can_cancel": "Orders in this stage may be canceled.",
    "can_delete": "Orders in this stage may be deleted.",
    "can_modify": "Lines and header may be changed in this stage.",
    "can_post": "Orders in this stage may be posted to an invoice.",
    "stops_clock": "The SLA clock pauses while an order is in this stage.",
    "requires_reason": "Moving into this stage needs a reason code.",
    "resolves": "Reaching this stage resolves the order (for the SLA).",
    "cancels": "`order cancel` moves orders to this stage (one stage at most).",
}
STAGE_COLUMNS = [
    "stage",
    "name",
    "can-cancel",
    "can-delete",
    "can-modify",
    "can-post",
    "stops-clock",
    "requires-reason",
    "resolves",
    "cancels",
]


def _flag_option(name: str, toggle: bool) -> Any:
    flag = name.replace("_", "-")
    decls = f"--{flag}/--not-{flag}" if toggle else f"--{flag}"
    return typer.Option(decls, help=FLAG_HELP[name])


@stage_app.command("add")
def stage_add(
    stage: Annotated[str, typer.Argument(help="Stage id, e.g. in-progress.", metavar="STAGE")],
    name: Annotated[str, typer.Option("--name", help="Display name.")],
    parent: Annotated[
        str | None, typer.Option("--parent", help="The stage before it (none: the initial stage).")
    ] = None,
    can_cancel: Annotated[bool, _flag_option("can_cancel", False)] = False,
    can_delete: Annotated[bool, _flag_option("can_delete", False)] = False,
    can_modify: Annotated[bool, _flag_option("can_modify", False)] = False,
    can_post: Annotated[bool, _flag_option("can_post", False)] = False,
    stops_clock: Annotated[bool, _flag_option("stops_clock", False)] = False,
    requires_reason: Annotated[bool, _flag_option("requires_reason", False)] = False,
    resolves: Annotated[bool, _flag_option("resolves", False)] = False,
    cancels: Annotated[bool, _flag_option("cancels", False)] = False,
    fmt: FormatOpt = None,
) -> None:
    """Add a stage under --parent.

    Example: custsvc order stage-def add on-hold --name "On hold" --parent in-progress --stops-clock --can-modify
    """
    from custsvc import output
    from custsvc.services import stages

    flags = dict(
        can_cancel=can_cancel,
        can_delete=can_delete,
        can_modify=can_modify,
        can_post=can_post,
        stops_clock=stops_clock,
        requires_reason=requires_reason,
        resolves=resolves,
        cancels=cancels,
    )
    output.emit_record(run(lambda s: stages.add(s, stage, name, parent, flags)), fmt=fmt_of(fmt), hide=("depth",))


@stage_app.command("update")
def stage_update(
    stage: Annotated[str, typer.Argument(help="Stage id.", metavar="STAGE")],
    name: Annotated[str | None, typer.Option("--name", help="Display name.")] = None,
    can_cancel: Annotated[bool | None, _flag_option("can_cancel", True)] = None,
    can_delete: Annotated[bool | None, _flag_option("can_delete", True)] = None,
    can_modify: Annotated[bool | None, _flag_option("can_modify", True)] = None,
    can_post: Annotated[bool | None, _flag_option("can_post", True)] = None,
    stops_clock: Annotated[bool | None, _flag_option("stops_clock", True)] = None,
    requires_reason: Annotated[bool | None, _flag_option("requires_reason", True)] = None,
    resolves: Annotated[bool | None, _flag_option("resolves", True)] = None,
    cancels: Annotated[bool | None, _flag_option("cancels", True)] = None,
    fmt: FormatOpt = None,
) -> None:
    """Change a stage's name or flags (--not-FLAG clears one).

    Example: custsvc order stage-def update completed --not-can-modify
    """
    from custsvc import output
    from custsvc.services import stages

    flags = dict(
        can_cancel=can_cancel,
        can_delete=can_delete,
        can_modify=can_modify,
        can_post=can_post,
        stops_clock=stops_clock,
        requires_reason=requires_reason,
        resolves=resolves,
        cancels=cancels,
    )
    output.emit_record(run(lambda s: stages.update(s, stage, name, flags)), fmt=fmt_of(fmt), hide=("depth",))


@stage_app.command("list")
def stage_list(fmt: FormatOpt = None) -> None:
    """Show the stage tree with each stage's flags.

    Example: custsvc order stage-def list
    """
    from custsvc import output
    from custsvc.services import stages

    rows = run(stages.tree, write=False)
    kind = output.resolve_format(fmt_of(fmt))
    if kind in ("json", "csv"):
        output.emit_rows(rows, fmt=kind)
        return
    shown = []
    for row in rows:
        marks = {c: ("x" if row[c] else "") for c in STAGE_COLUMNS[2:]}
        shown.append({**row, **marks, "stage": ("  " * row["depth"]) + ("└ " if row["depth"] else "") + row["stage"]})
    output.emit_rows(shown, fmt=kind, columns=STAGE_COLUMNS, title="Service order stages")


@stage_app.command("remove")
def stage_remove(
    stage: Annotated[str, typer.Argument(help="Stage id.", metavar="STAGE")], fmt: FormatOpt = None
) -> None:
    """Remove a stage that has no children and was never used.

    Example: custsvc order stage-def remove on-hold
    """
    from custsvc.services import stages

    done({**run(lambda s: stages.remove(s, stage)), "removed": True}, fmt, f"removed stage {stage}")


@reason_app.command("add")
def reason_add(
    code: Annotated[str, typer.Argument(help="Reason code, e.g. CUSTOMER-CANCELED.", metavar="CODE")],
    description: Annotated[str, typer.Option("--description", help="What the code means.")],
    fmt: FormatOpt = None,
) -> None:
    """Add a stage reason code.

    Example: custsvc order reason add NO-ACCESS --description "Technician could not get in"
    """
    from custsvc import output
    from custsvc.services import stages

    output.emit_record(run(lambda s: stages.add_reason(s, code, description)), fmt=fmt_of(fmt))


@reason_app.command("list")
def reason_list(fmt: FormatOpt = None) -> None:
    """List reason codes.

    Example: custsvc order reason list
    """
    from custsvc import output
    from custsvc.services import stages

    output.emit_rows(
        run(stages.reasons, write=False), fmt=fmt_of(fmt), columns=["code", "description"], empty="no reason codes"
    )


@reason_app.command("remove")
def reason_remove(
    code: Annotated[str, typer.Argument(help="Reason code.", metavar="CODE")], fmt: FormatOpt = None
) -> None:
    """Remove a reason code no stage change used.

    Example: custsvc order reason remove NO-ACCESS
    """
    from custsvc.services import stages

    done({**run(lambda s: stages.remove_reason(s, code)), "removed": True}, fmt, f"removed reason code {code}")
