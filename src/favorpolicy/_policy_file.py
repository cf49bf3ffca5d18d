"""Policies as TOML files: load, check and dump, through a cattrs converter.

The file's shape is described by the ``_*File`` classes below; cattrs
structures the parsed TOML into them (refusing unknown keys, since a typo must
not pass silently), and :func:`build` turns them into a :class:`Policy`, whose
own checks then run. Every error names the file, the key path and the value.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

import attrs
import cattrs
from cattrs.v import format_exception

from ._forms import Amount, converter, parse_amount
from ._model import RemedyKind
from ._money import Money
from ._policy import Budget, GoodwillRules, Offer, Policy, Role, Valuation
from ._show import one_line, show
from .exceptions import FavorPolicyError, InvalidPolicy

__all__ = ["policy_from_dict", "policy_from_toml", "policy_to_dict", "policy_to_toml"]


@attrs.define
class _RoleFile:
    limit: Amount | None = None


@attrs.define
class _ValuationFile:
    bonus: Decimal = Decimal(0)
    cost_rate: Decimal = Decimal(1)


@attrs.define
class _GoodwillFile:
    rates: list[Decimal]
    floors: list[Amount]
    tier_factors: dict[str, Decimal]
    tenure_factors: dict[str, Decimal] = attrs.field(factory=dict)
    kind_factors: dict[str, Decimal] = attrs.field(factory=dict)
    cap: Amount | None = None
    courtesy: Amount | None = None


@attrs.define
class _BudgetFile:
    limit: Amount
    period: str = "month"
    role: str | None = None


@attrs.define
class _PolicyFile:
    currency: str
    tiers: list[str]
    roles: dict[str, _RoleFile]
    goodwill: _GoodwillFile
    name: str = "policy"
    favor_margin: Decimal = Decimal("0.25")
    hook_budget_ms: int = 250
    offers: dict[str, list[list[str]]] = attrs.field(factory=dict)
    default_offers: list[list[str]] = attrs.field(factory=lambda: [["refund"]])
    valuations: dict[str, _ValuationFile] = attrs.field(factory=dict)
    settings: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    budgets: list[_BudgetFile] = attrs.field(factory=list)


def _path(cattrs_path: str) -> str:
    # cattrs writes "$.roles['agent'].limit"; favorpolicy writes "roles.agent.limit".
    path = cattrs_path.removeprefix("$").removeprefix(".")
    return path.replace("['", ".").replace("']", "").lstrip(".")


def _describe(error: BaseException, expected: type | None) -> str:
    if isinstance(error, cattrs.ForbiddenExtraKeysError):
        keys = sorted(_key(key) for key in error.extra_fields)
        return f"unknown key(s) {_KEYS.join(keys)}"
    if isinstance(error, ValueError | TypeError) and not isinstance(error, KeyError):
        # Python's own messages name the value: "invalid literal for int() ...: 'soon'".
        return str(error)
    return format_exception(error, expected)


def _shape_error(error: cattrs.BaseValidationError, source: str) -> InvalidPolicy:
    messages: list[str] = []
    for message in cattrs.transform_error(error, format_exception=_describe):
        text, _, where = message.rpartition(" @ ")
        if text.startswith("unknown key(s) "):
            # Name each unknown key by its own path, as a typo would be looked for.
            keys = text.removeprefix("unknown key(s) ").split(_KEYS)
            messages.extend(f"{_join(_path(where), key)}: unknown key" for key in keys)
        else:
            messages.append(f"{_path(where) or '(top level)'}: {text}")
    # A key is the caller's own text: a newline or an escape in it stays visible, on one line.
    return InvalidPolicy(one_line(f"{source}: {'; '.join(messages)}"))


#: Between the unknown keys cattrs reports together, until each is named by its own path.
_KEYS: Final = "\x00"


def _key(key: object) -> str:
    return key if isinstance(key, str) and key.isprintable() and len(key) <= 80 else show(key)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _money(path: str, value: Amount, currency: str) -> Money:
    try:
        return parse_amount(value, currency)
    except FavorPolicyError as error:
        raise InvalidPolicy(f"{path}: {error}") from None


def _offer(path: str, kinds: list[str]) -> Offer:
    if not 1 <= len(kinds) <= 2:  # a package is one remedy, or whole + extra
        raise InvalidPolicy(f"{path}: {kinds!r} must name one remedy kind, or two (whole, extra)")
    try:
        return Offer(*kinds)
    except InvalidPolicy as error:
        raise InvalidPolicy(f"{path}: {error}") from None


def build(shape: _PolicyFile) -> Policy:
    """Turn a structured file into a Policy, naming the key path of any problem."""
    currency = shape.currency
    roles = tuple(
        Role(
            name,
            None if role.limit is None else _money(f"roles.{name}.limit", role.limit, currency),
        )
        for name, role in shape.roles.items()
    )
    rules = shape.goodwill

    def optional(path: str, value: Amount | None) -> Money | None:
        return None if value is None else _money(path, value, currency)

    tenure = []
    for years, factor in rules.tenure_factors.items():
        if not (years.isascii() and years.isdigit() and len(years) <= 3):
            raise InvalidPolicy(
                f"goodwill.tenure_factors.{years}: {years!r} is not a whole number of years"
            )
        tenure.append((int(years), factor))
    goodwill = GoodwillRules(
        rates=rules.rates,
        floors=[
            _money(f"goodwill.floors[{i}]", floor, currency) for i, floor in enumerate(rules.floors)
        ],
        tier_factors=rules.tier_factors,
        tenure_factors=sorted(tenure),
        kind_factors=rules.kind_factors,
        cap=optional("goodwill.cap", rules.cap),
        courtesy=optional("goodwill.courtesy", rules.courtesy),
    )
    return Policy(
        currency=currency,
        tiers=tuple(shape.tiers),
        roles=roles,
        goodwill=goodwill,
        offers={
            kind: tuple(_offer(f"offers.{kind}[{i}]", o) for i, o in enumerate(offers))
            for kind, offers in shape.offers.items()
        },
        default_offers=tuple(
            _offer(f"default_offers[{i}]", o) for i, o in enumerate(shape.default_offers)
        ),
        valuations={
            kind: Valuation(value.bonus, value.cost_rate)
            for kind, value in shape.valuations.items()
        },
        favor_margin=shape.favor_margin,
        name=shape.name,
        hook_budget_ms=shape.hook_budget_ms,
        settings=shape.settings,
        budgets=tuple(_budget(f"budgets[{i}]", b, currency) for i, b in enumerate(shape.budgets)),
    )


def _budget(path: str, budget: _BudgetFile, currency: str) -> Budget:
    limit = _money(f"{path}.limit", budget.limit, currency)
    try:
        return Budget(limit, budget.period, budget.role)
    except InvalidPolicy as error:
        # Budget's own messages say "budgets.period: ..."; name the entry too.
        raise InvalidPolicy(f"{path}: {error}") from None


def policy_from_dict(data: Mapping[str, Any], *, source: str = "policy") -> Policy:
    """Build a Policy from plain data shaped like a policy file (see docs/policy-file.md)."""
    if not isinstance(data, Mapping):
        raise InvalidPolicy(f"{source}: {show(data)} is not a mapping of policy keys")
    try:
        shape = converter().structure(dict(data), _PolicyFile)
    except cattrs.BaseValidationError as error:
        raise _shape_error(error, source) from None
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as error:
        # cattrs lets a few conversion errors through unwrapped (a 5000-digit int as a str).
        raise InvalidPolicy(f"{source}: cannot be read: {show(str(error))}") from None
    try:
        return build(shape)
    except FavorPolicyError as error:
        raise InvalidPolicy(f"{source}: {error}") from None


#: The largest policy file read: a policy is a page or two, not megabytes.
_MAX_FILE: Final = 1 << 20


def policy_from_toml(path: str | os.PathLike[str]) -> Policy:
    """Load a Policy from a TOML file; errors name the file, the key path and the value."""
    file = Path(path)
    try:
        with file.open("rb") as stream:
            text = stream.read(_MAX_FILE + 1)
        if len(text) > _MAX_FILE:
            raise InvalidPolicy(f"{file}: is larger than a policy file may be ({_MAX_FILE} bytes)")
        data = tomllib.loads(text.decode("utf-8"), parse_float=Decimal)
    except tomllib.TOMLDecodeError as error:
        # tomllib's message ends with "(at line L, column C)".
        raise InvalidPolicy(f"{file}: not valid TOML: {error}") from None
    except UnicodeDecodeError as error:
        raise InvalidPolicy(
            f"{file}: is not UTF-8 text (byte {error.start}: {error.object[error.start]:#04x})"
        ) from None
    except (ValueError, RecursionError) as error:
        # An integer of more than 4,300 digits, or tables nested thousands deep.
        problem = "nested too deep" if isinstance(error, RecursionError) else show(str(error))
        raise InvalidPolicy(f"{file}: cannot be read: {problem}") from None
    except OSError as error:
        raise InvalidPolicy(f"{file}: cannot be read: {error.strerror}") from None
    return policy_from_dict(data, source=str(file))


def _amount_out(money: Money | None) -> Decimal | None:
    return None if money is None else money.amount


def policy_to_dict(policy: Policy) -> dict[str, Any]:
    """The policy as plain data in the policy-file shape: ``policy_from_dict`` reads it back."""
    rules = policy.goodwill
    shape = _PolicyFile(
        currency=policy.currency,
        tiers=list(policy.tiers),
        roles={role.name: _RoleFile(_amount_out(role.limit)) for role in policy.roles},
        goodwill=_GoodwillFile(
            rates=list(rules.rates),
            floors=[floor.amount for floor in rules.floors],
            tier_factors=dict(rules.tier_factors),
            tenure_factors={str(years): factor for years, factor in rules.tenure_factors},
            kind_factors=dict(rules.kind_factors),
            cap=_amount_out(rules.cap),
            courtesy=_amount_out(rules.courtesy),
        ),
        name=policy.name,
        favor_margin=policy.favor_margin,
        hook_budget_ms=policy.hook_budget_ms,
        offers={
            kind: [_offer_out(offer) for offer in offers] for kind, offers in policy.offers.items()
        },
        default_offers=[_offer_out(offer) for offer in policy.default_offers],
        valuations={
            kind.value: _ValuationFile(value.bonus, value.cost_rate)
            for kind, value in policy.valuations.items()
            if kind is not RemedyKind.APOLOGY
        },
        settings={name: _plain(values) for name, values in policy.settings.items()},
        budgets=[
            _BudgetFile(budget.limit.amount, budget.period, budget.role)
            for budget in policy.budgets
        ],
    )
    data: dict[str, Any] = _drop_none(converter().unstructure(shape))
    return data


def _offer_out(offer: Offer) -> list[str]:
    return [offer.whole.value] + ([offer.extra.value] if offer.extra is not None else [])


def _plain(values: Mapping[str, object]) -> dict[str, Any]:
    return {
        key: list(value) if isinstance(value, tuple) else value for key, value in values.items()
    }


def _drop_none(data: Any) -> Any:
    # TOML has no null: a missing key means None.
    if isinstance(data, dict):
        return {key: _drop_none(value) for key, value in data.items() if value is not None}
    if isinstance(data, list):
        return [_drop_none(item) for item in data]
    return data


def policy_to_toml(policy: Policy) -> str:
    """The policy as TOML text: ``Policy.from_toml`` reads it back to an equal policy."""
    import tomli_w  # noqa: PLC0415  # only needed when writing

    return tomli_w.dumps(policy_to_dict(policy))
