"""Commands every master-data group has in the same shape: show, remove, import.

(No ``from __future__ import annotations`` here: the option help texts are built per kind.)
"""

from pathlib import Path
from typing import Annotated

import typer

from custsvc.commands._common import DryRunOpt, FormatOpt, fmt_of, run


def add_common_commands(app: typer.Typer, kind: str, label: str, key_help: str, example_key: str) -> None:
    """Register ``show``, ``remove`` and ``import`` for one master-data kind."""

    def show(
        key: Annotated[str, typer.Argument(help=key_help, metavar=kind.upper())],
        fmt: FormatOpt = None,
    ) -> None:
        from custsvc import output
        from custsvc.services import master

        record = run(lambda s: master.show(s, kind, key), write=False)
        output.emit_record(record, fmt=fmt_of(fmt), title=f"{label} {key}")

    show.__doc__ = f"Show one {label}.\n\nExample: custsvc {kind} show {example_key}"
    app.command("show")(show)

    def remove(
        key: Annotated[str, typer.Argument(help=key_help, metavar=kind.upper())],
        fmt: FormatOpt = None,
    ) -> None:
        from custsvc import output
        from custsvc.services import master

        record = run(lambda s: master.remove(s, kind, key))
        if output.resolve_format(fmt_of(fmt)) == "json":
            output.emit_json({**record, "removed": True})
        else:
            output.message(f"removed {label} {key}")

    remove.__doc__ = f"Remove a {label} that no other record refers to.\n\nExample: custsvc {kind} remove {example_key}"
    app.command("remove")(remove)

    def import_(
        file: Annotated[
            Path, typer.Argument(help="CSV or JSON file in the shape `list --format csv|json` prints; - reads stdin.")
        ],
        input_format: Annotated[
            str | None, typer.Option("--input-format", help="csv or json (default: from the file name; csv for stdin).")
        ] = None,
        upsert: Annotated[
            bool, typer.Option("--upsert", help="Update records whose key exists instead of refusing them.")
        ] = False,
        dry_run: DryRunOpt = False,
        fmt: FormatOpt = None,
    ) -> None:
        from custsvc import output
        from custsvc.files import read_rows
        from custsvc.services import master

        rows, _kind = read_rows(file, input_format)
        with output.busy(f"checking and importing {len(rows)} row(s) ..."):
            summary = run(lambda s: master.import_rows(s, kind, rows, upsert=upsert, dry_run=dry_run))
        shown = {k: v for k, v in summary.items() if k != "keys"}
        if output.resolve_format(fmt_of(fmt)) == "json":
            output.emit_json(shown)
            return
        verb = "would import" if dry_run else "imported"
        output.message(
            f"{verb} {summary['rows']} {label} row(s): {summary['created']} created, {summary['updated']} updated"
        )

    import_.__doc__ = (
        f"Import {label}s from CSV or JSON: every row is checked first, then all are written or none.\n\n"
        f"Errors name the row (1 = first data row). Example: custsvc {kind} import {kind}s.csv --dry-run"
    )
    app.command("import")(import_)
