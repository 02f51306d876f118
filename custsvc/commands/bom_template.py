"""custsvc bom template: the bills of materials of product models, with dated versions; mounted as
``custsvc bom template`` by ``custsvc/commands/bom.py``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from custsvc.commands._common import DATE_HINT, DryRunOpt, EncodingOpt, FormatOpt, InputFormatOpt, done, fmt_of, run
from custsvc.commands.bom_template_parts import component_app, version_app

app = typer.Typer(
    help="Template BOMs: the bill of materials of a product model, with dated versions that never overlap, "
    "their components, import and export.",
    no_args_is_help=True,
)
app.add_typer(version_app, name="version")
app.add_typer(component_app, name="component")

TplArg = Annotated[str, typer.Argument(help="Template BOM, e.g. VB-35.", metavar="TPL")]
LIST_COLUMNS = ["template", "item", "description", "versions", "in_force"]
COMPONENT_COLUMNS = ["position", "item", "item_name", "qty", "note"]
DIFF_COLUMNS = ["position", "change", "old_item", "new_item", "old_qty", "new_qty", "old_note", "new_note"]
HEADERS = {"in_force": "in force", "item_name": "item name"}


@app.command("add")
def add(
    template: TplArg,
    item: Annotated[str, typer.Option("--item", help="The product model (an item) the BOM is of.")],
    description: Annotated[str | None, typer.Option("--description", help="What the template is.")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Add a template BOM for a product model; then add versions and their components.

    Example: custsvc bom template add CH40-R --item CHILLER-40 --description "Process chiller 40 kW, R290 range"
    """
    from custsvc.services.bom import templates

    record = run(lambda s: templates.add_template(s, template, item=item, description=description))
    done(record, fmt, f"added bom template {record['template']} for {record['item']}")


@app.command("list")
def list_(
    item: Annotated[str | None, typer.Option("--item", help="Only templates of this item.")] = None,
    fmt: FormatOpt = None,
) -> None:
    """List template BOMs with their number of versions and the version in force today.

    Example: custsvc bom template list
    """
    from custsvc import output
    from custsvc.services.bom import templates

    rows = run(lambda s: templates.list_templates(s, item=item), write=False)
    output.emit_rows(
        rows,
        fmt=fmt_of(fmt),
        columns=LIST_COLUMNS,
        headers=HEADERS,
        empty="no bom templates",
        fields=templates.TEMPLATE_FIELDS,
        drop=["description"],
    )


