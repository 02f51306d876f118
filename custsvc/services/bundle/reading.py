"""Reading a bundle's files a row at a time (memory stays flat whatever their size): its manifest, and
the rows of each file, with what is wrong with the file or a row said, not raised, so that one pass
finds every problem.

CSV files are UTF-8 (a byte-order mark is fine) unless ``encoding`` says otherwise, separated by
commas unless ``delimiter`` says otherwise; rows are numbered from 1, not counting the header. A JSON
file is an array of objects; the one-object-per-line layout ``export`` writes is read a line at a
time, any other layout as a whole.
"""

from __future__ import annotations

import codecs
import csv
import json
from array import array
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from custsvc.errors import BadUsage, CustSvcError
from custsvc.services.bundle.layout import NESTED, Nesting, TableShape, shapes
from custsvc.textsafe import csv_unquote

MAX_CELL = 128 * 1024


def check_encoding(encoding: str | None) -> str:
    if encoding is None:
        return "utf-8-sig"
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise BadUsage("--encoding", encoding, "not an encoding Python knows (e.g. utf-8, latin-1, cp1252)") from None
    return encoding


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of the bundle in ``folder``: which file holds which table, and how many rows."""
    from custsvc.services.bundle.exporting import BUNDLE, MANIFEST

    path = folder / MANIFEST
    if not folder.is_dir():
        raise CustSvcError(f"no bundle at {folder}: not a folder (custsvc export FOLDER writes one)")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise CustSvcError(f"no bundle at {folder}: {MANIFEST} is missing (custsvc export FOLDER writes one)") from None
    except (OSError, ValueError) as exc:
        raise CustSvcError(f"{path} cannot be read: {exc}") from None
    if (
        not isinstance(manifest, dict)
        or manifest.get("bundle") != BUNDLE
        or not isinstance(manifest.get("tables"), list)
    ):
        raise CustSvcError(f"{path} is not the manifest of a custsvc bundle")
    known = shapes()
    for entry in manifest["tables"]:
        if not isinstance(entry, dict) or entry.get("table") not in known or not isinstance(entry.get("file"), str):
            raise CustSvcError(f"{path}: unknown table entry {json.dumps(entry)[:80]}")
        if Path(entry["file"]).name != entry["file"]:
            raise CustSvcError(f"{path}: the file of {entry['table']} must be in the bundle's folder")
        _check_nesting(path, entry)
    return manifest


def _check_nesting(path: Path, entry: dict[str, Any]) -> None:
    """A table whose rows are inside another's records: only where the layout puts them."""
    if "nested_in" not in entry:
        return
    nesting = NESTED.get(entry["table"])
    if nesting is None or (entry["nested_in"], entry.get("field")) != (nesting.parent, nesting.name):
        raise CustSvcError(f"{path}: {entry['table']} cannot be nested in {entry['nested_in']!r}")


def nesting_of(entry: dict[str, Any]) -> Nesting | None:
    """Where a manifest entry's rows are, when inside another table's records."""
    return NESTED[entry["table"]] if "nested_in" in entry else None


