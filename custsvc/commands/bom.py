"""custsvc bom: Bills of materials for service objects, with versions and history. (not in this version yet: the group only has --help)."""

from __future__ import annotations

import typer

from custsvc.commands._common import not_yet

app = typer.Typer(help="Bills of materials for service objects, with versions and history. Not in this version yet.", invoke_without_command=True)


@app.callback()
def main(ctx: typer.Context) -> None:
    """Bills of materials for service objects, with versions and history. Not in this version yet."""
    not_yet(ctx, "bom")
