"""Commands every master-data group has in the same shape: show, remove, import.

(No ``from __future__ import annotations`` here: the option help texts are built per kind.)
"""

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from custsvc.commands._common import DryRunOpt, EncodingOpt, FormatOpt, InputFormatOpt, fmt_of, run


def add_common_commands(
    app: typer.Typer, kind: str, label: str, key_help: str, example_key: str, example_new: str, group: str | None = None
) -> None:
    """Register ``show``, ``remove`` and ``import`` for one master-data kind.

    ``example_key``: a record of the demo shop, for ``show``; ``example_new``: the arguments of an
    ``add`` of a new record, which ``remove``'s example then removes; ``group``: the command path
    when it is not the kind's name (``dispatch team``)."""
    path = group or kind
    _add_show(app, kind, label, key_help, f"custsvc {path} show {example_key}")
    new_key = example_new.split()[0]
    removal = f"custsvc {path} add {example_new}\nExample: custsvc {path} remove {new_key}"
    _add_remove(app, kind, label, key_help, removal)
    _add_import(app, kind, label, f"custsvc {path} import {kind}s.csv --upsert --dry-run")


#: what ``show`` lists under the record, for its help
_SHOWS = {
    "customer": (
        "Under it: its service objects, agreements, open orders, subscriptions, and what it was invoiced "
        "this year per currency (credit notes subtracted)."
    ),
    "object": "Under it: every service order with the object on its header or on a line, newest first.",
}


def emit_master(kind: str, record: dict[str, Any], fmt: str | None, title: str) -> None:
    """A master record with the sections other capabilities add to it (``services/master/detail``):
    each list they contribute prints as a table of its own under the record; JSON nests the lists."""
    from custsvc import output
    from custsvc.services.master.detail import section_names

    names = section_names(kind, record)
    sections = {name.replace("_", " "): (record[name], None) for name in names}
    output.emit_record(record, fmt=fmt, title=title, hide=names, sections=sections)


def _add_show(app: typer.Typer, kind: str, label: str, key_help: str, example: str) -> None:
    def show(
        key: Annotated[str, typer.Argument(help=key_help, metavar=kind.upper())],
        fmt: FormatOpt = None,
    ) -> None:
        from custsvc.services import master

        record = run(lambda s: master.show(s, kind, key), write=False)
        emit_master(kind, record, fmt_of(fmt), f"{label} {key}")

    shows = f"\n\n{_SHOWS[kind]}" if kind in _SHOWS else ""
    show.__doc__ = f"Show one {label}.{shows}\n\nExample: {example}"
    app.command("show")(show)


def _add_remove(app: typer.Typer, kind: str, label: str, key_help: str, example: str) -> None:
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

    remove.__doc__ = f"Remove a {label} that no other record refers to.\n\nExample: {example}"
    app.command("remove")(remove)


@contextmanager
def _collector_on_new_objects() -> Iterator[None]:
    """What the program holds before a long pass (modules, mappers) is moved out of the cyclic
    garbage collector's sight, so that its passes look only at the objects of the rows in hand."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


DelimiterOpt = Annotated[str, typer.Option("--delimiter", help="The CSV file's separator (one character).")]


def _add_import(app: typer.Typer, kind: str, label: str, example: str) -> None:
    def import_(
        file: Annotated[
            Path, typer.Argument(help="CSV or JSON file in the shape `list --format csv|json` prints; - reads stdin.")
        ],
        input_format: InputFormatOpt = None,
        upsert: Annotated[
            bool,
            typer.Option(
                "--upsert",
                help="Update records whose key exists instead of refusing them (rows that change nothing are "
                "left as they are).",
            ),
        ] = False,
        dry_run: DryRunOpt = False,
        encoding: EncodingOpt = None,
        delimiter: DelimiterOpt = ",",
        fmt: FormatOpt = None,
    ) -> None:
        from custsvc import output

        summary = _import_file(kind, file, input_format, encoding, delimiter, upsert=upsert, dry_run=dry_run)
        if output.resolve_format(fmt_of(fmt)) == "json":
            output.emit_json(summary)
            return
        verb = "would import" if dry_run else "imported"
        output.message(
            f"{verb} {output.counted(summary['rows'], label + ' row')}: "
            f"{summary['created']} created, {summary['updated']} updated, {summary['unchanged']} unchanged"
        )

    import_.__doc__ = (
        f"Import {label}s from CSV or JSON: every row is checked first, then all are written or none.\n\n"
        "The file is read as it goes, so its size is not bounded by memory. Errors name the row "
        f"(1 = first data row), all of them at once.\n\nExample: {example}"
    )
    app.command("import")(import_)


def _import_file(
    kind: str, file: Path, input_format: Any, encoding: str | None, delimiter: str, *, upsert: bool, dry_run: bool
) -> dict[str, Any]:
    """Stream ``file`` through the master-data import, with a progress bar on a terminal."""
    from custsvc.commands._common import progress_bar
    from custsvc.errors import BadUsage
    from custsvc.files import TableStream
    from custsvc.services import master
    from custsvc.services.batch import batched

    if len(delimiter) != 1:
        raise BadUsage("--delimiter", delimiter, "must be one character")
    stream = TableStream(file, input_format, encoding, delimiter)
    try:
        with _collector_on_new_objects(), progress_bar() as bar:

            def progress(what: str, done: int, total: int | None) -> None:
                if what == "checking":  # how far into the file, when it is a file
                    at = stream.position()
                    done, total = (done, None) if at is None else (at, stream.size)
                bar(what, done, total)

            return run(
                lambda s: master.import_stream(
                    s, kind, batched(stream.rows(), master.BATCH), upsert=upsert, dry_run=dry_run,
                    columns=lambda: stream.columns, progress=progress,
                ),
                write=not dry_run,
            )  # fmt: skip
    finally:
        stream.close()
