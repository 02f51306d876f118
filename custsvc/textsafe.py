"""Text from users, files and the database, made safe to show: control characters never reach the
terminal raw (an ``ESC ]0;...`` in a customer's name would retitle the window or worse), passwords in
URLs are never printed, and CSV cells cannot become spreadsheet formulas.

Pure and light: ``custsvc --help`` may import it.
"""

from __future__ import annotations

import re

#: C0 and C1 controls, DEL, line and paragraph separators, and the bidi overrides and isolates that
#: reorder text (the plain direction marks stay: they are part of right-to-left writing)
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_JSON_RAW = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
#: ``scheme://user:password@`` in a URL: the password is never printed
_SECRET = re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@'\"]*:)[^\s@'\"]*@")
#: what makes a spreadsheet read a cell as a formula (OWASP: CSV injection)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


def _escaped(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """``text`` with every control character written out (``\\x1b``, ``\\u202e``): safe for a terminal,
    and always one line."""
    return _CONTROL.sub(lambda m: _escaped(m.group()), text)


def json_safe(text: str) -> str:
    """JSON text with the controls JSON leaves raw (C1, separators, bidi) escaped as ``\\uXXXX``: still
    the same JSON value."""
    return re.sub(
        "[\x7f-\x9f\u2028\u2029\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]",
        lambda m: f"\\u{ord(m.group()):04x}",
        text,
    )


def mask_secrets(text: str) -> str:
    """``text`` with the password of every URL in it replaced by ``***``."""
    return _SECRET.sub(r"\1***@", text)


def csv_cell(text: str) -> str:
    """A CSV cell a spreadsheet cannot run: one that starts like a formula gets a leading ``'``
    (numbers such as ``-12.50`` stay numbers)."""
    if text.startswith(_FORMULA_START) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_unquote(text: str) -> str:
    """Reading back what ``csv_cell`` wrote: ``'=1+2`` is the text ``=1+2``."""
    if text.startswith("'") and text[1:].startswith(_FORMULA_START) and not _NUMBER.fullmatch(text[1:]):
        return text[1:]
    return text
