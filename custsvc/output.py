"""The one place that renders data: Rich tables, JSON, CSV, Markdown and plain text.

Data goes to stdout, messages to stderr.  Services hand over plain dicts with Python values
(``Decimal``, aware ``datetime``, ``date``, lists); this module turns them into text:

* JSON: decimals as strings with their places (``"12.50"``), times ISO 8601 with offset in the
  shop's zone, lists as arrays, missing values as ``null``.
* CSV: the same fields and order as JSON; lists joined with ``,``; missing values empty.
* table / plain / markdown: a chosen subset of columns, times as ``YYYY-MM-DD HH:MM`` local.

Consoles are built on each call, so test runners that swap ``sys.stdout`` see the output.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from custsvc import state
from custsvc.dataout import write_csv, write_json
from custsvc.textsafe import visible
from custsvc.values import (
    STYLED_KEYS,
    VALUE_STYLES,
    _is_numeric,
    counted,
    csv_value,
    dumps,
    json_value,
    text_value,
)

FORMATS = ("table", "json", "csv", "markdown", "plain")
#: the rendering API; value conversion lives in custsvc.values and is re-exported here
__all__ = [
    "FORMATS", "STYLED_KEYS", "VALUE_STYLES", "busy", "console", "counted", "csv_value", "dumps", "echo", "emit_json",
    "emit_record", "emit_rows", "json_value", "message", "resolve_format", "stderr_console", "text_value", "warn",
]  # fmt: skip


def resolve_format(fmt: str | None = None) -> str:
    """The command's ``--format``, else the global one (``CUSTSVC_FORMAT``), else by terminal."""
    chosen = fmt or state.current().fmt
    if chosen:
        return str(getattr(chosen, "value", chosen)).lower()
    return "table" if sys.stdout.isatty() else "plain"


# --- consoles ---------------------------------------------------------------------------------


def console(stderr: bool = False) -> Any:
    from rich.console import Console

    width = None
    if not (sys.stderr if stderr else sys.stdout).isatty():
        width = int(os.environ.get("COLUMNS", "0") or 0) or 100
    return Console(
        file=sys.stderr if stderr else sys.stdout,
        stderr=stderr,
        width=width,
        no_color=bool(os.environ.get("NO_COLOR")) or None,
        highlight=False,
        soft_wrap=False,
    )


def stderr_console() -> Any:
    return console(stderr=True)


def message(text: str, *, style: str | None = None, force: bool = False) -> None:
    """A note for the person at the terminal, on stderr (silent with ``--quiet``)."""
    if state.current().quiet and not force:
        return
    if sys.stderr.isatty() and style:
        from rich.text import Text

        stderr_console().print(Text(_lines(text), style=style))
    else:
        print(_lines(text), file=sys.stderr)


def busy(text: str) -> Any:
    """A spinner on stderr while something slow runs (only on a terminal, and not with --quiet)."""
    from contextlib import nullcontext

    if state.current().quiet or not sys.stderr.isatty():
        return nullcontext()
    return stderr_console().status(text, spinner="dots")


def warn(text: str) -> None:
    message(f"warning: {text}", style="yellow", force=True)


def _lines(text: str) -> str:
    return "\n".join(visible(line) for line in text.split("\n"))


def echo(text: str = "") -> None:
    """Lines of text on stdout, control characters written out (JSON and CSV bypass this)."""
    print(_lines(text), file=sys.stdout)


def _data(text: str) -> None:
    """Machine-readable output (JSON, CSV) as it is."""
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


# --- lists ------------------------------------------------------------------------------------


def _headers(columns: Sequence[str], headers: Mapping[str, str] | None) -> list[str]:
    headers = headers or {}
    return [headers.get(c, c.replace("_", " ")) for c in columns]


def _pick_columns(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None) -> list[str]:
    if columns:
        return list(columns)
    return list(rows[0].keys()) if rows else []


