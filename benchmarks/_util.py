"""Helpers shared by the benchmarks: timing and printing ratios against a baseline."""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def median_seconds(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run_quiet(args: Sequence[str], env: dict[str, str] | None = None) -> None:
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)


def custsvc(*args: str) -> list[str]:
    return [sys.executable, "-m", "custsvc", *args]


def report(rows: Sequence[tuple[str, float, float | None]], baseline_name: str) -> None:
    width = max(len(name) for name, _t, _r in rows)
    for name, seconds, ratio in rows:
        ratio_text = f"{ratio:6.1f}x {baseline_name}" if ratio is not None else "(baseline)"
        print(f"{name:<{width}}  {seconds * 1000:9.1f} ms  {ratio_text}")


# --- one measured run: wall, CPU and peak memory of a child process -----------------------------

#: Runs argv (after the three arguments) with stdout and stderr to files and prints, as JSON, the
#: child's own resource usage from ``wait4``: wall time from spawn to exit, user and system CPU and
#: ``ru_maxrss``.  A fresh, small interpreter in between matters: a child's peak RSS counts the memory
#: of the process it was spawned from (the kernel keeps the high-water mark over ``exec``), and
#: ``RUSAGE_CHILDREN`` is the maximum over every child ever waited for.  Spawned from this small
#: wrapper, the child's figure is its own (at least the wrapper's ~10 MB).
_WRAPPER = r"""
import json, os, signal, sys, time
out_path, err_path, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])
argv = sys.argv[4:]
out = os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
err = os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
actions = [(os.POSIX_SPAWN_DUP2, out, 1), (os.POSIX_SPAWN_DUP2, err, 2)]
killed = []
def _kill(*_):
    killed.append(1)
    os.kill(pid, signal.SIGKILL)
began = time.perf_counter()
pid = os.posix_spawnp(argv[0], argv, dict(os.environ), file_actions=actions)
if timeout > 0:
    signal.signal(signal.SIGALRM, _kill)
    signal.setitimer(signal.ITIMER_REAL, timeout)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - began
signal.setitimer(signal.ITIMER_REAL, 0)
print(json.dumps({"wall": wall, "user": usage.ru_utime, "sys": usage.ru_stime, "maxrss_kb": usage.ru_maxrss,
                  "rc": os.waitstatus_to_exitcode(status), "timed_out": bool(killed)}))
"""


@dataclass
class Run:
    """One run of a command: wall and CPU seconds, peak resident memory, exit code, output files."""

    label: str
    wall: float
    user: float
    sys: float
    maxrss_kb: int
    rc: int
    timed_out: bool
    stdout: Path
    stderr: str
    #: failures that were retried (the tree may be mid-edit)
    notes: list[str] = field(default_factory=list)

    @property
    def cpu(self) -> float:
        return self.user + self.sys

    @property
    def peak_mb(self) -> float:
        return self.maxrss_kb / 1024

    @property
    def ok(self) -> bool:
        return self.rc == 0 and not self.timed_out

    def problem(self) -> str | None:
        if self.timed_out:
            return f"TIMEOUT after {self.wall:.0f} s"
        if self.rc != 0:
            last = self.stderr.strip().splitlines()[-1:] or ["(no stderr)"]
            return f"EXIT {self.rc}: {last[0][:160]}"
        return None


