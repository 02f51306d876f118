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


class RuleViolation(CustSvcError):
    """A business rule refused the change.  ``rule`` names the rule."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(f"{message} (rule: {rule})")
        self.rule = rule


class Problems(CustSvcError):
    """Several problems found by a validation pass (e.g. an import)."""

    def __init__(self, summary: str, problems: list[str], exit_code: int = EXIT_DOMAIN) -> None:
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


class SchemaOutOfDate(CustSvcError):
    """The database schema is older (or newer) than this version of custsvc."""
