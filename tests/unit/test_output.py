import json
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from custsvc import output, state


def test_json_values_are_stable_text(monkeypatch):
    state.reset(zone=ZoneInfo("Europe/Riga"))
    value = {
        "price": Decimal("12.50"),
        "at": datetime(2026, 3, 10, 7, 0, tzinfo=UTC),
        "day": date(2026, 3, 10),
        "roles": ["technician", "manager"],
        "none": None,
    }
    assert output.json_value(value) == {
        "price": "12.50",
        "at": "2026-03-10T09:00:00+02:00",
        "day": "2026-03-10",
        "roles": ["technician", "manager"],
        "none": None,
    }


def test_csv_and_text_values():
    state.reset(zone=UTC)
    assert output.csv_value(["a", "b"]) == "a,b"
    assert output.csv_value(None) == ""
    assert output.text_value(["a", "b"]) == "a, b"
    assert output.text_value(True) == "yes"
    assert output.text_value(datetime(2026, 3, 10, 7, 5, tzinfo=UTC)) == "2026-03-10 07:05"


def test_emit_rows_formats(capsys):
    rows = [
        {"account": "C-1", "name": "Anna", "price": Decimal("1.50")},
        {"account": "C-2", "name": "Bo", "price": Decimal("10.00")},
    ]
    output.emit_rows(rows, fmt="json")
    assert json.loads(capsys.readouterr().out) == [
        {"account": "C-1", "name": "Anna", "price": "1.50"},
        {"account": "C-2", "name": "Bo", "price": "10.00"},
    ]
    output.emit_rows(rows, fmt="csv")
    assert capsys.readouterr().out == "account,name,price\nC-1,Anna,1.50\nC-2,Bo,10.00\n"
    output.emit_rows(rows, fmt="plain", columns=["account", "price"])
    assert capsys.readouterr().out.splitlines() == ["account      price", "C-1           1.50", "C-2          10.00"]
    output.emit_rows(rows, fmt="markdown", columns=["account"])
    assert capsys.readouterr().out.splitlines()[:2] == ["| account   |", "|-----------|"]


def test_empty_lists(capsys):
    output.emit_rows([], fmt="json")
    assert capsys.readouterr().out == "[]\n"
    output.emit_rows([], fmt="plain", empty="no customers")
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "no customers\n"


def test_default_format_is_plain_without_a_terminal():
    state.reset()
    assert output.resolve_format(None) == "plain"
    state.reset(fmt="json")
    assert output.resolve_format(None) == "json"
    assert output.resolve_format("csv") == "csv"


def test_quiet_silences_messages(capsys):
    state.reset(quiet=True)
    output.message("hello")
    output.warn("careful")
    captured = capsys.readouterr()
    assert captured.err == "warning: careful\n"


def test_streamed_json_and_csv_are_the_text_of_the_whole_list(capsys):
    """A list written as it comes (a generator) prints exactly what the whole list would, and in
    JSON the same values as ``dumps``, a record per line."""
    state.reset(zone=UTC)
    rows = [
        {
            "order": f"SO-{n}",
            "total": Decimal(n) / 4,
            "objects": ["A", "B"][: n % 3],
            "note": "x\ny\u2028\x85" if n % 2 else None,
        }
        for n in range(1203)  # more than one batch, not a multiple of it
    ]
    for kind in ("json", "csv"):
        for data in ([], rows[:1], rows):
            output.emit_rows(iter(data), fmt=kind, fields=["order", "total"])
            streamed = capsys.readouterr().out
            output.emit_rows(list(data), fmt=kind, fields=["order", "total"])
            whole = capsys.readouterr().out
            assert streamed == whole
            if kind == "json":
                assert json.loads(streamed) == json.loads(output.dumps(data)) == output.json_value(data)
                lines = streamed.splitlines()
                assert len(lines) == (len(data) + 2 if data else 1)  # [, a record per line, ]
            else:
                assert streamed.splitlines()[0] == ("order,total,objects,note" if data else "order,total")
    state.reset(zone=UTC)
    output.emit_rows(iter(rows[1:2]), fmt="json")
    text = capsys.readouterr().out
    assert "\\u2028" in text and "\\u0085" in text and "\u2028" not in text
