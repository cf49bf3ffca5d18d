"""Policy files: TOML in, an equal Policy out, and errors naming the file, key and value."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings

from favorpolicy import (
    InvalidPolicy,
    Money,
    Policy,
    RemedyKind,
    policy_from_dict,
    policy_from_toml,
    policy_to_dict,
    policy_to_toml,
)
from favorpolicy.testing import policies

EXAMPLE = Path(__file__).parent.parent / "examples" / "policy.toml"
TEXT = EXAMPLE.read_text(encoding="utf-8")


class TestExample:
    def test_loads_the_small_shop(self) -> None:
        policy = policy_from_toml(EXAMPLE)
        assert ("loja-da-esquina", "BRL") == (policy.name, policy.currency)
        limits = [role.limit for role in policy.roles]
        assert [Money(150, "BRL"), Money(600, "BRL"), None] == limits
        assert ["agent", "lead", "owner"] == [role.name for role in policy.roles]
        assert Decimal("0.10") == policy.goodwill.rates[1]
        assert Decimal("0.15") == policy.valuation(RemedyKind.STORE_CREDIT).bonus
        assert {"enabled": True} == dict(policy.settings_for("conduct_filter"))

    def test_round_trips_with_the_same_fingerprint(self, tmp_path: Path) -> None:
        policy = policy_from_toml(EXAMPLE)
        dumped = tmp_path / "again.toml"
        dumped.write_text(policy_to_toml(policy), encoding="utf-8")
        again = policy_from_toml(dumped)
        assert policy == again
        assert policy.fingerprint == again.fingerprint
        assert policy_to_toml(policy) == policy_to_toml(again)


class TestRoundTrip:
    @settings(max_examples=100)
    @given(policies())
    def test_any_valid_policy_survives_dump_and_load(self, policy: Policy) -> None:
        again = policy_from_dict(_reparse(policy_to_toml(policy)))
        assert policy == again
        assert policy.fingerprint == again.fingerprint

    def test_from_dict_reads_to_dict(self) -> None:
        policy = Policy.default("KWD")
        assert policy == policy_from_dict(policy_to_dict(policy))


def _reparse(text: str) -> dict[str, object]:
    return tomllib.loads(text, parse_float=Decimal)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


ERRORS = [
    ("syntax", "limit = 150", "limit = = 150", r"not valid TOML: .*\(at line 24, column 9\)"),
    (
        "unknown key",
        "[roles.agent]\nlimit = 150",
        "[roles.agent]\nlimt = 150",
        r"roles\.agent\.limt: unknown key",
    ),
    ("top-level typo", 'name = "loja-da-esquina"', 'nmae = "x"', r": nmae: unknown key"),
    ("missing currency", 'currency = "BRL"\n', "", r": currency: required field missing"),
    (
        "limit in another currency",
        "limit = 150",
        'limit = "150 USD"',
        r"roles\.agent\.limit: '150 USD' is in 'USD', not the policy's currency 'BRL'",
    ),
    (
        "non-monotone goodwill",
        "rates = [0.05, 0.10, 0.15, 0.20, 0.30]",
        "rates = [0.05, 0.10, 0.08, 0.20, 0.30]",
        r"goodwill\.rates\[2\]: 0\.08 is less than goodwill\.rates\[1\]'s 0\.10",
    ),
    (
        "tier factors fall",
        "vip = 1.5",
        "vip = 1.1",
        r"goodwill\.tier_factors\.vip: 1\.1 is less than",
    ),
    ("bad int", "hook_budget_ms = 250", 'hook_budget_ms = "soon"', r"hook_budget_ms: .*'soon'"),
    (
        "bad number",
        "favor_margin = 0.30",
        'favor_margin = "lots"',
        r"favor_margin: 'lots' is not a number",
    ),
    (
        "bad tenure key",
        "1 = 1.1",
        "one = 1.1",
        r"goodwill\.tenure_factors\.one: 'one' is not a whole number",
    ),
    (
        "unknown remedy",
        '[["refund"], ["discount"]]',
        '[["refund"], ["hug"]]',
        r"offers\.pricing_error\[1\]: .*'hug' is not a remedy kind",
    ),
    ("nested setting", 'level = "INFO"', "level = {a = 1}", r"settings\.logging_sink\.level: "),
]


class TestErrors:
    @pytest.mark.parametrize(
        ("old", "new", "message"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS]
    )
    def test_names_the_file_the_key_and_the_value(
        self, tmp_path: Path, old: str, new: str, message: str
    ) -> None:
        assert old in TEXT
        path = _write(tmp_path, TEXT.replace(old, new, 1))
        with pytest.raises(InvalidPolicy, match=message) as info:
            policy_from_toml(path)
        assert str(info.value).startswith(f"{path}: ")
        assert "\n" not in str(info.value)

    def test_a_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(InvalidPolicy, match="cannot be read"):
            policy_from_toml(tmp_path / "nope.toml")

    @pytest.mark.parametrize("data", [[], "currency = 'BRL'", None])
    def test_from_dict_refuses_non_mappings(self, data: object) -> None:
        with pytest.raises(InvalidPolicy, match="not a mapping"):
            policy_from_dict(data)  # type: ignore[arg-type]
