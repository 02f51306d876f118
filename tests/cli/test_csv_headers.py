"""An empty CSV export has the same header as a full one, so a script reading the columns by name
works on a new shop too (``output.emit_rows(..., fields=...)``)."""

from __future__ import annotations

from pathlib import Path

import pytest

LISTS = [
    ("customer", "list"),
    ("item", "list"),
    ("task", "list"),
    ("worker", "list"),
    ("object", "list"),
    ("calendar", "list"),
    ("agreement", "list"),
    ("order", "list"),
    ("order", "reason", "list"),
    ("invoice", "list"),
    ("invoice", "export", "--from", "2025-01-01", "--to", "2027-12-31"),
    ("subscription", "list"),
    ("subscription", "group", "list"),
    ("sla", "list"),
    ("sla", "breaches"),
    ("sla", "at-risk"),
    ("worker", "absence", "list"),
    ("dispatch", "queue"),
    ("dispatch", "team", "list"),
]


def _csv(cli, *args: str) -> list[str]:
    return cli(*args, "--format", "csv").stdout.splitlines()


@pytest.mark.parametrize("command", LISTS, ids=[" ".join(c) for c in LISTS])
def test_an_empty_list_has_the_header_of_a_full_one(demo, tmp_path: Path, command: tuple[str, ...]) -> None:
    full = _csv(demo, *command)
    assert len(full) > 1, f"the demo shop should have rows for {' '.join(command)}"
    empty_db = str(tmp_path / "empty.db")
    demo("--db", empty_db, "db", "init")
    empty = _csv(demo, "--db", empty_db, *command)
    assert empty == [full[0]]
    assert "," in full[0]
