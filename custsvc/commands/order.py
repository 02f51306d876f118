"""custsvc order: service orders, their lines, stages, sign-off and posting."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from custsvc.commands import group_help
from custsvc.commands._common import ForceOpt, FormatOpt, LimitOpt, fmt_of, run
from custsvc.commands._order_render import emit_changed, emit_order
from custsvc.commands.order_setup import reason_app, stage_app

app = typer.Typer(help=group_help("order"), no_args_is_help=True)
line_app = typer.Typer(help="Lines of a service order: hours, expenses, items and fees.", no_args_is_help=True)
app.add_typer(line_app, name="line")
app.add_typer(stage_app, name="stage-def")
app.add_typer(reason_app, name="reason")

OrderArg = Annotated[str, typer.Argument(help="Service order number, e.g. SO-000001.", metavar="ORDER")]
LineArg = Annotated[int, typer.Argument(help="Line number on the order.", metavar="LINE", min=1, max=1_000_000)]
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
    emit_order(record, fmt_of(fmt), number_only=True)


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

    emit_order(run(lambda s: orders.show(s, order), write=False), fmt_of(fmt))


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
    emit_order(record, fmt_of(fmt))


@app.command("move")
def move(
    order: OrderArg,
    stage: Annotated[str, typer.Argument(help="The stage to move to: a child of the current stage.", metavar="STAGE")],
    reason: Annotated[str | None, typer.Option("--reason", help="Reason code (required by some stages).")] = None,
    back: Annotated[
        bool, typer.Option("--back", help="Move back to an earlier stage on the order's path (e.g. re-open).")
    ] = False,
    note: Annotated[str | None, typer.Option("--note", help="A note kept in the stage history.")] = None,
    force: ForceOpt = False,
    fmt: FormatOpt = None,
) -> None:
    """Move an order to the next stage (a child of its current stage), or back with --back.

    Example: custsvc order move SO-000060 planned
    """
    from custsvc.services import orders

    record = run(lambda s: orders.move(s, order, stage, reason=reason, back=back, note=note, force=force))
    emit_changed(record, fmt_of(fmt), f"{order} is now in stage {record['stage']}")


@app.command("sign-off")
def sign_off(
    order: OrderArg,
    line: Annotated[
        list[int] | None, typer.Option("--line", help="Sign off only this line; repeatable.", min=1, max=1_000_000)
    ] = None,
    force: ForceOpt = False,
    fmt: FormatOpt = None,
) -> None:
    """Mark the work complete: the whole order, or single lines.

    Example: custsvc order sign-off SO-000001
    """
    from custsvc.services import orders

    record = run(lambda s: orders.sign_off(s, order, line or [], force=force))
    what = f"line(s) {', '.join(map(str, line))} of {order}" if line else order
    emit_changed(record, fmt_of(fmt), f"signed off {what}")


@app.command("cancel")
def cancel(
    order: OrderArg,
    reason: Annotated[str, typer.Option("--reason", help="Reason code (see `order reason list`).")],
    note: Annotated[str | None, typer.Option("--note", help="A note kept in the stage history.")] = None,
    force: ForceOpt = False,
    fmt: FormatOpt = None,
) -> None:
    """Cancel an order and its open lines (only in a stage that allows canceling).

    Example: custsvc order cancel SO-000061 --reason CUSTOMER-CANCELED
    """
    from custsvc.services import orders

    record = run(lambda s: orders.cancel(s, order, reason=reason, note=note, force=force))
    emit_changed(record, fmt_of(fmt), f"canceled {order}")


@app.command("delete")
def delete(order: OrderArg, force: ForceOpt = False, fmt: FormatOpt = None) -> None:
    """Delete an order (only in a stage that allows deleting, and with nothing posted).

    Generated orders deleted this way are created again by the next `agreement generate`;
    cancel them instead to keep them away. Example: custsvc order delete SO-000061
    """
    from custsvc import output
    from custsvc.services import orders

    record = run(lambda s: orders.delete_order(s, order, force=force))
    if output.resolve_format(fmt_of(fmt)) == "json":
        output.emit_json({"order": record["order"], "deleted": True})
    else:
        output.message(f"deleted {order}")


@app.command("move-lines")
def move_lines(
    source: Annotated[str, typer.Argument(help="The order the lines are on.", metavar="FROM")],
    target: Annotated[str, typer.Argument(help="The order they move to (same agreement).", metavar="TO")],
    line: Annotated[list[int], typer.Option("--line", help="A line number to move; repeatable.", min=1, max=1_000_000)],
    fmt: FormatOpt = None,
) -> None:
    """Move open lines between two orders of the same agreement.

    Example: custsvc order move-lines SO-000038 SO-000040 --line 1
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
def post(order: OrderArg, force: ForceOpt = False, fmt: FormatOpt = None) -> None:
    """Post the order's open lines into an invoice (stage must allow posting; signed off if required).

    Prints the invoice number (the whole invoice with --format json). Example: custsvc order post SO-000044
    """
    from custsvc.commands.invoice import emit_invoice
    from custsvc.services import orders

    emit_invoice(run(lambda s: orders.post(s, order, force=force)), fmt_of(fmt), number_only=True)


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
    force: ForceOpt = False,
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
            force=force,
        )
    )
    output.emit_record(record, fmt=fmt_of(fmt), title=f"{order} line {record['line']}")


@line_app.command("cancel")
def line_cancel(order: OrderArg, line: LineArg, force: ForceOpt = False, fmt: FormatOpt = None) -> None:
    """Cancel an open line.

    Example: custsvc order line cancel SO-000036 1
    """
    from custsvc import output
    from custsvc.services import orders

    output.emit_record(
        run(lambda s: orders.cancel_line(s, order, line, force=force)), fmt=fmt_of(fmt), title=f"{order} line {line}"
    )


@line_app.command("revoke")
def line_revoke(order: OrderArg, line: LineArg, force: ForceOpt = False, fmt: FormatOpt = None) -> None:
    """Revoke a line's cancellation: it is open (created) again.

    Example: custsvc order line cancel SO-000036 1
    Example: custsvc order line revoke SO-000036 1
    """
    from custsvc import output
    from custsvc.services import orders

    output.emit_record(
        run(lambda s: orders.revoke_line(s, order, line, force=force)), fmt=fmt_of(fmt), title=f"{order} line {line}"
    )
