"""custsvc sla: Service-level agreements (not in this version yet: the group only has --help)."""

from __future__ import annotations

import typer

from custsvc.commands._common import not_yet

app = typer.Typer(help="Service-level agreements: business-time clock, deadlines and compliance reports. Not in this version yet.", invoke_without_command=True)


@app.callback()
def main(ctx: typer.Context) -> None:
    """Service-level agreements: business-time clock, deadlines and compliance reports. Not in this version yet."""
    not_yet(ctx, "sla")
