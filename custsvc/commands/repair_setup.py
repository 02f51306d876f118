"""custsvc repair code / repair stage: the setup lists repairs are coded from, and repair stages."""

from __future__ import annotations

from typing import Annotated

import typer

from custsvc.commands._choices import RepairCodeKind
from custsvc.commands._common import FormatOpt, done, fmt_of, run

code_app = typer.Typer(
    help="Repair codes: conditions, symptom areas and their symptoms, diagnosis areas and their diagnoses, "
    "resolutions.",
    no_args_is_help=True,
)
stage_app = typer.Typer(help="Repair stages: where a repair line stands; finished ones close it.", no_args_is_help=True)

KindArg = Annotated[RepairCodeKind, typer.Argument(help="Kind of code.", case_sensitive=False, metavar="KIND")]
CodeArg = Annotated[str, typer.Argument(help="The code, e.g. NO-HEAT.", metavar="CODE")]
StageArg = Annotated[str, typer.Argument(help="Repair stage, e.g. diagnosed.", metavar="STAGE")]
AreaOpt = Annotated[
    str | None,
    typer.Option("--area", help="The symptom area of a symptom, the diagnosis area of a diagnosis."),
]
CODE_COLUMNS = ["kind", "code", "area", "description"]
STAGE_COLUMNS = ["stage", "description", "finished"]


@code_app.command("add")
def code_add(
    kind: KindArg,
    code: CodeArg,
    description: Annotated[str, typer.Option("--description", help="What the code means.")],
    area: AreaOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Add a code to a setup list; a symptom needs its symptom area, a diagnosis its diagnosis area.

    Example: custsvc repair code add symptom-area SMELL --description "Smells"
    Example: custsvc repair code add symptom GAS-SMELL --area SMELL --description "Smell of gas"
    """
    from custsvc.services.repairs import codes

    record = run(lambda s: codes.add_code(s, kind, code, description=description, area=area))
    done(record, fmt, f"added {record['kind']} {record['code']}")


@code_app.command("list")
def code_list(
    kind: Annotated[
        RepairCodeKind | None, typer.Argument(help="Only codes of this kind.", case_sensitive=False, metavar="KIND")
    ] = None,
    area: Annotated[str | None, typer.Option("--area", help="Only the codes of this area.")] = None,
    fmt: FormatOpt = None,
) -> None:
    """The setup lists, by kind and area.

    Example: custsvc repair code list symptom
    """
    from custsvc import output
    from custsvc.services.repairs import codes

    rows = run(lambda s: codes.list_codes(s, kind, area), write=False)
    output.emit_rows(rows, fmt=fmt_of(fmt), columns=CODE_COLUMNS, empty="no repair codes", title="repair codes")


@code_app.command("update")
def code_update(
    kind: KindArg,
    code: CodeArg,
    description: Annotated[str | None, typer.Option("--description", help="What the code means.")] = None,
    area: AreaOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Change a code's description, or its area while no repair line uses it.

    Example: custsvc repair code update resolution REPLACED --description "Part replaced"
    """
    from custsvc.services.repairs import codes

    record = run(lambda s: codes.update_code(s, kind, code, description=description, area=area))
    done(record, fmt, f"updated {record['kind']} {record['code']}")


@code_app.command("remove")
def code_remove(kind: KindArg, code: CodeArg, fmt: FormatOpt = None) -> None:
    """Remove a code no repair line uses (an area: once it has no codes).

    Example: custsvc repair code add condition SPARE --description "Spare"
    Example: custsvc repair code remove condition SPARE
    """
    from custsvc.services.repairs import codes

    record = run(lambda s: codes.remove_code(s, kind, code))
    done(record, fmt, f"removed {record['kind']} {record['code']}")


@stage_app.command("add")
def stage_add(
    stage: StageArg,
    description: Annotated[str, typer.Option("--description", help="What the stage means.")],
    finished: Annotated[
        bool, typer.Option("--finished", help="A repair in this stage is done: it needs a resolution.")
    ] = False,
    fmt: FormatOpt = None,
) -> None:
    """Add a repair stage.

    Example: custsvc repair stage add waiting-for-part --description "Waiting for a part"
    """
    from custsvc.services.repairs import codes

    record = run(lambda s: codes.add_stage(s, stage, description=description, finished=finished))
    done(record, fmt, f"added repair stage {record['stage']}")


@stage_app.command("list")
def stage_list(fmt: FormatOpt = None) -> None:
    """The repair stages, in order.

    Example: custsvc repair stage list
    """
    from custsvc import output
    from custsvc.services.repairs import codes

    rows = run(lambda s: codes.list_stages(s), write=False)
    output.emit_rows(rows, fmt=fmt_of(fmt), columns=STAGE_COLUMNS, empty="no repair stages", title="repair stages")


@stage_app.command("update")
def stage_update(
    stage: StageArg,
    description: Annotated[str | None, typer.Option("--description", help="What the stage means.")] = None,
    finished: Annotated[
        bool | None,
        typer.Option("--finished/--not-finished", help="Whether a repair in it is done (only while no line is in it)."),
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """Change a repair stage.

    Example: custsvc repair stage update diagnosed --description "Diagnosed, fix known"
    """
    from custsvc.services.repairs import codes

    record = run(lambda s: codes.update_stage(s, stage, description=description, finished=finished))
    done(record, fmt, f"updated repair stage {record['stage']}")


@stage_app.command("remove")
def stage_remove(stage: StageArg, fmt: FormatOpt = None) -> None:
    """Remove a repair stage no repair line is in (one finished stage stays).

    Example: custsvc repair stage add spare --description "Spare"
    Example: custsvc repair stage remove spare
    """
    from custsvc.services.repairs import codes

    record = run(lambda s: codes.remove_stage(s, stage))
    done(record, fmt, f"removed repair stage {record['stage']}")
