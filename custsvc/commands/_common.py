"""What every command module shares: option types, reading input files, running a service."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from custsvc.commands._choices import InputFormat

if TYPE_CHECKING:  # pragma: no cover
    from custsvc.context import Context

T = TypeVar("T")


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"
    plain = "plain"


FormatOpt = Annotated[
    Format | None,
    typer.Option(
        "--format",
        "-f",
        help="Output format: table, json, csv, markdown or plain (default: table on a terminal, plain otherwise).",
        case_sensitive=False,
        show_default=False,
    ),
]
ForceOpt = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Go ahead although a check refuses, where that check allows it (its error says so); others still refuse.",
    ),
]
EncodingOpt = Annotated[
    str | None, typer.Option("--encoding", help="The file's text encoding, e.g. latin-1 or utf-16 (default: UTF-8).")
]
#: what a date or time option accepts, for its help (see custsvc.domain.relative)
DATE_HINT = "YYYY-MM-DD, today, +30d, -1w, next monday ..."
TIME_HINT = "2026-03-10T09:30, 13:00, tomorrow 9:00, +2h ...; the shop's zone if no offset"
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Check everything and report, but write nothing.")]
InputFormatOpt = Annotated[
    InputFormat | None,
    typer.Option(
        "--input-format", help="The file's format (default: from the file name; csv for stdin).", case_sensitive=False
    ),
]
LimitOpt = Annotated[int | None, typer.Option("--limit", min=1, max=1_000_000_000, help="Show at most this many rows.")]
SearchOpt = Annotated[
    str | None, typer.Option("--search", "-s", help="Only rows whose key or name contains this text.")
]


def fmt_of(fmt: Format | None) -> str | None:
    return fmt.value if fmt is not None else None


@contextmanager
def context(write: bool = True, create: bool = False) -> Iterator[Context]:
    """The command's unit of work (see ``custsvc.bootstrap``); times print in its shop's zone."""
    from custsvc import state
    from custsvc.bootstrap import open_context

    with open_context(write=write, create=create) as ctx:
        state.current().zone = ctx.tz  # what streams out while the command runs, too
        try:
            yield ctx
        finally:
            state.current().zone = ctx.tz


def database_url() -> str:
    """The SQLAlchemy URL of the database ``--db`` / ``CUSTSVC_DB`` names (else the data folder's)."""
    from custsvc import db, state

    return db.database_url(state.current().db)


def run(fn: Callable[[Context], T], *, write: bool = True, create: bool = False) -> T:
    """Open the command's unit of work, call the service, commit (or roll back on any error)."""
    with context(write=write, create=create) as ctx:
        result = fn(ctx)
        warnings = ctx.warnings
    if warnings:
        from custsvc import output

        for warning in warnings:
            output.warn(warning)
    return result


def done(record: Any, fmt: Format | None, text: str) -> None:
    """Report a change that has no table to show: the record as JSON, else a message on stderr."""
    from custsvc import output

    if output.resolve_format(fmt_of(fmt)) == "json":
        output.emit_json(record)
    else:
        output.message(text)


def confirm(question: Callable[[], str], command: str) -> None:
    """Ask ``question()`` (y/N, on stderr) when there is a terminal to ask on; without one refuse at
    once, before reading anything: the command needs ``--yes``. A script or cron job never hangs on
    a question and never deletes unasked."""
    from custsvc.errors import Usage

    if not stdin_is_a_terminal():
        raise Usage(f"{command} asks before it deletes: add --yes to run it without a terminal")
    if not typer.confirm(question(), default=False, err=True):
        raise typer.Abort()


def stdin_is_a_terminal() -> bool:
    import sys

    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):  # closed or replaced stdin
        return False


@contextmanager
def progress_bar() -> Iterator[Callable[[str, int, int | None], None]]:
    """A progress bar on stderr, on a terminal and not with --quiet: ``progress(what, done, total)``
    shows a line per ``what`` (total None: how much is not known)."""
    import sys

    from custsvc import output

    bar: Any = None
    if sys.stderr.isatty() and not output.state.current().quiet:
        from rich.progress import Progress

        bar = Progress(console=output.stderr_console(), transient=True)
    tasks: dict[str, Any] = {}

    def progress(what: str, done: int, total: int | None) -> None:
        if bar is None:
            return
        if not tasks:
            bar.start()
        if what not in tasks:
            tasks[what] = bar.add_task(what, total=total)
        bar.update(tasks[what], completed=done, total=total)

    try:
        yield progress
    finally:
        if tasks:
            bar.stop()
