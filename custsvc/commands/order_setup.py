"""custsvc order stage-def and order reason: the stage tree service orders move through, and reason codes."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from custsvc.commands._common import FormatOpt, done, fmt_of, run

stage_app = typer.Typer(
    help="The stage tree service orders move through, with what each stage allows.", no_args_is_help=True
)
reason_app = typer.Typer(help="Reason codes for stage changes and cancellations.", no_args_is_help=True)

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

    Example: custsvc order stage-def add on-hold --name "On hold" --parent in-progress --stops-clock --can-modify
    Example: custsvc order stage-def remove on-hold
    """
    from custsvc.services import stages

    done({**run(lambda s: stages.remove(s, stage)), "removed": True}, fmt, f"removed stage {stage}")


# --- reason codes -------------------------------------------------------------------------------


@reason_app.command("add")
def reason_add(
    code: Annotated[str, typer.Argument(help="Reason code, e.g. CUSTOMER-CANCELED.", metavar="CODE")],
    description: Annotated[str, typer.Option("--description", help="What the code means.")],
    fmt: FormatOpt = None,
) -> None:
    """Add a stage reason code.

    Example: custsvc order reason add WEATHER --description "Visit postponed for the weather"
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
        run(stages.reasons, write=False),
        fmt=fmt_of(fmt),
        columns=["code", "description"],
        empty="no reason codes",
        fields=stages.REASON_FIELDS,
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
