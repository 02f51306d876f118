"""The dispatch board renderer: layout at several widths, bars, colors, shading and clipping, the board
without color, and the week view."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from rich.console import Console
from rich.style import Style

from custsvc.board import (
    Bar,
    Lane,
    Load,
    TeamBlock,
    axis_positions,
    bar_text,
    hour_marks,
    load_text,
    name_width,
    render_board,
    render_week,
)

RIGA = ZoneInfo("Europe/Riga")
DAY_START = datetime(2026, 3, 10, 7, 0, tzinfo=RIGA)
DAY_END = datetime(2026, 3, 10, 18, 0, tzinfo=RIGA)


def at(hour: int, minute: int = 0) -> datetime:
    """A time on the test day, Riga time."""
    return datetime(2026, 3, 10, hour, minute, tzinfo=RIGA)


def render(teams: list[TeamBlock], width: int = 80, **kwargs) -> list[str]:
    """The board as plain text lines, as a recording console exports it."""
    console = Console(width=width, record=True, file=io.StringIO(), color_system=None, force_terminal=False)
    start, end, tz = kwargs.pop("start", DAY_START), kwargs.pop("end", DAY_END), kwargs.pop("tz", RIGA)
    console.print(render_board(start, end, teams, width=width, tz=tz, **kwargs))
    return console.export_text().splitlines()


def cells(teams: list[TeamBlock], width: int = 80, color: bool = True) -> list[list[tuple[str, Style | None]]]:
    """The board as lines of (character, style) cells, rendered on a truecolor terminal."""
    console = Console(width=width, file=io.StringIO(), color_system="truecolor", force_terminal=True)
    grid: list[list[tuple[str, Style | None]]] = [[]]
    board = render_board(DAY_START, DAY_END, teams, width=width, tz=RIGA, color=color)
    for segment in console.render(board, console.options):
        for char in segment.text:
            if char == "\n":
                grid.append([])
            else:
                grid[-1].append((char, segment.style))
    return grid


def one_lane(
    *bars: Bar, shaded: list[tuple[datetime, datetime, str]] | None = None, name: str = "T-01 Anna"
) -> list[TeamBlock]:
    return [TeamBlock("north", [Lane(name, list(bars), shaded or [])])]


def area(line: str, width: int = 80) -> str:
    """The time area of a lane line (everything right of the name column)."""
    return line[name_width(width) :]


def column(hour: int, minute: int = 0, width: int = 80) -> int:
    """The cell of a time in the time area, by plain proportion (11 hours across the area)."""
    cells_ = width - name_width(width)
    return round(((hour - 7) * 60 + minute) / (11 * 60) * cells_)


# --- geometry ---------------------------------------------------------------------------------


def test_axis_positions_are_proportional_and_clamped():
    position = axis_positions(DAY_START, DAY_END, 66)
    assert position(at(7)) == 0
    assert position(at(8)) == 6
    assert position(at(12, 30)) == 33
    assert position(at(18)) == 66
    assert position(at(6)) == 0
    assert position(at(19)) == 66
    # the same moment given in another zone lands in the same cell
    assert position(at(9).astimezone(UTC)) == 12
    with pytest.raises(ValueError):
        axis_positions(DAY_END, DAY_START, 66)


def test_name_column_grows_with_the_width():
    assert name_width(80) == 14
    assert [name_width(w) for w in (120, 160, 200)] == [18, 22, 24]
    assert name_width(40) == 10


def test_bar_text_cuts_the_label_to_the_bar():
    label = "SO-000123 C-1001"
    assert bar_text(label, 20) == label
    assert bar_text(label, 16) == label
    assert bar_text(label, 12) == "SO-000123 C…"
    assert bar_text(label, 10) == "SO-000123…"
    assert bar_text(label, 9) == "SO-000123"
    assert bar_text(label, 4) == "0123"
    assert bar_text(label, 1) == "3"
    assert bar_text(label, 12, at_risk=True) == "!SO-000123…"
    assert bar_text(label, 3, at_risk=True) == "!23"
    assert bar_text(label, 1, at_risk=True) == "!"
    # a priority letter (the board without color) comes first, then the at-risk mark
    assert bar_text(label, 12, lead="H") == "HSO-000123…"
    assert bar_text(label, 12, at_risk=True, lead="N") == "N!SO-000123…"
    assert bar_text(label, 5, at_risk=True, lead="L") == "L!123"
    assert bar_text(label, 1, at_risk=True, lead="L") == "L"


def test_hour_marks_follow_the_local_clock_over_a_daylight_saving_change():
    # Riga moves its clocks from 03:00 to 04:00 on 2026-03-29: that day has no 03 hour
    start = datetime(2026, 3, 29, 0, 0, tzinfo=RIGA)
    end = datetime(2026, 3, 30, 0, 0, tzinfo=RIGA)
    hours = [m.hour for m in hour_marks(start, end, RIGA)]
    assert hours == [0, 1, 2, *range(4, 24)]
    assert len(hours) == 23


# --- layout -----------------------------------------------------------------------------------


def busy_board() -> list[TeamBlock]:
    long_name = "T-03 Carla Ozolina-Kalnina of the Northern Workshop"
    return [
        TeamBlock(
            "north",
            [
                Lane(
                    "T-01 Anna Berzina",
                    [Bar(at(8), at(10, 30), "SO-000123 C-1001", "high")],
                    [(at(0), at(8), "closed")],
                ),
                Lane("T-02 Bo", [], [(at(12), at(18), "absence")]),
            ],
        ),
        TeamBlock("south", [Lane(long_name, [Bar(at(15), at(16), "SO-000127 C-2002", "low", True)], [])]),
    ]


@pytest.mark.parametrize("width", [80, 120, 160, 200])
def test_every_line_fits_the_width_and_the_time_area_uses_the_rest(width):
    lines = render(busy_board(), width)
    assert all(len(line) <= width for line in lines)
    assert lines[0] == "Dispatch board Tue 2026-03-10"
    # team headers run the full width
    assert lines[1].startswith("── north ") and len(lines[1]) == width
    # the closed shading reaches the right edge of the absent technician's row
    row = next(line for line in lines if line.startswith("T-02 Bo"))
    assert len(row) == width and row.endswith("▒")
    # long names are cut with an ellipsis to the name column
    carla = next(line for line in lines if line.startswith("T-03"))
    assert carla[name_width(width) - 2] == "…" and carla[name_width(width) - 1] == " "


@pytest.mark.parametrize("width", [80, 160])
def test_hour_labels_sit_at_their_columns(width):
    lines = render(busy_board(), width)
    axis = lines[2]
    assert axis.startswith("EET")  # the zone of the hours, in the name column
    for hour in range(7, 18):
        col = name_width(width) + column(hour, width=width)
        assert axis[col : col + 2] == f"{hour:02d}", (hour, axis)
    assert "18" not in axis  # the end of the day has no cell of its own
    # half hours get a tick when there is room for one
    half = name_width(width) + column(12, 30, width=width)
    assert (axis[half] == "·") == (width >= 120)


def test_hour_labels_thin_out_when_they_would_crowd():
    start = datetime(2026, 3, 10, 0, 0, tzinfo=RIGA)
    end = start + timedelta(days=1)
    lines = render(busy_board(), 80, start=start, end=end)
    labels = lines[2][14:].split()
    assert [x for x in labels if x != "·"] == [f"{h:02d}" for h in range(0, 24, 2)]
    assert lines[2][14:16] == "00"
    # with room, every hour has its label
    wide = render(busy_board(), 200, start=start, end=end)[2][24:].split()
    assert [x for x in wide if x != "·"] == [f"{h:02d}" for h in range(24)]


def test_the_axis_skips_the_hour_lost_to_daylight_saving():
    start = datetime(2026, 3, 29, 0, 0, tzinfo=RIGA)
    end = datetime(2026, 3, 30, 0, 0, tzinfo=RIGA)
    lines = render(busy_board(), 200, start=start, end=end)
    assert lines[0] == "Dispatch board Sun 2026-03-29"
    labels = lines[2].split()
    assert labels[0] == "EET" and labels[1:] == ["00", "01", "02", *(f"{h:02d}" for h in range(4, 24))]


def test_the_hours_are_shown_in_the_given_zone():
    lines = render(busy_board(), 80, start=DAY_START.astimezone(UTC), end=DAY_END.astimezone(UTC), tz=UTC)
    assert lines[2].split()[:3] == ["UTC", "05", "06"]
    assert lines[0] == "Dispatch board Tue 2026-03-10"
    assert render(busy_board(), 80, title="Board for north")[0] == "Board for north"


# --- bars -------------------------------------------------------------------------------------


@pytest.mark.parametrize("width", [80, 160])
def test_a_bar_shows_its_label_in_its_row_from_its_start(width):
    teams = [
        TeamBlock(
            "north",
            [
                Lane("T-01 Anna", [], []),
                Lane("T-02 Bo", [Bar(at(13), at(17), "SO-000200 C-1001", "normal")], []),
            ],
        )
    ]
    lines = render(teams, width)
    anna, bo = lines[3], lines[4]
    assert anna.strip() == "T-01 Anna"
    start = column(13, width=width)
    assert area(bo, width).index("SO-000200") == start
    # the cells after the label show the bar's length
    end = column(17, width=width)
    assert area(bo, width)[start:end] == "SO-000200 C-1001".ljust(end - start, "█")
    assert len(area(bo, width)) == end


def test_a_long_label_is_cut_to_a_short_bar():
    lines = render(one_lane(Bar(at(9), at(11), "SO-000201 Sigulda Bakery", "low")))
    assert area(lines[3])[12:24] == "SO-000201 S…"


def test_bars_are_colored_by_priority():
    teams = one_lane(
        Bar(at(8), at(10), "SO-000301", "high"),
        Bar(at(11), at(13), "SO-000302", "normal"),
        Bar(at(14), at(16), "SO-000303", "low"),
    )
    row = cells(teams)[3]
    name = name_width(80)
    for hour, back, fore in [(8, "red", "white"), (11, "yellow", "black"), (14, "green", "black")]:
        char, style = row[name + column(hour)]
        assert char == "S"
        assert style is not None and style.bgcolor is not None and style.color is not None
        assert (style.bgcolor.name, style.color.name) == (back, fore)
        # the fill after the label keeps the bar's color
        char, style = row[name + column(hour + 2) - 1]
        assert char == "█" and style is not None and style.bgcolor is not None
        assert style.bgcolor.name == back
    # time without a bar has no background
    char, style = row[name + column(10, 30)]
    assert char == " " and (style is None or style.bgcolor is None)


def test_an_at_risk_bar_starts_with_a_bold_mark():
    teams = one_lane(
        Bar(at(9), at(12), "SO-000400 C-1", "normal", at_risk=True),
        Bar(at(13), at(15), "SO-000401 C-2", "normal"),
    )
    line = render(teams)[3]
    assert area(line)[column(9) :].startswith("!SO-000400 C-1")
    assert "!SO-000401" not in line and "SO-000401" in line
    char, style = cells(teams)[3][name_width(80) + column(9)]
    assert char == "!" and style is not None and style.bold
    assert style.bgcolor is not None and style.bgcolor.name == "yellow"


def test_a_very_short_bar_still_shows():
    teams = one_lane(Bar(at(10), at(10, 2), "SO-000567 C-1", "high"), Bar(at(14), at(14), "SO-000568 C-1", "low"))
    row = area(render(teams)[3])
    assert row[column(10)] == "7"
    assert row[column(14)] == "8"
    assert row.count("█") == 0


def test_touching_and_overlapping_bars_keep_their_starts():
    teams = one_lane(
        Bar(at(8), at(10), "SO-000501 C-1", "high"),
        Bar(at(10), at(12), "SO-000502 C-2", "low"),  # touches the first
        Bar(at(11), at(11, 30), "SO-000503 C-3", "normal"),  # starts inside the second
        Bar(at(14), at(15), "SO-000504 C-4", "normal"),
        Bar(at(14), at(14, 30), "SO-000505 C-5", "high"),  # the same start as the one before
    )
    row = area(render(teams)[3])
    assert row[column(8) : column(10)] == "SO-000501 C-1"[:11] + "…"
    # the second bar's label gets the cells up to the third bar; the third bar sits inside the
    # second, which shows again after it as fill, not as the rest of its label
    assert row[column(10) : column(11)] == "000502"
    assert row[column(11) : column(11, 30)] == "503"
    assert row[column(11, 30) : column(12)] == "███"
    # of two with one start the longer keeps the cell, the shorter starts a cell on, inside it
    assert row[column(14) : column(15)] == "4" + "05" + "███"
    row_cells = cells(teams)[3]
    name = name_width(80)
    assert row_cells[name + column(10) - 1][1].bgcolor.name == "red"
    assert row_cells[name + column(10)][1].bgcolor.name == "green"


def test_bars_are_clipped_to_the_day():
    teams = one_lane(
        Bar(at(5), at(9), "SO-000601 C-1", "normal"),  # starts before the day
        Bar(at(16), at(20), "SO-000602 C-2", "low"),  # ends after it
        Bar(at(3), at(6), "SO-000603 C-3", "high"),  # wholly before
        Bar(at(18), at(19), "SO-000604 C-4", "high"),  # starts at the end
    )
    line = render(teams)[3]
    assert len(line) == 80
    row = area(line)
    assert row[: column(9)] == "SO-000601 C…"  # the label shows from the first cell
    assert row[column(9)] == " "
    assert row[column(16) :] == "SO-000602 C…"  # 12 cells, up to the right edge
    assert "0603" not in line and "0604" not in line


# --- shading ----------------------------------------------------------------------------------


def test_shading_marks_closed_time_and_absences_but_not_bars():
    teams = one_lane(
        Bar(at(7, 30), at(9), "SO-000701 C-1", "high"),  # work before opening
        Bar(at(13), at(14), "SO-000702 C-2", "low"),  # work during an absence
        shaded=[(at(0), at(8), "closed"), (at(12), at(15), "absence"), (at(17), at(23), "closed")],
    )
    row = area(render(teams)[3])
    assert row[: column(7, 30)] == "░" * column(7, 30)
    assert row[column(7, 30) :].startswith("SO-000701")
    assert row[column(12) : column(13)] == "▒" * 6
    assert row[column(13) : column(14)] == "000702"
    assert row[column(14) : column(15)] == "▒" * 6
    assert row[column(15) : column(17)].strip() == ""
    assert row[column(17) :] == "░" * 6
    char, style = cells(teams)[3][name_width(80)]
    assert char == "░" and style is not None and style.dim and style.bgcolor is None


def test_an_absence_wins_over_closed_time():
    teams = one_lane(shaded=[(at(12), at(18), "absence"), (at(16), at(23), "closed")])
    assert area(render(teams)[3]).endswith("▒" * 36)


def test_an_empty_lane_shows_only_its_shading():
    teams = one_lane(shaded=[(at(6), at(8), "closed"), (at(17), at(19), "closed")], name="T-09 Idle")
    line = render(teams)[3]
    assert line == "T-09 Idle     " + "░" * 6 + " " * 54 + "░" * 6
    bare = render(one_lane(name="T-09 Idle"))[3]
    assert bare == "T-09 Idle"


def test_a_team_without_lanes_says_so():
    lines = render([TeamBlock("no team", [])])
    assert lines[1].startswith("── no team ──")
    assert lines[3] == "no technicians"


# --- edges ------------------------------------------------------------------------------------


def test_too_narrow_or_backwards_is_refused():
    with pytest.raises(ValueError):
        render_board(DAY_START, DAY_END, busy_board(), width=19, tz=RIGA)
    with pytest.raises(ValueError):
        render_board(DAY_END, DAY_START, busy_board(), width=80, tz=RIGA)
    assert all(len(line) <= 30 for line in render(busy_board(), 30))


def test_the_module_needs_no_database_layer():
    code = "import sys, custsvc.board; assert not {'sqlalchemy', 'sqlmodel'} & set(sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True)


# --- the whole board --------------------------------------------------------------------------

GOLDEN_80 = """\
Dispatch board Tue 2026-03-10
── north ───────────────────────────────────────────────────────────────────────
EET           07    08    09    10    11    12    13    14    15    16    17
T-01 Anna Be… ░░░░░░SO-000123 C-10…!000124█»      5                       ░░░░░░
T-02 Bo       ░░░░░░                        ▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒
── south ───────────────────────────────────────────────────────────────────────
EET           07    08    09    10    11    12    13    14    15    16    17
T-03 Carla O… SO-000126 C…                                    !00127      ░░░░░░
█ high  █ normal  █ low  ! SLA at risk  » past SLA due  ░ closed  ▒ absence
"""

#: the same board for a screen without color: every bar starts with its priority's letter
GOLDEN_80_PLAIN = """\
Dispatch board Tue 2026-03-10
── north ───────────────────────────────────────────────────────────────────────
EET           07    08    09    10    11    12    13    14    15    16    17
T-01 Anna Be… ░░░░░░HSO-000123 C-1…N!000124»      L                       ░░░░░░
T-02 Bo       ░░░░░░                        ▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒
── south ───────────────────────────────────────────────────────────────────────
EET           07    08    09    10    11    12    13    14    15    16    17
T-03 Carla O… NSO-000126…█                                    H!0127      ░░░░░░
H high  N normal  L low  ! SLA at risk  » past SLA due  ░ closed  ▒ absence
"""


def golden_board() -> list[TeamBlock]:
    return [
        TeamBlock(
            "north",
            [
                Lane(
                    "T-01 Anna Berzina",
                    [
                        Bar(at(8), at(10, 30), "SO-000123 C-1001", "high"),
                        Bar(at(10, 30), at(12), "SO-000124 C-1002", "normal", at_risk=True, late=True),
                        Bar(at(13), at(13, 10), "SO-000125 C-1003", "low"),
                    ],
                    [(at(0), at(8), "closed"), (at(17), at(23, 59), "closed")],
                ),
                Lane(
                    "T-02 Bo",
                    [],
                    [(at(0), at(8), "closed"), (at(12), at(18), "absence"), (at(17), at(23, 59), "closed")],
                ),
            ],
        ),
        TeamBlock(
            "south",
            [
                Lane(
                    "T-03 Carla Ozolina",
                    [
                        Bar(at(6), at(9), "SO-000126 C-2001", "normal"),
                        Bar(at(15).astimezone(UTC), at(16).astimezone(UTC), "SO-000127 C-2002", "high", at_risk=True),
                    ],
                    [(at(0), at(8), "closed"), (at(17), at(23, 59), "closed")],
                ),
            ],
        ),
    ]


def test_golden_board_at_80_columns():
    lines = render(golden_board(), 80)
    assert "\n".join(lines) + "\n" == GOLDEN_80


def test_golden_board_without_color():
    lines = render(golden_board(), 80, color=False)
    assert "\n".join(lines) + "\n" == GOLDEN_80_PLAIN


# --- late visits and the board without color --------------------------------------------------


def test_a_late_bar_ends_in_a_bold_mark():
    teams = one_lane(Bar(at(9), at(12), "SO-000800 C-1", "normal", late=True), Bar(at(13), at(14), "SO-000801", "low"))
    row = area(render(teams)[3])
    assert row[column(9) : column(12)] == "SO-000800 C-1" + "█" * 4 + "»"
    assert "»" not in row[column(12) :]
    char, style = cells(teams)[3][name_width(80) + column(12) - 1]
    assert char == "»" and style is not None and style.bold and style.bgcolor.name == "yellow"
    # a bar too short for its marks keeps the at-risk mark
    short = one_lane(Bar(at(9), at(9, 10), "SO-000802", "high", at_risk=True, late=True))
    assert area(render(short)[3])[column(9)] == "!"


def test_without_color_priorities_show_as_letters_and_touching_bars_stay_apart():
    teams = one_lane(
        Bar(at(8), at(10), "SO-000901 C-1", "high"),
        Bar(at(10), at(12), "SO-000902 C-2", "high"),  # touches the first, same priority
        Bar(at(12), at(13), "SO-000903 C-3", "low", at_risk=True),
        Bar(at(13), at(14), "SO-000904 C-4", "weird"),  # an unknown priority is drawn as normal
    )
    row = area(render(teams, color=False)[3])
    assert row[column(8) : column(10)] == "HSO-000901…█"
    assert row[column(10) : column(12)] == "HSO-000902…█"
    assert row[column(12) : column(13)] == "L!0903"
    assert row[column(13) : column(14)] == "N00904"
    legend = render(teams, color=False)[-1]
    assert legend.startswith("H high  N normal  L low  ! SLA at risk  » past SLA due")
    # the letters are marks: bold, in the bar's colors when a terminal shows them
    char, style = cells(teams, color=False)[3][name_width(80) + column(8)]
    assert char == "H" and style is not None and style.bold


# --- the week view ----------------------------------------------------------------------------

WEEK = [date(2026, 3, 9) + timedelta(days=n) for n in range(5)]


def week_teams(days: int = 5) -> list[TeamBlock]:
    loads = [Load(5.5, 8), Load(9, 8), Load(0, 0, absent=True), Load(0, 0), Load(1.25, 4)]
    return [
        TeamBlock(
            "north", [Lane("T-01 Anna Berzina", loads=(loads * 7)[:days]), Lane("T-02 Bo", loads=[Load(0, 8)] * days)]
        ),
        TeamBlock("empty", []),
    ]


def render_week_lines(days: list[date], teams: list[TeamBlock], width: int = 80) -> list[str]:
    console = Console(width=width, record=True, file=io.StringIO(), color_system=None, force_terminal=False)
    console.print(render_week(days, teams, width=width, title="Dispatch week"))
    return console.export_text().splitlines()


def test_load_text_shows_booked_over_available_and_marks_overload():
    assert [load_text(x) for x in (Load(5.5, 8), Load(9, 8), Load(0, 0, True), Load(0, 0), Load(1.25, 4))] == [
        "5.5/8",
        "9/8!",
        "absent",
        "-",
        "1.2/4",
    ]
    assert load_text(Load(2, 0)) == "2/0!"  # work booked on a day without working time


def test_the_week_view_has_a_column_per_day():
    lines = render_week_lines(WEEK, week_teams())
    assert lines[0] == "Dispatch week"
    assert lines[1].startswith("── north ") and len(lines[1]) == 80
    assert lines[2].split() == ["Mon", "03-09", "Tue", "03-10", "Wed", "03-11", "Thu", "03-12", "Fri", "03-13"]
    assert lines[3].split()[3:] == ["5.5/8", "9/8!", "absent", "-", "1.2/4"]
    assert lines[4].split()[2:] == ["0/8"] * 5
    assert lines[5].startswith("── empty ") and lines[7] == "no technicians"
    assert lines[-1].startswith("hours booked/available  ! over the hours available")
    assert all(len(line) <= 80 for line in lines)
    # the values sit right-aligned under their day
    day = lines[2].index("Tue 03-10") + len("Tue 03-10")
    assert lines[3][:day].endswith("9/8!")


def test_days_that_do_not_fit_go_on_in_another_block():
    days = [date(2026, 3, 1) + timedelta(days=n) for n in range(31)]
    lines = render_week_lines(days, week_teams(31))
    headers = [line for line in lines if line.startswith(" " * 14) and line.strip()]
    assert len(headers) == 2 * 5  # two teams, 31 days in blocks of 7
    assert headers[0].split()[:2] == ["Sun", "01"] and headers[4].split() == ["Sun", "29", "Mon", "30", "Tue", "31"]
    assert all(len(line) <= 80 for line in lines)
    wide = render_week_lines(days, week_teams(31), width=200)
    assert sum(1 for line in wide if line.startswith(" " * 24) and line.strip()) == 2 * 2


def test_overload_is_bold_red_on_a_color_terminal():
    console = Console(width=80, file=io.StringIO(), color_system="truecolor", force_terminal=True)
    segments = list(console.render(render_week(WEEK, week_teams(), width=80, title="w"), console.options))
    over = next(s for s in segments if "9/8!" in s.text)
    assert over.style is not None and over.style.bold and over.style.color.name == "red"
