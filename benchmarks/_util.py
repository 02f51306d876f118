"""Helpers shared by the benchmarks: timing and printing ratios against a baseline."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence


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
