"""Lists for machines, written as their rows come: JSON (an array, a record per line) and CSV. A list
of a million rows never sits in memory, and a reader sees the first rows at once."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from custsvc.textsafe import json_safe
from custsvc.values import csv_value, line_encoder

#: rows written to stdout at a time when a list streams
_BATCH = 500


def write_json(rows: Iterable[Mapping[str, Any]]) -> None:
    """A JSON array written as the rows come, one record per line: a list of a million rows never
    sits in memory as one string, and a script can read it line by line too."""
    out, first, pending, line = sys.stdout, True, [], line_encoder()
    for row in rows:
        item = line(row if isinstance(row, dict) else dict(row))
        pending.append(("[\n  " if first else ",\n  ") + item)
        first = False
        if len(pending) >= _BATCH:
            out.write(json_safe("".join(pending)))
            pending.clear()
    out.write(json_safe("".join(pending)) + ("[]\n" if first else "\n]\n"))


def write_csv(rows: Iterable[Mapping[str, Any]], fields: Sequence[str]) -> None:
    """CSV as the rows come; the header is the first row's keys (``fields`` when there is no row)."""
    writer: Any = None
    buffer = io.StringIO()
    for count, row in enumerate(rows, 1):
        if writer is None:
            writer = csv.writer(buffer, lineterminator="\n")
            names = list(row.keys())
            writer.writerow(names)
        writer.writerow([csv_value(row.get(f)) for f in names])
        if count % _BATCH == 0:
            sys.stdout.write(buffer.getvalue())
            buffer.seek(0)
            buffer.truncate()
    if writer is None:
        csv.writer(buffer, lineterminator="\n").writerow(list(fields))
    sys.stdout.write(buffer.getvalue())
