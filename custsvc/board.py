"""The dispatch board: one day of technicians' orders as a Gantt chart in the terminal
(:func:`render_board`), or several days as columns of each technician's load (:func:`render_week`).

Pure: it gets its data as plain dataclasses and gives back a Rich renderable; it reads no clock
and no database.  The caller decides the visible range of the day (``07:00-18:00`` local, say) and
calls :func:`render_board` once per day.

Layout, for a console ``width`` columns wide::

    Dispatch board Tue 2026-03-10
    ── north ───────────────────────────────────────
    EET           07    08    09    10    11    12
    T-01 Anna Be… ░░░░░░SO-000123 C-10…!000124██      5

* The lane names sit in a left column of :func:`name_width` characters (14 at 80 columns, wider
  when there is room); the rest of the line is the time area, from ``day_start`` to ``day_end``.
* The axis line shows local hours at their columns, every 2nd, 3rd ... hour when they would crowd,
  and a ``·`` at the half hours when there is room.
* A bar covers the cells of ``[start, end)``, at least one cell, colored by priority, with its
  label inside (cut to fit; a short bar shows the tail of the order number).  Cells of a bar that
  the label does not use hold a block in the bar's own color, so the bar's length shows in plain
  text too.  A bar whose SLA is at risk starts with a bold ``!``, one that ends after its order's
  SLA resolution deadline ends in a bold ``»``.  Without color (``NO_COLOR``, no terminal) every bar
  starts with its priority's letter (``H``, ``N``, ``L``): priorities show and touching bars part.
* Closed time and absences are shaded where no bar is.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.text import Text

#: background and foreground of a bar, by priority (an unknown priority is drawn as normal)
PRIORITY_COLORS = {"high": ("red", "white"), "normal": ("yellow", "black"), "low": ("green", "black")}
#: the character and style of shaded time, by kind
SHADES: dict[str, tuple[str, str]] = {"closed": ("░", "dim"), "absence": ("▒", "dim")}
#: starts every bar on a board drawn without color, by priority
PRIORITY_LETTERS: dict[str, str] = {"high": "H", "normal": "N", "low": "L"}
#: fills the cells of a bar that its label leaves free
BAR_FILL = "█"
AT_RISK_MARK = "!"
#: the last cell of a bar that ends after its order's SLA resolution deadline
LATE_MARK = "»"
#: follows a day's load in the week view when more is booked than the technician has hours for
OVER_MARK = "!"
#: the narrowest day column of the week view
WEEK_COLUMN = 9
ELLIPSIS = "…"
#: the narrowest board drawn
MIN_WIDTH = 20
#: hour steps tried for the axis labels, smallest first
LABEL_STEPS = (1, 2, 3, 4, 6, 12, 24)


@dataclass
class Bar:
    """One order on a technician's lane, from ``start`` to ``end`` (aware times)."""

    start: datetime
    end: datetime
    label: str  # order number first, then whatever helps: "SO-000123 C-1001"
    priority: str  # "high", "normal" or "low"
    at_risk: bool = False  # the order's SLA is at risk or already breached
    late: bool = False  # the visit ends after the order's SLA resolution deadline


@dataclass
class Load:
    """One technician's day in the week view, in hours; ``absent``: an absence takes all their working time."""

    booked: float
    available: float
    absent: bool = False


@dataclass
class Lane:
    """One technician's row: the bars, and the time they cannot work (``kind`` "closed" or "absence")."""

    name: str
    bars: list[Bar] = field(default_factory=list)
    shaded: list[tuple[datetime, datetime, str]] = field(default_factory=list)
    loads: list[Load] = field(default_factory=list)  # the week view: one per day shown


@dataclass
class TeamBlock:
    """A team and its technicians' lanes, drawn under one header and time axis."""

    name: str
    lanes: list[Lane] = field(default_factory=list)


# --- geometry ---------------------------------------------------------------------------------


