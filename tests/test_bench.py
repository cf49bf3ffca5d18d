"""The benchmark runs in quick mode, so it cannot rot; it asserts agreement, never time."""

from __future__ import annotations

import importlib.util
import json
import sys
from decimal import Decimal
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
    assert {
        "bare",
        "defaults",
        "logged",
        "baseline",
        "ratio",
        "plugins_ratio",
        "logged_ratio",
    } == set(figures)
    assert figures["ratio"] > 0
    assert figures["logged_ratio"] > 0
    assert "answers agree: yes" in capsys.readouterr().out


def test_rules_quick_run_reports_both_ratios(capsys: pytest.CaptureFixture[str]) -> None:
    assert 0 == _load_named("bench_rules").main(["--quick", "--json"])
    figures = json.loads(capsys.readouterr().out)
    assert figures["resolve_ratio"] > 0
    assert figures["decide_ratio"] > 0
    assert figures["rule_reasons_per_ticket"] > 1  # the rules do match: there is work to time


def test_the_rules_benchmark_has_fifty_valid_rules_of_every_shape() -> None:
    bench = _load_named("bench_rules")
    rules = bench.rules(50)
    assert 50 == len({rule.name for rule in rules})
    policy = Policy.default("USD")
    import attrs  # noqa: PLC0415  # only here

    ruled = attrs.evolve(policy, rules=rules)  # the policy's checks accept them
    assert {"law", "policy"} == {rule.basis.value for rule in ruled.rules}


def test_baseline_agrees_with_resolve_on_many_tickets() -> None:
    bench = _load()
    # Raises SystemExit naming the ticket on the first disagreement.
    bench.check_agreement(Policy.default("USD"), bench.tickets(3000, seed=7))


def test_ledger_quick_run_keeps_every_acknowledged_record(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # main() raises SystemExit if a reopened ledger lacks an acknowledged record.
    figures = _load_named("bench_ledger").main(["--quick"])
    assert {
        "resolve_per_s",
        "batched_per_s",
        "in_batch_per_s",
        "single_per_s",
        "batched_ratio",
    } == set(figures)
    assert all(value > 0 for value in figures.values())
    assert "acknowledged records kept: yes" in capsys.readouterr().out


class TestEngines:
    """bench_engines: the engines must give resolve()'s answers before anything is timed."""

    def test_quick_run_checks_agreement_and_exits_0(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert 0 == _load_named("bench_engines").main(["--quick"])
        out = capsys.readouterr().out
        assert "answers agree: yes" in out
        for name in ("resolve()", "decide()", "rule-engine", "business-rules", "zen-engine"):
            assert name in out

    def test_json_reports_every_engine(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert 0 == _load_named("bench_engines").main(["--quick", "--json"])
        figures = json.loads(capsys.readouterr().out)
        engines = {"rule-engine", "business-rules", "zen-engine"}
        assert {"resolve(), read", "decide()", *engines} == set(figures["ratio_to_resolve"])
        assert engines == set(figures["ratio_to_decide"])
        assert engines == set(figures["ratio_to_resolve_read"])
        assert {"resolve()", *figures["ratio_to_resolve"]} == set(figures["us_per_ticket"])
        assert figures["agree"] is True

    @pytest.mark.parametrize(
        ("change", "value"),
        [
            ("courtesy", Decimal(6)),
            ("cap", Decimal(499)),
            ("tenure", ((1, Decimal("1.1")), (3, Decimal("1.25")), (6, Decimal("1.5")))),
            ("limits", (("agent", Decimal(49)), ("lead", Decimal(250)), ("owner", None))),
        ],
    )
    def test_a_wrong_table_is_caught_in_every_engine(self, change: str, value: object) -> None:
        bench = _load_named("bench_engines")
        wrong = bench.DEFAULT._replace(**{change: value})
        batch = bench.tickets(50) + bench.edge_tickets()
        expected = bench.resolved(batch)
        for build in bench.ENGINES:
            engine = build(wrong)
            with pytest.raises(bench.Disagreement, match=engine.name):
                bench.check_agreement(engine, batch, expected)

    def test_a_cent_off_is_caught(self) -> None:
        bench = _load_named("bench_engines")
        batch = bench.tickets(5)
        right = bench.zen_engine()

        def off_by_a_cent(facts: dict[str, object]) -> tuple[object, ...]:
            owed, goodwill, granted, escalate = right.decide(facts)
            return owed, goodwill + Decimal("0.01"), granted, escalate

        with pytest.raises(bench.Disagreement, match="T-0"):
            bench.check_agreement(
                right._replace(decide=off_by_a_cent), batch, bench.resolved(batch)
            )

    def test_main_exits_1_when_an_engine_disagrees(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        bench = _load_named("bench_engines")
        wrong = bench.DEFAULT._replace(cap=Decimal(499))
        monkeypatch.setattr(bench, "ENGINES", (lambda _: bench.rule_engine_engine(wrong),))
        assert 1 == bench.main(["--quick"])
        assert "rule-engine disagrees with resolve()" in capsys.readouterr().err

    def test_engines_agree_with_resolve_on_many_tickets(self) -> None:
        bench = _load_named("bench_engines")
        batch = bench.tickets(1000, seed=7) + bench.edge_tickets()
        expected = bench.resolved(batch)
        for build in bench.ENGINES:
            bench.check_agreement(build(bench.DEFAULT), batch, expected)


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


def test_simulate_quick_run_agrees_across_workers_and_reports(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # main() raises SystemExit if a run resolves too few tickets or 1 and 2 workers disagree.
    figures = _load_named("bench_simulate").main(["--quick"])
    assert figures["tickets"] == 20_000
    assert figures["per_s_1_worker"] > 0
    assert figures["rss_growth"] > 0
    assert "1 and 2 workers agree: yes" in capsys.readouterr().out


def test_the_runner_runs_every_benchmark_and_sums_up(capsys: pytest.CaptureFixture[str]) -> None:
    rows = _load_named("run").main(["--quick"])
    out = capsys.readouterr().out
    for name in ("resolve", "rules", "engines", "startup", "simulate", "ledger"):
        assert f"== {name} ==" in out
    assert "== summary (quick: too small to judge) ==" in out
    whats = [row[0] for row in rows]
    assert "resolve(), no plugins / hand-written baseline" in whats
    assert any(what.startswith("zen-engine") for what in whats)
    assert all(row[1] for row in rows)  # every row has a figure
    assert out.rstrip().splitlines()[-1].startswith("targets met: ")


@pytest.mark.parametrize(
    ("target", "met", "shown"),
    [
        ("<= 5", True, "met"),
        ("<= 5", False, "MISSED"),
        ("(<= 2)", True, "met"),
        ("(<= 2)", False, "missed"),
    ],
)
def test_the_summary_shouts_only_for_a_real_target(target: str, met: bool, shown: str) -> None:
    assert shown == _load_named("run").verdict(target, met)


def test_the_tally_counts_only_the_real_targets() -> None:
    rows = [
        ("a", "1", "<= 5", True),
        ("b", "9", "<= 5", False),
        ("c", "9", "(<= 2)", False),
        ("d", "1", "(> 1)", True),
    ]
    assert _load_named("run").tally(rows).startswith("targets met: 1 of 2 ")
