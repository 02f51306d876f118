"""custsvc bom: Bills of materials for service objects, with versions and history.

(not in this version yet: the group only has --help).
"""

from __future__ import annotations

import typer

from custsvc.commands import group_help
from custsvc.commands._common import not_yet

app = typer.Typer(help=group_help("bom"), invoke_without_command=True)


@app.callback()
def main(ctx: typer.Context) -> None:
    """Show the help: the commands of this group come in a later version."""
    not_yet(ctx)
