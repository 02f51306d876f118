"""custsvc dispatch: dispatch teams (the board, assignments and suggestions come with the dispatch release)."""

from __future__ import annotations

from typing import Annotated

import typer

from custsvc.commands._common import FormatOpt, LimitOpt, SearchOpt, fmt_of, run
from custsvc.commands._master import add_common_commands

app = typer.Typer(
    help="Dispatch: teams of technicians. (Assignments, the board and suggestions are not in this version yet.)",
    no_args_is_help=True,
)
team_app = typer.Typer(help="Dispatch teams: an owner and the technicians who join with `worker update W --team T`.", no_args_is_help=True)
app.add_typer(team_app, name="team")

TeamArg = Annotated[str, typer.Argument(help="Team id, e.g. north.", metavar="TEAM")]
COLUMNS = ["team", "owner", "description", "members"]


@team_app.command("add")
def team_add(
    team: TeamArg,
    owner: Annotated[str, typer.Option("--owner", help="Worker who owns (leads) the team.")],
    description: Annotated[str | None, typer.Option("--description", help="What the team covers.")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Add a dispatch team.

    Example: custsvc dispatch team add north --owner M-01 --description "Riga north and Vidzeme"
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
    output.emit_rows(rows, fmt=fmt_of(fmt), columns=COLUMNS, empty="no teams")


@team_app.command("update")
def team_update(
    team: TeamArg,
    owner: Annotated[str | None, typer.Option("--owner", help="New owner (a worker).")] = None,
    description: Annotated[str | None, typer.Option("--description", help="What the team covers.")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Change a team's owner or description.

    Example: custsvc dispatch team update north --owner M-02
    """
    from custsvc import output
    from custsvc.services import master

    values = {k: v for k, v in dict(owner=owner, description=description).items() if v is not None}
    record = run(lambda s: master.update_record(s, "team", team, values))
    output.emit_record(record, fmt=fmt_of(fmt), title=f"team {team}")


add_common_commands(team_app, "team", "team", "Team id, e.g. north.", "north")
