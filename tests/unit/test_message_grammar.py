"""Messages read as sentences: a count takes its noun in the right number (``values.counted``),
never the ``order(s)`` shorthand, and never ``a`` before a vowel sound we know of."""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[2] / "custsvc"
FILES = sorted(SOURCE.rglob("*.py"))


def _strings(path: Path) -> list[tuple[int, str]]:
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
    kinds = {tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", -1)}
    return [(t.start[0], t.string) for t in tokens if t.type in kinds and not t.string.startswith('"""')]


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(SOURCE)) for p in FILES])
def test_no_plural_shorthand_or_a_before_a_vowel(path: Path) -> None:
    found = [
        f"{path.name}:{line}: {text}"
        for line, text in _strings(path)
        if "(s)" in text or re.search(r"\ba (hour|order|item|invoice|agreement|object|SLA|error)\b", text)
    ]
    assert not found, "\n".join(found)


def test_a_count_takes_the_word_in_its_number() -> None:
    from custsvc.values import counted, word

    assert [counted(n, "order") for n in (0, 1, 2)] == ["0 orders", "1 order", "2 orders"]
    assert counted(2, "history entry", "history entries") == "2 history entries"
    assert (word(1, "is", "are"), word(3, "is", "are"), word(1, "line"), word(2, "line")) == (
        "is",
        "are",
        "line",
        "lines",
    )
