"""Time ``favorpolicy simulate`` on synthetic tickets: throughput, peak memory, workers.

Each run is a fresh process, ``favorpolicy simulate --example N`` on the example
policy, so start-up and the ticket generator are in the figure, as a user sees
it. Reported, each a median over the repetitions:

- tickets per second and seconds for N tickets, with 1 and with 2 workers;
- the speed-up of 2 workers over 1, measured in the same run;
- peak RSS of the main process (and of the busiest worker) at N and at N/10:
  streaming means the ratio stays near 1 however large N grows.

Every run's ``resolved`` count is checked, and 1 and 2 workers must give the
same JSON summary.

    python benchmarks/bench_simulate.py                       # 1,000,000 tickets
    python benchmarks/bench_simulate.py --tickets 200000      # shorter
    python benchmarks/bench_simulate.py --quick               # CI: small and once
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).parent.parent
POLICY = ROOT / "examples" / "policy.toml"

# Runs the command in-process, then prints the summary and the peak RSS (KiB on Linux)
# of this process and of the largest child it waited for (the pool's workers).
_RUNNER = """
import io, json, resource, sys
from contextlib import redirect_stdout
from favorpolicy.cli import main
out = io.StringIO()
with redirect_stdout(out):
    try:
        main(sys.argv[1:], standalone_mode=False)
    except SystemExit as done:
        if done.code:
            raise
summary = json.loads(out.getvalue())
# VmHWM is this program's own peak; on Linux ru_maxrss also counts the parent that
# forked it before exec (a large benchmark runner would show through).
try:
    with open("/proc/self/status") as status:
        rss = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
except (OSError, StopIteration):
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"summary": summary, "rss_kib": rss, "worker_rss_kib": workers}))
"""


def run_once(tickets: int, workers: int) -> dict[str, Any]:
    """One fresh ``favorpolicy simulate`` process: its wall time, summary and peak RSS."""
    command = [
        sys.executable, "-c", _RUNNER, "simulate", "--policy", str(POLICY),
        "--example", str(tickets), "--workers", str(workers), "--json",
    ]  # fmt: skip
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603  # our own command
    seconds = time.perf_counter() - start
    result: dict[str, Any] = json.loads(done.stdout)
    if result["summary"]["resolved"] != tickets:
        raise SystemExit(f"resolved {result['summary']['resolved']} of {tickets} tickets")
    result["seconds"] = seconds
    return result


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="small and once, for CI")
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    options = parser.parse_args(argv)
    count, repeats = (20_000, 1) if options.quick else (options.tickets, options.repeats)
    small = max(count // 10, 1)

    runs: dict[str, list[dict[str, Any]]] = {"one": [], "two": [], "small": []}
    for _ in range(repeats):  # interleaved, so that machine noise hits every side alike
        runs["one"].append(run_once(count, 1))
        runs["two"].append(run_once(count, 2))
        runs["small"].append(run_once(small, 1))
    if runs["one"][0]["summary"] != runs["two"][0]["summary"]:
        raise SystemExit("1 and 2 workers gave different summaries")

    def median(name: str, field: str) -> float:
        return float(statistics.median(run[field] for run in runs[name]))

    one, two = median("one", "seconds"), median("two", "seconds")
    figures = {
        "tickets": float(count),
        "seconds_1_worker": one,
        "seconds_2_workers": two,
        "per_s_1_worker": count / one,
        "per_s_2_workers": count / two,
        "speedup_2_workers": one / two,
        "rss_mib": median("one", "rss_kib") / 1024,
        "rss_mib_small": median("small", "rss_kib") / 1024,
        "rss_growth": median("one", "rss_kib") / median("small", "rss_kib"),
        "worker_rss_mib": median("two", "worker_rss_kib") / 1024,
    }
    print(f"tickets: {count:,}, repeats: {repeats}, 1 and 2 workers agree: yes")
    print(f"1 worker    {one:8.1f} s  {figures['per_s_1_worker']:10,.0f} tickets/s")
    print(f"2 workers   {two:8.1f} s  {figures['per_s_2_workers']:10,.0f} tickets/s")
    print(f"speed-up of 2 workers over 1: {figures['speedup_2_workers']:.2f}")
    print(
        f"peak RSS, 1 worker: {figures['rss_mib']:.1f} MiB at {count:,} tickets, "
        f"{figures['rss_mib_small']:.1f} MiB at {small:,} (ratio {figures['rss_growth']:.2f}); "
        f"2 workers: {figures['worker_rss_mib']:.1f} MiB per worker"
    )
    return figures


if __name__ == "__main__":
    main()
