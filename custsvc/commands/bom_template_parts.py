"""custsvc bom template version ... and component ...: the dated versions of a template BOM and what
each version holds."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from custsvc.commands._common import DATE_HINT, FormatOpt, done, fmt_of, run

version_app = typer.Typer(
    help="Versions of a template BOM: each valid from a date (to a date, or open-ended); they never overlap.",
    no_args_is_help=True,
)
component_app = typer.Typer(
    help="Components of a template BOM version: position (the slot), item, quantity, note.",
    no_args_is_help=True,
)

TplArg = Annotated[str, typer.Argument(help="Template BOM, e.g. VB-35.", metavar="TPL")]
VersionArg = Annotated[str, typer.Argument(help="Version of the template, e.g. v1 or 2026.", metavar="V")]
PositionArg = Annotated[str, typer.Argument(help="Position in the version, e.g. burner or R12.", metavar="POSITION")]
NoteOpt = Annotated[str | None, typer.Option("--note", help="A note on the component, e.g. the make.")]


def _version_done(record: dict[str, Any], fmt: Any, verb: str) -> None:
    to = record["to"].isoformat() if record["to"] else "open-ended"
    text = f"{verb} version {record['version']} of bom template {record['template']} ({record['from']} to {to})"
    done(record, fmt, text)


@version_app.command("add")
def version_add(
    template: TplArg,
    version: VersionArg,
    valid_from: Annotated[
        str, typer.Option("--from", help=f"First day the version is in force ({DATE_HINT}).", metavar="<date>")
    ],
    valid_to: Annotated[
        str | None,
        typer.Option(
            "--to", help=f"Last day it is in force, inclusive (default: open-ended; {DATE_HINT}).", metavar="<date>"
        ),
    ] = None,
    copy_from: Annotated[
        str | None, typer.Option("--copy-from", help="Start with the components of this version of the template.")
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """Add a version; it must not overlap the template's other versions.

    Example: custsvc bom template version update VB35 2 --to +59d
    Example: custsvc bom template version add VB35 3 --from +60d --copy-from 2
    """
    from custsvc.services.bom import templates

    record = run(
        lambda s: templates.add_version(
            s,
            template,
            version,
            valid_from=s.day(valid_from, "from"),
            valid_to=s.day(valid_to, "to") if valid_to else None,
            copy_from=copy_from,
            to_text=valid_to,
        )
    )
    _version_done(record, fmt, "added")


@version_app.command("update")
def version_update(
    template: TplArg,
    version: VersionArg,
    valid_from: Annotated[
        str | None, typer.Option("--from", help=f"New first day ({DATE_HINT}).", metavar="<date>")
    ] = None,
    valid_to: Annotated[
        str | None,
        typer.Option("--to", help=f'New last day, inclusive; "" for open-ended ({DATE_HINT}).', metavar="<date>"),
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """Change a version's validity; it still must not overlap the template's other versions.

    Example: custsvc bom template version update VB35 2 --to +59d
    """
    from custsvc.services.bom import templates

    open_ended = valid_to is not None and not valid_to.strip()
    record = run(
        lambda s: templates.update_version(
            s,
            template,
            version,
            valid_from=s.day(valid_from, "from") if valid_from is not None else None,
            valid_to=s.day(valid_to, "to") if valid_to and valid_to.strip() else None,
            open_ended=open_ended,
            to_text=valid_to,
            from_text=valid_from,
        )
    )
    _version_done(record, fmt, "updated")


@version_app.command("remove")
def version_remove(template: TplArg, version: VersionArg, fmt: FormatOpt = None) -> None:
    """Remove a version with its components (not while object BOMs use it).

    Example: custsvc bom template version update VB35 2 --to +59d
    Example: custsvc bom template version add VB35 3 --from +60d
    Example: custsvc bom template version remove VB35 3
    """
    from custsvc.services.bom import templates

    record = run(lambda s: templates.remove_version(s, template, version))
    done({**record, "removed": True}, fmt, f"removed version {version} of bom template {template}")


def _component_done(record: dict[str, Any], fmt: Any, text: str) -> None:
    from custsvc import output

    if output.resolve_format(fmt_of(fmt)) in ("json", "csv"):
        output.emit_record(record, fmt=fmt_of(fmt))
    else:
        output.message(text)


@component_app.command("add")
def component_add(
    template: TplArg,
    version: VersionArg,
    position: Annotated[str, typer.Option("--position", help="The slot, e.g. burner or R12 (unique in the version).")],
    item: Annotated[str, typer.Option("--item", help="The item at this position.")],
    qty: Annotated[
        str, typer.Option("--qty", help="Quantity, more than 0 (a serialized item: 1, one unit per position).")
    ] = "1",
    note: NoteOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Add a component to a version (not to one object BOMs use: add a version instead).

    Example: custsvc bom template version update VB35 2 --to +59d
    Example: custsvc bom template version add VB35 3 --from +60d --copy-from 2
    Example: custsvc bom template component add VB35 3 --position condensate-pump --item PUMP-CIRC
    """
    from custsvc.services.bom import template_components as parts

    record = run(lambda s: parts.add_component(s, template, version, position=position, item=item, qty=qty, note=note))
    _component_done(
        record, fmt, f"added {record['position']} ({record['item']} x {record['qty']}) to {template} {version}"
    )


@component_app.command("update")
def component_update(
    template: TplArg,
    version: VersionArg,
    position: PositionArg,
    item: Annotated[str | None, typer.Option("--item", help="Another item at this position.")] = None,
    qty: Annotated[str | None, typer.Option("--qty", help="The new quantity, more than 0.")] = None,
    note: Annotated[str | None, typer.Option("--note", help='A new note; "" clears it.')] = None,
    fmt: FormatOpt = None,
) -> None:
    """Change the item, quantity or note at a position.

    Example: custsvc bom template component update VB24 2 pump --note "Grundfos UPM3"
    Example: custsvc bom template component update VB24 2 ignition --qty 2
    """
    from custsvc.services.bom import template_components as parts

    record = run(lambda s: parts.update_component(s, template, version, position, item=item, qty=qty, note=note))
    _component_done(
        record, fmt, f"updated {record['position']} ({record['item']} x {record['qty']}) in {template} {version}"
    )


@component_app.command("remove")
def component_remove(template: TplArg, version: VersionArg, position: PositionArg, fmt: FormatOpt = None) -> None:
    """Remove the component at a position.

    Example: custsvc bom template version update VB35 2 --to +59d
    Example: custsvc bom template version add VB35 3 --from +60d --copy-from 2
    Example: custsvc bom template component remove VB35 3 diverter
    """
    from custsvc.services.bom import template_components as parts

    record = run(lambda s: parts.remove_component(s, template, version, position))
    _component_done({**record, "removed": True}, fmt, f"removed {position} from {template} {version}")