@dataclass
class TableFile:
    """One file of a bundle: its rows as they come, and what is wrong with it."""

    shape: TableShape
    path: Path
    encoding: str = "utf-8-sig"
    delimiter: str = ","
    #: problems of the file itself (an unknown column, a wrong encoding): (row number or 0, message)
    problems: list[tuple[int, str]] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    #: JSON: the rows are inside the records of the parent's file (``path``), under ``nesting.name``
    nesting: Nesting | None = None
    #: JSON: the names of the child tables' arrays this file's records carry
    inner: frozenset[str] = frozenset()
    #: nested rows: the first row number of each parent record with rows, and that record's number
    _starts: array = field(default_factory=lambda: array("q"))
    _parents: array = field(default_factory=lambda: array("q"))

    def where(self, number: int) -> tuple[int, str]:
        """(row of the file, what inside it) of row ``number`` of this table, for messages."""
        if self.nesting is None:
            return number, ""
        at = bisect_right(self._starts, number) - 1
        if number <= 0 or at < 0:
            return 0, f"{self.nesting.name}: "
        return self._parents[at], f"{self.nesting.name} item {number - self._starts[at] + 1}: "

    @property
    def is_json(self) -> bool:
        return self.path.suffix.lower() == ".json"

    def rows(self) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
        """(row number, values by field or None, the problem of the row or None)."""
        self.problems.clear()
        try:
            if self.nesting is not None:
                yield from self._nested_rows()
            else:
                yield from self._json_rows() if self.is_json else self._csv_rows()
        except FileNotFoundError:
            self.problems.append((0, "the file is missing"))
        except UnicodeDecodeError as exc:
            hint = "" if self.encoding != "utf-8-sig" else ": give its encoding, e.g. --encoding latin-1"
            self.problems.append(
                (0, f"is not {self.encoding.removesuffix('-sig')} (byte 0x{exc.object[exc.start]:02x}){hint}")
            )
        except OSError as exc:
            self.problems.append((0, f"cannot be read: {exc.strerror or exc}"))

    def _header(self, header: list[str]) -> None:
        self.columns = header
        known = set(self.shape.field_names)
        unknown = [c for c in header if c not in known]
        if unknown:
            self.problems.append(
                (0, f"unknown column{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}")
            )
        repeated = sorted({c for c in header if header.count(c) > 1})
        if repeated:
            self.problems.append((0, f"column {repeated[0]!r} appears more than once"))
        missing = [f.name for f in self.shape.fields if f.required and f.name not in header]
        if missing:
            self.problems.append((0, f"required column{'s' if len(missing) > 1 else ''} {', '.join(missing)} missing"))

    def _csv_rows(self) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
        csv.field_size_limit(MAX_CELL)
        with self.path.open(encoding=self.encoding, newline="") as source:
            reader = csv.reader(source, delimiter=self.delimiter)
            try:
                header = [c.strip() for c in next(reader)]
            except StopIteration:
                self.problems.append((0, "is empty: expected a header line"))
                return
            self._header(header)
            number = 0
            while True:
                try:
                    values = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    number += 1
                    yield number, None, f"{exc} (line {reader.line_num})"
                    continue
                if not values:
                    continue
                number += 1
                if len(values) != len(header):
                    yield number, None, f"has {len(values)} values, the header has {len(header)} columns"
                    continue
                yield number, {c: csv_unquote(v) for c, v in zip(header, values, strict=False)}, None

    def _json_records(self) -> Iterator[tuple[int, Any]]:
        """(number, what the file holds there) of each element of the file's array."""
        lines = self._json_lines()
        if lines is None:
            try:
                data = json.loads(self.path.read_text(encoding=self.encoding), parse_float=Decimal)
            except ValueError as exc:
                self.problems.append((0, f"is not valid JSON: {exc}"))
                return
            if not isinstance(data, list):
                self.problems.append((0, "expected a JSON array of objects"))
                return
            lines = iter(data)
        yield from enumerate(lines, start=1)

    def _json_rows(self) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
        known, unknown_seen = {*self.shape.field_names, *self.inner}, set()
        self.columns = self.shape.field_names
        for number, record in self._json_records():
            if not isinstance(record, dict):
                yield number, None, record if isinstance(record, str) else "expected an object"
                continue
            self._unknown(number, record, known, unknown_seen)
            yield number, record, None

    def _unknown(self, number: int, record: dict[str, Any], known: set[str], seen: set[str]) -> None:
        """Fields no table has are a problem of the file, said once each."""
        unknown = [k for k in record if k not in known and k not in seen]
        if unknown:
            seen.update(unknown)
            self.problems.append(
                (number, f"unknown field{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}")
            )

    def _nested_rows(self) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
        """The rows inside the parent's records, each with the parent's key as its link."""
        nesting = self.nesting
        assert nesting is not None
        parent_key = shapes()[nesting.parent].key[0]
        known, unknown_seen = set(self.shape.field_names), set()
        self.columns = self.shape.field_names
        self._starts, self._parents = array("q"), array("q")
        count = 0
        for number, record in self._json_records():
            if not isinstance(record, dict):
                continue  # the parent's own rows say so
            items = record.get(nesting.name, [])
            if not isinstance(items, list):
                items = [f"{nesting.name} is not an array"]
            if items:
                self._starts.append(count + 1)
                self._parents.append(number)
            for item in items:
                count += 1
                if not isinstance(item, dict):
                    yield count, None, item if isinstance(item, str) else "expected an object"
                    continue
                self._unknown(count, item, known, unknown_seen)
                yield count, {**item, nesting.link: record.get(parent_key)}, None

    def _json_lines(self) -> Iterator[Any] | None:
        """The records of a file in ``export``'s layout, one per line; None for any other layout."""
        with self.path.open(encoding=self.encoding) as source:
            first = source.readline().strip()
            if first not in ("[", "[]"):
                return None
        return self._each_line()

    def _each_line(self) -> Iterator[Any]:
        with self.path.open(encoding=self.encoding) as source:
            source.readline()
            for line in source:
                text = line.strip().removesuffix(",")
                if text in ("", "]"):
                    continue
                try:
                    yield json.loads(text, parse_float=Decimal)
                except ValueError:
                    yield f"not a JSON object on one line: {text[:40]}"
