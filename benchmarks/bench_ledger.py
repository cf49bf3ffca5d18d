"""Time resolve() plus a ledger record against resolve() alone, in one run.

Each repetition records a fresh set of tickets into a fresh ledger file on
disk (WAL mode, synchronous=FULL, so every commit reaches the disk): in batch
mode, one transaction per batch of tickets, with ``resolve_and_record_many``
(a few statements a batch) and with ``resolve_and_record`` per ticket inside
``Ledger.batch()`` (a few statements a ticket); and one transaction per ticket.
The reference, resolve() alone on the same tickets, is timed interleaved with
them. After each batched run, the file is reopened and every acknowledged
record is checked to be there, equal to what was returned.

    python benchmarks/bench_ledger.py            # full run
    python benchmarks/bench_ledger.py --quick    # a few repetitions, for CI
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from favorpolicy import Customer, Issue, Policy, Resolution, make_plugin_manager, resolve
from favorpolicy.ledger import Ledger, resolve_and_record, resolve_and_record_many

sys.path.insert(0, str(Path(__file__).parent))
from bench_resolve import tickets  # the same seeded tickets as bench_resolve


def _timed(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="few repetitions, for CI")
    parser.add_argument("--tickets", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=500, help="tickets per transaction")
    parser.add_argument("--repeats", type=int, default=7)
    options = parser.parse_args(argv)
    count, repeats = (300, 2) if options.quick else (options.tickets, options.repeats)
    size = min(options.batch, count)
    policy = Policy.default("USD")
    batch = tickets(count)
    bare = make_plugin_manager(builtins=False, load_entrypoints=False)
    timings: dict[str, list[float]] = {"resolve": [], "batched": [], "in_batch": [], "single": []}
    with tempfile.TemporaryDirectory() as folder:
        for number in range(repeats):

            def run_resolve() -> None:
                for issue, customer in batch:
                    resolve(issue, customer, policy, plugins=bare)

            batched_path = Path(folder) / f"batched-{number}.db"
            acknowledged: list[Resolution] = []

            def run_batched(
                path: Path = batched_path, kept: list[Resolution] = acknowledged
            ) -> None:
                with Ledger(path) as ledger:
                    for start in range(0, count, size):
                        chunk = batch[start : start + size]
                        # acknowledged when it returns: the transaction committed
                        kept.extend(resolve_and_record_many(chunk, policy, ledger, plugins=bare))

            def run_in_batch(path: Path = Path(folder) / f"in-batch-{number}.db") -> None:
                with Ledger(path) as ledger:
                    for start in range(0, count, size):
                        with ledger.batch():
                            for issue, customer in batch[start : start + size]:
                                resolve_and_record(issue, customer, policy, ledger, plugins=bare)

            def run_single(path: Path = Path(folder) / f"single-{number}.db") -> None:
                with Ledger(path) as ledger:
                    for issue, customer in batch[: max(count // 10, 1)]:
                        resolve_and_record(issue, customer, policy, ledger, plugins=bare)

            timings["resolve"].append(_timed(run_resolve))
            timings["batched"].append(_timed(run_batched))
            timings["in_batch"].append(_timed(run_in_batch))
            timings["single"].append(_timed(run_single) * 10)  # a tenth of the tickets
            _check_acknowledged(batched_path, acknowledged, batch)
    per_second = {name: count / statistics.median(values) for name, values in timings.items()}
    figures = {
        "resolve_per_s": per_second["resolve"],
        "batched_per_s": per_second["batched"],
        "in_batch_per_s": per_second["in_batch"],
        "single_per_s": per_second["single"],
        "batched_ratio": per_second["resolve"] / per_second["batched"],
    }
    print(f"tickets: {count}, batch: {size}, repeats: {repeats}, acknowledged records kept: yes")
    print(f"resolve() alone                    {figures['resolve_per_s']:9.0f} per s")
    print(
        f"resolve + record, batched          {figures['batched_per_s']:9.0f} per s (target >= 5000)"
    )
    spread = sorted(count / value for value in timings["batched"])
    print(f"  ... each repetition, slowest to fastest: {', '.join(f'{v:.0f}' for v in spread)}")
    print(f"  ... one call per ticket in batch() {figures['in_batch_per_s']:9.0f} per s")
    print(f"resolve + record, one per commit   {figures['single_per_s']:9.0f} per s")
    print(f"ratio resolve alone / batched:     {figures['batched_ratio']:9.2f}")
    return figures


def _check_acknowledged(
    path: Path, acknowledged: list[Resolution], batch: list[tuple[Issue, Customer]]
) -> None:
    with Ledger(path) as ledger:
        if len(ledger) != len(batch):
            raise SystemExit(f"{path}: {len(ledger)} records, {len(batch)} acknowledged")
        for resolution in acknowledged:
            if ledger.get(resolution.key) != resolution:
                raise SystemExit(f"{path}: the record of {resolution.issue_id} differs")


if __name__ == "__main__":
    main()