def emit_rows(
    rows: Iterable[Mapping[str, Any]],
    *,
    fmt: str | None = None,
    columns: Sequence[str] | None = None,
    headers: Mapping[str, str] | None = None,
    title: str | None = None,
    empty: str | None = None,
    cell: Callable[[str, Mapping[str, Any]], Any] | None = None,
    fields: Sequence[str] | None = None,
    drop: Sequence[str] = (),
) -> None:
    """Print rows.  ``columns`` picks what table / plain / markdown show; json and csv show every field.

    ``fields``: every field of the records, for the header of an empty CSV (default: ``columns``).
    ``drop``: the columns a narrow terminal leaves out first, in this order (then the last ones)."""
    kind = resolve_format(fmt)
    if kind == "json":
        write_json(rows)
        return
    if kind == "csv":
        write_csv(rows, fields or columns or [])
        return
    rows = rows if isinstance(rows, Sequence) else list(rows)
    if not rows:
        if empty:
            message(empty)
        return
    shown = _pick_columns(rows, columns)
    if kind == "table":
        _rich_table(rows, shown, headers, title, cell, drop)
        return
    table = [[text_value(r.get(c)) for c in shown] for r in rows]
    _tabulate(table, _headers(shown, headers), kind, rows, shown, title)


def _tabulate(
    table: list[list[str]],
    headers: list[str],
    kind: str,
    rows: Sequence[Mapping[str, Any]],
    shown: Sequence[str],
    title: str | None,
) -> None:
    from tabulate import tabulate

    align = ["right" if _is_numeric(r.get(c) for r in rows) else "left" for c in shown]
    tablefmt = "github" if kind == "markdown" else "plain"
    if kind == "markdown":  # a | in a value would end the cell
        table = [[cell.replace("|", "\\|") for cell in row] for row in table]
    if title and kind == "markdown":
        echo(f"### {title}\n")
    # preserve_whitespace keeps the indentation of trees
    text = tabulate(
        table, headers=headers, tablefmt=tablefmt, colalign=align, disable_numparse=True, preserve_whitespace=True
    )
    echo(text)


def _width(rows: Sequence[Mapping[str, Any]], column: str, header: str) -> int:
    """How wide a column wants to be at least: its header and short values (keys, dates and times to
    the minute, amounts) whole."""
    return min(max(len(header), max((len(text_value(r.get(column))) for r in rows), default=0)), 16)


def _fitting(
    rows: Sequence[Mapping[str, Any]],
    shown: list[str],
    headers: Mapping[str, str] | None,
    width: int,
    drop: Sequence[str],
) -> list[str]:
    """The columns a terminal of ``width`` has room for: those in ``drop`` go first (in its order),
    then the last ones; what is left out is named on stderr."""
    order = [c for c in drop if c in shown] + [c for c in reversed(shown) if c not in drop]
    kept = list(shown)
    for column in order:
        names = _headers(kept, headers)
        if (
            len(kept) <= 3
            or sum(_width(rows, c, h) for c, h in zip(kept, names, strict=True)) + 3 * len(kept) - 1 <= width
        ):
            break
        kept.remove(column)
    left_out = [h for c, h in zip(shown, _headers(shown, headers), strict=True) if c not in kept]
    note = f"(left out at {width} columns: {', '.join(left_out)}; see them all with --format plain or json)"
    if left_out and note not in state.current().said:
        state.current().said.add(note)
        message(note)
    return kept


def _shares(rows: Sequence[Mapping[str, Any]], shown: Sequence[str], names: Sequence[str], width: int) -> list[int]:
    """Each column's width on a terminal of ``width``: what its values need, the widest cut first
    (never below what ``_width`` keeps whole) until the table fits; a cut value ends in an ellipsis."""
    wanted = [
        max(len(h), max((len(text_value(r.get(c))) for r in rows), default=0))
        for c, h in zip(shown, names, strict=True)
    ]
    floor = [_width(rows, c, h) for c, h in zip(shown, names, strict=True)]
    room = width - 3 * len(shown) + 1  # a space either side of a value, one between columns
    while sum(wanted) > room:
        widest = max(range(len(wanted)), key=lambda i: wanted[i] - floor[i])
        if wanted[widest] <= floor[widest]:
            break
        wanted[widest] -= 1
    return wanted


def _drawn(
    rows: Sequence[Mapping[str, Any]], shown: Sequence[str], cell: Callable[[str, Mapping[str, Any]], Any] | None
) -> tuple[list[dict[str, Any]], list[Mapping[str, Any]]]:
    """The cells ``cell`` draws itself (a bar ...) per row, and the rows as wide as they are drawn: such a
    column needs the room of what it draws, not of its value."""
    from rich.text import Text

    customs = [{c: cell(c, row) for c in shown} if cell else {} for row in rows]
    measured = [
        {**row, **{c: v.plain if isinstance(v, Text) else str(v) for c, v in custom.items() if v is not None}}
        for row, custom in zip(rows, customs, strict=True)
    ]
    return customs, measured


