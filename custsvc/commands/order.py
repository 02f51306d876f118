"""custsvc order: service orders, their lines, stages, sign-off and posting."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from custsvc.commands import group_help
from custsvc.commands._common import TIME_HINT, ForceOpt, FormatOpt, fmt_of, run
from custsvc.commands._order_options import OrderArg, PriorityChoice
from custsvc.commands._order_render import emit_changed, emit_order
from custsvc.commands.order_lines import line_app
from custsvc.commands.order_list import list_
from custsvc.commands.order_post import post
from custsvc.commands.order_setup import reason_app, stage_app
from custsvc.values import word

app = typer.Typer(help=group_help("order"), no_args_is_help=True)
app.add_typer(line_app, name="line")
app.add_typer(stage_app, name="stage-def")
app.add_typer(reason_app, name="reason")


@app.command("create")
def create(
    customer: Annotated[str, typer.Option("--customer", help="Customer account.")],
    obj: Annotated[
        list[str] | None, typer.Option("--object", help="A service object of the customer; repeatable.")
    ] = None,
    priority: Annotated[
        PriorityChoice, typer.Option("--priority", help="How urgent.", case_sensitive=False)
    ] = "normal",
    agreement: Annotated[
        str | None, typer.Option("--agreement", help="The service agreement the order belongs to.")
    ] = None,
    technician: Annotated[str | None, typer.Option("--technician", help="Preferred technician (a worker).")] = None,
    description: Annotated[str | None, typer.Option("--description", help="What is to be done.")] = None,
    address: Annotated[str | None, typer.Option("--address", help="Service address (default: the customer's).")] = None,
    preferred_at: Annotated[
        str | None, typer.Option("--preferred-at", help=f"Preferred service time ({TIME_HINT}).", metavar="<time>")
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


app.command("list")(list_)


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
    priority: Annotated[
        PriorityChoice | None, typer.Option("--priority", help="How urgent.", case_sensitive=False)
    ] = None,
    technician: Annotated[str | None, typer.Option("--technician", help='Preferred technician ("" for none).')] = None,
    description: Annotated[str | None, typer.Option("--description", help="What is to be done.")] = None,
    address: Annotated[str | None, typer.Option("--address", help="Service address.")] = None,
    preferred_at: Annotated[
        str | None,
        typer.Option("--preferred-at", help=f'Preferred service time ({TIME_HINT}; "" for none).', metavar="<time>"),
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
    what = f"{word(len(line), 'line')} {', '.join(map(str, line))} of {order}" if line else order
    if record.get("already_signed_off"):
        when = f" ({_signed(record, line)})" if _signed(record, line) else ""
        emit_changed(record, fmt_of(fmt), f"{what} was already signed off{when}; nothing changed")
    else:
        emit_changed(record, fmt_of(fmt), f"signed off {what}")


def _signed(record: dict[str, Any], lines: list[int] | None) -> str:
    """When and by whom the order (or the first of ``lines``) was signed off, in local time."""
    from custsvc.values import text_value

    source = record
    if lines:
        source = next((x for x in record.get("line_items", []) if x["line"] == lines[0]), record)
    if source.get("signed_off_at") is None:
        return ""
    return f"on {text_value(source['signed_off_at'])} by {source.get('signed_off_by') or 'unknown'}"


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
def delete(
    order: OrderArg,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask (needed without a terminal).")] = False,
    force: ForceOpt = False,
    fmt: FormatOpt = None,
) -> None:
    """Delete an order (only in a stage that allows deleting, and with nothing posted).

    On a terminal it asks first; without one (scripts, cron) it needs --yes. Generated orders deleted
    this way are created again by the next `agreement generate`; cancel them instead to keep them away.

    Example: custsvc order delete SO-000061 --yes
    """
    from custsvc import output
    from custsvc.commands._common import confirm
    from custsvc.services import orders

    def question() -> str:
        shown = run(lambda s: orders.show(s, order), write=False)
        lines = output.counted(shown["lines"], "line")
        return f"Delete {order} of {shown['customer']} ({shown['stage']}, {lines})?"

    if not yes:
        confirm(question, "order delete")
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


app.command("post")(post)
