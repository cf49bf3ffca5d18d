"""Time favorpolicy's start-up in fresh processes, against references from the same run.

Two figures, each the median over many fresh interpreters, run interleaved so
that machine noise hits every side alike:

- the in-process time of ``import favorpolicy`` (``time.perf_counter()``
  around the import, inside ``python -c``), next to the same measure for
  nothing at all, for ``import attrs``, and for the first real use,
  ``from favorpolicy import Policy, resolve``;
- the wall time of ``favorpolicy --version`` (the installed console script),
  next to ``python -c pass``.

Before timing, each command runs once and must succeed; ``--version`` must
print the installed version.

    python benchmarks/bench_startup.py            # full run, 31 rounds
    python benchmarks/bench_startup.py --quick    # a few rounds, for CI
    python benchmarks/bench_startup.py --json     # the figures as JSON
    python benchmarks/bench_startup.py --baseline OTHER/bin/python
        # also an older favorpolicy, installed with OTHER's python, interleaved
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path

#: Targets on the 2-core development machine, in milliseconds.
IMPORT_TARGET_MS = 60.0
VERSION_TARGET_MS = 150.0

# Prints the seconds the statement took and how many modules it loaded.
_TIMED = (
    "import sys, time\n"
    "before = len(sys.modules)\n"
    "start = time.perf_counter()\n"
    "{statement}\n"
    "print(time.perf_counter() - start, len(sys.modules) - before)\n"
)

#: In-process imports: label -> statement.
IMPORTS: dict[str, str] = {
    "nothing (timer only)": "pass",
    "import attrs": "import attrs",
    "import favorpolicy": "import favorpolicy",
    "from favorpolicy import Policy, resolve": "from favorpolicy import Policy, resolve",
}


def version_command(python: str) -> list[str]:
    """The ``favorpolicy`` console script next to *python*, or its entry point through -c."""
    script = Path(python).with_name("favorpolicy")
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script), "--version"]
    entry = "import sys; from favorpolicy.cli import main; sys.exit(main())"
    return [python, "-c", entry, "--version"]


def _environment() -> dict[str, str]:
    # The caller's import profiling, warning filters or bytecode settings must not skew timings.
    environment = dict(os.environ)
    for name in ("PYTHONWARNINGS", "PYTHONPROFILEIMPORTTIME", "PYTHONDONTWRITEBYTECODE"):
        environment.pop(name, None)
    return environment


def time_import(python: str, statement: str, environment: dict[str, str]) -> tuple[float, int]:
    """Seconds *statement* takes in a fresh interpreter, and the modules it loads."""
    done = subprocess.run(  # noqa: S603  # runs only the interpreters we were given, on our code
        [python, "-c", _TIMED.format(statement=statement)],
        capture_output=True,
        text=True,
        check=True,
        env=environment,
    )
    seconds, modules = done.stdout.split()
    return float(seconds), int(modules)


def time_wall(command: list[str], environment: dict[str, str]) -> float:
    """Seconds from starting *command* until it has exited."""
    start = time.perf_counter()
    subprocess.run(command, capture_output=True, check=True, env=environment)  # noqa: S603
    return time.perf_counter() - start


def check_version(
    command: list[str], environment: dict[str, str], expected: str | None
) -> str | None:
    """What is wrong with ``favorpolicy --version``'s answer, or None.

    Without an *expected* version (a baseline's), any version will do.
    """
    done = subprocess.run(command, capture_output=True, text=True, env=environment, check=False)  # noqa: S603
    answer = "favorpolicy, version "
    right = done.stdout == f"{answer}{expected}\n" if expected else done.stdout.startswith(answer)
    if done.returncode or not right:
        return f"{command} answered {done.returncode}, {done.stdout!r}, {done.stderr!r}"
    return None


def measure(
    rounds: int, pythons: dict[str, str], seed: int = 20261124
) -> dict[str, dict[str, dict[str, float]]]:
    """Medians and minima in milliseconds, by side and label.

    *pythons* maps a side ("this", and "baseline" if given) to its interpreter.
    Every round runs every case of every side once, in a shuffled order.
    """
    environment = _environment()
    walls = {
        side: {
            "python -c pass": [python, "-c", "pass"],
            "favorpolicy --version": version_command(python),
        }
        for side, python in pythons.items()
    }
    cases = [(side, label) for side in pythons for label in [*IMPORTS, *walls[side]]]
    seconds: dict[tuple[str, str], list[float]] = {case: [] for case in cases}
    modules: dict[tuple[str, str], int] = {}
    rng = random.Random(seed)
    for number in range(rounds + 1):  # round 0 warms the bytecode caches and is dropped
        order = list(cases)
        rng.shuffle(order)
        for side, label in order:
            if label in IMPORTS:
                taken, modules[side, label] = time_import(
                    pythons[side], IMPORTS[label], environment
                )
            else:
                taken = time_wall(walls[side][label], environment)
            if number:
                seconds[side, label].append(taken)
    figures: dict[str, dict[str, dict[str, float]]] = {side: {} for side in pythons}
    for (side, label), values in seconds.items():
        figures[side][label] = {
            "median_ms": statistics.median(values) * 1000,
            "min_ms": min(values) * 1000,
            "runs": len(values),
        }
        if (side, label) in modules:
            figures[side][label]["modules"] = modules[side, label]
    return figures


def report(figures: dict[str, dict[str, dict[str, float]]], pythons: dict[str, str]) -> None:
    sides = list(figures)
    rounds = figures["this"]["import favorpolicy"]["runs"]
    print(f"Python {sys.version.split()[0]}, {rounds:.0f} rounds, interleaved")
    for side in sides:
        print(f"  {side}: {' '.join(version_command(pythons[side]))}")
    header = "".join(f" {side + ' median':>16} {'min':>6} {'modules':>7}" for side in sides)
    print()
    print("in-process import time, ms (perf_counter around the statement, in python -c)")
    print(f"  {'statement':<40}{header}")
    for label in IMPORTS:
        cells = "".join(
            f" {figures[side][label]['median_ms']:>16.1f} {figures[side][label]['min_ms']:>6.1f}"
            f" {figures[side][label]['modules']:>7.0f}"
            for side in sides
        )
        print(f"  {label:<40}{cells}")
    print()
    print("wall time of a fresh process, ms")
    print(f"  {'command':<40}" + "".join(f" {side + ' median':>16} {'min':>6}" for side in sides))
    for label in ("python -c pass", "favorpolicy --version"):
        cells = "".join(
            f" {figures[side][label]['median_ms']:>16.1f} {figures[side][label]['min_ms']:>6.1f}"
            for side in sides
        )
        print(f"  {label:<40}{cells}")
    print()
    imported = figures["this"]["import favorpolicy"]["median_ms"]
    answered = figures["this"]["favorpolicy --version"]["median_ms"]
    print(f"import favorpolicy:     {imported:6.1f} ms (target <= {IMPORT_TARGET_MS:.0f} ms)")
    print(f"favorpolicy --version:  {answered:6.1f} ms (target <= {VERSION_TARGET_MS:.0f} ms)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="few rounds, for CI")
    parser.add_argument("--rounds", type=int, default=31, help="fresh processes per case")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--baseline",
        metavar="PYTHON",
        help="also time this interpreter (with another favorpolicy installed), interleaved",
    )
    options = parser.parse_args(argv)
    rounds = 3 if options.quick else options.rounds
    pythons = {"this": sys.executable}
    if options.baseline:
        pythons["baseline"] = options.baseline
    environment = _environment()
    for side, python in pythons.items():
        expected = version("favorpolicy") if side == "this" else None
        problem = check_version(version_command(python), environment, expected)
        if problem is not None:
            print(f"favorpolicy --version is wrong: {problem}", file=sys.stderr)
            return 1
    figures = measure(rounds, pythons)
    if options.json:
        commands = {side: version_command(python) for side, python in pythons.items()}
        print(json.dumps({"commands": commands, "figures": figures}, indent=2))
    else:
        report(figures, pythons)
    return 0


if __name__ == "__main__":
    sys.exit(main())
