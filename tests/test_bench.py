"""The benchmark runs in quick mode, so it cannot rot; it asserts agreement, never time."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from favorpolicy import Policy

BENCH = Path(__file__).parent.parent / "benchmarks" / "bench_resolve.py"


def _load_named(name: str) -> ModuleType:
    path = BENCH.parent / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _load() -> ModuleType:
    return _load_named("bench_resolve")


def test_quick_run_reports_a_ratio(capsys: pytest.CaptureFixture[str]) -> None:
    figures = _load().main(["--quick"])
    assert {"bare", "defaults", "baseline", "ratio", "plugins_ratio"} == set(figures)
    assert figures["ratio"] > 0
    assert "answers agree: yes" in capsys.readouterr().out


def test_baseline_agrees_with_resolve_on_many_tickets() -> None:
    bench = _load()
    # Raises SystemExit naming the ticket on the first disagreement.
    bench.check_agreement(Policy.default("USD"), bench.tickets(3000, seed=7))


def test_ledger_quick_run_keeps_every_acknowledged_record(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # main() raises SystemExit if a reopened ledger lacks an acknowledged record.
    figures = _load_named("bench_ledger").main(["--quick"])
    assert {"resolve_per_s", "batched_per_s", "single_per_s", "batched_ratio"} == set(figures)
    assert all(value > 0 for value in figures.values())
    assert "acknowledged records kept: yes" in capsys.readouterr().out


def test_startup_quick_run_exits_0_with_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    # Times nothing against a target: it checks that the benchmark runs and reports.
    assert 0 == _load_named("bench_startup").main(["--quick"])
    out = capsys.readouterr().out
    for row in ("import attrs", "import favorpolicy", "python -c pass", "favorpolicy --version"):
        assert row in out


def test_startup_json_has_every_figure(capsys: pytest.CaptureFixture[str]) -> None:
    bench = _load_named("bench_startup")
    assert 0 == bench.main(["--quick", "--json"])
    report = json.loads(capsys.readouterr().out)
    labels = {*bench.IMPORTS, "python -c pass", "favorpolicy --version"}
    assert ["this"] == list(report["figures"])
    figures = report["figures"]["this"]
    assert labels == set(figures)
    assert all(figure["runs"] == 3 and figure["median_ms"] >= 0 for figure in figures.values())
