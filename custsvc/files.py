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
import sys
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
