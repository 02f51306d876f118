"""custsvc config: shop-wide settings (time zone, currency)."""

from __future__ import annotations

from typing import Annotated

import typer

from custsvc.commands import group_help
from custsvc.commands._common import FormatOpt, fmt_of, run

app = typer.Typer(help=group_help("config"), no_args_is_help=True)
KeyArg = Annotated[
    str, typer.Argument(help="Setting name (see `config list`), e.g. timezone or currency.", metavar="KEY")
]


@app.command("list")
def list_(fmt: FormatOpt = None) -> None:
    """Show every setting with its value and default.

    Example: custsvc config list
    """
    from custsvc import output
    from custsvc.services import settings

    rows = run(settings.all_settings, write=False)
    output.emit_rows(rows, fmt=fmt_of(fmt), columns=["key", "value", "default", "description"])


@app.command("get")
def get(key: KeyArg, fmt: FormatOpt = None) -> None:
    """Print one setting's value.

    Example: custsvc config get timezone
    """
    from custsvc import output
    from custsvc.services import settings

    value = run(lambda s: settings.get(s, key), write=False)
    if output.resolve_format(fmt_of(fmt)) == "json":
        output.emit_json({"key": key, "value": value})
    else:
        output.echo(value)


@app.command("set", context_settings={"ignore_unknown_options": True})
def set_(
    key: KeyArg,
    value: Annotated[str, typer.Argument(help="The new value, e.g. Europe/Riga or EUR (a value like -1 is a value).")],
    fmt: FormatOpt = None,
) -> None:
    """Change a setting.

    Example: custsvc config set timezone Europe/Riga
    """
    from custsvc import output
    from custsvc.services import settings

    record = run(lambda s: settings.set_value(s, key, value))
    output.emit_record(record, fmt=fmt_of(fmt))
