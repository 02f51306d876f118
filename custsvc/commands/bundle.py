"""custsvc export / import: a whole shop as a folder of files (a bundle), out and in."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from custsvc.commands._common import DryRunOpt, EncodingOpt, FormatOpt, fmt_of, progress_bar, run


@contextmanager
def _bar(what: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on a terminal (not with --quiet) once there are rows to count."""
    with progress_bar() as progress:
        yield lambda done, total: progress(what, done, total)


def export(
    folder: Annotated[Path, typer.Argument(help="Folder to write the bundle into (new, empty, or an earlier bundle).")],
    bundle_format: Annotated[
        str, typer.Option("--bundle-format", "-b", help="Files as csv (one per table) or json (arrays of records).")
    ] = "csv",
    only: Annotated[
        str | None,
        typer.Option(
            "--only",
            help="Only these kinds of record, comma-separated: setting, calendar, customer, item, task, object, "
            "worker (with teams), absence, stage, sla, agreement, order, subscription, invoice, bom, stock, "
            "repair, return.",
        ),
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """Export the whole shop as a bundle: one file per table and a manifest (counts, schema revision).

    Every record is in it: master data, agreements, orders with lines, history and assignments,
    invoices, subscriptions, SLAs, calendars, BOMs, stock, repairs, returns and settings. With
    --only, the tables of some kinds (an order's lines, history, assignments and SLA clock with it):
    such a bundle loads into a shop that holds what it refers to.

    Example: custsvc export shop-bundle

    Example: custsvc export orders-bundle --only order,invoice --bundle-format json
    """
    from custsvc import output
    from custsvc.errors import BadChoice
    from custsvc.services.bundle import export_bundle
    from custsvc.services.bundle.groups import parse_kinds

    if bundle_format not in ("csv", "json"):
        raise BadChoice("bundle-format", bundle_format, ("csv", "json"))
    kinds = parse_kinds(only)
    with _bar("exporting") as progress:
        result = run(lambda s: export_bundle(s, folder, bundle_format, progress, kinds), write=False)
    if output.resolve_format(fmt_of(fmt)) == "json":
        output.emit_json(result)
        return
    output.message(f"exported {output.counted(result['rows'], 'row')} of {len(result['tables'])} tables to {folder}")


def import_(
    folder: Annotated[Path, typer.Argument(help="A bundle's folder, as `custsvc export` writes it.")],
    upsert: Annotated[
        bool,
        typer.Option("--upsert", help="Into a database with data: match rows by key, update only those that differ."),
    ] = False,
    dry_run: DryRunOpt = False,
    encoding: EncodingOpt = None,
    delimiter: Annotated[str, typer.Option("--delimiter", help="The CSV files' separator.")] = ",",
    errors: Annotated[
        Path | None, typer.Option("--errors", help="Write the rejected rows to this CSV, with an error column.")
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """Import a bundle: every row of every file is checked first, then all is loaded, or nothing.

    Into a new database (custsvc --db new.db db init) in the order references need; a bundle of
    some kinds (export --only) into a shop whose tables of those kinds are empty, its references
    checked against the shop; with --upsert into one with data, reporting created, updated and
    unchanged rows.

    Example: custsvc export shop-bundle

    Example: custsvc --db new.db db init

    Example: custsvc --db new.db import shop-bundle --dry-run
    """
    from custsvc import output
    from custsvc.errors import BadUsage
    from custsvc.services.bundle import import_bundle

    if len(delimiter) != 1:
        raise BadUsage("--delimiter", delimiter, "must be one character")
    with _bar("importing") as progress:
        result = run(
            lambda s: import_bundle(
                s, folder, upsert=upsert, dry_run=dry_run, encoding=encoding, delimiter=delimiter,
                errors=errors, progress=progress,
            ),
            write=not dry_run,
        )  # fmt: skip
    if output.resolve_format(fmt_of(fmt)) == "json":
        output.emit_json(result)
        return
    verb = "would import" if dry_run else "imported"
    output.message(
        f"{verb} {output.counted(result['rows'], 'row')}: {result['created']} created, "
        f"{result['updated']} updated, {result['unchanged']} unchanged"
    )
