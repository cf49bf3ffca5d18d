"""Run every benchmark and print each figure beside its target.

    python -m pip install '.[bench]' && python benchmarks/run.py           # full suite
    python benchmarks/run.py --quick                                       # CI: small runs
    python benchmarks/run.py --only resolve engines                        # some of them

Each benchmark times favorpolicy against a reference taken in the same run and
reports a ratio (see docs/performance.md). The targets are the ones issue 7
set, for the 2-core development machine; ``--quick`` runs are too small for
their figures to mean much, and exist so that CI keeps every benchmark working.
The exit code is 0 when every benchmark ran, whatever the figures: a benchmark
reports, it does not gate.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).parent


def load(name: str) -> ModuleType:
    """Import ``benchmarks/<name>.py`` as a module (the folder is not a package)."""
    sys.path.insert(0, str(HERE))
    spec = importlib.util.spec_from_file_location(name, HERE / f"{name}.py")
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {name}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _json_of(main: Callable[[list[str]], int], argv: list[str]) -> dict[str, Any]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main([*argv, "--json"])
    if code:
        raise SystemExit(f"a benchmark failed with exit code {code}")
    data: dict[str, Any] = json.loads(out.getvalue())
    return data


Row = tuple[str, str, str, bool]  # what, figure, target, met


def watched(target: str) -> bool:
    """Whether *target* is one we only watch, not one of issue 7's: it is in parentheses.

    A watched figure is reported, and a miss is marked in lower case, so that
    MISSED always means one of the real targets.
    """
    return target.startswith("(")


def verdict(target: str, met: bool) -> str:
    """How the summary marks a figure: met, MISSED (a target) or missed (a watched figure)."""
    if met:
        return "met"
    return "missed" if watched(target) else "MISSED"


def tally(rows: Sequence[Row]) -> str:
    """The summary's last line: how many of the real targets were met."""
    targets = [met for _, _, target, met in rows if not watched(target)]
    return f"targets met: {sum(targets)} of {len(targets)} (in parentheses: watched, not targets)"


def resolve_rows(quick: list[str]) -> list[Row]:
    figures = load("bench_resolve").main(quick)
    return [
        ("resolve(), no plugins / hand-written baseline", f"{figures['ratio']:.2f}", "<= 5",
         figures["ratio"] <= 5),
        ("resolve(), default plugins / no plugins", f"{figures['plugins_ratio']:.2f}", "<= 2",
         figures["plugins_ratio"] <= 2),
        ("  ... with a log handler / no plugins", f"{figures['logged_ratio']:.2f}", "(<= 2)",
         figures["logged_ratio"] <= 2),
    ]  # fmt: skip


def rules_rows(quick: list[str]) -> list[Row]:
    figures = _json_of(load("bench_rules").main, quick)
    ratio, decided = figures["resolve_ratio"], figures["decide_ratio"]
    for name, micros in figures.items():
        if name.startswith("us "):
            print(f"{name[3:]:20} {micros:8.1f} us per ticket")
    return [
        ("resolve(), 50 rules / no rules", f"{ratio:.2f}", "<= 2", ratio <= 2),
        ("decide(), 50 rules / no rules", f"{decided:.2f}", "(<= 2)", decided <= 2),
    ]


def engines_rows(quick: list[str]) -> list[Row]:
    figures = _json_of(load("bench_engines").main, quick)
    for name, micros in figures["us_per_ticket"].items():
        print(f"{name:16} {micros:8.1f} us per ticket")
    rows: list[Row] = []
    for engine, other in figures["ratio_to_decide"].items():
        ratio = figures["ratio_to_resolve"][engine]
        read = figures["ratio_to_resolve_read"][engine]
        rows.append((f"{engine} / resolve()", f"{ratio:.2f}", "> 1", ratio > 1))
        rows.append((f"{engine} / resolve(), reasons read", f"{read:.2f}", "(> 1)", read > 1))
        rows.append((f"{engine} / decide()", f"{other:.2f}", "(> 1)", other > 1))
    return rows


def startup_rows(quick: list[str]) -> list[Row]:
    figures = _json_of(load("bench_startup").main, quick)["figures"]["this"]
    for name, timing in figures.items():
        print(f"{name:42} median {timing['median_ms']:7.1f} ms, min {timing['min_ms']:7.1f} ms")
    imported = figures["import favorpolicy"]["median_ms"]
    used = figures["from favorpolicy import Policy, resolve"]["median_ms"]
    answered = figures["favorpolicy --version"]["median_ms"]
    return [
        ("import favorpolicy, ms", f"{imported:.1f}", "<= 60", imported <= 60),
        ("from favorpolicy import Policy, resolve, ms", f"{used:.1f}", "(<= 60)", used <= 60),
        ("favorpolicy --version, ms", f"{answered:.1f}", "<= 150", answered <= 150),
    ]


def simulate_rows(quick: list[str]) -> list[Row]:
    figures = load("bench_simulate").main(quick)
    tickets = int(figures["tickets"])
    one = figures["seconds_1_worker"]
    full = tickets >= 1_000_000
    return [
        (f"simulate, {tickets:,} tickets, 1 worker, s", f"{one:.1f}",
         "<= 30 at 1,000,000", full and one <= 30),
        ("simulate, 2 workers / 1 worker speed-up", f"{figures['speedup_2_workers']:.2f}", "> 1",
         figures["speedup_2_workers"] > 1),
        ("simulate, peak RSS at N / at N/10", f"{figures['rss_growth']:.2f}", "about 1",
         figures["rss_growth"] < 1.2),
    ]  # fmt: skip


def ledger_rows(quick: list[str]) -> list[Row]:
    figures = load("bench_ledger").main(quick)
    per_second = figures["batched_per_s"]
    return [("resolve + ledger record, batched, per s", f"{per_second:,.0f}", ">= 5,000",
             per_second >= 5000)]  # fmt: skip


SUITES: dict[str, Callable[[list[str]], list[Row]]] = {
    "resolve": resolve_rows,
    "rules": rules_rows,
    "engines": engines_rows,
    "startup": startup_rows,
    "simulate": simulate_rows,
    "ledger": ledger_rows,
}


def main(argv: Sequence[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="small runs, for CI")
    parser.add_argument("--only", nargs="+", choices=sorted(SUITES), help="run only these")
    options = parser.parse_args(argv)
    quick = ["--quick"] if options.quick else []
    rows: list[Row] = []
    for name in options.only or SUITES:
        print(f"\n== {name} ==", flush=True)
        rows += SUITES[name](quick)
    width = max(len(row[0]) for row in rows)
    print("\n== summary" + (" (quick: too small to judge)" if options.quick else "") + " ==")
    for what, figure, target, met in rows:
        print(f"{what:<{width}}  {figure:>10}  target {target:<20} {verdict(target, met)}")
    print(tally(rows))
    return rows


if __name__ == "__main__":
    main()