def _rich_table(
    rows: Sequence[Mapping[str, Any]],
    shown: Sequence[str],
    headers: Mapping[str, str] | None,
    title: str | None,
    cell: Callable[[str, Mapping[str, Any]], Any] | None,
    drop: Sequence[str] = (),
) -> None:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    screen = console()
    customs, measured = _drawn(rows, shown, cell)
    shown = _fitting(measured, list(shown), headers, screen.width, drop)
    names = _headers(shown, headers)
    widths = _shares(measured, shown, names, screen.width)
    table = Table(title=title, box=box.SIMPLE_HEAD, header_style="bold", title_justify="left", show_edge=False)
    for column, header, most in zip(shown, names, widths, strict=True):
        numeric = _is_numeric(r.get(column) for r in rows)
        # one line per row: a long value ends in an ellipsis, a word is never broken
        table.add_column(
            header,
            justify="right" if numeric else "left",
            no_wrap=True,
            overflow="ellipsis",
            min_width=min(_width(rows, column, header), most),
            max_width=most,
        )
    for row, drawn in zip(rows, customs, strict=True):
        cells = []
        for column in shown:
            custom = drawn.get(column)
            if custom is not None:
                cells.append(custom)
                continue
            value = row.get(column)
            text = text_value(value)
            style = VALUE_STYLES.get(text) if column in STYLED_KEYS else None
            cells.append(Text(text, style=style or ""))
        table.add_row(*cells)
    screen.print(table)


# --- single records ---------------------------------------------------------------------------


def emit_record(
    record: Mapping[str, Any],
    *,
    fmt: str | None = None,
    title: str | None = None,
    hide: Sequence[str] = (),
    sections: Mapping[str, tuple[Sequence[Mapping[str, Any]], Sequence[str] | None]] | None = None,
) -> None:
    """Print one record (``show`` / ``add``).  JSON prints one object; nested lists become sections."""
    kind = resolve_format(fmt)
    if kind == "json":
        _data(dumps(dict(record)))
        return
    flat = {k: v for k, v in record.items() if k not in hide and not _is_section(v)}
    if kind == "csv":
        write_csv([flat], list(flat.keys()))
        return
    pairs = [(k.replace("_", " "), v) for k, v in flat.items()]
    if kind == "table":
        _record_table(pairs, list(flat.keys()), title)
    else:
        _record_text(pairs, kind, title)
    _emit_sections(sections or {}, kind)


def _record_table(pairs: Sequence[tuple[str, Any]], keys: Sequence[str], title: str | None) -> None:
    """Print a record's fields as a two-column rich table (field, value), styling status-like values."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title, box=box.SIMPLE, show_header=False, title_justify="left")
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    for (name, value), key in zip(pairs, keys, strict=True):
        text = text_value(value)
        style = VALUE_STYLES.get(text) if key in STYLED_KEYS else None
        table.add_row(name, Text(text, style=style or ""))
    console().print(table)


def _record_text(pairs: Sequence[tuple[str, Any]], kind: str, title: str | None) -> None:
    """Print a record's fields as plain text or, for markdown, as a titled field/value table."""
    from tabulate import tabulate

    if title and kind == "markdown":
        echo(f"### {title}\n")
    tablefmt = "github" if kind == "markdown" else "plain"
    headers = ["field", "value"] if kind == "markdown" else ()
    cells = [[n, text_value(v)] for n, v in pairs]
    if kind == "markdown":  # a | in a value would end the cell
        cells = [[n, v.replace("|", "\\|")] for n, v in cells]
    echo(tabulate(cells, headers=headers, tablefmt=tablefmt, disable_numparse=True))


def _emit_sections(sections: Mapping[str, tuple[Sequence[Mapping[str, Any]], Sequence[str] | None]], kind: str) -> None:
    """Print a record's nested lists after it, one block per section, each under its name."""
    for name, (rows, columns) in sections.items():
        echo()
        if kind != "table" and kind != "markdown":
            echo(f"{name}:")
        emit_rows(rows, fmt=kind, columns=columns, title=name if kind in ("table", "markdown") else None, empty=None)


def _is_section(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and isinstance(value[0], Mapping)


def emit_json(value: Any) -> None:
    _data(dumps(value))
