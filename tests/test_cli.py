"""The favorpolicy command, through CliRunner and once as a real installed program."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import InstallPlugin
from favorpolicy import (
    __version__,
    policy_from_toml,
    resolution_from_dict,
    resolution_to_dict,
)
from favorpolicy.cli import main
from favorpolicy.ledger import SCHEMA_VERSION

ROOT = Path(__file__).parent.parent
POLICY = ROOT / "examples" / "policy.toml"
TICKETS = sorted((ROOT / "examples" / "tickets").glob("*.json"))
GOLDEN = Path(__file__).parent / "golden"
# Installed plugins would change the answers; the golden files are for the built-ins.
ENV = {"FAVORPOLICY_DISABLE_PLUGINS": "vip_credit"}
DOCS_LEDGER = Path("/tmp/favorpolicy-docs/shop.db")  # noqa: S108  # the path docs/cli.md shows


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), input=input, env=ENV)
    return result.exit_code, result.stdout, result.stderr


def _golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("FAVORPOLICY_REGEN_GOLDEN"):
        path.write_text(actual, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == actual


class TestResolve:
    @pytest.mark.parametrize("ticket", TICKETS, ids=lambda path: path.stem)
    def test_explains_like_the_golden_file(self, ticket: Path) -> None:
        code, out, err = run("resolve", "--policy", str(POLICY), str(ticket))
        assert (0, "") == (code, err)
        _golden(f"resolve-{ticket.stem}.txt", out)

    @pytest.mark.parametrize("ticket", TICKETS, ids=lambda path: path.stem)
    def test_json_is_golden_and_structures_back(self, ticket: Path) -> None:
        code, out, _ = run("resolve", "--policy", str(POLICY), "--json", str(ticket))
        assert 0 == code
        _golden(f"resolve-{ticket.stem}.json", out)
        resolution = resolution_from_dict(json.loads(out))
        assert json.loads(out) == resolution_to_dict(resolution)
        assert policy_from_toml(POLICY).fingerprint == resolution.policy_fingerprint

    def test_reads_stdin_and_takes_a_role(self) -> None:
        ticket = (ROOT / "examples" / "tickets" / "damaged-escalated.json").read_text()
        code, out, _ = run("resolve", "--policy", str(POLICY), "--role", "lead", "-", input=ticket)
        assert 0 == code
        assert "decided as lead" in out
        assert "escalate" not in out


BAD_TOML = "[roles.agent]\nlimit = = 150\n"


class TestBadInput:
    """Each exits 2 with one line on stderr naming the place."""

    def test_broken_toml(self, tmp_path: Path) -> None:
        policy = tmp_path / "broken.toml"
        policy.write_text(BAD_TOML)
        code, out, err = run("resolve", "--policy", str(policy), str(TICKETS[0]))
        assert 2 == code
        assert "" == out
        assert re.fullmatch(
            rf"favorpolicy: error: {re.escape(str(policy))}: not valid TOML: .*line 2.*\n", err
        )

    def test_unknown_key(self, tmp_path: Path) -> None:
        policy = tmp_path / "typo.toml"
        policy.write_text(POLICY.read_text().replace("[roles.agent]\nlimit", "[roles.agent]\nlimt"))
        code, _, err = run("check", "--policy", str(policy))
        assert 2 == code
        assert f"favorpolicy: error: {policy}: roles.agent.limt: unknown key\n" == err

    def test_bad_ticket(self, tmp_path: Path) -> None:
        ticket = tmp_path / "ticket.json"
        issue = {"id": "t", "kind": "late", "fault": "business", "loss": "5", "severity": 9}
        ticket.write_text(json.dumps({"customer": {"id": "c"}, "issue": issue}))
        code, _, err = run("resolve", "--policy", str(POLICY), str(ticket))
        assert 2 == code
        assert (
            f"favorpolicy: error: {ticket}: "
            "issue.severity: 9 is out of range; it must be from 1 to 5\n"
        ) == err

    def test_not_json(self) -> None:
        code, _, err = run("resolve", "--policy", str(POLICY), "-", input="{nope")
        assert 2 == code
        assert err.startswith("favorpolicy: error: <stdin>: not valid JSON: ")
        assert 1 == err.count("\n")

    def test_unknown_role(self) -> None:
        code, _, err = run("resolve", "--policy", str(POLICY), "--role", "intern", str(TICKETS[0]))
        assert 2 == code
        assert "role: 'intern' is not a role of this policy" in err

    def test_debug_shows_the_traceback(self, tmp_path: Path) -> None:
        policy = tmp_path / "broken.toml"
        policy.write_text(BAD_TOML)
        result = CliRunner().invoke(
            main, ["--debug", "resolve", "--policy", str(policy), "-"], input="{}"
        )
        assert result.exception is not None
        assert "not valid TOML" in str(result.exception)

    def test_usage_errors_exit_2(self) -> None:
        code, _, err = run("resolve")
        assert 2 == code
        assert "Missing option '--policy'" in err


class TestCheck:
    def test_every_rule_passes_for_the_example(self) -> None:
        code, out, _ = run("check", "--policy", str(POLICY), "--examples", "20")
        assert 0 == code
        lines = out.splitlines()
        assert 17 == len(lines)  # the 14 rules, the 2 conduct rules, and the verdict
        assert all(line.startswith("pass  ") for line in lines[:11])
        assert "pass  failing_filter_never_refuses" in lines
        assert "pass  budget_holds_back_only_granted_now" in lines
        assert "all rules pass" == lines[-1]

    def test_a_plugin_that_breaks_the_contract_fails_the_check(
        self, install_plugin: InstallPlugin
    ) -> None:
        # A plugin whose goodwill falls as severity rises.
        source = (
            "from favorpolicy import Money, hookimpl\n"
            "@hookimpl\n"
            "def favorpolicy_goodwill(issue, policy):\n"
            "    return Money(10 ** (6 - issue.severity), policy.currency)\n"
        )
        install_plugin("unkind_plugin", source, "unkind")
        code, out, _ = run("check", "--policy", str(POLICY), "--examples", "100")
        assert 1 == code
        assert re.search(
            r"^FAIL  monotone: monotone: severity \+ 1 lowered total", out, re.MULTILINE
        )
        assert out.endswith("rule(s) of the bias contract failed\n")


class TestPlugins:
    def test_lists_each_plugin_its_hooks_and_origin(self) -> None:
        code, out, _ = run("plugins")
        assert 0 == code
        assert "cost_model  favorpolicy_cost  [built in (favorpolicy.builtin.cost)]" in out
        assert "conduct_filter  favorpolicy_screen  [built in (favorpolicy.builtin.conduct)]" in out
        assert "vip_credit  (blocked)" in out


class TestProgram:
    def test_version_and_help(self) -> None:
        code, out, _ = run("--version")
        assert (0, f"favorpolicy, version {__version__}\n") == (code, out)
        for command in ("resolve", "check", "plugins"):
            code, out, _ = run(command, "--help")
            assert 0 == code
            assert out.startswith(f"Usage: favorpolicy {command}")

    def test_the_installed_entry_point_runs(self) -> None:
        script = Path(sys.executable).parent / "favorpolicy"
        done = subprocess.run(
            [str(script), "resolve", "--policy", str(POLICY), str(TICKETS[0])],
            capture_output=True, text=True, env={**os.environ, **ENV}, check=False,
        )  # fmt: skip
        assert (0, "") == (done.returncode, done.stderr)
        assert (GOLDEN / f"resolve-{TICKETS[0].stem}.txt").read_text(
            encoding="utf-8"
        ) == done.stdout
        failed = subprocess.run(
            [str(script), "resolve"], capture_output=True, text=True, check=False
        )
        assert 2 == failed.returncode


class TestDocsPage:
    """docs/cli.md shows real output: each `$ favorpolicy ...` block is run and compared."""

    page = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")

    def sessions(self) -> list[tuple[str, str]]:
        found = []
        for block in re.findall(r"^```console\n(.*?)^```", self.page, re.DOTALL | re.MULTILINE):
            for chunk in re.split(r"^\$ ", block, flags=re.MULTILINE)[1:]:
                command, _, output = chunk.partition("\n")
                if command.startswith("favorpolicy "):
                    found.append((command, output))
        return found

    def test_the_page_shows_every_command(self) -> None:
        commands = {command.split()[1] for command, _ in self.sessions()}
        assert {"resolve", "check", "plugins", "simulate", "ledger", "--version"} <= commands

    def test_each_shown_output_is_real(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.chdir(ROOT)
        # The ledger session starts from an empty ledger, at the path the page shows.
        shutil.rmtree(DOCS_LEDGER.parent, ignore_errors=True)
        DOCS_LEDGER.parent.mkdir(parents=True)
        for command, shown in self.sessions():
            args = shlex.split(command)[1:]
            result = CliRunner().invoke(main, args, env=ENV)
            assert shown == result.output, command


class TestLedgerCommands:
    """`favorpolicy resolve --record` and `favorpolicy ledger ...`, on a real ledger file."""

    @pytest.fixture
    def book(self, tmp_path: Path) -> Path:
        path = tmp_path / "shop.db"
        for ticket in TICKETS:
            code, _, err = run(
                "resolve", "--policy", str(POLICY), str(ticket), "--record", str(path)
            )
            assert (0, "") == (code, err)
        return path

    def test_recording_twice_keeps_one_decision(self, book: Path) -> None:
        ticket = str(ROOT / "examples" / "tickets" / "late.json")
        first = run("resolve", "--policy", str(POLICY), "--json", ticket, "--record", str(book))
        again = run("resolve", "--policy", str(POLICY), "--json", ticket, "--record", str(book))
        assert first == again
        code, out, _ = run("ledger", "check", "--ledger", str(book))
        expected = f"ok: {len(TICKETS)} resolution(s), schema version {SCHEMA_VERSION}\n"
        assert (0, expected) == (code, out)

    def test_report_text_json_and_plot(self, book: Path, tmp_path: Path) -> None:
        code, out, _ = run("ledger", "report", "--ledger", str(book))
        assert 0 == code
        assert out.startswith(f"ledger report from the start to now: {len(TICKETS)} resolution")
        code, out, _ = run("ledger", "report", "--ledger", str(book), "--json")
        data = json.loads(out)
        assert len(TICKETS) == data["resolutions"]
        assert 1 == data["abuse"]["flags"]  # examples/tickets/abusive.json
        assert 1 == data["escalations"]["waiting"]  # examples/tickets/damaged-escalated.json
        png = tmp_path / "report.png"
        code, _, _ = run("ledger", "report", "--ledger", str(book), "--plot", str(png))
        assert 0 == code
        assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")

    def test_a_period_with_nothing_in_it(self, book: Path) -> None:
        code, out, _ = run(
            "ledger",
            "report",
            "--ledger",
            str(book),
            "--since",
            "2001-01-01",
            "--until",
            "2001-02-01",
        )
        assert 0 == code
        assert "from 2001-01-01 to 2001-02-01: 0 resolution(s)" in out

    def test_export_csv_and_jsonl(self, book: Path, tmp_path: Path) -> None:
        target = tmp_path / "out.csv"
        code, _, err = run(
            "ledger", "export", "--ledger", str(book), "--format", "csv", "-o", str(target)
        )
        assert 0 == code
        assert f"exported {len(TICKETS)} resolution(s)\n" == err
        rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
        assert sorted(r["issue_id"] for r in rows) == sorted(
            json.loads(t.read_text())["issue"]["id"] for t in TICKETS
        )
        code, out, _ = run("ledger", "export", "--ledger", str(book))
        assert len(TICKETS) == len(out.splitlines())

    def test_relay_retry_and_dead_letters_with_a_broken_sink(
        self, book: Path, install_plugin: InstallPlugin
    ) -> None:
        source = (
            "from favorpolicy import hookimpl\n"
            "@hookimpl\n"
            "def favorpolicy_notify(event):\n"
            "    raise ConnectionError('the pager is down')\n"
        )
        install_plugin("pager_plugin", source, "pager")
        code, out, err = run("ledger", "relay", "--ledger", str(book), "--max-attempts", "1")
        assert 1 == code
        assert out.startswith("delivered 0, failed 0 (to retry), dead 3, held ")
        assert "dead letter(s) wait: see 'favorpolicy ledger dead'" in err
        code, out, _ = run("ledger", "dead", "--ledger", str(book))
        assert "ConnectionError: the pager is down" in out
        assert out.endswith("3 dead letter(s)\n")
        code, out, _ = run("ledger", "retry", "--ledger", str(book))
        assert (0, "3 event(s) will be retried by the next relay run\n") == (code, out)

    def test_escalations_and_approve(self, book: Path) -> None:
        code, out, _ = run("ledger", "escalations", "--ledger", str(book))
        assert out.endswith("1 escalation(s)\n")
        key = out.split()[0]
        code, out, err = run("ledger", "approve", "--ledger", str(book), key, "--by", "agent")
        assert 2 == code
        assert err.startswith("favorpolicy: error: by: 'agent' may not approve")
        code, out, _ = run("ledger", "approve", "--ledger", str(book), key, "--by", "owner")
        assert 0 == code
        assert out.startswith("owner approved 369.98 BRL")
        code, out, _ = run("ledger", "escalations", "--ledger", str(book), "--all")
        assert "approved by owner" in out

    @pytest.mark.parametrize(
        ("damage", "message"),
        [("text", "is not a SQLite database"), ("truncate", "is truncated")],
    )
    def test_a_damaged_ledger_is_one_line_and_exit_2(
        self, book: Path, damage: str, message: str
    ) -> None:
        content = b"not a database at all" if damage == "text" else book.read_bytes()[:1024]
        book.write_bytes(content)
        code, _, err = run("ledger", "report", "--ledger", str(book))
        assert 2 == code
        assert 1 == len(err.splitlines())
        assert f"favorpolicy: error: ledger {book}: {message}" in err
        assert content == book.read_bytes()

    def test_a_missing_ledger_is_a_usage_error(self, tmp_path: Path) -> None:
        code, _, err = run("ledger", "report", "--ledger", str(tmp_path / "nope.db"))
        assert 2 == code
        assert "does not exist" in err

    def test_the_installed_command_reads_the_ledger(self, book: Path) -> None:
        script = Path(sys.executable).parent / "favorpolicy"
        done = subprocess.run(
            [str(script), "ledger", "report", "--ledger", str(book), "--json"],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, **ENV},
        )
        assert len(TICKETS) == json.loads(done.stdout)["resolutions"]
