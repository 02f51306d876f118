"""custsvc agreement: Service agreements (not in this version yet: the group only has --help)."""

from __future__ import annotations

import typer

from custsvc.commands._common import not_yet

app = typer.Typer(help="Service agreements: recurring work for a customer that generates service orders. Not in this version yet.", invoke_without_command=True)


@app.callback()
def main(ctx: typer.Context) -> None:
    """Service agreements: recurring work for a customer that generates service orders. Not in this version yet."""
    not_yet(ctx, "agreement")
