"""The JSON Schema of a policy file, built from the code's own vocabularies.

``favorpolicy schema policy`` prints it, so an editor (Taplo, VS Code's Even
Better TOML, any JSON Schema tool) checks a policy file as it is typed. It is
made from the same names the loader knows (remedy kinds, operators, facts,
budget periods), so it cannot drift from them; the tests hold every example
policy, and every generated one, to it. It checks the file's shape; the
checks that need arithmetic (a rate that falls, a rule that gives a worse
case less) are the loader's, which names the path of each.
"""

from __future__ import annotations

from typing import Any, Final

from ._model import RemedyKind
from ._policy_parts import BUDGET_PERIODS
from ._rules import FACTS, Op

__all__ = ["SCHEMA_ID", "policy_schema"]

#: The schema's identifier.
SCHEMA_ID: Final = "https://favorpolicy.dev/schema/policy.json"

_NUMBER: Final = {"type": "number"}
_RATE: Final = {"type": "number", "minimum": 0}
_AMOUNT: Final = {
    "description": "an amount in the policy's currency, or text with its code: '150.00 BRL'",
    "anyOf": [
        {"type": "number", "minimum": 0},
        {"type": "string", "pattern": r"^\s*\d+(\.\d+)?(\s+[A-Za-z]{3})?\s*$"},
    ],
}
_NAME: Final = {"type": "string", "minLength": 1, "maxLength": 1000}
_KIND: Final = {"enum": [kind.value for kind in RemedyKind if kind is not RemedyKind.APOLOGY]}
_OFFER: Final = {
    "description": "one remedy kind that covers the total, or two: whole, then extra",
    "type": "array",
    "items": _KIND,
    "minItems": 1,
    "maxItems": 2,
}
_OFFERS: Final = {"type": "array", "items": _OFFER}
_DAY: Final = {"description": "an ISO date: 2026-03-01", "type": "string", "format": "date"}
_SCALAR: Final = {"type": ["string", "number", "boolean"]}


def _table(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    table: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }
    if required:
        table["required"] = list(required)
    return table


