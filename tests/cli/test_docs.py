"""The documentation is tested: every ``Example:`` of every command's help, and every command of the
README's tour, runs against a fresh demo shop at a fixed ``--now`` and must exit 0.

The tour runs in order in one shop, as a new user would type it; each help example runs on its own
copy of the demo shop, in a folder holding the exports an import example reads.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
EXAMPLE = re.compile(r"Example:\s+(custsvc\s[^\n]+)")
ASSIGNMENT = re.compile(r"^([A-Z_]+)=\$\((custsvc .+)\)$")


def help_examples() -> list[tuple[str, str]]:
    from custsvc.cli import iter_commands

    found = []
    for path, command in iter_commands():
        for example in EXAMPLE.findall(command.help or ""):
            found.append((" ".join(path), example.strip()))
    return found


def tour() -> list[str]:
    """The shell lines of the README's tour (its first ``sh`` block), comments stripped."""
    text = README.read_text()
    section = text[text.index("## A tour") :]
    block = section[section.index("```sh") + 5 : section.index("```", section.index("```sh") + 5)]
    lines = []
    for raw in block.splitlines():
        line = re.sub(r"\s+#\s.*$", "", raw).strip()
        if line:
            lines.append(line)
    return lines


class Shell:
    """Just enough of a shell for the docs: ``VAR=$(custsvc ...)``, ``"$VAR"``, ``> file``."""

    def __init__(self, cli, folder: Path) -> None:
        self.cli, self.folder, self.names = cli, folder, {}

    def run(self, line: str) -> None:
        target = None
        assignment = ASSIGNMENT.match(line)
        if assignment:
            target, line = assignment.groups()
        for name, value in self.names.items():
            line = line.replace(f'"${name}"', value).replace(f"${name}", value)
        words = shlex.split(line)
        assert words[0] == "custsvc", line
        output = None
        if ">" in words:
            at = words.index(">")
            words, output = words[:at], words[at + 1]
        result = self.cli(*words[1:], code=None)
        assert result.exit_code == 0, f"`{line}` exited {result.exit_code}: {result.stderr.strip()[:300]}"
        if output:
            (self.folder / output).write_text(result.stdout)
        if target:
            self.names[target] = result.stdout.strip()


@pytest.fixture
def shell(demo, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return Shell(demo, tmp_path)


def test_the_readme_tour_runs_in_a_fresh_demo_shop(shell):
    lines = tour()
    assert len(lines) > 20
    for line in lines:
        shell.run(line)


EXAMPLES = help_examples()
BY_COMMAND: dict[str, list[str]] = {}
for _path, _example in EXAMPLES:
    BY_COMMAND.setdefault(_path, []).append(_example)


def test_every_command_has_a_runnable_example():
    from custsvc.cli import iter_commands

    commands = {" ".join(path) for path, command in iter_commands() if path and not hasattr(command, "commands")}
    assert commands - set(BY_COMMAND) == set()


@pytest.mark.parametrize("path", sorted(BY_COMMAND))
def test_help_examples_run(shell, path):
    """A command's examples run in order (``remove``'s first adds what it removes)."""
    for kind in ("customer", "object", "item", "task", "worker"):
        shell.run(f"custsvc {kind} list --format csv > {kind}s.csv")
    # the team export lists members, which a team import does not take (yet): a file of new teams
    (shell.folder / "teams.csv").write_text("team,owner,description\neast,M-01,Latgale and the east\n")
    for example in BY_COMMAND[path]:
        shell.run(example)
