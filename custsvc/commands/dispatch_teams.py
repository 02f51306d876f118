"""custsvc dispatch team: dispatch teams, each with an owner and the technicians who join it; and the
board's drawing for ``dispatch board`` (the service's days and lanes turned into ``custsvc.board``'s
teams, lanes and bars)."""

from __future__ import annotations

from typing import Annotated, Any

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
    output.emit_rows(rows, fmt=fmt_of(fmt), columns=TEAM_COLUMNS, empty="no teams", fields=teams.TEAM_FIELDS)


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


# --- drawing the board (dispatch board) ------------------------------------------------------


def _color(console: Any) -> bool:
    """Whether the board can show priorities by color (not with NO_COLOR, nor without a terminal)."""
    return not console.no_color and console.color_system is not None


def _teams(lanes: list[dict[str, Any]], lane_of: Any) -> list[Any]:
    from custsvc.board import TeamBlock

    teams: dict[str, list[Any]] = {}
    for index, lane in enumerate(lanes):
        teams.setdefault(lane["team"] or "no team", []).append(lane_of(index, lane))
    return [TeamBlock(name, members) for name, members in teams.items()]


def draw_days(data: dict[str, Any]) -> None:
    """``dispatch board``: each day on a time axis (``custsvc.board.render_board``)."""
    from custsvc import output, state
    from custsvc.board import Bar, Lane, render_board

    console = output.console()
    tz = state.current().zone
    for day in data["days"]:

        def lane_of(_index: int, lane: dict[str, Any], day: dict[str, Any] = day) -> Any:
            shaded = _closed(day["start"], day["end"], lane["windows"])
            shaded += [(a, b, "absence") for a, b, _reason in lane["absences"]]
            bars = [
                Bar(r["start"], r["end"], f"{r['order']} {r['customer']}", r["priority"], at_risk, r["late"])
                for r in lane["bars"]
                for at_risk in [r["sla_status"] in ("at-risk", "breached")]
            ]
            return Lane(f"{lane['worker']} {lane['name']}", bars, shaded)

        title = f"Dispatch board {day['date']:%a %Y-%m-%d}"
        blocks = _teams(day["lanes"], lane_of)
        console.print(
            render_board(
                day["start"], day["end"], blocks, width=console.width, tz=tz, title=title, color=_color(console)
            )
        )


def draw_week(data: dict[str, Any], all_days: bool) -> None:
    """The days as columns: each technician's hours booked / available per day."""
    from rich.text import Text

    from custsvc import output
    from custsvc.board import Lane, Load, render_week

    console = output.console()
    shown = [day for day in data["days"] if all_days or day["open"]]
    closed = [f"{day['date']:%a %m-%d}" for day in data["days"] if day not in shown]
    first, last = data["days"][0]["date"], data["days"][-1]["date"]

    def lane_of(index: int, lane: dict[str, Any]) -> Any:
        loads = [day["lanes"][index] for day in shown]
        return Lane(
            f"{lane['worker']} {lane['name']}",
            loads=[Load(x["booked_seconds"] / 3600, x["available_seconds"] / 3600, x["absent"]) for x in loads],
        )

    title = f"Dispatch week {first:%a %Y-%m-%d} to {last:%a %Y-%m-%d}"
    if shown:
        blocks = _teams(data["days"][0]["lanes"], lane_of)
        console.print(render_week([day["date"] for day in shown], blocks, width=console.width, title=title))
    else:
        console.print(Text(title, style="bold"))
    if closed:
        console.print(Text(f"nobody works {', '.join(closed)}: not shown (--all-days shows them)", style="dim"))


def _closed(start: Any, end: Any, windows: list[tuple[Any, Any]]) -> list[tuple[Any, Any, str]]:
    closed, current = [], start
    for a, b in sorted(windows):
        if a > current:
            closed.append((current, min(a, end), "closed"))
        current = max(current, b)
    if current < end:
        closed.append((current, end, "closed"))
    return [c for c in closed if c[0] < c[1]]
