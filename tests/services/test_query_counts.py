"""Every list, report, queue, board, suggest and show works in a bounded number of SQL statements,
whatever the number of rows (issue 15, point 1).

Each command runs once on a shop of 100 copies and once on a shop of 1,000 copies of the same small
shop (``query_count_shop``: customers, workers, teams, items, objects with BOMs and units, agreements
with generated visits, orders with lines, SLA clocks, assignments and repairs, invoices,
subscriptions, return orders ... ten times as many of each in the bigger one, also under the
records the ``show`` commands show), and the statements the command sends are counted. The count
must not grow.

Reading by long key lists is chunked: ``custsvc.services.batch.select_in`` sends one statement per
900 keys, and ``order list`` (also ``today``, ``dispatch queue``, ``board``) reads its orders 900 at a
time, with one statement per chunk for their lines, objects, SLA clocks and assignments; a long run
may read in pages (``LIMIT``). That growth, ceil(N / 900) statements for N rows, is allowed, and only
that: a line of custsvc that reads by an ``IN`` list (or a page) may send ceil(N / 900) more
statements on the bigger shop, N being the rows of its biggest table (9,000 stock moves: 9 more);
every other line must send as many statements on both. A failure lists the lines of custsvc that
send more, how many more, and what.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from tests.conftest import FIXED_NOW, PG_SERVER, Cli, _new_database
from tests.services.query_count_shop import build_bundle, copy_bundle

SMALL, BIG = 100, 1000
PERIOD = ("--from", "2026-01-01", "--to", "2026-03-31")

#: (test id, command line); the keys are the bundle's, whose records the copies add to
COMMANDS: list[tuple[str, tuple[str, ...]]] = [
    # master data
    ("customer-list", ("customer", "list")),
    ("customer-list-tier", ("customer", "list", "--tier", "gold")),
    ("customer-show", ("customer", "show", "C-A")),
    ("object-list", ("object", "list")),
    ("object-list-customer", ("object", "list", "--customer", "C-A")),
    ("object-show", ("object", "show", "OBJ-A")),
    ("item-list", ("item", "list")),
    ("item-show", ("item", "show", "FILTER-A")),
    ("task-list", ("task", "list")),
    ("worker-list", ("worker", "list")),
    ("worker-list-technicians", ("worker", "list", "--role", "technician")),
    ("worker-show", ("worker", "show", "T-A")),
    ("worker-absence-list", ("worker", "absence", "list", "--all")),
    ("team-list", ("dispatch", "team", "list")),
    ("team-show", ("dispatch", "team", "show", "TEAM-A")),
    ("calendar-list", ("calendar", "list")),
    ("config-list", ("config", "list")),
    # agreements
    ("agreement-list", ("agreement", "list")),
    ("agreement-show", ("agreement", "show", "AG-A")),
    (
        "agreement-generate-dry-run",
        ("agreement", "generate", "--from", "2026-03-10", "--to", "2026-06-30", "--dry-run"),
    ),
    # orders
    ("order-list", ("order", "list")),
    ("order-list-open", ("order", "list", "--open")),
    ("order-list-time-left", ("order", "list", "--open", "--sort", "time-left")),
    ("order-list-sla-status", ("order", "list", "--sla-status", "at-risk")),
    ("order-list-json", ("order", "list", "--format", "json")),
    ("order-list-customer", ("order", "list", "--customer", "C-A")),
    ("order-show", ("order", "show", "SO-000002")),
    ("order-show-open", ("order", "show", "SO-000004")),
    ("today", ("today",)),
    # service levels
    *[
        (f"sla-report-{by}", ("sla", "report", *PERIOD, "--by", by))
        for by in ("customer", "tier", "technician", "priority", "sla")
    ],  # fmt: skip
    ("sla-breaches", ("sla", "breaches", *PERIOD)),
    ("sla-at-risk", ("sla", "at-risk", "--within", "8h")),
    ("sla-status", ("sla", "status", "SO-000002")),
    ("sla-explain", ("sla", "explain", "SO-000002")),
    ("sla-list", ("sla", "list")),
    ("sla-show", ("sla", "show", "std")),
    # dispatch
    ("dispatch-queue", ("dispatch", "queue")),
    ("dispatch-queue-team", ("dispatch", "queue", "--team", "TEAM-A")),
    ("dispatch-board", ("dispatch", "board")),
    ("dispatch-board-week", ("dispatch", "board", "--days", "5", "--format", "json")),
    ("dispatch-schedule", ("dispatch", "schedule", "T-A", "--days", "5")),
    ("dispatch-suggest", ("dispatch", "suggest", "--days", "2")),
    # subscriptions
    ("subscription-list", ("subscription", "list")),
    ("subscription-show", ("subscription", "show", "SUB-A")),
    ("subscription-explain", ("subscription", "explain", "SUB-A")),
    ("subscription-accruals", ("subscription", "accruals", "--through", "2026-03-31")),
    ("subscription-invoice-dry-run", ("subscription", "invoice", "--through", "2026-03-31", "--dry-run")),
    # invoices
    ("invoice-list", ("invoice", "list")),
    ("invoice-list-customer", ("invoice", "list", "--customer", "C-A")),
    ("invoice-show", ("invoice", "show", "INV-000002")),
    ("invoice-show-subscriptions", ("invoice", "show", "INV-000001")),
    ("invoice-export", ("invoice", "export", *PERIOD, "--format", "csv")),
    # stock and BOMs
    ("stock-list", ("stock", "list")),
    ("stock-list-below", ("stock", "list", "--below", "100")),
    ("stock-ledger", ("stock", "ledger", "--format", "csv")),
    ("serial-list", ("serial", "list")),
    ("serial-show", ("serial", "show", "PA-2")),
    ("bom-template-list", ("bom", "template", "list")),
    ("bom-template-show", ("bom", "template", "show", "TPL-A")),
    ("bom-template-export", ("bom", "template", "export", "--format", "csv")),
    ("bom-show", ("bom", "show", "OBJ-A")),
    ("bom-history", ("bom", "history", "OBJ-A")),
    ("bom-where", ("bom", "where", "PA-2")),
    ("bom-export", ("bom", "export", "--format", "csv")),
    # repairs
    ("repair-list", ("repair", "list")),
    ("repair-list-open", ("repair", "list", "--open")),
    ("repair-show", ("repair", "show", "SO-000002", "1")),
    ("repair-history", ("repair", "history", "OBJ-A")),
    *[
        (f"repair-report-{by}", ("repair", "report", *PERIOD, "--by", by))
        for by in ("symptom", "diagnosis", "resolution", "item", "bom-version", "technician", "customer", "part")
    ],  # fmt: skip
    # returns
    ("return-list", ("return", "list")),
    ("return-list-customer", ("return", "list", "--customer", "C-A")),
    ("return-show", ("return", "show", "RMA-000001")),
    *[
        (f"return-report-{by}", ("return", "report", *PERIOD, "--by", by))
        for by in ("reason", "disposition", "item", "customer")
    ],  # fmt: skip
]

IN_LIST = re.compile(r"\bIN \((?:[^()]|\([^()]*\))*\)")  # also PostgreSQL's IN (%(key_1)s::VARCHAR, ...)
# a stretch of keys read by range (batch.KeyRun) is a chunk too, of the same size
CHUNKED = re.compile(rf"{IN_LIST.pattern}|\bLIMIT\b|\bBETWEEN \S+ AND \S+")


def _template_of(url: str) -> str:
    """What ``_new_database`` takes as a template: a file path, or a PostgreSQL database name."""
    return url.rpartition("/")[2] if PG_SERVER else url


@pytest.fixture(scope="module")
def shops(template_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[int, tuple[str, int]]]:
    """The two shops, made once: for each its template (see ``_new_database``) and the rows of its
    biggest table. On SQLite the workers of one run of pytest-xdist share them: the first makes them."""
    if PG_SERVER or "PYTEST_XDIST_WORKER" not in os.environ:
        made, cleanups = _make_shops(template_db, tmp_path_factory.mktemp("query-counts"))
        yield made
        for cleanup in reversed(cleanups):
            cleanup()
        return
    folder = tmp_path_factory.getbasetemp().parent / "query-counts"  # the run's, not the worker's
    folder.mkdir(exist_ok=True)
    with open(folder / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        made_file = folder / "shops.json"
        if not made_file.exists():
            made_file.write_text(json.dumps(_make_shops(template_db, folder)[0]))
    yield {int(size): (path, rows) for size, (path, rows) in json.loads(made_file.read_text()).items()}


def _make_shops(template_db: str, folder: Path) -> tuple[dict[int, tuple[str, int]], list[Any]]:
    """The bundle through the CLI, then the shops copied from it; and how to remove them."""
    from custsvc import db, state

    cleanups = []
    with pytest.MonkeyPatch.context() as env:
        for name in list(os.environ):
            if name.startswith("CUSTSVC_") and name != "CUSTSVC_TEST_PG":
                env.delenv(name)
        env.setenv("HOME", str(folder / "home"))
        env.setenv("CUSTSVC_DEBUG", "1")
        bundle, cleanup = _new_database(template_db, folder)
        cleanups.append(cleanup)
        env.setenv("CUSTSVC_DB", bundle)
        cli = Cli()
        build_bundle(lambda now, *args: cli("--now", now, "--quiet", *args))
        db.dispose_engines()
        made = {}
        for size in (SMALL, BIG):
            url, cleanup = _new_database(_template_of(bundle), folder)
            cleanups.append(cleanup)
            with db.get_engine(db.database_url(url)).begin() as conn:
                rows = copy_bundle(conn, size)
            db.dispose_engines()
            made[size] = (_template_of(url), rows)
    state.reset()
    return made, cleanups


@contextmanager
def counting() -> Iterator[list[tuple[str, str]]]:
    """Every statement sent to any database meanwhile, with the custsvc line that sent it."""
    statements: list[tuple[str, str]] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append((" ".join(statement.split()), _sender()))

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", record)


def _sender() -> str:
    """The innermost line of a custsvc service on the stack (of a command when no service is on it);
    a statement of ``services/batch.py`` is its caller's."""
    frame, command = sys._getframe(2), None
    while frame is not None:
        path = frame.f_code.co_filename
        if "/custsvc/services/" in path and not path.endswith("/batch.py"):
            return f"{path.split('/custsvc/', 1)[1]}:{frame.f_lineno} {frame.f_code.co_name}"
        if command is None and "/custsvc/" in path and "/sqlalchemy/" not in path:
            command = f"{path.split('/custsvc/', 1)[1]}:{frame.f_lineno} {frame.f_code.co_name}"
        frame = frame.f_back
    return command or "?"


