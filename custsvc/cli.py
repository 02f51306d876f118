"""The root ``custsvc`` command: global options, one sub-group per module in ``commands/``,
and the single place where errors become ``error: ...`` lines and exit codes.

Nothing here imports SQLModel or SQLAlchemy: command modules import services inside the
command functions, so ``custsvc --help`` stays fast.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from custsvc import (
    __version__,
    helpstyle,  # noqa: F401 - patches how help pages read
    state,
)
from custsvc.commands import GROUPS
from custsvc.commands._common import Format
from custsvc.domain.relative import DATE_FORMS, TIME_FORMS
from custsvc.errors import EXIT_CONFLICT, EXIT_DOMAIN, EXIT_USAGE, CustSvcError
from custsvc.parsemessages import sentence


def _report(text: str, details: list[str] | None = None) -> None:
    """Each problem as one ``error:`` line: control characters written out, passwords masked."""
    from custsvc.textsafe import mask_secrets, visible

    for line in [text, *(details or [])]:
        print(f"error: {visible(mask_secrets(line))}", file=sys.stderr)


def exit_code_for(exc: BaseException) -> int:
    """Map an exception to an exit code, printing its one-line message."""
    if isinstance(exc, CustSvcError):
        _report(exc.message, exc.details)
        return exc.exit_code
    module = type(exc).__module__ or ""
    if module.startswith("sqlalchemy"):
        text = str(getattr(exc, "orig", exc)).splitlines()[0]
        name = type(exc).__name__
        if name == "IntegrityError":
            _report(f"conflict with another change: {text}")
            return EXIT_CONFLICT
        if "locked" in text or "could not obtain lock" in text or "deadlock" in text or "serializ" in text:
            _report(f"the database is busy (another custsvc is writing); try again: {text}")
            return EXIT_CONFLICT
        if name == "OperationalError":
            _report(f"database error: {text}")
            return EXIT_DOMAIN
    if isinstance(exc, OSError):
        _report(f"{exc.strerror or exc}" + (f": {exc.filename}" if getattr(exc, "filename", None) else ""))
        return EXIT_DOMAIN
    _report(f"unexpected {type(exc).__name__}: {exc} (set CUSTSVC_DEBUG=1 for the traceback)")
    return EXIT_DOMAIN


_GROUPS = {name: (module, panel, text) for name, module, panel, text in GROUPS}
_loaded: dict[str, Any] = {}


def group_app(name: str) -> typer.Typer:
    """The Typer app of a command group (importing its module)."""
    import importlib

    return importlib.import_module(f"custsvc.commands.{_GROUPS[name][0]}").app  # type: ignore[no-any-return]


def load_group(name: str) -> Any:
    if name not in _loaded:
        from typer.main import get_command

        command = get_command(group_app(name))
        command.name = name
        _loaded[name] = command
    return _loaded[name]


class RootGroup(TyperGroup):
    """Loads command groups on first use, and turns every failure into one line on stderr and an exit code."""

    _listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return [*_GROUPS, *super().list_commands(ctx)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if command is not None or cmd_name not in _GROUPS:
            return command
        if self._listing:  # the root's help only needs names and one-line help: no imports
            _module, panel, text = _GROUPS[cmd_name]
            return TyperGroup(name=cmd_name, help=text, rich_help_panel=panel)
        return load_group(cmd_name)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        from difflib import get_close_matches

        from custsvc import _click_compat as cc

        try:
            return super().resolve_command(ctx, args)
        except cc.ClickException as exc:
            matches = get_close_matches(args[0], self.list_commands(ctx)) if args else []
            if matches and "Did you mean" not in exc.message:  # type: ignore[attr-defined]
                exc.message = exc.message.rstrip(".") + ". Did you mean " + ", ".join(map(repr, matches)) + "?"  # type: ignore[attr-defined]
            raise

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def main(
        self,
        args: Any = None,
        prog_name: Any = None,
        complete_var: Any = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:  # type: ignore[override]
        try:
            result = super().main(
                args=args, prog_name=prog_name or "custsvc", complete_var=complete_var, standalone_mode=False, **extra
            )
            code = result if isinstance(result, int) else 0
        except BaseException as exc:  # every failure becomes one line and an exit code
            code = _failure(exc, list(args if args is not None else sys.argv[1:]))
        if standalone_mode:
            try:
                sys.stdout.flush()  # here, not at exit, so that a closed pipe is seen here
            except BrokenPipeError:
                code = _reader_gone()
            sys.exit(code)
        return code


def _failure(exc: BaseException, args: list[str]) -> int:
    """The exit code of a command that failed with ``exc``, its error printed as one line."""
    from custsvc import _click_compat as cc

    if type(exc).__name__ == "NoArgsIsHelpError":  # `custsvc order`: the help was printed; that is all
        return 0
    if isinstance(exc, cc.ClickException):
        _report(sentence(exc, args))
        return exc.exit_code or EXIT_USAGE  # type: ignore[attr-defined]
    if isinstance(exc, cc.Abort):
        _report("aborted")
        return EXIT_DOMAIN
    if isinstance(exc, typer.Exit):
        return exc.exit_code
    if isinstance(exc, KeyboardInterrupt):
        _report("interrupted")
        return 130
    if isinstance(exc, BrokenPipeError):
        return _reader_gone()
    if isinstance(exc, SystemExit):
        # Typer's own handling of a closed pipe wraps stdout and exits 1: it is not an error here
        return _reader_gone() if type(sys.stdout).__name__ == "PacifyFlushWrapper" else exc.code  # type: ignore[return-value]
    if isinstance(exc, CustSvcError):
        return exit_code_for(exc)
    if os.environ.get("CUSTSVC_DEBUG", "").strip() not in ("", "0") or not isinstance(exc, Exception):
        raise exc
    return exit_code_for(exc)


def _reader_gone() -> int:
    """``custsvc ... | head -1``: the reader went away. Say nothing, exit 0, and point stdout at
    /dev/null so that nothing fails again when Python flushes it on the way out."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # pragma: no cover - no real file descriptor (tests)
        pass
    return 0


