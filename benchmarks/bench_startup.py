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


def version_command() -> list[str]:
    """The installed ``favorpolicy`` console script, or the same entry point through -c."""
    script = Path(sys.executable).with_name("favorpolicy")
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script), "--version"]
    entry = "import sys; from favorpolicy.cli import main; sys.exit(main())"
    return [sys.executable, "-c", entry, "--version"]


def _environment() -> dict[str, str]:
    # The caller's import profiling, warning filters or bytecode settings must not skew timings.
    environment = dict(os.environ)
    for name in ("PYTHONWARNINGS", "PYTHONPROFILEIMPORTTIME", "PYTHONDONTWRITEBYTECODE"):
        environment.pop(name, None)
    return environment


def time_import(statement: str, environment: dict[str, str]) -> tuple[float, int]:
    """Seconds *statement* takes in a fresh interpreter, and the modules it loads."""
    done = subprocess.run(  # noqa: S603  # runs only this interpreter, on our own code
        [sys.executable, "-c", _TIMED.format(statement=statement)],
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


def check_version(command: list[str], environment: dict[str, str]) -> str | None:
    """What is wrong with ``favorpolicy --version``'s answer, or None."""
    done = subprocess.run(command, capture_output=True, text=True, env=environment, check=False)  # noqa: S603
    expected = f"favorpolicy, version {version('favorpolicy')}\n"
    if (0, expected) != (done.returncode, done.stdout):
        return f"{command} answered {done.returncode}, {done.stdout!r}, {done.stderr!r}"
    return None


def measure(rounds: int, seed: int = 20261124) -> dict[str, dict[str, float]]:
    """Medians and minima in milliseconds, by label; every round runs every case once."""
    environment = _environment()
    command = version_command()
    walls = {"python -c pass": [sys.executable, "-c", "pass"], "favorpolicy --version": command}
    cases = [("import", label) for label in IMPORTS] + [("wall", label) for label in walls]
    seconds: dict[str, list[float]] = {label: [] for _, label in cases}
    modules: dict[str, int] = {}
    rng = random.Random(seed)
    for number in range(rounds + 1):  # round 0 warms the bytecode caches and is dropped
        order = list(cases)
        rng.shuffle(order)
        for kind, label in order:
            if kind == "import":
                taken, modules[label] = time_import(IMPORTS[label], environment)
            else:
                taken = time_wall(walls[label], environment)
            if number:
                seconds[label].append(taken)
    figures = {
        label: {
            "median_ms": statistics.median(values) * 1000,
            "min_ms": min(values) * 1000,
            "runs": len(values),
        }
        for label, values in seconds.items()
    }
    for label, count in modules.items():
        figures[label]["modules"] = count
    return figures


def report(figures: dict[str, dict[str, float]], command: list[str]) -> None:
    print(f"Python {sys.version.split()[0]}, {figures['import favorpolicy']['runs']:.0f} rounds")
    print()
    print("in-process import time (perf_counter around the statement, in python -c)")
    print(f"  {'statement':<42} {'median ms':>10} {'min ms':>8} {'modules':>8}")
    for label in IMPORTS:
        row = figures[label]
        print(
            f"  {label:<42} {row['median_ms']:>10.1f} {row['min_ms']:>8.1f} {row['modules']:>8.0f}"
        )
    print()
    print(f"wall time of a fresh process ({' '.join(command)})")
    print(f"  {'command':<42} {'median ms':>10} {'min ms':>8}")
    for label in ("python -c pass", "favorpolicy --version"):
        row = figures[label]
        print(f"  {label:<42} {row['median_ms']:>10.1f} {row['min_ms']:>8.1f}")
    print()
    imported = figures["import favorpolicy"]["median_ms"]
    answered = figures["favorpolicy --version"]["median_ms"]
    print(f"import favorpolicy:     {imported:6.1f} ms (target <= {IMPORT_TARGET_MS:.0f} ms)")
    print(f"favorpolicy --version:  {answered:6.1f} ms (target <= {VERSION_TARGET_MS:.0f} ms)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="few rounds, for CI")
    parser.add_argument("--rounds", type=int, default=31, help="fresh processes per case")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    options = parser.parse_args(argv)
    rounds = 3 if options.quick else options.rounds
    command = version_command()
    problem = check_version(command, _environment())
    if problem is not None:
        print(f"favorpolicy --version is wrong: {problem}", file=sys.stderr)
        return 1
    figures = measure(rounds)
    if options.json:
        print(json.dumps({"command": command, "figures": figures}, indent=2))
    else:
        report(figures, command)
    return 0


if __name__ == "__main__":
    sys.exit(main())
