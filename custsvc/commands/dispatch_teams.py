"""custsvc dispatch team: dispatch teams, each with an owner and the technicians who join it."""

from __future__ import annotations

from typing import Annotated

import typer

from custsvc.commands._common import FormatOpt, LimitOpt, SearchOpt, fmt_of, run
from custsvc.commands._master import add_common_commands

team_app = typer.Typer(
    help="Dispatch teams: an owner and the technicians who join with `worker update W --team T`.", no_args_is_help=True
)

TeamArg = Annotated[str, typer.Argument(help="Team id, e.g. north.", metavar="TEAM")]
TEAM_COLUMNS = ["team", "owner", "description", "members"]


@team_app.command("add")
def team_add(
    team: TeamArg,
    owner: Annotated[str, typer.Option("--owner", help="Worker who owns (leads) the team.")],
    description: Annotated[str | None, typer.Option("--description", help="What the team covers.")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Add a dispatch team.

    Example: custsvc dispatch team add east --owner M-01 --description "Latgale and the east"
    """
    from custsvc import output
    from custsvc.services import master

    values = {k: v for k, v in dict(team=team, owner=owner, description=description).items() if v is not None}
    record = run(lambda s: master.add(s, "team", values))
    output.emit_record(record, fmt=fmt_of(fmt), title=f"team {team}")


@team_app.command("list")
def team_list(search: SearchOpt = None, limit: LimitOpt = None, fmt: FormatOpt = None) -> None:
    """List dispatch teams with their members.

    Example: custsvc dispatch team list
    """
    from custsvc import output
    from custsvc.services import teams

    rows = run(lambda s: teams.list_teams(s, search=search, limit=limit), write=False)
    output.emit_rows(rows, fmt=fmt_of(fmt), columns=TEAM_COLUMNS, empty="no teams")


@team_app.command("update")
def team_update(
    team: TeamArg,
    owner: Annotated[str | None, typer.Option("--owner", help="New owner (a worker).")] = None,
    description: Annotated[str | None, typer.Option("--description", help="What the team covers.")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Change a team's owner or description.

    Example: custsvc dispatch team update north --owner D-01
    """
    from custsvc import output
    from custsvc.services import master

    values = {k: v for k, v in dict(owner=owner, description=description).items() if v is not None}
    record = run(lambda s: master.update_record(s, "team", team, values))
    output.emit_record(record, fmt=fmt_of(fmt), title=f"team {team}")


add_common_commands(
    team_app, "team", "team", "Team id, e.g. north.", "north", "east --owner M-01", group="dispatch team"
)
