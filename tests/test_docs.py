"""The docs' examples run, and the docs keep up with the code."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

import favorpolicy
import favorpolicy.backtest
import favorpolicy.exceptions
import favorpolicy.ledger
import favorpolicy.testing
import test_plugins
from favorpolicy import hookspecs
from favorpolicy.testing import CONTRACT

ROOT = Path(__file__).parent.parent
PYCON = re.compile(r"^```pycon\n(.*?)^```", re.DOTALL | re.MULTILINE)
ALL_PAGES = sorted([*ROOT.joinpath("docs").glob("*.md"), ROOT / "README.md"])
PAGES = [page for page in ALL_PAGES if PYCON.search(page.read_text(encoding="utf-8"))]


def _examples(page: Path) -> str:
    """All pycon blocks of a page, as one doctest sharing its names, at their own lines."""
    text = page.read_text(encoding="utf-8")
    padded = []
    for match in PYCON.finditer(text):
        line = text.count("\n", 0, match.start(1))
        padded.append((line, match.group(1)))
    joined, at = [], 0
    for line, block in padded:
        joined.append("\n" * (line - at))
        joined.append(block)
        at = line + block.count("\n")
    return "".join(joined)


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_examples_run(page: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # examples name files like examples/policy.toml
    source = _examples(page)
    test = doctest.DocTestParser().get_doctest(source, {}, page.name, str(page), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    results = runner.summarize(verbose=False)
    assert 0 == results.failed, f"{results.failed} example(s) failed in {page.name}"
    assert results.attempted > 0


def test_the_pages_with_code_are_all_checked() -> None:
    # index.md is a table of contents, performance.md and reliability.md report figures
    # and tests, architecture.md draws the packages, and cli.md's console sessions are
    # run by tests/test_cli.py; the rest show Python code.
    prose = {"index.md", "performance.md", "cli.md", "architecture.md", "reliability.md"}
    assert {page.name for page in ALL_PAGES} - prose == {page.name for page in PAGES}


def test_module_docstrings_run() -> None:
    for module in (favorpolicy, favorpolicy._money):
        results = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert 0 == results.failed
        assert results.attempted > 0


class TestBiasContractPage:
    page = (ROOT / "docs" / "bias-contract.md").read_text(encoding="utf-8")

    @pytest.mark.parametrize("rule", list(CONTRACT))
    def test_names_each_rule_with_its_check_and_test(self, rule: str) -> None:
        assert f"`{rule}`" in self.page
        assert f"`TestBiasContract::test_{rule}`" in self.page

    def test_every_named_test_exists(self) -> None:
        source = (ROOT / "tests" / "test_contract.py").read_text(encoding="utf-8")
        for name in re.findall(r"`TestBiasContract::(test_\w+)`", self.page):
            assert f"def {name}(" in source
        for name in re.findall(r"`TestAbuseContract::(test_\w+)`", self.page):
            assert callable(getattr(test_plugins.TestAbuseContract, name))


def test_the_errors_page_lists_every_error_and_every_error_lives_in_exceptions() -> None:
    page = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    for name in favorpolicy.exceptions.__all__:
        assert f"`{name}`" in page, name
        assert getattr(favorpolicy, name) is getattr(favorpolicy.exceptions, name)
    # No public module defines an error class of its own.
    for module in (favorpolicy.testing, favorpolicy.ledger, favorpolicy.backtest, hookspecs):
        for name in getattr(module, "__all__", ()):
            value = getattr(module, name)
            if isinstance(value, type) and issubclass(value, Exception):
                assert value.__module__ == "favorpolicy.exceptions", name


def test_testing_page_lists_every_strategy() -> None:
    page = (ROOT / "docs" / "testing.md").read_text(encoding="utf-8")
    for name in ("money", "currencies", "customers", "issues", "policies", "scenarios"):
        assert f"`{name}(" in page
        assert name in favorpolicy.testing.__all__


class TestEveryHook:
    """A hook in hookspecs without docs or an isolation test fails here."""

    hooks = sorted(name for name in vars(hookspecs) if name.startswith("favorpolicy_"))
    page = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")

    def test_the_hooks_are_the_documented_five(self) -> None:
        assert [
            "favorpolicy_candidates",
            "favorpolicy_cost",
            "favorpolicy_goodwill",
            "favorpolicy_notify",
            "favorpolicy_screen",
        ] == self.hooks

    @pytest.mark.parametrize("hook", hooks)
    def test_has_a_docs_section_with_an_example(self, hook: str) -> None:
        sections = re.split(r"^## ", self.page, flags=re.MULTILINE)
        (section,) = [s for s in sections if s.startswith(f"{hook}\n")]
        assert f"def {hook}(" in section, "the section's example implements the hook"
        assert "```pycon" in section
        assert getattr(hookspecs, hook).__doc__

    @pytest.mark.parametrize("hook", hooks)
    def test_has_an_isolation_test(self, hook: str) -> None:
        if hook == "favorpolicy_notify":
            assert hasattr(test_plugins, "TestSinkIsolation")
            return
        assert hook in test_plugins.DECIDING_HOOKS
        assert callable(getattr(test_plugins.faulty_plugin(hook, "raise"), hook))


class TestPolicyRulesPage:
    """docs/policy-rules.md's TOML is a real policy file's rules: appended to the example
    policy, it loads, and its rules decide as the page says."""

    page = (ROOT / "docs" / "policy-rules.md").read_text(encoding="utf-8")

    def block(self, holding: str) -> str:
        """The page's one TOML block that holds *holding*."""
        blocks = re.findall(r"^```toml\n(.*?)^```", self.page, re.DOTALL | re.MULTILINE)
        (found,) = [block for block in blocks if holding in block]
        return found

    def test_the_toml_block_loads_as_the_rules_of_a_policy(self, tmp_path: Path) -> None:
        blocks = re.findall(r"^```toml\n(.*?)^```", self.page, re.DOTALL | re.MULTILINE)
        assert 3 == len(blocks)
        rules = self.block('[[rules]]\nname = "cdc-49"')
        base = (ROOT / "examples" / "policy.toml").read_text(encoding="utf-8")
        currency = re.search(r'^currency = "(\w+)"', base, re.MULTILINE)
        assert currency is not None
        path = tmp_path / "ruled.toml"
        path.write_text(base + "\n" + rules, encoding="utf-8")
        policy = favorpolicy.policy_from_toml(path)
        assert ["cdc-49", "sla-30", "eu261-long"] == [rule.name for rule in policy.rules]
        assert {"facts.uptime_percent": "lower"} == dict(policy.worse_when)
        code = currency[1]
        outage = favorpolicy.Issue(
            "O-1",
            "outage",
            "business",
            favorpolicy.Money(100, code),
            facts={"uptime_percent": favorpolicy.Money(1, code).amount * 98},
        )
        credit = favorpolicy.resolve(outage, favorpolicy.Customer("C"), policy)
        assert any(
            reason.code == "ruled" and "sla-30" in reason.message for reason in credit.reasons
        )

    def test_the_tables_block_declares_a_complete_table_of_those_rules(
        self, tmp_path: Path
    ) -> None:
        tables, rules = self.block("[[tables]]"), self.block('[[rules]]\nname = "cdc-49"')
        base = (ROOT / "examples" / "policy.toml").read_text(encoding="utf-8")
        path = tmp_path / "tabled.toml"
        path.write_text(base + "\n" + tables + "\n" + rules, encoding="utf-8")
        policy = favorpolicy.policy_from_toml(path)
        assert [("sla", ("sla-30",))] == [(t.name, t.rules) for t in policy.tables]
        (found,) = favorpolicy.analyse_tables(policy)
        assert (True, ()) == (found.complete, found.gaps)

    def test_the_versions_block_loads_as_versions_of_a_policy(self, tmp_path: Path) -> None:
        block = self.block("[[versions]]")
        versions = block[block.index("[[versions]]") :]  # the shared keys are a placeholder
        base = (ROOT / "examples" / "policy.toml").read_text(encoding="utf-8")
        path = tmp_path / "versions.toml"
        path.write_text(base + "\n" + versions, encoding="utf-8")
        loaded = favorpolicy.load_policy(path)
        assert isinstance(loaded, favorpolicy.PolicyVersions)
        assert [0, 1] == [len(version.rules) for version in loaded.versions]

    def test_every_built_in_fact_is_in_the_table(self) -> None:
        for fact in favorpolicy.FACTS:
            assert f"`{fact}`" in self.page
