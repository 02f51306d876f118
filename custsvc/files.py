"""Reading rows from CSV and JSON files, in the shape the list commands print."""

from __future__ import annotations

import csv
import io
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from custsvc.errors import CustSvcError


def read_rows(path: Path, fmt: str | None = None) -> tuple[list[dict[str, Any]], str]:
    """Rows of a CSV or JSON file (``-`` for stdin), in the shape ``list --format csv|json`` prints."""
    name = str(path)
    kind = (fmt or "").lower() or ("json" if name.lower().endswith(".json") else "csv")
    if kind not in ("csv", "json"):
        raise CustSvcError(f"invalid --input-format {kind!r}: use csv or json")
    try:
        text = sys.stdin.read() if name == "-" else path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise CustSvcError(f"cannot read {name}: {exc.strerror or exc}") from None
    if kind == "json":
        return _json_rows(name, text), kind
    return _csv_rows(name, text), kind


def _json_rows(name: str, text: str) -> list[dict[str, Any]]:
    """The objects of a JSON text: an array of objects, or one object; an empty text gives no rows."""
    try:
        data = json.loads(text, parse_float=Decimal) if text.strip() else []
    except json.JSONDecodeError as exc:
        raise CustSvcError(f"{name} is not valid JSON: line {exc.lineno}: {exc.msg}") from None
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise CustSvcError(f"{name}: expected a JSON array of objects")
    return data


def _csv_rows(name: str, text: str) -> list[dict[str, Any]]:
    """The rows of a CSV text keyed by its header (names stripped); a row with extra values is an error."""
    reader = csv.DictReader(io.StringIO(text))
    rows = []
    for row in reader:
        if None in row:
            raise CustSvcError(f"{name}: line {reader.line_num}: more values than columns")
        rows.append({k.strip(): v for k, v in row.items() if k is not None})
    return rows
