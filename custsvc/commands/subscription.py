"""custsvc subscription: Service subscriptions (not in this version yet: the group only has --help)."""

from __future__ import annotations

import typer

from custsvc.commands._common import not_yet

app = typer.Typer(help="Service subscriptions: periodic fees invoiced by an idempotent run. Not in this version yet.", invoke_without_command=True)


@app.callback()
def main(ctx: typer.Context) -> None:
    """Service subscriptions: periodic fees invoiced by an idempotent run. Not in this version yet."""
    not_yet(ctx, "subscription")