def _run(shop: str, args: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    from custsvc import db

    url, cleanup = _new_database(shop, tmp_path)
    monkeypatch.setenv("CUSTSVC_DB", url)
    try:
        with counting() as statements:
            Cli()(*args)
    finally:
        db.dispose_engines()
        cleanup()
    return statements


def _grown(small: list[tuple[str, str]], big: list[tuple[str, str]], chunks: int) -> list[str]:
    """The lines of custsvc that send more statements on the bigger shop than ``chunks`` more chunks of
    a key list (or pages) explain, with what they send: a line that reads by an ``IN`` list or in pages
    may send ``chunks`` more, any other none."""
    before, after = Counter(where for _sql, where in small), Counter(where for _sql, where in big)
    by_key_list = {where for sql, where in small + big if CHUNKED.search(sql)}
    grown = []
    for where, n in after.most_common():
        if n - before[where] > (chunks if where in by_key_list else 0):
            sent = dict.fromkeys(IN_LIST.sub("IN (...)", sql)[:240] for sql, at in big if at == where)
            grown.append(f"  +{n - before[where]} x {where}: " + " | ".join(list(sent)[:3]))
    return grown


@pytest.mark.parametrize("args", [pytest.param(args, id=name) for name, args in COMMANDS])
def test_statements_do_not_grow_with_the_rows(
    args: tuple[str, ...],
    shops: dict[int, tuple[str, int]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: Any,
) -> None:
    from custsvc.services.batch import IN_CHUNK

    monkeypatch.setenv("CUSTSVC_NOW", FIXED_NOW)
    (small_shop, small_rows), (big_shop, big_rows) = shops[SMALL], shops[BIG]
    small = _run(small_shop, args, tmp_path, monkeypatch)
    big = _run(big_shop, args, tmp_path, monkeypatch)
    print(f"{request.node.callspec.id}: {len(small)} statements at {SMALL} copies, {len(big)} at {BIG}")
    grown = _grown(small, big, chunks=-(-big_rows // IN_CHUNK) - -(-small_rows // IN_CHUNK))
    assert not grown, "\n".join(
        [f"custsvc {' '.join(args)}: {len(small)} statements at {SMALL} copies, {len(big)} at {BIG}", *grown]
    )
