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
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from custsvc.errors import BadUsage, CustSvcError
from custsvc.services.bundle.layout import TableShape, shapes
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
    return manifest


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

    @property
    def is_json(self) -> bool:
        return self.path.suffix.lower() == ".json"

    def rows(self) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
        """(row number, values by field or None, the problem of the row or None)."""
        self.problems.clear()
        try:
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

    def _json_rows(self) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
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
        known, unknown_seen = set(self.shape.field_names), set()
        self.columns = self.shape.field_names
        for number, record in enumerate(lines, start=1):
            if not isinstance(record, dict):
                yield number, None, record if isinstance(record, str) else "expected an object"
                continue
            unknown = [k for k in record if k not in known and k not in unknown_seen]
            if unknown:
                unknown_seen.update(unknown)
                self.problems.append(
                    (number, f"unknown field{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}")
                )
            yield number, record, None

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
