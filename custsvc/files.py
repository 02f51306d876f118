"""Reading rows from CSV and JSON files, in the shape the list commands print.

Files are UTF-8 (a byte-order mark is fine) unless ``--encoding`` says otherwise; a UTF-16 file or
one in a legacy code page is refused with the encoding to give. Cells over 128 KiB, JSON nested
deeper than a row can be, repeated CSV columns and CSV without a header line are refused, naming the
file and the line. A CSV cell written as ``'=...`` by an export (so that spreadsheets do not run it)
reads back as ``=...``.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from custsvc.errors import BadChoice, CustSvcError
from custsvc.textsafe import csv_unquote

MAX_CELL = 128 * 1024
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))  # fmt: skip


def read_rows(path: Path, fmt: str | None = None, encoding: str | None = None) -> tuple[list[dict[str, Any]], str]:
    """Rows of a CSV or JSON file (``-`` for stdin), in the shape ``list --format csv|json`` prints."""
    rows, kind, _columns = read_table(path, fmt, encoding)
    return rows, kind


def read_table(
    path: Path, fmt: str | None = None, encoding: str | None = None
) -> tuple[list[dict[str, Any]], str, list[str] | None]:
    """(rows, csv | json, the CSV header's columns or None for JSON)."""
    name = str(path)
    kind = (fmt or "").lower() or ("json" if name.lower().endswith(".json") else "csv")
    if kind not in ("csv", "json"):
        raise BadChoice("input-format", kind, ("csv", "json"))
    text = _decode(name, _read_bytes(path, name), encoding)
    if kind == "json":
        return _json_rows(name, text), kind, None
    rows, columns = _csv_rows(name, text)
    return rows, kind, columns


def _read_bytes(path: Path, name: str) -> bytes:
    try:
        return sys.stdin.buffer.read() if name == "-" else path.read_bytes()
    except OSError as exc:
        raise CustSvcError(f"cannot read {name}: {exc.strerror or exc}") from None


def _decode(name: str, data: bytes, encoding: str | None) -> str:
    if encoding:
        try:
            return data.decode(encoding)
        except LookupError:
            raise CustSvcError(f"invalid --encoding {encoding!r}: not an encoding Python knows") from None
        except UnicodeDecodeError as exc:
            raise CustSvcError(f"{name} is not {encoding}: byte 0x{data[exc.start]:02x} at {exc.start}") from None
    for bom, found in _BOMS:
        if data.startswith(bom):
            raise CustSvcError(f"{name} is {found.upper()}; custsvc reads UTF-8: give --encoding {found} or convert it")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CustSvcError(
            f"{name} is not UTF-8 (byte 0x{data[exc.start]:02x} at {exc.start}): "
            "give its encoding, e.g. --encoding latin-1 or --encoding cp1252"
        ) from None


def _json_rows(name: str, text: str) -> list[dict[str, Any]]:
    """The objects of a JSON text: an array of objects (``[]``: no rows), or one object."""
    if not text.strip():
        raise CustSvcError(f"{name} is empty: expected a JSON array of objects, as `list --format json` prints")
    try:
        data = json.loads(text, parse_float=Decimal, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise CustSvcError(f"{name} is not valid JSON: line {exc.lineno}: {exc.msg}") from None
    except RecursionError:
        raise CustSvcError(f"{name}: the JSON is nested too deeply for rows of records") from None
    except ValueError as exc:
        raise CustSvcError(f"{name}: {exc}") from None
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise CustSvcError(f"{name}: expected a JSON array of objects")
    for number, row in enumerate(data, start=1):
        for key, value in row.items():
            if isinstance(value, str) and len(value) > MAX_CELL:
                raise CustSvcError(f"{name}: row {number}: {key} is longer than {MAX_CELL // 1024} KiB")
    return data


def _no_constant(word: str) -> Any:
    raise ValueError(f"{word} is not a number custsvc takes")


def _csv_rows(name: str, text: str) -> tuple[list[dict[str, Any]], list[str]]:
    """The rows of a CSV text keyed by its header (names stripped); a row with extra values is an error."""
    if not text.strip():
        raise CustSvcError(f"{name} is empty: expected a header line and rows, as `list --format csv` prints")
    csv.field_size_limit(MAX_CELL)
    reader = csv.reader(io.StringIO(text))
    try:
        header = [column.strip() for column in next(reader)]
        repeated = sorted({c for c in header if header.count(c) > 1})
        if repeated:
            raise CustSvcError(f"{name}: line 1: column {repeated[0]!r} appears more than once")
        width = len(header)
        rows = []
        for values in reader:
            if len(values) > width:
                raise CustSvcError(f"{name}: line {reader.line_num}: more values than columns")
            if values:
                rows.append(dict(zip(header, values, strict=False)))
    except csv.Error as exc:
        raise CustSvcError(f"{name}: line {reader.line_num}: {exc} (a cell holds at most 128 KiB)") from None
    if "'" in text:  # only a cell that begins with ' can be an export's guard against formulas
        _unquote(rows)
    return rows, header


def _unquote(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        for column, value in row.items():
            if value[:1] == "'":
                row[column] = csv_unquote(value)


#: characters read from a file at a time by ``TableStream``
_BLOCK = 1 << 20


class TableStream:
    """The rows of a CSV or JSON file (``-``: stdin) one at a time, for a pass that must not hold all
    of them: ``rows()`` gives (row number, values by column or None, what is wrong with the row or
    None). A row with more values than the header has columns, a CSV line the parser refuses, an
    element of a JSON array that is not an object and a cell over 128 KiB are problems of their row;
    what makes the whole file unreadable (its encoding, no header, broken JSON) raises."""

    def __init__(self, path: Path, fmt: str | None = None, encoding: str | None = None, delimiter: str = ",") -> None:
        self.name = name = str(path)
        self.kind = (fmt or "").lower() or ("json" if name.lower().endswith(".json") else "csv")
        if self.kind not in ("csv", "json"):
            raise BadChoice("input-format", self.kind, ("csv", "json"))
        self.encoding = encoding
        self.delimiter = delimiter
        self.columns: list[str] | None = None
        self.size: int | None = None
        self._stdin = name == "-"
        #: how a row's problem names the file
        self._where = "" if self._stdin else f"{name}: "
        self._check_encoding()
        try:
            self._binary: Any = sys.stdin.buffer if self._stdin else path.open("rb")
            if not self._stdin:
                self.size = os.fstat(self._binary.fileno()).st_size
            if not hasattr(self._binary, "peek"):  # a stand-in for stdin (tests): read it whole
                self._binary = io.BufferedReader(io.BytesIO(self._binary.read()))  # type: ignore[arg-type]
            start = self._binary.peek(4)[:4]
        except OSError as exc:
            raise CustSvcError(f"cannot read {name}: {exc.strerror or exc}") from None
        for bom, found in _BOMS if not encoding else ():
            if start.startswith(bom):
                raise CustSvcError(
                    f"{name} is {found.upper()}; custsvc reads UTF-8: give --encoding {found} or convert it"
                )
        self._text = io.TextIOWrapper(self._binary, encoding=encoding or "utf-8-sig", newline="")
        self._quoted = False

    def _check_encoding(self) -> None:
        if self.encoding:
            try:
                codecs.lookup(self.encoding)
            except LookupError:
                raise CustSvcError(f"invalid --encoding {self.encoding!r}: not an encoding Python knows") from None

    def position(self) -> int | None:
        """How many bytes of the file are read (None for stdin)."""
        try:
            return None if self._stdin else self._binary.tell()
        except (OSError, ValueError):
            return None

    def close(self) -> None:
        if self._stdin:
            self._text.detach()  # stdin stays open
        else:
            self._text.close()

    def rows(self) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
        try:
            yield from self._json_rows() if self.kind == "json" else self._csv_rows()
        except UnicodeDecodeError as exc:
            raise CustSvcError(self._not_decodable(exc)) from None

    def _not_decodable(self, exc: UnicodeDecodeError) -> str:
        at = self.position()
        where = "" if at is None else f" at {at - len(exc.object) + exc.start}"
        byte = f"byte 0x{exc.object[exc.start]:02x}{where}"
        if self.encoding:
            return f"{self.name} is not {self.encoding}: {byte}"
        return f"{self.name} is not UTF-8 ({byte}): give its encoding, e.g. --encoding latin-1 or --encoding cp1252"

    def _lines(self) -> Iterator[str]:
        for line in self._text:
            if "'" in line:  # only a cell that begins with ' can be an export's guard against formulas
                self._quoted = True
            yield line

    def _csv_rows(self) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
        csv.field_size_limit(MAX_CELL)
        reader = csv.reader(self._lines(), delimiter=self.delimiter)
        try:
            header = [column.strip() for column in next(reader)]
        except StopIteration:
            raise CustSvcError(
                f"{self.name} is empty: expected a header line and rows, as `list --format csv` prints"
            ) from None
        except csv.Error as exc:
            raise CustSvcError(f"{self.name}: line 1: {exc}") from None
        repeated = sorted({c for c in header if header.count(c) > 1})
        if repeated:
            raise CustSvcError(f"{self.name}: line 1: column {repeated[0]!r} appears more than once")
        self.columns, width, number = header, len(header), 0
        while True:
            self._quoted = False
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                number += 1
                yield number, None, f"{self._where}line {reader.line_num}: {_csv_problem(exc)}"
                continue
            if not values:
                continue
            number += 1
            if len(values) > width:
                yield number, None, f"{self._where}line {reader.line_num}: {len(values)} values, {width} columns"
                continue
            if self._quoted:
                values = [csv_unquote(v) for v in values]
            yield number, dict(zip(header, values, strict=False)), None

    def _json_rows(self) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
        for number, item in enumerate(_JsonArray(self.name, self._text), start=1):
            if not isinstance(item, dict):
                yield number, None, "expected an object"
                continue
            long = next((k for k, v in item.items() if isinstance(v, str) and len(v) > MAX_CELL), None)
            if long is not None:
                yield number, None, f"{long} is longer than {MAX_CELL // 1024} KiB"
                continue
            yield number, item, None


def _csv_problem(exc: csv.Error) -> str:
    text = str(exc)
    return f"a cell is longer than {MAX_CELL // 1024} KiB" if "field limit" in text else text


class _JsonArray:
    """The elements of a JSON array read a block at a time (or the one object a file may hold instead),
    however the text is laid out."""

    def __init__(self, name: str, text: io.TextIOBase) -> None:
        self.name, self.text = name, text
        self.buffer, self.at, self.lines, self.done = "", 0, 0, False
        self.decoder = json.JSONDecoder(parse_float=Decimal, parse_constant=_no_constant)

    def _more(self) -> bool:
        """Read another block; False at the end of the file."""
        block = "" if self.done else self.text.read(_BLOCK)
        if not block:
            self.done = True
            return False
        if self.at > _BLOCK:  # drop what is read, counting its lines for messages
            self.lines += self.buffer.count("\n", 0, self.at)
            self.buffer, self.at = self.buffer[self.at :], 0
        self.buffer += block
        return True

    def _next_char(self) -> str:
        """The next character that is not white space ('' at the end), not consumed."""
        while True:
            while self.at < len(self.buffer) and self.buffer[self.at] in " \t\r\n":
                self.at += 1
            if self.at < len(self.buffer) or not self._more():
                return self.buffer[self.at : self.at + 1]

    def _broken(self, message: str, at: int | None = None) -> CustSvcError:
        line = self.lines + self.buffer.count("\n", 0, self.at if at is None else at) + 1
        return CustSvcError(f"{self.name} is not valid JSON: line {line}: {message}")

    def _value(self) -> Any:
        while True:
            try:
                value, self.at = self.decoder.raw_decode(self.buffer, self.at)
                return value
            except json.JSONDecodeError as exc:
                # the text may end inside the value: read on, unless it went wrong well before the end
                if exc.pos >= len(self.buffer) - MAX_CELL - 64 and self._more():
                    continue
                raise self._broken(exc.msg, exc.pos) from None
            except RecursionError:
                raise CustSvcError(f"{self.name}: the JSON is nested too deeply for rows of records") from None
            except ValueError as exc:
                raise CustSvcError(f"{self.name}: {exc}") from None

    def __iter__(self) -> Iterator[Any]:
        first = self._next_char()
        if not first:
            raise CustSvcError(
                f"{self.name} is empty: expected a JSON array of objects, as `list --format json` prints"
            )
        if first == "{":
            yield self._value()
        elif first == "[":
            self.at += 1
            yield from self._elements()
        else:
            raise CustSvcError(f"{self.name}: expected a JSON array of objects")
        if self._next_char():
            raise self._broken("extra data after the array")

    def _elements(self) -> Iterator[Any]:
        if self._next_char() == "]":
            self.at += 1
            return
        while True:
            yield self._value()
            following = self._next_char()
            self.at += 1
            if following == "]":
                return
            if following != ",":
                raise self._broken("expected ',' or ']' after an element", self.at - 1)
            if not self._next_char():
                raise self._broken("the array is not closed")
