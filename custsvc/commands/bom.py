"""custsvc bom: each service object's own BOM as maintained, with its versions and history; template
BOMs under ``custsvc bom template``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from custsvc.commands import bom_changes, group_help
from custsvc.commands._common import (
    DATE_HINT,
    TIME_HINT,
    DryRunOpt,
    EncodingOpt,
    FormatOpt,
    InputFormatOpt,
    done,
    fmt_of,
    run,
)
from custsvc.commands.bom_changes import ObjectArg
from custsvc.commands.bom_template import app as template_app

app = typer.Typer(help=group_help("bom"), no_args_is_help=True)
app.add_typer(template_app, name="template")

COMPONENT_COLUMNS = ["position", "item", "name", "qty", "serial", "since_version"]
HISTORY_COLUMNS = ["version", "at", "change", "position", "old", "new", "reason", "order", "actor"]
DIFF_COLUMNS = ["position", "change", "old_item", "new_item", "old_qty", "new_qty", "old_serial", "new_serial"]
PLACE_COLUMNS = ["object", "position", "item", "from_version", "installed_at", "to_version", "left_at", "left_change"]
EXPORT_COLUMNS = ["object", "template", "template_version", "version", "position", "item", "qty", "serial"]
HEADERS = {"since_version": "since version", "template_version": "template version", "from_version": "from",
           "to_version": "to", "installed_at": "installed", "left_at": "left", "left_change": "change"}  # fmt: skip


def _emit_bom(record: dict, fmt: str | None) -> None:
    from custsvc import output

    output.emit_record(
        record,
        fmt=fmt,
        title=f"BOM of {record['object']}, version {record['version']}",
        hide=("components",),
        sections={"components": (record["components"], COMPONENT_COLUMNS)},
    )


@app.command("attach")
def attach(
    obj: ObjectArg,
    template: Annotated[str, typer.Option("--template", help="The template BOM to copy (of the object's item).")],
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            help=f"The day the object was built ({DATE_HINT}; default today): the version in force then is "
            "copied, and units named with --serial count as in service since then (their warranty starts).",
            metavar="<date>",
        ),
    ] = None,
    serials: Annotated[
        list[str] | None,
        typer.Option(
            "--serial", help="An installed unit's serial number, POSITION=SERIAL (repeatable).", metavar="P=S"
        ),
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """Give an object its own BOM: a copy of the template version in force (its version 1).

    Serial numbers of installed units may be given now or later (bom serial). An object has at most one BOM.

    Example: custsvc bom detach OBJ-0002
    Example: custsvc bom attach OBJ-0002 --template VB35 --at 2023-08-01 --serial burner=BR35-110232
    """
    from custsvc.services.bom import objects_attach

    record = run(
        lambda s: objects_attach.attach(s, obj, template, day=s.day(at, "at") if at else None, serials=serials or [])
    )
    _emit_bom(record, fmt_of(fmt))


# the changes, listed after attach
app.command("replace")(bom_changes.replace)
app.command("add")(bom_changes.add)
app.command("remove")(bom_changes.remove)
app.command("set-qty")(bom_changes.set_qty)
app.command("serial")(bom_changes.serial)


@app.command("show")
def show(
    obj: ObjectArg,
    version: Annotated[int | None, typer.Option("--version", help="As it stood at this version.", min=1)] = None,
    at: Annotated[
        str | None, typer.Option("--at", help=f"As it stood at this time ({TIME_HINT}).", metavar="<time>")
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """Show an object's BOM now, at a version, or as it stood at a time.

    Example: custsvc bom show OBJ-0001
    Example: custsvc bom show OBJ-0001 --version 1
    Example: custsvc bom show OBJ-0018 --at -30d
    """
    from custsvc.services.bom import objects_read

    if version is not None and at is not None:
        raise typer.BadParameter("give --version or --at, not both")
    record = run(
        lambda s: objects_read.show(s, obj, version=version, at=s.moment(at, "at") if at else None, at_text=at),
        write=False,
    )
    _emit_bom(record, fmt_of(fmt))


@app.command("history")
def history(obj: ObjectArg, fmt: FormatOpt = None) -> None:
    """Every change of an object's BOM: version, time, what, old and new, reason, order, who.

    Example: custsvc bom history OBJ-0001
    """
    from custsvc import output
    from custsvc.services.bom import objects, objects_read

    rows = run(lambda s: objects_read.history(s, obj), write=False)
    output.emit_rows(
        rows, fmt=fmt_of(fmt), columns=HISTORY_COLUMNS, empty="no history", fields=objects.HISTORY_FIELDS,
        drop=["reason", "actor"],
    )  # fmt: skip


@app.command("diff")
def diff(
    obj: ObjectArg,
    old: Annotated[int, typer.Argument(help="The older version.", metavar="N1", min=1)],
    new: Annotated[int, typer.Argument(help="The newer version.", metavar="N2", min=1)],
    fmt: FormatOpt = None,
) -> None:
    """Compare two versions of an object's BOM: per position added, removed or changed.

    Example: custsvc bom diff OBJ-0001 1 4
    """
    from custsvc import output
    from custsvc.services.bom import objects_read

    rows = run(lambda s: objects_read.diff(s, obj, old, new), write=False)
    output.emit_rows(
        rows, fmt=fmt_of(fmt), columns=DIFF_COLUMNS, headers=HEADERS, empty="no differences",
        fields=objects_read.DIFF_FIELDS,
    )  # fmt: skip


@app.command("where")
def where(
    serial: Annotated[str, typer.Argument(help="A unit's serial number.", metavar="SERIAL")],
    item: Annotated[
        str | None, typer.Option("--item", help="The unit's item (when two items share the serial).")
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """Which object and position holds a unit now, where it is, and every BOM position it was in before.

    Example: custsvc bom where EC25-90411
    Example: custsvc bom where EC25-110231
    """
    from custsvc import output
    from custsvc.services.bom import objects_read

    record = run(lambda s: objects_read.where(s, serial, item=item), write=False)
    output.emit_record(
        record,
        fmt=fmt_of(fmt),
        title=f"serial {record['serial']} of {record['item']}",
        hide=("places",),
        sections={"places": (record["places"], PLACE_COLUMNS)},
    )


@app.command("detach")
def detach(obj: ObjectArg, fmt: FormatOpt = None) -> None:
    """Take an object's BOM away, only while it has no history beyond version 1 (attached by mistake).

    Installed units go back to where they came from.

    Example: custsvc bom detach OBJ-0002
    """
    from custsvc.services.bom import objects_attach

    record = run(lambda s: objects_attach.detach(s, obj))
    done(record, fmt, f"detached the BOM of {record['object']} ({record['template']} {record['template_version']})")


@app.command("export")
def export(
    objects: Annotated[
        list[str] | None, typer.Argument(help="Objects (default: every object with a BOM).", metavar="OBJECT")
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """Print the current BOM of objects as flat rows, in the shape bom import reads.

    Example: custsvc bom export --format csv
    Example: custsvc bom export OBJ-0001 OBJ-0018 --format json
    """
    from custsvc import output
    from custsvc.services.bom import objects_io

    rows = run(lambda s: objects_io.export(s, objects or []), write=False)
    output.emit_rows(
        rows, fmt=fmt_of(fmt), columns=EXPORT_COLUMNS, headers=HEADERS, empty="no object BOMs",
        fields=objects_io.EXPORT_FIELDS,
    )  # fmt: skip


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="CSV or JSON file in the shape bom export prints; - reads stdin.")],
    input_format: InputFormatOpt = None,
    dry_run: DryRunOpt = False,
    encoding: EncodingOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Attach object BOMs from CSV or JSON rows in the shape bom export prints, each as its version 1.

    Rows: object, template, template_version, position, item, qty, serial (version is read and left).
    Each BOM gets exactly the components its rows give. Every row is checked first, then all are
    written or none; errors name the row (1 = first data row).

    Example: custsvc bom export OBJ-0002 --format csv > boms.csv
    Example: custsvc bom detach OBJ-0002
    Example: custsvc bom import boms.csv --dry-run
    Example: custsvc bom import boms.csv
    """
    from custsvc import output
    from custsvc.files import read_table
    from custsvc.services.bom import objects_io

    rows, _kind, columns = read_table(file, input_format, encoding)
    with output.busy(f"checking and importing {output.counted(len(rows), 'row')} ..."):
        summary = run(lambda s: objects_io.import_rows(s, rows, dry_run=dry_run, columns=columns), write=not dry_run)
    verb = "would attach" if dry_run else "attached"
    done(
        summary,
        fmt,
        f"{verb} {output.counted(summary['objects'], 'object BOM')} with "
        f"{output.counted(summary['components'], 'component')} from {output.counted(summary['rows'], 'row')}",
    )
