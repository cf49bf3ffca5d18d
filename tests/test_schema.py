"""The policy file's JSON Schema: valid, printed by the CLI, and true to the loader."""

from __future__ import annotations

import json
import tomllib
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner
from hypothesis import given, settings

from favorpolicy import InvalidPolicy, PolicyVersions, load_policy, policy_to_dict
from favorpolicy._policy_file import any_policy_from_dict, any_policy_to_dict
from favorpolicy._schema import policy_schema
from favorpolicy.cli import main
from favorpolicy.testing import policies

ROOT = Path(__file__).parent.parent
EXAMPLES = sorted(
    [ROOT / "examples" / "policy.toml", *(ROOT / "examples" / "policies").glob("*.toml")]
)
VALIDATOR = jsonschema.Draft202012Validator(
    policy_schema(), format_checker=jsonschema.FormatChecker()
)


def _json(data: Any) -> Any:
    """TOML's values as an editor's JSON Schema sees them: numbers, and dates as text."""
    if isinstance(data, dict):
        return {key: _json(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [_json(item) for item in data]
    if isinstance(data, Decimal):
        return int(data) if data == data.to_integral_value() else float(data)
    if isinstance(data, date | datetime):
        return data.isoformat()
    return data


def _errors(data: Any) -> list[str]:
    return [error.message for error in VALIDATOR.iter_errors(_json(data))]


def _read(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(policy_schema())


def test_the_command_line_prints_it() -> None:
    result = CliRunner().invoke(main, ["schema", "policy"])
    assert 0 == result.exit_code
    assert policy_schema() == json.loads(result.output)


def test_there_are_six_example_policies() -> None:
    assert 6 == len(EXAMPLES)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.name)
def test_every_example_policy_validates(path: Path) -> None:
    assert [] == _errors(_read(path))
    load_policy(path)  # and the loader agrees


@settings(max_examples=50, deadline=None)
@given(policies(rules=True))
def test_every_generated_policy_validates(policy: Any) -> None:
    assert [] == _errors(policy_to_dict(policy))


def test_versions_validate() -> None:
    base = load_policy(ROOT / "examples" / "policy.toml")
    import attrs  # noqa: PLC0415  # only here

    versions = PolicyVersions(
        [
            attrs.evolve(base, effective_from=date(2025, 1, 1)),
            attrs.evolve(base, effective_from=date(2026, 1, 1)),
        ]  # type: ignore[arg-type]
    )
    data = any_policy_to_dict(versions)
    assert [] == _errors(data)
    assert versions == any_policy_from_dict(data)


def _shop() -> dict[str, Any]:
    return _read(ROOT / "examples" / "policies" / "eu261.toml")


@pytest.mark.parametrize(
    ("change", "found"),
    [
        (lambda d: d.update(tiers_typo=["x"]), "Additional properties"),
        (lambda d: d["rules"][0].update(owes={"amount": 1}), "Additional properties"),
        (
            lambda d: d["rules"][0]["when"].update(days_sicne_delivery={"le": 7}),
            "Additional properties",
        ),
        (
            lambda d: d["rules"][0]["when"].update(kind={"between": [1, 2]}),
            "is not valid under any",
        ),
        (lambda d: d["rules"][0].update(basis="custom"), "is not one of"),
        (lambda d: d["rules"][0].update(offers=[["cash"]]), "is not one of"),
        (lambda d: d["rules"][0].update(owe={"amount": 1, "share": 1}), "is valid under each of"),
        (lambda d: d["goodwill"].update(rates=[0.1]), "is too short"),
        (lambda d: d.update(budgets=[{"limit": 10, "period": "year"}]), "is not one of"),
        (lambda d: d.update(worse_when={"facts.x": "worse"}), "is not one of"),
        (lambda d: d.update(effective_from="soon"), "is not a 'date'"),
    ],
)
def test_a_mistake_the_loader_refuses_the_schema_refuses_too(
    change: Any, found: str, tmp_path: Path
) -> None:
    data = _shop()
    change(data)
    errors = _errors(data)
    assert any(found in error for error in errors), errors
    with pytest.raises(InvalidPolicy):
        any_policy_from_dict(data)
