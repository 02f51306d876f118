"""The corpus of bad and hostile inputs (``bad_inputs.CASES``) against one demo shop per module.

Every case must fail cleanly: the expected exit code, exactly one ``error: ...`` line on stderr that
names the field and/or the value, no traceback and no ``error: unexpected``, nothing on stdout, and
the database exactly as it was (every row of every table compared with a dump taken before the cases).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.cli.bad_inputs import CASES, Case
from tests.conftest import FIXED_NOW, _new_database

# --- the import files the cases refer to as {files}/NAME ------------------------------------------

DEPTH = 10_000

FILES: dict[str, bytes] = {
    "customers.csv": b"account,name\nC-7001,Fine Customer\n",
    "utf16.csv": "account,name\nC-7001,Caf\u00e9 R\u012bga\n".encode("utf-16"),
    "latin1.csv": "account,name\nC-7001,Caf\u00e9 Z\u00fcrich\n".encode("latin-1"),
    "noheader.csv": b"C-7001,Header Less,gold,Europe/Riga,hl@example.com,+371 1,Riga\n",
    "dupcols.csv": b"account,name,name\nC-7001,First,Second\n",
    "bigfield.csv": b"account,name\nC-7001," + b"x" * (200 * 1024) + b"\n",
    "nul.csv": b"account,name\nC-7001,Nul\x00Name\n",
    "deep.json": b"[" * DEPTH + b"]" * DEPTH,
    "deepobj.json": b'{"a":' * DEPTH + b"1" + b"}" * DEPTH,
    "scalar.json": b"42",
    "broken.json": b'[{"account": "C-7001",',
    "empty.csv": b"",
    "empty.json": b"",
    "name-list.json": json.dumps([{"account": "C-7001", "name": ["First", "Second"]}]).encode(),
    "name-object.json": json.dumps([{"account": "C-7001", "name": {"first": "Anna"}}]).encode(),
    "name-true.json": b'[{"account": "C-7001", "name": true}]',
    "name-nan.json": b'[{"account": "C-7001", "name": NaN}]',
    "name-huge.json": b'[{"account": "C-7001", "name": 1.5e300}]',
    "account-list.json": b'[{"account": ["C-7001"], "name": "Listed"}]',
    "unknown-field.json": b'[{"account": "C-7001", "name": "Colourful", "colour": "red"}]',
    "unknown-column.csv": b"account,name,colour\nC-7001,Colourful,red\n",
    "mars.csv": b"account,name,timezone\nC-7001,Martian,Mars/Base\n",
    "osc.csv": b"account,name\nC-7001,\x1b]0;pwned\x07\n",
    "price-nan.json": b'[{"item": "VALVE-2W", "name": "Valve", "price": NaN}]',
    "price-huge.json": b'[{"item": "VALVE-2W", "name": "Valve", "price": 1.5e300}]',
    "price-true.json": b'[{"item": "VALVE-2W", "name": "Valve", "price": true}]',
    "price-comma.csv": b'item,name,price\nVALVE-2W,Valve,"12,50"\n',
    "hours-nan.json": b'[{"task": "DESCALE", "description": "Descaling", "hours": NaN}]',
    "object-ghost.csv": b"object,customer\nOBJ-0100,C-9999\n",
    "object-move.csv": b"object,customer\nOBJ-0001,C-3001\n",
    "worker-wizard.csv": b"worker,name,roles\nT-07,Merlin,wizard\n",
    "existing.csv": b"account,name\nC-1001,Already There\n",
    "team-ghost.csv": b"team,owner\neast,ghost\n",
    "bom-again.csv": b"object,template,template_version,position,item\nOBJ-0001,VB35,1,pump,PUMP-EC25\n",
    "bom-qty-zero.csv": b"object,template,template_version,position,item,qty\nOBJ-0001,VB35,1,pump,PUMP-EC25,0\n",
    "tpl-overlap.csv": b"template,version,from\nVB35,3,2026-06-01\n",
    "tpl-to-before-from.csv": b"template,item,version,from,to\nT-NEW,BOILER-35,v1,2026-02-01,2026-01-01\n",
    "tpl-qty-zero.csv": b"template,item,version,from,position,component,qty\nT-NEW,BOILER-35,v1,2026-01-01,pump,PUMP-CIRC,0\n",
}


# --- one demo shop per module (per xdist worker) ---------------------------------------------------


def dump(location: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, ordered by all columns (SQLite and PostgreSQL alike).

    ``location``: what ``CUSTSVC_DB`` holds (an SQLite file path or a PostgreSQL URL)."""
    import sqlmodel
    from sqlalchemy import select

    import custsvc.models

    custsvc.models.load_all()  # registers every table on the metadata
    from custsvc import db

    engine = db.get_engine(db.database_url(location)).execution_options(custsvc_write=False)
    tables: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for table in sqlmodel.SQLModel.metadata.sorted_tables:
            rows = conn.execute(select(table).order_by(*table.columns)).all()
            tables[table.name] = [tuple(row) for row in rows]
        conn.rollback()
    return tables


