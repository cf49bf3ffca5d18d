"""Fuzz one target for long, with atheris (libFuzzer for Python), on demand.

    python -m pip install atheris '.[test]'
    python fuzz/run.py ticket_json -runs=1000000 -timeout=2 \
        -malloc_limit_mb=200 -rss_limit_mb=2048
    python fuzz/run.py --all -runs=200000           # each target in turn

libFuzzer's own options do the measuring: ``-timeout=2`` fails any input that
takes over 2 seconds, ``-malloc_limit_mb=200`` any that asks for more than
200 MB at once, and an exception other than favorpolicy's own stops the run
and keeps the input in a ``crash-*`` file. (``-rss_limit_mb`` bounds the
whole process, whose resident size grows with libFuzzer's own corpus and
coverage maps over a long run, so it is set high; the memory each input
takes is what the malloc limit and ``tests/test_hostile_input.py`` bound.)
The seeds are the project's own examples (``fuzz/seeds.py``);
docs/reliability.md records the last long run.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent


def _one(name: str, options: list[str]) -> int:
    import atheris  # noqa: PLC0415  # an optional tool, installed for long runs only

    with atheris.instrument_imports():
        from seeds import seed_files  # noqa: PLC0415
        from targets import TARGETS  # noqa: PLC0415

        import favorpolicy  # noqa: F401, PLC0415  # instrumented for coverage

    target = TARGETS[name]
    corpus = seed_files(name)
    atheris.Setup([sys.argv[0], *options, str(corpus)], target)
    atheris.Fuzz()
    return 0


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(HERE))
    if argv and argv[0] == "--all":
        from targets import TARGETS  # noqa: PLC0415

        failed = 0
        for name in TARGETS:
            print(f"== {name}", flush=True)  # noqa: T201  # a report for a person
            command = [sys.executable, __file__, name, *argv[1:]]
            done = subprocess.run(command, check=False)  # noqa: S603  # this very script
            failed += done.returncode != 0
        return failed
    name, options = argv[0], argv[1:]
    return _one(name, options)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
