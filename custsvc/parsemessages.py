"""The command-line parser's messages as sentences about what the user typed:
``invalid --days '32': must be at most 31``, ``missing option '--name'``."""

from __future__ import annotations

import re
from typing import Any

#: the parser's own phrases, as sentences about what the user typed
_PHRASES = (
    (re.compile(r"Input should be less than or equal to (\S+)"), r"must be at most \1"),
    (re.compile(r"Input should be greater than or equal to (\S+)"), r"must be at least \1"),
    (re.compile(r"Input should be a valid integer.*"), "must be a whole number"),
    (re.compile(r"Input should be a valid number.*"), "must be a number"),
    (re.compile(r"Value error, '.*' is not one of (.*?)\.?$"), lambda m: "must be one of " + _listed(m.group(1))),
)


def _listed(choices: str) -> str:
    """``'a', 'b', 'c'`` as ``a, b or c``."""
    names = [c.strip().strip("'") for c in choices.split(",")]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def sentence(exc: Any, args: list[str]) -> str:
    """A parser error as one sentence about the input: ``invalid --days '32': must be at most 31``."""
    text = exc.format_message()
    param = getattr(exc, "param", None)
    match = re.fullmatch(r"Invalid value for (.+?): (.*)", text, flags=re.S)
    if match is None:
        return _lowered(text) + _given(exc, args)
    name = re.search(r"--?[\w-]+|[\w-]+", match.group(1)).group(0)  # type: ignore[union-attr]
    reason = re.sub(r"\s*\(got '.*'\)\s*$", "", match.group(2).strip(), flags=re.S)
    if param is None:  # raised by a callback, which names the value itself
        return f"invalid {name} {reason}" if reason.startswith("'") else f"invalid {name}: {reason}"
    for pattern, replacement in _PHRASES:
        reason = pattern.sub(replacement, reason)
    value = _given(exc, args)
    shown = value.removeprefix(" (got ").removesuffix(")") if value else ""
    return f"invalid {name} {shown}: {reason}" if shown else f"invalid {name}: {reason}"


def _lowered(text: str) -> str:
    """``Missing option '--name'.`` as ``missing option '--name'``: lower case, no full stop."""
    text = text.strip().removesuffix(".")
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _given(exc: Any, args: list[str]) -> str:
    """`` (got '0')``: the value a refused option or argument was given, read back from the command
    line (the parser's own message names only the option)."""
    ctx, param = getattr(exc, "ctx", None), getattr(exc, "param", None)
    if ctx is None or param is None or param.name is None:
        return ""
    path = ctx.command_path.split()[1:]
    at = 0
    for name in path:  # the leaf command's arguments follow its name, after the groups' names
        at = args.index(name, at) + 1 if name in args[at:] else at
    try:
        opts, _rest, _order = ctx.command.make_parser(ctx).parse_args(args[at:])
    except Exception:
        return ""
    value = opts.get(param.name)
    if value is None or value == []:
        return ""
    return f" (got {value if isinstance(value, str) else ', '.join(map(str, value))!r})"
