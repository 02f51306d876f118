"""The small exception hierarchy of custsvc.

Every class carries the process exit code it maps to; ``cli.py`` turns them into
one ``error: ...`` line on stderr.  Exit codes:

0 success, 1 domain error, 2 usage error, 3 conflict, 4 batch with rejected items.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_DOMAIN = 1
EXIT_USAGE = 2
EXIT_CONFLICT = 3
EXIT_PARTIAL = 4


class CustSvcError(Exception):
    """Base of every error custsvc reports to the user."""

    exit_code = EXIT_DOMAIN

    def __init__(self, message: str, *, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        #: further lines (one problem each), printed after the first
        self.details = details or []


class NotFound(CustSvcError):
    """A record the command names does not exist."""

    def __init__(self, kind: str, key: object, note: str | None = None) -> None:
        super().__init__(f"no {kind} {str(key)!r}" + (f" ({note})" if note else ""))
        self.kind = kind
        self.key = key


class InvalidInput(CustSvcError):
    """A value is malformed or out of range.  Names the field and the value."""

    def __init__(self, field: str, value: object, reason: str) -> None:
        shown = value if isinstance(value, str) else str(value)
        super().__init__(f"invalid {field} {shown!r}: {reason}")
        self.field = field
        self.value = value
        self.reason = reason


class BadUsage(InvalidInput):
    """A value the command line itself gets wrong (a filter that is not one of its words, options
    that exclude each other): exit 2, naming the field and the value."""

    exit_code = EXIT_USAGE


class OutOfRange(BadUsage):
    """A value outside what custsvc accepts at all (a date in the year 9999, a duration of millions of
    days): a usage error, refused before anything looks at it."""


class BadChoice(BadUsage):
    """A filter or option value that is not one of the allowed words (``--status dormant``): a usage
    error, naming the words it may be."""

    def __init__(self, field: str, value: object, allowed: tuple[str, ...] | list[str]) -> None:
        words = [str(a) for a in allowed]
        listed = ", ".join(words[:-1]) + (f" or {words[-1]}" if len(words) > 1 else words[0] if words else "")
        super().__init__(field, value, f"expected {listed}")


def choice(value: str, allowed: tuple[str, ...] | list[str], field: str) -> str:
    """``value`` (lower case) when it is one of ``allowed``, else ``BadChoice``."""
    word = value.strip().lower()
    if word not in allowed:
        raise BadChoice(field, value, allowed)
    return word


class RuleViolation(CustSvcError):
    """A business rule refused the change.  ``rule`` names the rule."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(f"{message} (rule: {rule})")
        self.rule = rule


class Problems(CustSvcError):
    """Several problems found by a validation pass (e.g. an import)."""

    def __init__(
        self, summary: str, problems: list[str], exit_code: int = EXIT_DOMAIN, *, one: str | None = None
    ) -> None:
        # one problem is one line: ``one`` says it (e.g. "...; nothing was imported"), else the summary
        # line is followed by a line per problem
        if len(problems) == 1 and one is not None:
            super().__init__(one)
        else:
            super().__init__(summary, details=problems)
        self.problems = problems
        self.exit_code = exit_code


class Conflict(CustSvcError):
    """A concurrent change, a lock, or a duplicate key."""

    exit_code = EXIT_CONFLICT


class Duplicate(Conflict):
    def __init__(self, kind: str, key: object, note: str | None = None) -> None:
        super().__init__(f"{kind} {str(key)!r} " + (note or "already exists"))
        self.kind = kind
        self.key = key


class Usage(CustSvcError):
    """The command line itself is wrong in a way the parser cannot see."""

    exit_code = EXIT_USAGE


class NoDatabase(CustSvcError):
    """``--db`` names no custsvc database (a missing file, an empty database): it is never created by
    accident."""

    def __init__(self, where: str) -> None:
        super().__init__(f"no database at {where} (create it with custsvc db init)")


class SchemaOutOfDate(CustSvcError):
    """The database schema is older (or newer) than this version of custsvc."""
