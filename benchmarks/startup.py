"""Start-up time of the command line, as ratios to baselines measured in the same run.

    python benchmarks/startup.py [--repeat 15]

Prints the median wall and CPU time of `python -c pass`, `python -c "import sqlmodel"`,
`sqlite-utils --help` (when installed: `pip install sqlite-utils`), `custsvc --help`,
`custsvc customer --help` and `custsvc customer list` on a freshly loaded demo database, with the
ratios issue 15 asks for: `customer list` to `import sqlmodel` (target 1.3x) and `custsvc --help` to
`sqlite-utils --help` (target 1.5x).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import custsvc, run_quiet  # noqa: E402


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(argv: list[str], env: dict[str, str], repeat: int) -> tuple[float, float]:
    """Median wall and CPU seconds of ``argv`` over ``repeat`` runs."""
    walls, cpus = [], []
    for _ in range(repeat):
        cpu, began = _cpu(), time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        walls.append(time.perf_counter() - began)
        cpus.append(_cpu() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="runs per command (the median is shown)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "CUSTSVC_DB": str(Path(folder) / "bench.db"), "CUSTSVC_FORMAT": "plain"}
        run_quiet(custsvc("demo"), env)
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "import sqlmodel": [sys.executable, "-c", "import sqlmodel"],
        }
        utils = shutil.which("sqlite-utils")
        if utils:
            commands["sqlite-utils --help"] = [utils, "--help"]
        commands |= {
            "custsvc --help": custsvc("--help"),
            "custsvc customer --help": custsvc("customer", "--help"),
            "custsvc customer list": custsvc("customer", "list"),
        }
        times = {label: measure(argv, env, args.repeat) for label, argv in commands.items()}
    print(f"median of {args.repeat} runs, Python {sys.version.split()[0]}")
    base = times["python -c pass"][0]
    for label, (wall, cpu) in times.items():
        print(f"{label:<24} {wall * 1000:8.1f} ms wall {cpu * 1000:8.1f} ms CPU  {wall / base:5.1f}x python -c pass")
    sqlmodel_wall, sqlmodel_cpu = times["import sqlmodel"]
    wall, cpu = times["custsvc customer list"]
    print(
        f"customer list / import sqlmodel: {wall / sqlmodel_wall:.2f}x wall, {cpu / sqlmodel_cpu:.2f}x CPU (target 1.3x)"
    )
    if utils:
        help_wall, help_cpu = times["custsvc --help"]
        other_wall, other_cpu = times["sqlite-utils --help"]
        print(
            f"custsvc --help / sqlite-utils --help: {help_wall / other_wall:.2f}x wall, "
            f"{help_cpu / other_cpu:.2f}x CPU (target 1.5x)"
        )


if __name__ == "__main__":
    main()
