"""custsvc order line: add, change, cancel and revoke the lines of a service order."""

from __future__ import annotations

from typing import Annotated

import typer

from custsvc.commands._common import ForceOpt, FormatOpt, fmt_of, run
from custsvc.commands._order_options import LineArg, LineTypeChoice, OrderArg

line_app = typer.Typer(help="Lines of a service order: hours, expenses, items and fees.", no_args_is_help=True)


@line_app.command("add")
def line_add(
    order: OrderArg,
    type: Annotated[LineTypeChoice, typer.Option("--type", help="What the line is.", case_sensitive=False)],
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


@line_app.command("update")
def line_update(
    order: OrderArg,
    line: LineArg,
    qty: Annotated[str | None, typer.Option("--qty", help="Quantity or hours.")] = None,
    price: Annotated[str | None, typer.Option("--price", help="Unit price.")] = None,
    description: Annotated[str | None, typer.Option("--description", help="Line text.")] = None,
    worker: Annotated[str | None, typer.Option("--worker", help='Who worked ("" for none).')] = None,
    obj: Annotated[str | None, typer.Option("--object", help='Service object the line is for ("" for none).')] = None,
    force: ForceOpt = False,
    fmt: FormatOpt = None,
) -> None:
    """Change an open line (only in a stage that allows changes).

    A new quantity or price on a signed-off line takes its sign-off, and the order's, away.

    Example: custsvc order line update SO-000036 1 --qty 2.5 --description "Boiler service, 2.5 h"
    """
    from custsvc import output
    from custsvc.services import orders

    record = run(
        lambda s: orders.update_line(
            s, order, line, quantity=qty, price=price, description=description, worker=worker, obj=obj, force=force
        )
    )
    kind = output.resolve_format(fmt_of(fmt))
    if kind in ("json", "csv") or record["changed"]:
        output.emit_record(record, fmt=kind, title=f"{order} line {line}")
    if not record["changed"] and kind not in ("json", "csv"):
        output.message(f"{order} line {line} already has those values; nothing changed")


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