def _severity_table(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": item, "minItems": 5, "maxItems": 5}


def _tests() -> dict[str, Any]:
    """One fact's test: a value (equal), a list (one of), or a table of operators."""
    operators: dict[str, Any] = {
        op.value: ({"const": True} if op is Op.MISSING else {}) for op in Op
    }
    operators[Op.IN.value] = operators[Op.NOT_IN.value] = {"type": "array", "minItems": 1}
    return {
        "anyOf": [
            _SCALAR,
            {"type": "array", "items": _SCALAR, "minItems": 1},
            {**_table(operators), "minProperties": 1},
        ]
    }


def _conditions() -> dict[str, Any]:
    named = {"type": "object", "propertyNames": {"pattern": "^[a-z][a-z0-9_]{0,63}$"},
             "additionalProperties": {"$ref": "#/$defs/test"}}  # fmt: skip
    built_in = {name: {"$ref": "#/$defs/test"} for name in FACTS if "." not in name}
    customer = {
        name.removeprefix("customer."): {"$ref": "#/$defs/test"}
        for name in FACTS
        if name.startswith("customer.")
    }
    return _table(built_in | {"facts": named, "customer": _table(customer | {"facts": named})})


def _rule() -> dict[str, Any]:
    band = _table({"owe": _AMOUNT, "upto": _NUMBER}, required=("owe",))
    owe = _table(
        {
            "amount": _AMOUNT,
            "share": _RATE,
            "of": {"type": "string"},
            "by": {"type": "string"},
            "bands": {"type": "array", "items": band, "minItems": 1},
        }
    )
    owe["oneOf"] = [
        {"required": ["amount"]},
        {"required": ["share"]},
        {"required": ["bands", "by"]},
    ]
    return _table(
        {
            "name": {"type": "string", "minLength": 1, "maxLength": 200},
            "basis": {"enum": ["policy", "law"]},
            "cite": {"type": "string", "maxLength": 200},
            "when": {"$ref": "#/$defs/conditions"},
            "unless": _unless(),
            "owe": owe,
            "goodwill_rate": _RATE,
            "goodwill_floor": _AMOUNT,
            "goodwill_factor": _RATE,
            "offers": _OFFERS,
            "review": {"type": "boolean"},
            "choose": {"type": "boolean"},
            "keep_item": {"type": "boolean"},
            "require": _KIND,
        },
        required=("name",),
    )


def _unless() -> dict[str, Any]:
    return {
        "anyOf": [
            {"$ref": "#/$defs/conditions"},
            {"type": "array", "items": {"$ref": "#/$defs/conditions"}},
        ]
    }


def _decision_table() -> dict[str, Any]:
    return _table(
        {
            "name": {"type": "string", "minLength": 1, "maxLength": 200},
            "rules": {
                "type": "array",
                "items": {"type": "string", "minLength": 1, "maxLength": 200},
                "minItems": 1,
                "uniqueItems": True,
            },
            "when": {"$ref": "#/$defs/conditions"},
            "unless": _unless(),
        },
        required=("name", "rules"),
    )


def _policy_keys() -> dict[str, Any]:
    goodwill = _table(
        {
            "rates": _severity_table(_RATE),
            "floors": _severity_table(_AMOUNT),
            "tier_factors": {"type": "object", "additionalProperties": _RATE},
            "tenure_factors": {
                "type": "object",
                "propertyNames": {"pattern": "^[0-9]{1,3}$"},
                "additionalProperties": _RATE,
            },
            "kind_factors": {"type": "object", "additionalProperties": _RATE},
            "cap": _AMOUNT,
            "courtesy": _AMOUNT,
        },
        required=("rates", "floors", "tier_factors"),
    )
    budget = _table(
        {"limit": _AMOUNT, "period": {"enum": list(BUDGET_PERIODS)}, "role": _NAME},
        required=("limit",),
    )
    return {
        "name": _NAME,
        "currency": {"type": "string", "pattern": "^[A-Za-z]{3}$"},
        "tiers": {"type": "array", "items": _NAME, "minItems": 1, "uniqueItems": True},
        "favor_margin": _RATE,
        "hook_budget_ms": {"type": "integer", "minimum": 1, "maximum": 60_000},
        "roles": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": _table({"limit": _AMOUNT}),
        },
        "goodwill": goodwill,
        "offers": {"type": "object", "additionalProperties": _OFFERS},
        "default_offers": _OFFERS,
        "valuations": {
            "type": "object",
            "propertyNames": _KIND,
            "additionalProperties": _table({"bonus": _RATE, "cost_rate": _RATE}),
        },
        "settings": {
            "type": "object",
            "additionalProperties": {"type": "object"},
        },
        "budgets": {"type": "array", "items": budget},
        "rules": {"type": "array", "items": {"$ref": "#/$defs/rule"}},
        "tables": {"type": "array", "items": _decision_table()},
        "worse_when": {
            "type": "object",
            "propertyNames": {"pattern": r"^(customer\.)?facts\.[a-z][a-z0-9_]{0,63}$"},
            "additionalProperties": {"enum": ["higher", "lower"]},
        },
        "effective_from": _DAY,
    }


def policy_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a policy file: one policy, or its versions."""
    keys = _policy_keys()
    version = _table(keys, required=("effective_from",))
    shared = dict(keys) | {"versions": {"type": "array", "items": version, "minItems": 1}}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "favorpolicy policy file",
        "description": "A policy, or its [[versions]]; see docs/policy-file.md.",
        **_table(shared),
        "anyOf": [
            {"required": ["currency", "tiers", "roles", "goodwill"]},
            {"required": ["versions"]},
        ],
        "$defs": {"test": _tests(), "conditions": _conditions(), "rule": _rule()},
    }