def differences(before: dict[str, list[tuple[Any, ...]]], after: dict[str, list[tuple[Any, ...]]]) -> list[str]:
    lines = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name, []), after.get(name, [])
        if old != new:
            gone = [r for r in old if r not in new]
            came = [r for r in new if r not in old]
            lines.append(f"{name}: {len(old)} -> {len(new)} rows; removed {gone[:3]}; added or changed {came[:3]}")
    return lines


@dataclass
class Shop:
    template: str
    folder: Path
    files: Path
    url: str = ""
    before: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    cleanups: list[Callable[[], None]] = field(default_factory=list)

    def fresh(self) -> None:
        """A new copy of the demo template (after a case changed the database)."""
        from custsvc import db

        db.dispose_engines()
        self.url, cleanup = _new_database(self.template, self.folder)
        self.cleanups.append(cleanup)


@pytest.fixture(scope="module")
def shop(demo_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    from custsvc import db

    folder = tmp_path_factory.mktemp("bad-input")
    files = folder / "files"
    files.mkdir()
    for name, content in FILES.items():
        (files / name).write_bytes(content)
    current = Shop(template=demo_template, folder=folder, files=files)
    current.fresh()
    current.before = dump(current.url)
    yield current
    db.dispose_engines()
    for cleanup in current.cleanups:
        cleanup()


def test_the_corpus_is_large_and_its_ids_unique():
    ids = [case.id for case in CASES]
    assert len(ids) >= 320
    assert len(set(ids)) == len(ids), sorted({i for i in ids if ids.count(i) > 1})


def _command_of(args: tuple[str, ...], commands: set[tuple[str, ...]]) -> tuple[str, ...] | None:
    rest = list(args)
    while rest and rest[0] in ("--db", "--now", "--as", "--format", "-f", "--quiet", "-q"):
        rest = rest[1:] if rest[0] in ("--quiet", "-q") else rest[2:]
    for size in (4, 3, 2, 1):
        if tuple(rest[:size]) in commands:
            return tuple(rest[:size])
    return None


def test_the_corpus_covers_every_command():
    from custsvc.cli import iter_commands

    commands = {path for path, command in iter_commands() if path and not hasattr(command, "commands")}
    covered = {_command_of(case.args, commands) for case in CASES}
    assert sorted(" ".join(c) for c in commands - covered) == []


# --- the cases -------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_fails_cleanly(case: Case, shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    from custsvc import db
    from custsvc.cli import app

    monkeypatch.setenv("CUSTSVC_DB", shop.url)
    monkeypatch.setenv("CUSTSVC_NOW", FIXED_NOW)
    # internal errors must show as `error: unexpected ...` (and fail below), not raise
    monkeypatch.delenv("CUSTSVC_DEBUG", raising=False)
    args = [arg.replace("{files}", str(shop.files)) for arg in case.args]

    result = CliRunner().invoke(app, args, input=case.input, catch_exceptions=True)
    db.dispose_engines()
    out, err = result.stdout, result.stderr
    shown = f"custsvc {args!r}\nexit code {result.exit_code}\nstdout: {out[:2000]!r}\nstderr: {err[:2000]!r}"

    after = dump(shop.url)
    changed = differences(shop.before, after)
    if changed:
        shop.fresh()  # the next cases start from the demo shop again

    escaped = result.exception if not isinstance(result.exception, SystemExit) else None
    assert escaped is None, f"{type(escaped).__name__} escaped: {escaped}\n{shown}"
    assert result.exit_code == case.code, shown
    assert err.startswith("error: "), shown
    assert err.endswith("\n") and len(err.splitlines()) == 1, f"not exactly one line\n{shown}"
    for name in (n.replace("{files}", str(shop.files)) for n in case.names):
        assert name in err, f"{name!r} not in the error line\n{shown}"
    for text in ("Traceback", "error: unexpected"):
        assert text not in out and text not in err, shown
    assert out == "", shown
    for secret in case.forbid:
        assert secret not in out and secret not in err, f"{secret!r} shown\n{shown}"
    assert not changed, "the database changed:\n" + "\n".join(changed) + "\n" + shown
