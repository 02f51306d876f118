"""Reading a CSV or JSON file a row at a time (``files.TableStream``): the same rows as reading it
whole, whatever the layout and wherever the blocks end; a bad row is a problem of its row."""

import json

import pytest

from custsvc import files
from custsvc.errors import CustSvcError
from custsvc.files import TableStream, read_rows


def rows_of(path, **options):
    stream = TableStream(path, **options)
    try:
        return list(stream.rows()), stream.columns
    finally:
        stream.close()


RECORDS = [{"account": f"C-{n}", "name": f'Name "{n}", {{x}} ]' + "é" * n, "n": n / 4} for n in range(40)]


@pytest.mark.parametrize("layout", ["compact", "lines", "indented"])
@pytest.mark.parametrize("block", [1, 7, 1 << 20])
def test_json_arrays_stream_in_any_layout_across_block_ends(tmp_path, monkeypatch, layout, block):
    monkeypatch.setattr(files, "_BLOCK", block)
    path = tmp_path / "customers.json"
    if layout == "lines":
        path.write_text("[\n" + ",\n".join(json.dumps(r) for r in RECORDS) + "\n]\n", encoding="utf-8")
    else:
        path.write_text(json.dumps(RECORDS, indent=2 if layout == "indented" else None), encoding="utf-8")
    rows, _columns = rows_of(path)
    assert [r for _n, r, _p in rows] == read_rows(path)[0]
    assert [n for n, _r, _p in rows] == list(range(1, 41))


def test_json_single_object_empty_array_and_bad_elements(tmp_path):
    one = tmp_path / "one.json"
    one.write_text('{"account": "C-1"}', encoding="utf-8")
    assert rows_of(one)[0] == [(1, {"account": "C-1"}, None)]
    empty = tmp_path / "empty.json"
    empty.write_text(" [ ] ", encoding="utf-8")
    assert rows_of(empty)[0] == []
    mixed = tmp_path / "mixed.json"
    mixed.write_text(json.dumps([{"account": "C-1"}, 5, {"account": "x" * (130 * 1024)}]), encoding="utf-8")
    assert [(n, p) for n, _r, p in rows_of(mixed)[0]] == [
        (1, None),
        (2, "expected an object"),
        (3, "account is longer than 128 KiB"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is empty"),
        ('"text"', "expected a JSON array of objects"),
        ('[{"a": 1}\n\n{"a": 2}]', "line 3: expected ',' or ']'"),
        ('[{"a": 1},', "the array is not closed"),
        ('[{"a": 1}] [', "extra data"),
        ('[{"a": NaN}]', "NaN is not a number"),
        ('[{"a": tru}]', "is not valid JSON: line 1"),
    ],
)
def test_broken_json_is_one_error_naming_the_file(tmp_path, text, message):
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CustSvcError) as err:
        rows_of(path)
    assert message in err.value.message and "bad.json" in err.value.message


def test_csv_rows_stream_with_problems_per_row(tmp_path):
    path = tmp_path / "customers.csv"
    path.write_bytes('\ufeffaccount;name\r\nC-1;\'=SUM(A1)\r\n\r\nC-2;two;extra\r\nC-3;"three\nlines"\r\n'.encode())
    rows, columns = rows_of(path, delimiter=";")
    assert columns == ["account", "name"]
    assert rows == [
        (1, {"account": "C-1", "name": "=SUM(A1)"}, None),
        (2, None, f"{path}: line 4: 3 values, 2 columns"),
        (3, {"account": "C-3", "name": "three\nlines"}, None),
    ]


def test_csv_encoding_problems_name_the_byte_and_where(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(b"account,name\nC-1,Caf\xe9\n")
    with pytest.raises(CustSvcError) as err:
        rows_of(path)
    assert "is not UTF-8 (byte 0xe9 at 20)" in err.value.message and "--encoding" in err.value.message
    assert rows_of(path, encoding="latin-1")[0] == [(1, {"account": "C-1", "name": "Café"}, None)]
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes("account\nC-1\n".encode("utf-16"))
    with pytest.raises(CustSvcError, match="is UTF-16"):
        rows_of(utf16)
