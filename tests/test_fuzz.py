"""Every parser, fed bytes: only favorpolicy's own refusals come out (issue 15).

The short profile of the fuzz suite, run on every CI run: Hypothesis draws
raw bytes and mutations of the project's own valid inputs, for each target in
``fuzz/targets.py``. ``fuzz/run.py`` runs the same targets for long with
atheris; docs/reliability.md records the figures.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent.parent / "fuzz"))
from seeds import seeds  # the fuzz folder is not a package
from targets import TARGETS


def _edited(seed: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    data = bytearray(seed)
    for where, cut, put in edits:
        at = where % (len(data) + 1)
        data[at : at + cut] = put
    return bytes(data)


def inputs(target: str) -> st.SearchStrategy[bytes]:
    """Raw bytes, and the target's valid inputs with a few bytes cut, changed or added."""
    edits = st.lists(
        st.tuples(st.integers(0, 10**6), st.integers(0, 8), st.binary(max_size=8)),
        min_size=1,
        max_size=6,
    )
    mutated = st.builds(_edited, st.sampled_from(seeds(target)), edits)
    deep = st.integers(1, 5000).map(lambda depth: b"[" * depth + b"]" * (depth % 3))
    huge = st.integers(4000, 6000).map(
        lambda digits: b'{"issue": {"loss": ' + b"9" * digits + b"}}"
    )
    return st.one_of(st.binary(max_size=200), mutated, deep, huge)


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_only_favorpolicys_own_refusals(name: str) -> None:
    target: Callable[[bytes], None] = TARGETS[name]

    @settings(suppress_health_check=[HealthCheck.too_slow])
    @given(inputs(name))
    def run(data: bytes) -> None:
        target(data)

    run()


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_each_seed_is_read_whole(name: str) -> None:
    for data in seeds(name):
        TARGETS[name](data)
