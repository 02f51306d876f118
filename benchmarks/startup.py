"""Start-up time of the command line, as a ratio to an empty Python start measured in the same run.

    python benchmarks/startup.py [--repeat 15]

Prints the median wall time of `python -c pass`, `custsvc --help`, `custsvc customer --help` and
`custsvc customer list` on a freshly loaded demo database, each with its ratio to `python -c pass`.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import custsvc, median_seconds, report, run_quiet  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="runs per command (the median is shown)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "CUSTSVC_DB": str(Path(folder) / "bench.db"), "CUSTSVC_FORMAT": "plain"}
        run_quiet(custsvc("demo"), env)
        baseline = median_seconds(lambda: run_quiet([sys.executable, "-c", "pass"], env), args.repeat)
        rows: list[tuple[str, float, float | None]] = [("python -c pass", baseline, None)]
        for label, argv in [
            ("custsvc --help", custsvc("--help")),
            ("custsvc customer --help", custsvc("customer", "--help")),
            ("custsvc customer list", custsvc("customer", "list")),
        ]:
            seconds = median_seconds(lambda argv=argv: run_quiet(argv, env), args.repeat)
            rows.append((label, seconds, seconds / baseline))
    print(f"median of {args.repeat} runs, Python {sys.version.split()[0]}")
    report(rows, "python -c pass")


if __name__ == "__main__":
    main()
