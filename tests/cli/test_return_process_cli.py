"""``custsvc return process`` through the real command: a summary on stderr, silent with nothing to do,
exit 4 with a rejected return order, and two processes at once make exactly one credit note."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import FIXED_NOW


@pytest.fixture
def shop(cli, monkeypatch):
    monkeypatch.setenv("CUSTSVC_NOW", FIXED_NOW)
    cli("customer", "add", "C-1", "--name", "Bakery")
    cli("item", "add", "VALVE", "--name", "Valve", "--price", "96.40")
    cli("stock", "receive", "VALVE", "--qty", "10")
    return cli


def _inspected(cli, disposition="credit", qty="2"):
    rma = cli("return", "create", "--customer", "C-1").stdout.strip()
    cli("return", "line", "add", rma, "--item", "VALVE", "--qty", qty)
    cli("return", "open", rma)
    cli("return", "arrive", rma, "--line", "1", "--qty", qty)
    cli("return", "inspect", rma, "--line", "1", "--disposition", disposition)
    return rma


def test_process_says_what_it_made_and_nothing_the_second_time(shop):
    rma = _inspected(shop)
    first = shop("return", "process", rma)
    assert first.stderr == "processed 1 line of 1 return order: 1 credit note\n"
    again = shop("return", "process", "--all")
    assert (again.stdout, again.stderr) == ("", "")
    record = shop.json("return", "show", rma)
    assert record["status"] == "closed" and record["lines"][0]["status"] == "processed"
    notes = [i for i in shop.json("invoice", "list") if i["kind"] == "credit"]
    assert [(n["total"], n["note"]) for n in notes] == [("-192.80", f"Credit for return {rma}")]
    assert record["lines"][0]["credit_note"] == notes[0]["invoice"]  # show names the documents a line made


def test_process_needs_one_return_order_or_all(shop):
    assert shop("return", "process", code=2).stderr.startswith("error: name a return order")
    assert shop("return", "process", "RMA-000001", "--all", code=2).stderr.startswith("error: name a return order")
    assert shop("return", "process", "--all", "--line", "1", code=2).stderr.startswith("error: name a return order")
    assert shop("return", "process", "RMA-000009", code=1).stderr == "error: no return order 'RMA-000009'\n"


def test_two_processes_at_once_make_one_credit_note(shop):
    rmas = [_inspected(shop, qty="1") for _ in range(20)]
    env = {**os.environ}
    env.pop("CUSTSVC_DEBUG", None)
    args = [sys.executable, "-m", "custsvc", "--format", "json", "return", "process", "--all"]
    runs = [subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in "ab"]
    outs = [(run.communicate(timeout=120), run.returncode) for run in runs]
    assert [code for _out, code in outs] == [0, 0], outs
    made = sorted(len(json.loads(out)["credit_notes"]) for (out, _err), _code in outs)
    assert made == [0, 20]  # the second found the lines processed already
    notes = [i for i in shop.json("invoice", "list") if i["kind"] == "credit"]
    assert len(notes) == 20 and {n["note"] for n in notes} == {f"Credit for return {r}" for r in rmas}
