"""The root command: groups, help, version, global options, formats, errors and exit codes."""

import json
import os
import subprocess
import sys

import pytest

GROUPS = [
    "agreement",
    "order",
    "return",
    "repair",
    "bom",
    "dispatch",
    "subscription",
    "sla",
    "customer",
    "object",
    "item",
    "task",
    "worker",
    "db",
    "demo",
]


def test_help_lists_every_group(cli):
    out = cli("--help").stdout
    for group in GROUPS:
        assert f" {group} " in out, group


def test_version(cli):
    from custsvc import __version__

    assert cli("--version").stdout.strip() == f"custsvc {__version__}"


def test_every_command_and_option_has_help():
    from custsvc.cli import iter_commands

    missing = []
    for path, command in iter_commands():
        name = " ".join(("custsvc", *path))
        if not (command.help or "").strip():
            missing.append(f"{name}: no help text")
        for param in command.params:
            if param.param_type_name in ("option", "argument") and not (getattr(param, "help", None) or "").strip():
                missing.append(f"{name} {param.name}: no help text")
    assert missing == []


def test_leaf_commands_carry_an_example():
    from custsvc.cli import iter_commands

    lacking = [
        " ".join(path)
        for path, command in iter_commands()
        if not hasattr(command, "commands") and path and "Example" not in (command.help or "")
    ]
    assert lacking == []


def test_a_group_without_a_command_shows_its_help(cli):
    result = cli("return")
    assert "Returns (RMA)" in result.stdout and " create " in result.stdout