def name_width(width: int) -> int:
    """How many columns the lane names get: 14 at 80 columns, one more per 10 columns, at most 24.

    Below 80 columns the names give way to the time area, down to a quarter of the width."""
    if width >= 80:
        return min(24, 14 + (width - 80) // 10)
    return max(5, min(14, width // 4))


def axis_positions(day_start: datetime, day_end: datetime, cells: int) -> Callable[[datetime], int]:
    """A function from a time to its cell in a time area of ``cells`` cells.

    ``day_start`` is cell 0 and ``day_end`` is ``cells`` (just past the last cell); each cell
    covers an equal share of the range.  A time maps to the nearest cell boundary, and times
    outside the range are held to its ends."""
    if day_end <= day_start:
        raise ValueError("the day must end after it starts")
    if cells < 1:
        raise ValueError("the time area needs at least one cell")
    span = (day_end - day_start).total_seconds()

    def position(moment: datetime) -> int:
        share = (moment - day_start).total_seconds() / span
        return min(cells, max(0, math.floor(share * cells + 0.5)))

    return position


def hour_marks(day_start: datetime, day_end: datetime, tz: tzinfo) -> list[datetime]:
    """The full local hours from ``day_start`` (inclusive) to ``day_end`` (exclusive), as aware times in ``tz``."""
    return _clock_marks(day_start, day_end, tz, 0)


def _clock_marks(day_start: datetime, day_end: datetime, tz: tzinfo, minute: int) -> list[datetime]:
    """The times in ``[day_start, day_end)`` when the clock in ``tz`` shows ``minute`` past an hour."""
    floor = day_start.astimezone(tz).replace(minute=0, second=0, microsecond=0)
    moment = floor.astimezone(UTC) + timedelta(minutes=minute)
    marks: list[datetime] = []
    # Step in real hours (UTC) so a daylight-saving change neither skips nor repeats a mark.
    while moment < day_end:
        shown = moment.astimezone(tz)
        if moment >= day_start and shown.minute == minute and shown.second == 0:
            marks.append(shown)
        moment += timedelta(hours=1)
    return marks


def _label_step(hours: float, cells: int) -> int:
    """The smallest hour step whose two-digit labels leave at least one blank between them."""
    per_hour = cells / hours
    for step in LABEL_STEPS:
        if per_hour * step >= 3:
            return step
    return LABEL_STEPS[-1]


def bar_text(label: str, cells: int, at_risk: bool = False, lead: str = "") -> str:
    """What a bar of ``cells`` cells shows: the label if it fits, else its start and an ellipsis.

    When even the order number (the label's first word) does not fit, the tail of the number after
    its prefix is shown (``SO-000123`` in 4 cells is ``0123``): the end of a number tells orders
    apart better than its start.  ``lead`` (a priority letter) takes the first cells, then an
    at-risk bar's ``!``.  The result may be shorter than the bar; it is never longer."""
    mark = lead + (AT_RISK_MARK if at_risk else "")
    room = cells - len(mark)
    if room <= 0:
        return mark[:cells]
    number = (label.split() or [""])[0]
    if len(label) <= room:
        text = label
    elif len(number) < room:
        text = label[: room - 1].rstrip() + ELLIPSIS
    elif len(number) == room:
        text = number
    else:
        digits = number.rsplit("-", 1)[-1]  # "SO-000123" -> "000123"
        text = digits[max(0, len(digits) - room) :]
    return mark + text


# --- drawing ----------------------------------------------------------------------------------


@dataclass
class _Cell:
    char: str = " "
    style: str = ""


def _runs(cells: Sequence[_Cell]) -> list[tuple[str, str]]:
    """Neighboring cells of one style joined into (text, style) pieces."""
    runs: list[tuple[str, str]] = []
    for cell in cells:
        if runs and runs[-1][1] == cell.style:
            runs[-1] = (runs[-1][0] + cell.char, cell.style)
        else:
            runs.append((cell.char, cell.style))
    return runs


def _fit(text: str, width: int) -> str:
    """``text`` left-aligned in ``width`` columns, cut with an ellipsis when too long."""
    if len(text) > width:
        text = text[: max(0, width - 1)] + ELLIPSIS
    return text.ljust(width)


def _line(*pieces: tuple[str, str]) -> Text:
    from rich.text import Text

    line = Text.assemble(*((text, style or None) for text, style in pieces), no_wrap=True, overflow="crop", end="\n")
    line.rstrip()
    return line


def _shade(
    row: list[_Cell], lane: Lane, day_start: datetime, day_end: datetime, position: Callable[[datetime], int]
) -> None:
    """Fill the cells of the lane's closed, absent and other shaded times that fall in the day.

    Closed time is drawn first and absences over it, so the more specific kind shows."""
    order = {"closed": 0, "absence": 1}
    for start, end, kind in sorted(lane.shaded, key=lambda s: order.get(s[2], 2)):
        if end <= day_start or start >= day_end:
            continue
        char, style = SHADES.get(kind, SHADES["closed"])
        for i in range(position(start), position(end)):
            row[i] = _Cell(char, style)


def _bar_cells(
    lane: Lane, day_start: datetime, day_end: datetime, cells: int, position: Callable[[datetime], int]
) -> list[tuple[Bar, int, int]]:
    """The lane's bars that show in the day, each with its first cell and the cell after its last.

    Bars come by start; of two with the same start the longer comes first, so the shorter shows
    inside it.  A bar starting in the same cell as an earlier one moves on a cell, so both starts show."""
    placed: list[tuple[Bar, int, int]] = []
    taken: set[int] = set()
    for bar in sorted(lane.bars, key=lambda b: (b.start, b.start - b.end)):
        if bar.start >= day_end or bar.end < day_start or (bar.end == day_start and bar.start < bar.end):
            continue
        first = min(position(bar.start), cells - 1)
        while first in taken and first + 1 < cells:
            first += 1
        taken.add(first)
        placed.append((bar, first, max(position(bar.end), first + 1)))
    return placed


def _bar_chars(bar: Bar, cells: int, color: bool) -> tuple[str, int]:
    """The characters of the first ``cells`` cells of a bar (label, fill, a late bar's ``»`` last),
    and how many of them at the start are marks (drawn bold)."""
    lead = "" if color else PRIORITY_LETTERS.get(bar.priority, PRIORITY_LETTERS["normal"])
    late = bar.late and cells > len(lead) + bar.at_risk
    text = bar_text(bar.label, cells - late, bar.at_risk, lead)
    marks = min(len(text), len(lead) + bar.at_risk)
    return text.ljust(cells - late, BAR_FILL) + (LATE_MARK if late else ""), marks


def _draw_bars(row: list[_Cell], placed: list[tuple[Bar, int, int]], color: bool = True) -> None:
    """Draw the placed bars over the row in order: the label first, then fill to the bar's end.

    The label gets the cells up to the next bar's start; a later bar draws over the rest, and what
    shows again after it is fill, not the middle of this bar's label."""
    for index, (bar, first, last) in enumerate(placed):
        free = min([last, *(later for _bar, later, _last in placed[index + 1 :] if later > first)])
        chars, marks = _bar_chars(bar, free - first, color)
        back, fore = PRIORITY_COLORS.get(bar.priority, PRIORITY_COLORS["normal"])
        for offset, i in enumerate(range(first, last)):
            char = chars[offset] if offset < len(chars) else BAR_FILL
            bold = "bold " if offset < marks or char == LATE_MARK else ""
            row[i] = _Cell(char, f"{back} on {back}" if char == BAR_FILL else f"{bold}{fore} on {back}")


def _axis(day_start: datetime, day_end: datetime, tz: tzinfo, cells: int, position: Callable[[datetime], int]) -> str:
    """The hour labels of the time area, each starting at its hour's cell.

    With room to spare (8 cells an hour or more) the half hours get a ``·``."""
    hours = (day_end - day_start).total_seconds() / 3600
    step = _label_step(hours, cells)
    marks = hour_marks(day_start, day_end, tz)
    axis = [" "] * cells
    if cells / hours >= 8:
        for moment in _clock_marks(day_start, day_end, tz, 30):
            axis[min(position(moment), cells - 1)] = "·"
    free_from = 0
    for mark in marks:
        at = position(mark)
        label = f"{mark.hour:02d}"
        if mark.hour % step == 0 and at >= free_from and at + len(label) <= cells:
            axis[at : at + len(label)] = list(label)
            free_from = at + len(label) + 1
    return "".join(axis)


def _legend(width: int, color: bool = True) -> Text:
    pieces: list[tuple[str, str]] = []
    for priority, (back, _fore) in PRIORITY_COLORS.items():
        swatch = (BAR_FILL, f"{back} on {back}") if color else (PRIORITY_LETTERS[priority], "bold")
        pieces += [swatch, (f" {priority}  ", "")]
    pieces += [(AT_RISK_MARK, "bold"), (" SLA at risk  ", ""), (LATE_MARK, "bold"), (" past SLA due  ", "")]
    for kind, (char, style) in SHADES.items():
        pieces += [(char, style), (f" {kind}  ", "")]
    line = _line(*pieces)
    line.truncate(width)
    return line


def render_board(
    day_start: datetime,
    day_end: datetime,
    teams: Sequence[TeamBlock],
    *,
    width: int,
    tz: tzinfo,
    title: str | None = None,
    color: bool = True,
) -> RenderableType:
    """One day of the dispatch board, ``width`` columns wide, hours shown in ``tz``.

    Draws the title (by default "Dispatch board" and the local date), then per team a header, a
    time axis and a row per lane, and a legend at the end.  Everything is clipped to
    ``[day_start, day_end)``.  Needs at least :data:`MIN_WIDTH` columns.  ``color=False``: drawn
    for a screen without colors (priority letters start the bars)."""
    from rich.console import Group

    if width < MIN_WIDTH:
        raise ValueError(f"the board needs at least {MIN_WIDTH} columns, got {width}")
    names = name_width(width)
    cells = width - names
    position = axis_positions(day_start, day_end, cells)
    local_start = day_start.astimezone(tz)
    title = f"Dispatch board {local_start:%a %Y-%m-%d}" if title is None else title
    lines: list[Text] = [_line((_fit(title, width).rstrip(), "bold"))]
    axis = _axis(day_start, day_end, tz, cells, position)
    zone = _fit(local_start.tzname() or "", names - 1) + " "
    for team in teams:
        lines.append(_team_head(team.name, width))
        lines.append(_line((zone, "dim"), (axis.rstrip(), "")))
        if not team.lanes:
            lines.append(_line(("no technicians", "dim")))
        for lane in team.lanes:  # the time area of a lane: shading first, then the bars in order of start
            row = [_Cell() for _ in range(cells)]
            _shade(row, lane, day_start, day_end, position)
            _draw_bars(row, _bar_cells(lane, day_start, day_end, cells, position), color)
            lines.append(_line((_fit(lane.name, names - 1) + " ", ""), *_runs(row)))
    lines.append(_legend(width, color))
    return Group(*lines)


def _team_head(name: str, width: int) -> Text:
    head = f"── {name}"
    head = (_fit(head, width - 2) if len(head) > width - 2 else head) + " "
    return _line((head + "─" * (width - len(head)), "bold"))


# --- the week view ----------------------------------------------------------------------------


def load_text(load: Load) -> str:
    """A day's load: ``5.5/8`` (hours booked / available), ``9/8!`` when over, ``absent``, or ``-``
    for a day without working time and nothing booked."""
    if not load.booked and not load.available:
        return "absent" if load.absent else "-"
    booked, available = (f"{hours:.1f}".removesuffix(".0") for hours in (load.booked, load.available))
    return f"{booked}/{available}" + (OVER_MARK if load.booked > load.available else "")


def render_week(days: Sequence[date], teams: Sequence[TeamBlock], *, width: int, title: str) -> RenderableType:
    """Several days as columns, ``width`` columns wide: per team a row per lane with its ``loads`` (one
    per day), and a legend.  Days that do not fit side by side go on in a further block of columns."""
    from rich.console import Group

    names = name_width(width)
    per_block = max(1, (width - names) // WEEK_COLUMN)
    column = min(12, (width - names) // max(1, min(len(days), per_block)))
    label = "%a %m-%d" if column >= 10 else "%a %d"
    lines: list[Text] = [_line((_fit(title, width).rstrip(), "bold"))]
    for team in teams:
        lines.append(_team_head(team.name, width))
        for at in range(0, len(days), per_block):
            shown = range(at, min(len(days), at + per_block))
            lines.append(_line((" " * names, ""), *((f"{days[i]:{label}}".rjust(column), "bold") for i in shown)))
            if not team.lanes:
                lines.append(_line(("no technicians", "dim")))
            for lane in team.lanes:
                loads = [lane.loads[i] for i in shown]
                styles = ["bold red" if x.booked > x.available else "" if x.booked else "dim" for x in loads]
                cells = [(load_text(x).rjust(column), style) for x, style in zip(loads, styles, strict=True)]
                lines.append(_line((_fit(lane.name, names - 1) + " ", ""), *cells))
    legend = f"hours booked/available  {OVER_MARK} over the hours available  - no working time"
    lines.append(_line((_fit(legend, width).rstrip(), "")))
    return Group(*lines)