def iter_commands() -> Any:
    """Every command and group as (path, click command), loading all groups (for docs and tests)."""
    from typer.main import get_command

    def walk(command: Any, path: tuple[str, ...]) -> Any:
        yield path, command
        for sub_name, sub in getattr(command, "commands", {}).items():
            yield from walk(sub, (*path, sub_name))

    yield from walk(get_command(app), ())
    for name in _GROUPS:
        yield from walk(load_group(name), (name,))


def _version(value: bool) -> None:
    if value:
        typer.echo(f"custsvc {__version__}")
        raise typer.Exit()


app = typer.Typer(
    cls=RootGroup,
    name="custsvc",
    help=(
        "Service management for small service shops: agreements, service orders, returns, repairs, "
        "dispatch, subscriptions and SLAs, on a local SQLite file or PostgreSQL.\n\n"
        "Start with [bold]custsvc demo[/bold], then try [bold]custsvc customer list[/bold].\n\n"
        f"Wherever a date is asked: {DATE_FORMS}. Wherever a time is asked: {TIME_FORMS}. "
        "A time without an offset is in the shop's zone."
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)

_DB_HELP = (
    "Database: a file path or an SQLAlchemy URL (postgresql+psycopg://...). Default: custsvc.db in your data folder."
)
_CSV_RAW_HELP = (
    "CSV cells exactly as stored: without it a cell starting with = + - @ (a spreadsheet formula) gets a leading '."
)
_NOW_HELP = (
    "Pretend the current time is this time (e.g. 2026-03-10T09:00+02:00, or relative to the clock: "
    "tomorrow 9:00); a time without offset is in the shop's zone."
)


DbOpt = Annotated[str | None, typer.Option("--db", envvar="CUSTSVC_DB", help=_DB_HELP)]
FormatOption = Annotated[
    Format | None,
    typer.Option(
        "--format",
        "-f",
        envvar="CUSTSVC_FORMAT",
        case_sensitive=False,
        help="Output format for every command: table, json, csv, markdown or plain.",
    ),
]
NowOpt = Annotated[str | None, typer.Option("--now", envvar="CUSTSVC_NOW", help=_NOW_HELP)]
ActorOpt = Annotated[
    str | None,
    typer.Option(
        "--as", envvar="CUSTSVC_USER", help="The acting worker, recorded on every change (default: your login name)."
    ),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print no progress or confirmation messages on stderr.")]
CsvRawOpt = Annotated[bool, typer.Option("--csv-raw", help=_CSV_RAW_HELP)]
VersionOpt = Annotated[
    bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
]


@app.callback()
def root(
    db: DbOpt = None,
    fmt: FormatOption = None,
    now: NowOpt = None,
    actor: ActorOpt = None,
    quiet: QuietOpt = False,
    csv_raw: CsvRawOpt = False,
    version: VersionOpt = False,
) -> None:
    """Global options go before the group name; they also come from CUSTSVC_* variables."""
    state.reset(
        db=db,
        fmt=fmt.value if fmt is not None else None,
        now=now or None,
        actor=actor or None,
        actor_explicit=bool(actor),
        quiet=quiet,
        csv_raw=csv_raw,
    )
    if now is not None:
        _check_now(now)


def _check_now(now: str) -> None:
    """Fail early and clearly on a malformed --now (the shop's zone is applied when a context opens)."""
    from custsvc import clock

    if not now.strip():
        raise typer.BadParameter("is empty: give a time, or leave --now out for the clock", param_hint="--now")
    try:
        clock.now(now)
    except CustSvcError as exc:
        raise typer.BadParameter(exc.message.removeprefix("invalid --now "), param_hint="--now") from None


def _register() -> None:
    from custsvc.commands import bundle, demo, today

    app.command("demo", rich_help_panel="Set-up")(demo.demo)
    app.command("export", rich_help_panel="Set-up")(bundle.export)
    app.command("import", rich_help_panel="Set-up")(bundle.import_)
    app.command("today", rich_help_panel="Service orders")(today.today)


_register()


def main() -> None:
    """Console-script entry point."""
    # custsvc uses no pydantic plugins: not looking for them spares scanning every installed
    # package's entry points when the table classes are first built
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    app()
