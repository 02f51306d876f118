"""Checks of single values typed by users or read from import files: each returns the clean value
or raises ``InvalidInput`` naming the field and the value. Pure: no database."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from custsvc.domain.money import parse_money, parse_quantity
from custsvc.domain.timeparse import parse_date, zone
from custsvc.domain.warranty import parse_warranty
from custsvc.errors import CustSvcError, InvalidInput

KEY_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,63}")
TAG_PATTERN = re.compile(r"[a-z0-9][a-z0-9._/+-]{0,39}")
EMAIL_PATTERN = re.compile(r"[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+")
ROLES = ("technician", "dispatcher", "manager")


def check_key(value: Any, name: str) -> str:
    text = str(value).strip()
    if not KEY_PATTERN.fullmatch(text):
        raise InvalidInput(
            name, value, "use 1-64 letters, digits and . _ - : / @ + (starting with a letter or digit), no spaces"
        )
    return text


def check_tag(value: Any, name: str) -> str:
    text = str(value).strip().lower()
    if not TAG_PATTERN.fullmatch(text):
        raise InvalidInput(name, value, "use 1-40 lower-case letters, digits and . _ - / +, no spaces or commas")
    return text


#: what one line of text may not hold: C0 and C1 controls (newlines, tabs, ESC ...), DEL, the line and
#: paragraph separators, and the bidi controls that make text read in another order than it is stored
_NOT_IN_A_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def check_text(value: Any, name: str) -> str:
    text = str(value).strip()
    if len(text) > 500:
        raise InvalidInput(name, str(value)[:40] + "...", "at most 500 characters")
    if _NOT_IN_A_LINE.search(text):
        raise InvalidInput(name, value, "must be one line of text, without control characters")
    return text


def check_email(value: Any, name: str) -> str:
    text = str(value).strip()
    if not EMAIL_PATTERN.fullmatch(text):
        raise InvalidInput(name, value, "expected an e-mail address such as service@example.com")
    return text


def check_zone(value: Any, name: str) -> str:
    text = str(value).strip()
    zone(text, name)
    return text


def check_role(value: Any, name: str) -> str:
    text = str(value).strip().lower()
    if text not in ROLES:
        raise InvalidInput(name, value, "expected one of " + ", ".join(ROLES))
    return text


_YES = ("true", "yes", "y", "on", "1")
_NO = ("false", "no", "n", "off", "0")


def check_bool(value: Any, name: str) -> bool:
    """A yes/no field: true/false, yes/no, 1/0 (as text or as a JSON value)."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise InvalidInput(name, value, "expected yes or no (true/false, 1/0)")


def check_date(value: Any, name: str) -> date:
    """A day as ``YYYY-MM-DD`` (a date read back from the database stays as it is)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    return parse_date(str(value), name)


CHECKS: dict[str, Callable[[Any, str], Any]] = {
    "key": check_key,
    "ref": check_key,
    "tag": check_tag,
    "text": check_text,
    "email": check_email,
    "zone": check_zone,
    "role": check_role,
    "money": lambda v, n: parse_money(v, n),
    "qty": lambda v, n: parse_quantity(v, n),
    "bool": check_bool,
    "warranty": lambda v, n: parse_warranty(v, n),
    "date": check_date,
}


# --- a whole column at once (imports of many rows) ----------------------------------------------
#
# Each takes the texts of one field of many rows (never blank) and returns what the single check
# returns for each of them, or None when at least one would be refused: the caller then checks them
# one by one for the message. The common checks run as C-level loops over the column; the others
# run once per distinct value.


def _stripped(texts: list[str]) -> list[str]:
    return list(map(str.strip, texts))


def _matching(pattern: re.Pattern[str], texts: list[str]) -> list[str] | None:
    return texts if all(map(pattern.fullmatch, texts)) else None


def _keys(texts: list[str]) -> list[str] | None:
    return _matching(KEY_PATTERN, _stripped(texts))


def _tags(texts: list[str]) -> list[str] | None:
    return _matching(TAG_PATTERN, list(map(str.lower, _stripped(texts))))


def _emails(texts: list[str]) -> list[str] | None:
    return _matching(EMAIL_PATTERN, _stripped(texts))


def _texts(texts: list[str]) -> list[str] | None:
    lines = _stripped(texts)
    if max(map(len, lines), default=0) > 500 or any(map(_NOT_IN_A_LINE.search, lines)):
        return None
    return lines


def _roles(texts: list[str]) -> list[str] | None:
    roles = list(map(str.lower, _stripped(texts)))
    return roles if set(roles).issubset(ROLES) else None


_COLUMN_CHECKS: dict[str, Callable[[list[str]], list[Any] | None]] = {
    "key": _keys,
    "ref": _keys,
    "tag": _tags,
    "email": _emails,
    "text": _texts,
    "role": _roles,
}


def check_column(check: str, texts: list[str], name: str) -> list[Any] | None:
    """``CHECKS[check](text, name)`` of every text (all ``str``, none blank), or None when any is refused."""
    whole = _COLUMN_CHECKS.get(check)
    if whole is not None:
        return whole(texts)
    single = CHECKS[check]
    try:
        clean = {text: single(text, name) for text in set(texts)}
    except CustSvcError:
        return None
    return list(map(clean.__getitem__, texts))
