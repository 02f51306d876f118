"""How help pages read: a flag shows no value type, and a docstring's paragraphs flow (Typer would
keep each source line break). Imported by ``custsvc.cli``; patches Typer's help rendering once."""

from __future__ import annotations

import inspect
from typing import Any

from typer.core import TyperCommand, TyperGroup, TyperOption

_type_shown = TyperOption.display_type_rich


def _flag_shows_no_type(self: TyperOption, ctx: Any) -> str | None:
    """Help lists the value an option takes (``<str>``, ``<hour|expense|item|fee>``); a flag takes none,
    so it shows none (Typer would show ``<bool>``)."""
    return None if self.is_flag else _type_shown(self, ctx)


TyperOption.display_type_rich = _flag_shows_no_type  # type: ignore[method-assign]


def _unwrapped(text: str) -> str:
    """A docstring's paragraphs as flowing text (Typer would keep each source line break); a line
    starting with ``Example:`` still starts a line of its own."""
    paragraphs = inspect.cleandoc(text).split("\n\n")
    out = []
    for paragraph in paragraphs:
        lines = paragraph.split("\n")
        joined = lines[0]
        for line in lines[1:]:
            joined += ("\n" if line.startswith("Example:") else " ") + line.strip()
        out.append(joined)
    return "\n\n".join(out)


def _flowing_help(original: Any) -> Any:
    def format_help(self: Any, ctx: Any, formatter: Any) -> None:
        # the command's own help, and (a group) the first paragraph each of its commands lists with
        for command in [self, *getattr(self, "commands", {}).values()]:
            if command.help:
                command.help = _unwrapped(command.help)
        original(self, ctx, formatter)

    return format_help


TyperCommand.format_help = _flowing_help(TyperCommand.format_help)  # type: ignore[method-assign]
TyperGroup.format_help = _flowing_help(TyperGroup.format_help)  # type: ignore[method-assign]
