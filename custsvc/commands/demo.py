"""custsvc demo: load the demo shop."""

from __future__ import annotations

from typing import Annotated

import typer

from custsvc.commands._common import FormatOpt, database_url, fmt_of, run


def demo(
    force: Annotated[
        bool, typer.Option("--force", help="Replace whatever the database holds with the demo data.")
    ] = False,
    fmt: FormatOpt = None,
) -> None:
    """Load a demo service shop and print an overview.

    Creates the database if needed (see `custsvc db path`). Refuses a database that already
    holds data unless --force. Example: custsvc --db demo.db demo
    """
    from custsvc import db, output
    from custsvc.services import demo as demo_service

    with output.busy("loading the demo shop ..."):
        result = run(lambda s: demo_service.load(s, force=force), create=True)
    kind = output.resolve_format(fmt_of(fmt))
    result = {"database": db.display_url(database_url()), **result}
    if kind == "json":
        output.emit_json(result)
        return
    rows = [{"what": k, "count": v} for k, v in result["counts"].items()]
    output.emit_rows(rows, fmt=kind, columns=["what", "count"], title="Demo shop loaded")
    if kind in ("table", "plain", "markdown"):
        tiers = ", ".join(f"{n} {t}" for t, n in result["customers_by_tier"].items())
        teams = ", ".join(f"{n} in {t}" for t, n in result["technicians_by_team"].items())
        roles = ", ".join(f"{n} {r}" for r, n in result["workers_by_role"].items())
        output.echo()
        output.echo(f"customers by tier: {tiers}")
        output.echo(f"workers by role:   {roles}")
        output.echo(f"technicians:       {teams}")
        stages = ", ".join(f"{n} {s}" for s, n in result["orders_by_stage"].items())
        output.echo(f"orders by stage:   {stages}")
        repairs = ", ".join(f"{n} {k}" for k, n in result["repairs"].items() if k != "repairs")
        output.echo(f"repairs:           {result['repairs']['repairs']} ({repairs})")
        output.echo(f"shop time zone:    {result['timezone']}, currency {result['currency']}")
    output.message(
        f"\ndatabase: {result['database']}\n"
        "try: custsvc order list --open | custsvc agreement list | custsvc invoice list | custsvc customer list"
    )
