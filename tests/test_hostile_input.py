"""Hostile input gets favorpolicy's own error, naming the field, and costs neither time nor memory.

Issue 15, defects 6 (digits past the context), 7 (denial of service from one
field) and 11 (errors that were not favorpolicy's own).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from favorpolicy import (
    Fault,
    InvalidIssue,
    InvalidMoney,
    InvalidPolicy,
    Issue,
    Money,
    Policy,
    Valuation,
    policy_from_dict,
    policy_from_toml,
    policy_to_dict,
)
from favorpolicy import _resolve as resolve_module
from favorpolicy.backtest import BadRow, file_tickets
from favorpolicy.cli import main

ROOT = Path(__file__).parent.parent
POLICY = ROOT / "examples" / "policy.toml"
ENV = {"FAVORPOLICY_DISABLE_PLUGINS": "vip_credit"}
TICKET = {
    "customer": {"id": "C-1"},
    "issue": {"id": "T-1", "kind": "late", "fault": "unknown", "loss": "5"},
}


def cli(*args: str, input: bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env=ENV, input=input)
    return result.exit_code, result.stdout, result.stderr


class TestMoneyAtTheDoor:
    @pytest.mark.parametrize(
        ("text", "shown"),
        [("0e-999999999", "0.00 USD"), ("0e+999999999", "0.00 USD"), ("-0", "0.00 USD")],
    )
    def test_a_zero_with_any_exponent_is_a_plain_zero(self, text: str, shown: str) -> None:
        money = Money(text, "USD")
        assert shown == str(money)
        assert Money(0, "USD") == money

    @pytest.mark.parametrize(
        "text",
        [
            "1_000",
            "\u0661\u0662",
            "\uff11\uff12",
            "nan!",
            "1e",
            "",
            " ",
            "1" * 41,
            "0x10",
        ],
    )
    def test_text_that_is_not_plain_digits_is_refused(self, text: str) -> None:
        with pytest.raises(InvalidMoney, match=r"^amount: .* is not a number"):
            Money(text, "USD")

    def test_a_huge_int_is_refused_before_it_is_converted(self) -> None:
        with pytest.raises(InvalidMoney, match=r"an int of about 1000000 digits.*too large"):
            Money(10 ** (10**6), "USD")

    @pytest.mark.parametrize("text", ["1e-999999999", "1e999999999", "1e-19"])
    def test_an_extreme_exponent_is_refused(self, text: str) -> None:
        with pytest.raises(InvalidMoney, match=r"too large|decimal places"):
            Money(text, "USD")


class TestTextAtTheDoor:
    def test_a_lone_surrogate_is_refused_with_its_place(self) -> None:
        with pytest.raises(InvalidIssue, match=r"^id: .* holds '\\ud800' at 2, which is not"):
            Issue("T-\ud800", "late", Fault.UNKNOWN, Money(1, "USD"))

    def test_text_has_a_limit(self) -> None:
        with pytest.raises(InvalidIssue, match=r"^conduct: .* too long; at most 100000"):
            Issue("T-1", "late", Fault.UNKNOWN, Money(1, "USD"), conduct="a" * 100_001)
        with pytest.raises(InvalidIssue, match=r"^id: .* too long; at most 1000"):
            Issue("T" * 1001, "late", Fault.UNKNOWN, Money(1, "USD"))


class TestPolicyAtTheDoor:
    def _toml(self, tmp_path: Path, text: str | bytes) -> Path:
        path = tmp_path / "policy.toml"
        body = POLICY.read_bytes()
        path.write_bytes(body + (text.encode() if isinstance(text, str) else text))
        return path

    @pytest.mark.parametrize(
        ("key", "value", "problem"),
        [
            ("favor_margin", "1e-999999999", "more than 18 decimal places"),
            ("hook_budget_ms", "1e999999", "is not a whole number"),
            ("hook_budget_ms", "true", "is not a whole number"),
            ("hook_budget_ms", "1" * 5000, "cannot be read"),
        ],
    )
    def test_a_bad_top_level_number(
        self, tmp_path: Path, key: str, value: str, problem: str
    ) -> None:
        text = POLICY.read_text(encoding="utf-8")
        lines = [line for line in text.splitlines() if not line.startswith(f"{key} ")]
        path = tmp_path / "policy.toml"
        path.write_text(f"{key} = {value}\n" + "\n".join(lines) + "\n", encoding="utf-8")
        with pytest.raises(InvalidPolicy, match=problem):
            policy_from_toml(path)

    @pytest.mark.parametrize(
        ("key", "shown"),
        [("favour\rmargin", "'favour\\rmargin'"), ("a, b", "a, b"), ("it's", "it's"),
         ("x\x00y", "'x\\x00y'"), ("ação", "ação")],
    )  # fmt: skip
    def test_an_unknown_key_is_named_on_one_line(self, key: str, shown: str) -> None:
        data = {**policy_to_dict(Policy.default("USD")), key: 1, "zz": 2}
        with pytest.raises(InvalidPolicy) as caught:
            policy_from_dict(data)
        message = str(caught.value)
        assert 1 == len(message.splitlines()), message
        assert f"policy: {shown}: unknown key; zz: unknown key" == message

    def test_a_tenure_key_that_only_looks_like_digits(self) -> None:
        data = policy_to_dict(Policy.default("USD"))
        data["goodwill"]["tenure_factors"] = {"²": "1.1"}
        with pytest.raises(InvalidPolicy, match=r"tenure_factors\.²: '²' is not a whole number"):
            policy_from_dict(data)

    def test_a_file_that_is_not_utf8(self, tmp_path: Path) -> None:
        with pytest.raises(InvalidPolicy, match="is not UTF-8 text"):
            policy_from_toml(self._toml(tmp_path, b'\nname = "caf\xe9"\n'))

    def test_tables_nested_thousands_deep(self, tmp_path: Path) -> None:
        with pytest.raises(InvalidPolicy, match=r"policy\.toml"):
            policy_from_toml(self._toml(tmp_path, "\n[settings.x]\ny = " + "[" * 3000))

    def test_none_inside_a_settings_list_is_refused_when_built(self) -> None:
        base = Policy.default("USD")
        with pytest.raises(InvalidPolicy, match=r"settings\.webhook_sink\.to\[1\]: None"):
            Policy(**{**_fields(base), "settings": {"webhook_sink": {"to": ["a", None]}}})

    def test_a_rate_with_more_places_than_is_exact(self) -> None:
        with pytest.raises(InvalidPolicy, match="more than 18 decimal places"):
            Valuation(bonus=Decimal("1E-28"))


def _fields(policy: Policy) -> dict[str, object]:
    names = ("currency", "tiers", "roles", "goodwill", "offers", "default_offers", "valuations")
    return {name: getattr(policy, name) for name in names}


class TestTicketsOnTheCommandLine:
    @pytest.mark.parametrize(
        ("raw", "problem"),
        [
            (b'{"customer": {"id": "C\xff"}}', "is not UTF-8 text"),
            (b"[" * 3000, "not valid JSON|nested too deep"),
            (b'{"issue": {"severity": ' + b"1" * 5000 + b"}}", "cannot be read"),
            (json.dumps({**TICKET, "issue": {**TICKET["issue"], "id": "T\ud800"}}).encode(),
             r"issue\.id: .* not a character"),
            # Found by the long fuzz run: a key's own carriage return split the one line.
            (json.dumps({**TICKET, "issue": {**TICKET["issue"], "occur\red_at": "x"}}).encode(),
             r"issue\.'occur\\red_at': unknown key"),
            (json.dumps({**TICKET, "issue\n\x1b[2J": {}}).encode(),
             r"'issue\\n\\x1b\[2J': unknown key"),
        ],
    )  # fmt: skip
    def test_one_line_and_exit_code_2(self, raw: bytes, problem: str) -> None:
        code, _, err = cli("resolve", "--policy", str(POLICY), "-", input=raw)
        assert 2 == code, err
        assert 1 == len(err.splitlines())
        assert err.startswith("favorpolicy: error: ")
        assert "Traceback" not in err
        assert re.search(problem, err), err

    def test_a_zero_loss_with_a_huge_exponent_is_quick_and_zero(self) -> None:
        ticket = {**TICKET, "issue": {**TICKET["issue"], "loss": "0e-999999999"}}
        code, out, err = cli("resolve", "--policy", str(POLICY), "--json", "-",
                             input=json.dumps(ticket).encode())  # fmt: skip
        assert (0, "") == (code, err)
        assert "0.00 BRL" == json.loads(out)["owed"]


class TestTicketFiles:
    def test_a_jsonl_file_with_bad_bytes_and_deep_nesting_gives_bad_rows(
        self, tmp_path: Path
    ) -> None:
        path = tmp_path / "tickets.jsonl"
        good = json.dumps({**TICKET, "issue": {**TICKET["issue"], "loss": "10"}}).encode()
        path.write_bytes(b"\n".join([good, b'{"customer": "\xff"}', b"[" * 3000, good]) + b"\n")
        items = list(file_tickets(path, "BRL"))
        assert ["Ticket", "BadRow", "BadRow", "Ticket"] == [type(item).__name__ for item in items]
        assert "is not UTF-8 text" in items[1].error  # type: ignore[union-attr]

    def test_a_csv_file_that_is_not_utf8_ends_in_a_bad_row(self, tmp_path: Path) -> None:
        path = tmp_path / "tickets.csv"
        path.write_bytes(
            b"customer_id,issue_id,kind,fault,loss,severity\nC1,T1,late,unknown,5,\xb2\n"
        )
        (item,) = list(file_tickets(path, "BRL"))
        assert isinstance(item, BadRow)
        assert "is not UTF-8 text" in item.error

    def test_a_superscript_severity_is_a_bad_row_not_a_crash(self, tmp_path: Path) -> None:
        path = tmp_path / "tickets.csv"
        path.write_text("customer_id,issue_id,kind,fault,loss,severity\nC1,T1,late,unknown,5,²\n",
                        encoding="utf-8")  # fmt: skip
        (item,) = list(file_tickets(path, "BRL"))
        assert isinstance(item, BadRow)
        assert "severity" in item.error


def test_no_field_costs_gigabytes() -> None:
    """Each of the report's inputs, in a process that may not use more than 300 MiB."""
    script = textwrap.dedent(
        """
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (300 << 20, 300 << 20))
        from favorpolicy import FavorPolicyError, Money, policy_from_dict, policy_to_dict, Policy
        from favorpolicy._forms import ticket_from_dict
        customer, issue = ticket_from_dict(
            {"customer": {"id": "C"},
             "issue": {"id": "T", "kind": "late", "fault": "unknown", "loss": "0e-999999999"}},
            "USD",
        )
        print(str(issue.loss))
        for build in (
            lambda: Money(10 ** (10 ** 6), "USD"),
            lambda: policy_from_dict({**policy_to_dict(Policy.default("USD")),
                                      "favor_margin": "1e-999999999"}),
        ):
            try:
                build()
            except FavorPolicyError as error:
                print(type(error).__name__)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert (0, "") == (done.returncode, done.stderr)
    assert ["0.00 USD", "InvalidMoney", "InvalidPolicy"] == done.stdout.splitlines()


class TestNoTracebacks:
    def test_a_file_that_cannot_be_written_is_an_input_error_on_one_line(
        self, tmp_path: Path
    ) -> None:
        ticket = ROOT / "examples" / "tickets" / "late.json"
        shop = tmp_path / "shop.db"
        assert 0 == cli("resolve", "--policy", str(POLICY), str(ticket), "--record", str(shop))[0]
        out = tmp_path / "no-such-folder" / "out.jsonl"
        code, _, err = cli("ledger", "export", "--ledger", str(shop), "-o", str(out))
        assert 2 == code
        assert 1 == len(err.splitlines())
        assert err.startswith("favorpolicy: error: ")

    def test_a_bug_is_one_line_exit_1_and_says_how_to_see_more(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def broken(*args: object, **kwargs: object) -> None:
            raise RuntimeError("a bug in here")

        monkeypatch.setattr(resolve_module, "resolve", broken)
        ticket = json.dumps(TICKET).encode()
        code, _, err = cli("resolve", "--policy", str(POLICY), "-", input=ticket)
        assert 1 == code
        expected = (
            "favorpolicy: error: unexpected RuntimeError: a bug in here "
            "(a bug: run with --debug for the traceback, and report it)"
        )
        assert [expected] == err.splitlines()
        result = CliRunner().invoke(main, ["--debug", "resolve", "--policy", str(POLICY), "-"],
                                    env=ENV, input=ticket)  # fmt: skip
        assert isinstance(result.exception, RuntimeError)
