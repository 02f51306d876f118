"""custsvc return reason / return disposition: the setup lists returns are coded from."""

from __future__ import annotations

from typing import Annotated

import typer

from custsvc.commands._choices import ReturnAction
from custsvc.commands._common import FormatOpt, done, fmt_of, run

reason_app = typer.Typer(help="Return reasons: why a customer sends something back.", no_args_is_help=True)
disposition_app = typer.Typer(
    help="Return dispositions: what happens to a returned line once inspected, each mapped to an action.",
    no_args_is_help=True,
)

ReasonArg = Annotated[str, typer.Argument(help="The reason code, e.g. wrong-item.", metavar="CODE")]
DispositionArg = Annotated[str, typer.Argument(help="The disposition code, e.g. credit.", metavar="CODE")]
ACTION_HELP = (
    "What processing does: credit, credit-only, scrap, replace-credit, replace-scrap, return-to-customer, repair."
)
REASON_COLUMNS = ["code", "description"]
DISPOSITION_COLUMNS = ["code", "action", "description"]


@reason_app.command("add")
def reason_add(
    code: ReasonArg,
    description: Annotated[str, typer.Option("--description", help="What the reason means.")],
    fmt: FormatOpt = None,
) -> None:
    """Add a return reason.

    Example: custsvc return reason add damaged --description "Damaged in transit"
    """
    from custsvc.services.returns import setup

    record = run(lambda s: setup.add_reason(s, code, description=description))
    done(record, fmt, f"added return reason {record['code']}")


@reason_app.command("list")
def reason_list(fmt: FormatOpt = None) -> None:
    """The return reasons, by code.

    Example: custsvc return reason list
    """
    from custsvc import output
    from custsvc.services.returns import setup

    rows = run(lambda s: setup.list_reasons(s), write=False)
    output.emit_rows(rows, fmt=fmt_of(fmt), columns=REASON_COLUMNS, empty="no return reasons", title="return reasons")


@reason_app.command("update")
def reason_update(
    code: ReasonArg,
    description: Annotated[str | None, typer.Option("--description", help="What the reason means.")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Change a return reason's description.

    Example: custsvc return reason update not-needed --description "No longer needed"
    """
    from custsvc.services.returns import setup

    record = run(lambda s: setup.update_reason(s, code, description=description))
    done(record, fmt, f"updated return reason {record['code']}")


@reason_app.command("remove")
def reason_remove(code: ReasonArg, fmt: FormatOpt = None) -> None:
    """Remove a return reason no return order or line uses.

    Example: custsvc return reason add spare --description "Spare"
    Example: custsvc return reason remove spare
    """
    from custsvc.services.returns import setup

    record = run(lambda s: setup.remove_reason(s, code))
    done(record, fmt, f"removed return reason {record['code']}")


@disposition_app.command("add")
def disposition_add(
    code: DispositionArg,
    action: Annotated[ReturnAction, typer.Option("--action", help=ACTION_HELP, case_sensitive=False)],
    description: Annotated[str, typer.Option("--description", help="What the disposition means.")],
    fee: Annotated[
        str | None, typer.Option("--fee", help="Handling fee invoiced when shipped back (return-to-customer).")
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """Add a return disposition for one of the actions processing knows.

    Example: custsvc return disposition add refurbish --action repair --description "Refurbished, shipped back"
    """
    from custsvc.services.returns import setup

    record = run(lambda s: setup.add_disposition(s, code, action=action, description=description, fee=fee))
    done(record, fmt, f"added return disposition {record['code']} ({record['action']})")


@disposition_app.command("list")
def disposition_list(
    action: Annotated[
        ReturnAction | None,
        typer.Option("--action", help="Only the dispositions of this action.", case_sensitive=False),
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """The return dispositions, by action.

    Example: custsvc return disposition list
    """
    from custsvc import output
    from custsvc.services.returns import setup

    rows = run(lambda s: setup.list_dispositions(s, action), write=False)
    output.emit_rows(
        rows, fmt=fmt_of(fmt), columns=DISPOSITION_COLUMNS, empty="no return dispositions", title="return dispositions"
    )


@disposition_app.command("update")
def disposition_update(
    code: DispositionArg,
    action: Annotated[
        ReturnAction | None,
        typer.Option("--action", help="The action (only while no return line uses it).", case_sensitive=False),
    ] = None,
    description: Annotated[str | None, typer.Option("--description", help="What the disposition means.")] = None,
    fee: Annotated[str | None, typer.Option("--fee", help="Handling fee for return-to-customer (empty: none).")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Change a return disposition's description or fee, or its action while no return line uses it.

    Example: custsvc return disposition update scrap --description "Scrapped in the shop, customer credited"
    Example: custsvc return disposition update return-to-customer --fee 15
    """
    from custsvc.services.returns import setup

    record = run(lambda s: setup.update_disposition(s, code, action=action, description=description, fee=fee))
    done(record, fmt, f"updated return disposition {record['code']}")


@disposition_app.command("remove")
def disposition_remove(code: DispositionArg, fmt: FormatOpt = None) -> None:
    """Remove a return disposition no return line uses.

    Example: custsvc return disposition add spare --action scrap --description "Spare"
    Example: custsvc return disposition remove spare
    """
    from custsvc.services.returns import setup

    record = run(lambda s: setup.remove_disposition(s, code))
    done(record, fmt, f"removed return disposition {record['code']}")
