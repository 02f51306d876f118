"""Working memory for a pass over more rows than should be held at once (an import of a million rows).

``Claims`` remembers which row first claimed a value (a key, an item's serial number) so that a
repeat is found with the row it repeats; past ``limit`` values it moves them into a private temporary
SQLite file (the standard library's, not the shop's database, whichever store that is), so memory stays
flat. ``Spool`` keeps batches of checked rows until they are written: in memory while they are small,
on disk past a few megabytes.
"""

from __future__ import annotations

import pickle
import sqlite3
import tempfile
from collections.abc import Hashable, Iterator, Sequence
from typing import IO, Any

#: values a ``Claims`` keeps in a dict before it moves them to disk
LIMIT = 50_000
#: values per lookup statement on disk (under SQLite's oldest limit of bound values)
_LOOKUP = 900


class Claims:
    """First claims of values: ``claim`` says, for each pair (value, owner), the owner that claimed
    the value before when it is another one."""

    def __init__(self, limit: int = LIMIT) -> None:
        self._memory: dict[Hashable, Any] = {}
        self._disk: sqlite3.Connection | None = None
        self._limit = limit

    def claim(self, pairs: Sequence[tuple[Hashable, Any]]) -> dict[int, Any]:
        """Record the pairs' claims, in order; {index of a pair: the earlier owner} for each value
        another owner claimed first (earlier in ``pairs`` or in an earlier call)."""
        if self._disk is None and len(self._memory) + len(pairs) > self._limit:
            self._move_to_disk()
        if self._disk is None:
            first = self._memory.setdefault
            return {i: earlier for i, (value, owner) in enumerate(pairs) if (earlier := first(value, owner)) != owner}
        return self._claim_on_disk(pairs)

    def _move_to_disk(self) -> None:
        # "" opens a temporary database on disk that SQLite deletes when it is closed
        self._disk = sqlite3.connect("", isolation_level=None)
        self._disk.execute("PRAGMA journal_mode = OFF")
        self._disk.execute("PRAGMA synchronous = OFF")
        self._disk.execute("CREATE TABLE claim (value PRIMARY KEY, owner) WITHOUT ROWID")
        self._disk.executemany("INSERT INTO claim VALUES (?, ?)", self._memory.items())
        self._memory = {}

    def _claim_on_disk(self, pairs: Sequence[tuple[Hashable, Any]]) -> dict[int, Any]:
        disk = self._disk
        assert disk is not None
        before = disk.total_changes
        disk.execute("BEGIN")
        disk.executemany("INSERT OR IGNORE INTO claim VALUES (?, ?)", pairs)
        disk.execute("COMMIT")
        if disk.total_changes - before == len(pairs):
            return {}  # every value was new
        owners: dict[Hashable, Any] = {}
        values = list(dict.fromkeys(value for value, _owner in pairs))
        for start in range(0, len(values), _LOOKUP):
            chunk = values[start : start + _LOOKUP]
            marks = ",".join("?" * len(chunk))
            owners.update(disk.execute(f"SELECT value, owner FROM claim WHERE value IN ({marks})", chunk))
        return {i: owners[value] for i, (value, owner) in enumerate(pairs) if owners[value] != owner}

    def close(self) -> None:
        if self._disk is not None:
            self._disk.close()
            self._disk = None
        self._memory = {}


class Spool:
    """Batches of rows kept for a later pass, in the order they were added: in memory up to
    ``max_size`` bytes (pickled), then in a temporary file that is gone when the spool is closed."""

    def __init__(self, max_size: int = 16 * 1024 * 1024) -> None:
        self._file: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=max_size)  # noqa: SIM115 - closed by close()
        self.batches = 0

    def add(self, batch: Any) -> None:
        pickle.dump(batch, self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self.batches += 1

    def __iter__(self) -> Iterator[Any]:
        self._file.seek(0)
        for _ in range(self.batches):
            yield pickle.load(self._file)  # noqa: S301 - our own file, written by add() in this process

    def close(self) -> None:
        self._file.close()