@app.command("update")
def update(
    template: TplArg,
    description: Annotated[str | None, typer.Option("--description", help='A new description; "" clears it.')] = None,
    item: Annotated[
        str | None, typer.Option("--item", help="Another item (not once object BOMs were copied from the template).")
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """Change a template's description or item.

    Example: custsvc bom template update VB35 --description "Gas condensing boiler 35 kW, all model years"
    """
    from custsvc.services.bom import templates

    record = run(lambda s: templates.update_template(s, template, description=description, item=item))
    done(record, fmt, f"updated bom template {record['template']}")


@app.command("remove")
def remove(template: TplArg, fmt: FormatOpt = None) -> None:
    """Remove a template with its versions and components (not while object BOMs use any version).

    Example: custsvc bom template add CH40-R --item CHILLER-40
    Example: custsvc bom template remove CH40-R
    """
    from custsvc.services.bom import templates

    record = run(lambda s: templates.remove_template(s, template))
    done({**record, "removed": True}, fmt, f"removed bom template {template}")


def _emit_show(record: dict[str, Any], fmt: str | None) -> None:
    from custsvc import output

    title = f"bom template {record['template']}" + (f" version {record['version']}" if record["version"] else "")
    output.emit_record(
        record,
        fmt=fmt,
        title=title,
        hide=("components",),
        sections={"components": (record["components"], COMPONENT_COLUMNS)} if record["components"] else None,
    )
    if not record["components"] and output.resolve_format(fmt) not in ("json", "csv"):
        output.message("no versions" if record["version"] is None else "no components")


@app.command("show")
def show(
    template: TplArg,
    version: Annotated[
        str | None, typer.Option("--version", help="This version (default: the one in force today, else the newest).")
    ] = None,
    at: Annotated[
        str | None, typer.Option("--at", help=f"The version in force on this day ({DATE_HINT}).", metavar="<date>")
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """Show a version of a template with its components (JSON: one object with a components list).

    The status says whether the version is in force today, future or expired; objects, how many
    object BOMs were copied from it (then its components are frozen).

    Example: custsvc bom template show VB35
    Example: custsvc bom template show VB35 --version 1
    Example: custsvc bom template show HPW9 --at 2024-06-01
    """
    from custsvc.errors import Usage
    from custsvc.services.bom import template_components as parts

    if version is not None and at is not None:
        raise Usage("give --version or --at, not both")
    record = run(
        lambda s: parts.show(s, template, version=version, at=s.day(at, "at") if at is not None else None), write=False
    )
    _emit_show(record, fmt_of(fmt))


@app.command("diff")
def diff(
    template: TplArg,
    old: Annotated[str, typer.Argument(help="The older version.", metavar="V1")],
    new: Annotated[str, typer.Argument(help="The newer version.", metavar="V2")],
    fmt: FormatOpt = None,
) -> None:
    """What changed between two versions, per position: added, removed or changed (old -> new).

    Example: custsvc bom template diff VB35 1 2
    Example: custsvc bom template diff HPW9 1 2
    """
    from custsvc import output
    from custsvc.services.bom import template_components as parts

    rows = run(lambda s: parts.diff(s, template, old, new), write=False)
    output.emit_rows(
        rows,
        fmt=fmt_of(fmt),
        columns=DIFF_COLUMNS,
        empty=f"no differences between {old} and {new}",
        fields=parts.DIFF_FIELDS,
        drop=["old_note", "new_note"],
    )


@app.command("export")
def export(
    templates_: Annotated[
        list[str] | None, typer.Argument(help="Only these templates (default: all).", metavar="TPL")
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """Print templates, versions and components as flat rows, one per component: the shape `import`
    reads (a version without components is one row with an empty position).

    Example: custsvc bom template export --format csv
    Example: custsvc bom template export VB35 VB24
    """
    from custsvc import output
    from custsvc.services.bom import templates_io

    rows = run(lambda s: templates_io.export_rows(s, templates_ or ()), write=False)
    fields = list(templates_io.EXPORT_FIELDS)
    output.emit_rows(
        rows, fmt=fmt_of(fmt), columns=fields, empty="no bom templates", fields=fields, drop=["description", "note"]
    )


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="CSV or JSON file in the shape `export` prints; - reads stdin.")],
    input_format: InputFormatOpt = None,
    dry_run: DryRunOpt = False,
    encoding: EncodingOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Import templates, versions and components: every row is checked first, then all are written or none.

    Templates and versions that exist with the same content are skipped (importing a file again
    changes nothing); a version that exists with other dates or components is refused. Errors name
    the row (1 = first data row).

    Example: custsvc bom template export VB35 --format csv > bom-templates.csv
    Example: custsvc bom template import bom-templates.csv --dry-run
    """
    from custsvc import output
    from custsvc.files import read_table
    from custsvc.services.bom import templates_io

    rows, _kind, columns = read_table(file, input_format, encoding)
    with output.busy(f"checking and importing {output.counted(len(rows), 'row')} ..."):
        summary = run(lambda s: templates_io.import_rows(s, rows, dry_run=dry_run, columns=columns), write=not dry_run)
    if output.resolve_format(fmt_of(fmt)) == "json":
        output.emit_json(summary)
        return
    verb = "would import" if dry_run else "imported"
    skipped = summary["skipped_versions"]
    output.message(
        f"{verb} {output.counted(summary['rows'], 'bom template row')}: "
        f"{output.counted(summary['templates'], 'template')}, {output.counted(summary['versions'], 'version')} and "
        f"{output.counted(summary['components'], 'component')} new"
        + (f"; {output.counted(skipped, 'version')} unchanged, skipped" if skipped else "")
    )