@pytest.mark.parametrize("args", [["--help"], ["customer", "--help"], ["order", "--help"], ["worker", "add", "--help"]])
def test_help_does_not_import_sqlalchemy(args):
    code = (
        "import sys; sys.argv=['custsvc', *sys.argv[1:]]\n"
        "from custsvc.cli import app\n"
        "try:\n    app()\nexcept SystemExit:\n    pass\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'sqlmodel', 'alembic'))\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    assert "HEAVY []" in result.stderr


def test_python_dash_m_works_the_same(db_url):
    result = subprocess.run([sys.executable, "-m", "custsvc", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.startswith("custsvc ")
    result = subprocess.run(
        [sys.executable, "-m", "custsvc", "--format", "json", "customer", "list"],
        capture_output=True,
        text=True,
        env={**os.environ, "CUSTSVC_DB": db_url},
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_format_before_or_after_the_command_and_from_the_environment(cli):
    cli("customer", "add", "C-1", "--name", "Bakery")
    before = json.loads(cli("--format", "json", "customer", "list").stdout)
    after = json.loads(cli("customer", "list", "--format", "json").stdout)
    env = json.loads(cli("customer", "list", env={"CUSTSVC_FORMAT": "json"}).stdout)
    assert before == after == env
    assert before[0]["account"] == "C-1"
    # the command's own --format wins over the global one
    assert cli("--format", "json", "customer", "list", "-f", "csv").stdout.startswith("account,name,")


def test_default_output_without_a_terminal_is_plain(cli):
    cli("customer", "add", "C-1", "--name", "Bakery", "--tier", "gold")
    out = cli("customer", "list").stdout
    assert out.splitlines()[0].split() == ["account", "name", "tier", "timezone", "email", "phone"]
    assert "\x1b[" not in out and "│" not in out


def test_table_format_is_a_rich_table_at_a_fixed_width(cli):
    cli("customer", "add", "C-1", "--name", "Bakery", "--tier", "gold", "--timezone", "Europe/Riga")
    out = cli("customer", "list", "--format", "table", env={"COLUMNS": "80"}).stdout
    assert out.splitlines() == [
        " account   name     tier   timezone      email   phone ",
        "─" * 55,
        " C-1       Bakery   gold   Europe/Riga                 ",
    ]


def test_now_and_actor_are_recorded(cli):
    cli("worker", "add", "M-1", "--name", "Mara", "--role", "manager")
    record = cli.json("--now", "2026-03-10T09:30:00+02:00", "--as", "M-1", "customer", "add", "C-1", "--name", "Bakery")
    assert record["created_at"] == "2026-03-10T07:30:00+00:00"  # the shop's zone is UTC by default
    assert record["created_by"] == "M-1"
    env = {"CUSTSVC_NOW": "2026-03-11T10:00:00Z", "CUSTSVC_USER": "M-1"}
    record = cli.json("customer", "update", "C-1", "--phone", "+371 1", env=env)
    assert record["updated_at"] == "2026-03-11T10:00:00+00:00"
    assert record["updated_by"] == "M-1"


def test_times_are_shown_in_the_shops_zone(cli):
    cli("config", "set", "timezone", "Europe/Riga")
    record = cli.json("--now", "2026-03-10T07:30:00Z", "customer", "add", "C-1", "--name", "Bakery")
    assert record["created_at"] == "2026-03-10T09:30:00+02:00"
    # a --now without offset is read in the shop's zone
    record = cli.json("--now", "2026-07-01T12:00", "customer", "add", "C-2", "--name", "Cafe")
    assert record["created_at"] == "2026-07-01T12:00:00+03:00"


def test_unknown_acting_worker_is_refused(cli):
    cli("worker", "add", "M-1", "--name", "Mara", "--role", "manager")
    result = cli("--as", "ghost", "customer", "add", "C-1", "--name", "x", code=1)
    assert (
        result.stderr
        == "error: --as / CUSTSVC_USER: no worker 'ghost'; add the worker first or act as an existing one\n"
    )


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["customer", "add", "C 1", "--name", "x"], 1, "error: invalid account 'C 1'"),
        (
            ["customer", "add", "C-1", "--name", "x", "--timezone", "Mars/Base"],
            1,
            "error: invalid timezone 'Mars/Base'",
        ),
        (["item", "add", "I-1", "--name", "x", "--price", "12.345"], 1, "error: invalid price '12.345'"),
        (["item", "add", "I-1", "--name", "x", "--price", "ten"], 1, "error: invalid price 'ten'"),
        (["customer", "show", "C-404"], 1, "error: no customer 'C-404'"),
        (["--now", "yesterday-ish", "customer", "list"], 2, "error: invalid --now 'yesterday-ish': expected a time"),
        (["customer", "add", "C-1"], 2, "error: missing option '--name'"),
        (["customer", "frobnicate"], 2, "error: no such command 'frobnicate'"),
        (
            ["customer", "list", "--format", "yaml"],
            2,
            "error: invalid --format 'yaml': must be one of table, json, csv, markdown or plain",
        ),
    ],
)
def test_errors_are_one_line_with_exit_codes(cli, args, code, message):
    result = cli(*args, code=code)
    assert result.stderr.startswith(message), result.stderr
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_duplicate_key_is_a_conflict_and_changes_nothing(cli):
    first = cli.json("customer", "add", "C-1", "--name", "Bakery")
    result = cli("customer", "add", "C-1", "--name", "Other", code=3)
    assert result.stderr == "error: customer 'C-1' already exists\n"
    assert cli.json("customer", "show", "C-1") == first


def test_failed_update_leaves_the_database_unchanged(cli):
    cli("customer", "add", "C-1", "--name", "Bakery", "--phone", "+371 1")
    before = cli.json("customer", "show", "C-1")
    cli("customer", "update", "C-1", "--phone", "+371 2", "--timezone", "Nowhere/City", code=1)
    assert cli.json("customer", "show", "C-1") == before


def test_unexpected_errors_have_no_traceback_unless_debugging(cli, monkeypatch):
    from custsvc.services import master

    def boom(*args, **kwargs):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(master, "list_records", boom)
    monkeypatch.delenv("CUSTSVC_DEBUG")
    result = cli("customer", "list", code=1)
    assert result.stderr == "error: unexpected RuntimeError: kaboom (set CUSTSVC_DEBUG=1 for the traceback)\n"
    monkeypatch.setenv("CUSTSVC_DEBUG", "1")
    with pytest.raises(RuntimeError):
        cli("customer", "list")


def test_a_real_process_reports_errors_in_one_line(db_url):
    env = {**os.environ, "CUSTSVC_DB": db_url}
    env.pop("CUSTSVC_DEBUG", None)
    result = subprocess.run(
        [sys.executable, "-m", "custsvc", "customer", "show", "nope"], capture_output=True, text=True, env=env
    )
    assert (result.returncode, result.stderr) == (1, "error: no customer 'nope'\n")
    result = subprocess.run(
        [sys.executable, "-m", "custsvc", "customer", "add"], capture_output=True, text=True, env=env
    )
    assert result.returncode == 2 and result.stderr.startswith("error: missing argument 'ACCOUNT'")
    assert result.stderr.count("\n") == 1


def test_groups_load_lazily_with_the_help_the_root_lists():
    from custsvc.cli import GROUPS, group_app

    for name, _module, _panel, text in GROUPS:
        assert group_app(name).info.help == text, name


def test_readme_mentions_every_group():
    from pathlib import Path

    from custsvc.cli import GROUPS

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    group_names = [name for name, *_rest in GROUPS]
    assert [g for g in group_names if f"`{g}" not in readme and f"custsvc {g}" not in readme] == []


def test_every_command_takes_format():
    from custsvc.cli import iter_commands

    lacking = [
        " ".join(path)
        for path, command in iter_commands()
        if not hasattr(command, "commands") and not any(p.name == "fmt" for p in command.params)
    ]
    assert lacking == []


def test_removals_print_json_when_asked(cli):
    cli("worker", "add", "T-1", "--name", "Anna", "--role", "technician")
    absence = cli.json("worker", "absence", "add", "T-1", "--from", "2026-03-09", "--to", "2026-03-10")
    assert cli.json("worker", "absence", "remove", str(absence["id"]))["removed"] is True
    assert cli.json("config", "get", "currency") == {"key": "currency", "value": "EUR"}
    assert "database" in cli.json("db", "path")