def measure(
    label: str,
    argv: Sequence[str],
    env: dict[str, str],
    out: Path,
    *,
    repeat: int = 1,
    timeout: float = 0,
    retries: int = 0,
    retry_wait: float = 20,
) -> Run:
    """Run ``argv`` ``repeat`` times, each in its own fresh wrapper (see ``_WRAPPER``), and return the
    run with the median wall time. stdout goes to ``out``. A run that fails (not one that times out) is
    tried again up to ``retries`` times after ``retry_wait`` seconds, and noted; a run that still fails
    is returned at once."""
    runs = []
    notes: list[str] = []
    err = out.with_suffix(out.suffix + ".err")
    attempts = 0
    while len(runs) < max(1, repeat):
        attempts += 1
        done = subprocess.run(
            [sys.executable, "-c", _WRAPPER, str(out), str(err), str(timeout), *argv],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        usage = json.loads(done.stdout)
        run = Run(
            label,
            usage["wall"],
            usage["user"],
            usage["sys"],
            usage["maxrss_kb"],
            usage["rc"],
            usage["timed_out"],
            out,
            err.read_text(errors="replace"),
        )
        run.notes = notes
        if not run.ok:
            if run.timed_out or attempts > retries + len(runs):
                return run
            notes.append(f"{label}: retried after {run.problem()}")
            time.sleep(retry_wait)
            continue
        runs.append(run)
    runs.sort(key=lambda r: r.wall)
    return runs[(len(runs) - 1) // 2]


def python_code(code: str, *args: str) -> list[str]:
    """``python -c code args...``: a raw baseline in a process of its own, measured like the commands."""
    return [sys.executable, "-c", code, *args]


def parse_sizes(text: str, million: bool) -> list[int]:
    sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    if million and 1_000_000 not in sizes:
        sizes.append(1_000_000)
    return sorted(set(sizes))


def print_runs(rows: Sequence[tuple[Run, Run | None]], orders: int | None = None, baseline_name: str = "") -> None:
    """A table of runs: wall, CPU (user+sys), peak RSS, the ratio of wall (and CPU) to the row's
    baseline run (None: it is a baseline), and with ``orders`` the wall time per 1,000 orders."""
    width = max(len(run.label) for run, _b in rows)
    head = f"{'':<{width}}  {'wall ms':>10} {'cpu ms':>10} {'peak MB':>8}  {'wall ratio':>10} {'cpu ratio':>9}"
    if orders:
        head += f"  {'ms/1k orders':>12}"
    print(head)
    for run, base in rows:
        line = f"{run.label:<{width}}  "
        problem = run.problem()
        if problem:
            print(line + problem)
            continue
        line += f"{run.wall * 1000:10.1f} {run.cpu * 1000:10.1f} {run.peak_mb:8.1f}  "
        if base is None:
            line += f"{'(baseline)':>10} {'':>9}"
        elif base.ok and base.wall > 0:
            cpu_ratio = f"{run.cpu / base.cpu:8.1f}x" if base.cpu > 0 else f"{'-':>9}"
            line += f"{run.wall / base.wall:9.1f}x {cpu_ratio}"
        else:
            line += f"{'-':>10} {'-':>9}"
        if orders:
            line += f"  {run.wall * 1000 / (orders / 1000):12.3f}"
        print(line)
    for run, _b in rows:
        for note in run.notes:
            print(f"  note: {note}")
    if baseline_name:
        print(f"  (ratios: to {baseline_name})")


# --- re-runs beside the start-up (benchmarks/generate.py, benchmarks/subscriptions.py) ---------


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    seconds, _cpu, out = timed_cpu(args, env)
    return seconds, out


def timed_cpu(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds, output) of one run of ``args`` (CPU time: less disturbed by a busy machine)."""
    began, cpu = time.perf_counter(), children_cpu()
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=True)
    return time.perf_counter() - began, children_cpu() - cpu, (result.stdout + result.stderr).strip()


def medians(rows: list[tuple[float, float, str]]) -> tuple[float, float, str]:
    return statistics.median(r[0] for r in rows), statistics.median(r[1] for r in rows), rows[-1][2]


def paired(run: tuple[list[str], dict[str, str]], baseline: tuple[list[str], dict[str, str]], repeat: int) -> Any:
    """Medians of ``run`` and of ``baseline``, run in turns (a busy machine slows both alike)."""
    runs, bases = [], []
    for _ in range(repeat):
        bases.append(timed_cpu(*baseline))
        runs.append(timed_cpu(*run))
    return medians(runs), medians(bases)


def show(label: str, run: tuple[float, float, str], startup: tuple[float, float, str]) -> str:
    """A run beside the start-up: wall time as start-up + extra (ratio), and the same for CPU time."""
    (wall, cpu, out), (wall0, cpu0, _out) = run, startup
    return (
        f"{label}: wall {wall:6.3f} s = start-up {wall0:5.3f} + {wall - wall0:6.3f} s ({wall / wall0:4.2f}x),"
        f" cpu {cpu:6.3f} s = start-up + {cpu - cpu0:6.3f} s ({cpu / cpu0:4.2f}x)   (target: + under 0.2 s)"
        + (f"  {out}" if out else "")
    )


def peak_rss_mb(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """(peak resident memory in MB, seconds, output) of ``args`` run in a fresh process."""
    probe = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "r = subprocess.run(sys.argv[1:], capture_output=True, text=True, check=True)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, time.perf_counter() - t)\n"
        "print((r.stdout + r.stderr).strip())\n"
    )
    out = subprocess.run([sys.executable, "-c", probe, *args], env=env, capture_output=True, text=True, check=True)
    first, _, rest = out.stdout.partition("\n")
    kb, seconds = first.split()
    return int(kb) / 1024, float(seconds), rest.strip()
