"""Policies as TOML files: load, check and dump, through a cattrs converter.

The file's shape is described by the ``_*File`` classes below; cattrs
structures the parsed TOML into them (refusing unknown keys, since a typo must
not pass silently), and :func:`build` turns them into a :class:`Policy`, whose
own checks then run. Every error names the file, the key path and the value.
"""

from __future__ import annotations

import enum
import os
import tomllib
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

import attrs
import cattrs

from ._forms import Amount, converter, key_text, parse_amount, shape_messages
from ._model import RemedyKind
from ._money import Money
from ._policy import Budget, GoodwillRules, Offer, Policy, Role, Valuation
from ._rules import Band, Condition, Op, Owe, Rule, Table
from ._show import one_line, show
from ._versions import AnyPolicy, PolicyVersions
from .exceptions import FavorPolicyError, InvalidPolicy

__all__ = [
    "any_policy_from_dict",
    "any_policy_to_dict",
    "load_policy",
    "policy_from_dict",
    "policy_from_toml",
    "policy_to_dict",
    "policy_to_toml",
    "policy_versions_from_toml",
]


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
class _BandFile:
    owe: Amount
    upto: Decimal | None = None


@attrs.define
class _OweFile:
    amount: Amount | None = None
    share: Decimal | None = None
    of: str | None = None
    by: str | None = None
    bands: list[_BandFile] = attrs.field(factory=list)


@attrs.define
class _RuleFile:
    name: str
    when: dict[str, Any] = attrs.field(factory=dict)
    unless: Any = None
    owe: _OweFile | None = None
    goodwill_rate: Decimal | None = None
    goodwill_floor: Amount | None = None
    goodwill_factor: Decimal | None = None
    offers: list[list[str]] = attrs.field(factory=list)
    basis: str = "policy"
    cite: str = ""
    review: bool = False
    choose: bool = False
    keep_item: bool = False
    require: str | None = None


@attrs.define
class _TableFile:
    name: str
    rules: list[str]
    when: dict[str, Any] = attrs.field(factory=dict)
    unless: Any = None


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
    rules: list[_RuleFile] = attrs.field(factory=list)
    tables: list[_TableFile] = attrs.field(factory=list)
    worse_when: dict[str, str] = attrs.field(factory=dict)
    effective_from: Any = None


def _shape_error(error: cattrs.BaseValidationError, source: str) -> InvalidPolicy:
    # A key is the caller's own text: a newline or an escape in it stays visible, on one line.
    return InvalidPolicy(one_line(f"{source}: {'; '.join(shape_messages(error))}"))


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
        rules=tuple(_rule(f"rules[{i}]", rule, currency) for i, rule in enumerate(shape.rules)),
        tables=tuple(
            _decision_table(f"tables[{i}]", table) for i, table in enumerate(shape.tables)
        ),
        worse_when=shape.worse_when,
        effective_from=_day("effective_from", shape.effective_from),
    )


def _day(path: str, value: object) -> object:
    # TOML writes a day as a date; JSON data, as ISO text.
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise InvalidPolicy(f"{path}: {show(value)} is not an ISO date") from None
    return value


# ---- rules -----------------------------------------------------------------------------------

#: The keys of a ``when`` table that hold facts of their own, rather than a fact.
_NAMESPACES: Final = {
    "facts": "facts.",
    "customer": "customer.",
    "customer.facts": "customer.facts.",
}
_OPS: Final = frozenset(op.value for op in Op)


def _conditions(path: str, table: object, prefix: str = "") -> list[Condition]:
    """The conditions a ``when`` or ``unless`` table writes.

    ``fact = value`` tests equality, ``fact = [a, b]`` membership and ``fact = {le = 7}``
    each operator given; ``facts`` and ``customer`` hold their own facts.
    """
    if not isinstance(table, Mapping):
        raise InvalidPolicy(f"{path}: {show(table)} is not a table of facts")
    conditions: list[Condition] = []
    for key, value in table.items():
        if not isinstance(key, str):
            raise InvalidPolicy(f"{path}.{key_text(key)}: is not a fact name")
        fact = prefix + key
        here = f"{path}.{key_text(key)}"
        if fact in _NAMESPACES and isinstance(value, Mapping):
            conditions.extend(_conditions(here, value, _NAMESPACES[fact]))
            continue
        if isinstance(value, Mapping):
            if not value or any(op not in _OPS for op in value):
                unknown = next((op for op in value if op not in _OPS), None)
                raise InvalidPolicy(
                    f"{here}.{key_text(unknown)}: is not an operator ({', '.join(sorted(_OPS))})"
                    if unknown is not None
                    else f"{here}: is an empty table; name an operator"
                )
            tests = [(op, item) for op, item in value.items()]
        elif isinstance(value, list):
            tests = [("in", value)]
        else:
            tests = [("eq", value)]
        for op, item in tests:
            if op == "missing" and item is not True:
                raise InvalidPolicy(f"{here}.missing: {show(item)} must be true")
            try:
                conditions.append(Condition(fact, op, None if op == "missing" else item))
            except InvalidPolicy as error:
                raise InvalidPolicy(f"{here}: {error}") from None
    return conditions


def _unless_groups(path: str, value: object) -> list[list[Condition]]:
    if value is None:
        return []
    if isinstance(value, Mapping):
        return [_conditions(path, value)]
    if isinstance(value, list):
        return [_conditions(f"{path}[{i}]", group) for i, group in enumerate(value)]
    raise InvalidPolicy(f"{path}: {show(value)} is not a table of facts, or a list of them")


def _band(path: str, band: _BandFile, currency: str) -> Band:
    owe = _money(f"{path}.owe", band.owe, currency)
    try:
        return Band(owe, band.upto)
    except InvalidPolicy as error:
        raise InvalidPolicy(f"{path}: {error}") from None


def _owe(path: str, owe: _OweFile, currency: str) -> Owe:
    bands = tuple(_band(f"{path}.bands[{i}]", band, currency) for i, band in enumerate(owe.bands))
    try:
        return Owe(
            amount=None if owe.amount is None else _money(f"{path}.amount", owe.amount, currency),
            share=owe.share,
            of="loss" if owe.of is None else owe.of,
            bands=bands,
            by=owe.by,
        )
    except InvalidPolicy as error:
        raise InvalidPolicy(f"{path}: {error}") from None


def _rule(path: str, rule: _RuleFile, currency: str) -> Rule:
    when = _conditions(f"{path}.when", rule.when)
    unless = _unless_groups(f"{path}.unless", rule.unless)
    owe = None if rule.owe is None else _owe(f"{path}.owe", rule.owe, currency)
    floor = rule.goodwill_floor
    try:
        return Rule(
            name=rule.name,
            when=when,
            unless=unless,
            owe=owe,
            goodwill_rate=rule.goodwill_rate,
            goodwill_floor=None
            if floor is None
            else _money(f"{path}.goodwill_floor", floor, currency),
            goodwill_factor=rule.goodwill_factor,
            offers=tuple(_offer(f"{path}.offers[{i}]", o) for i, o in enumerate(rule.offers)),
            basis=rule.basis,
            cite=rule.cite,
            review=rule.review,
            choose=rule.choose,
            keep_item=rule.keep_item,
            require=rule.require,
        )
    except InvalidPolicy as error:
        raise InvalidPolicy(f"{path}: {error}") from None


def _decision_table(path: str, table: _TableFile) -> Table:
    when = _conditions(f"{path}.when", table.when)
    unless = _unless_groups(f"{path}.unless", table.unless)
    try:
        return Table(name=table.name, rules=table.rules, when=when, unless=unless)
    except InvalidPolicy as error:
        raise InvalidPolicy(f"{path}: {error}") from None


def _value_out(value: object) -> object:
    if isinstance(value, tuple):
        return [_value_out(item) for item in value]
    if isinstance(value, enum.Enum):
        return value.value
    return value


class _Ops(dict[str, Any]):
    """The operators given for one fact, as a table: ``{ge = 1, lt = 10}``."""


def _conditions_out(conditions: tuple[Condition, ...]) -> dict[str, Any]:
    table: dict[str, Any] = {}
    for condition in conditions:
        *spaces, name = _split(condition.fact)
        place = table
        for space in spaces:
            place = place.setdefault(space, {})
        value = True if condition.op is Op.MISSING else _value_out(condition.value)
        ops = place.setdefault(name, _Ops())
        ops[condition.op.value] = value
    return _simplified(table)


def _split(fact: str) -> list[str]:
    for space in ("customer.facts.", "customer.", "facts."):
        if fact.startswith(space):
            return [*space.rstrip(".").split("."), fact.removeprefix(space)]
    return [fact]


def _simplified(table: dict[str, Any]) -> dict[str, Any]:
    # {eq = v} alone is written v, and {in = [...]} alone [...], as a person writes them.
    out: dict[str, Any] = {}
    for key, value in table.items():
        if not isinstance(value, _Ops):  # a namespace: facts, customer
            out[key] = _simplified(value)
        elif list(value) == ["eq"] and not isinstance(value["eq"], list):
            out[key] = value["eq"]
        elif list(value) == ["in"]:
            out[key] = value["in"]
        else:
            out[key] = dict(value)
    return out


def _rule_out(rule: Rule) -> dict[str, Any]:
    data: dict[str, Any] = {"name": rule.name}
    if rule.basis.value != "policy":
        data["basis"] = rule.basis.value
    if rule.cite:
        data["cite"] = rule.cite
    if rule.when:
        data["when"] = _conditions_out(rule.when)
    if rule.unless:
        data["unless"] = _unless_out(rule.unless)
    if rule.owe is not None:
        data["owe"] = _owe_out(rule.owe)
    for name in ("goodwill_rate", "goodwill_factor"):
        if getattr(rule, name) is not None:
            data[name] = getattr(rule, name)
    if rule.goodwill_floor is not None:
        data["goodwill_floor"] = rule.goodwill_floor.amount
    if rule.offers:
        data["offers"] = [_offer_out(offer) for offer in rule.offers]
    data.update({flag: True for flag in ("review", "choose", "keep_item") if getattr(rule, flag)})
    if rule.require is not None:
        data["require"] = rule.require.value
    return data


def _unless_out(unless: tuple[tuple[Condition, ...], ...]) -> object:
    if len(unless) == 1:
        return _conditions_out(unless[0])
    return [_conditions_out(group) for group in unless]


def _table_out(table: Table) -> dict[str, Any]:
    data: dict[str, Any] = {"name": table.name, "rules": list(table.rules)}
    if table.when:
        data["when"] = _conditions_out(table.when)
    if table.unless:
        data["unless"] = _unless_out(table.unless)
    return data


def _owe_out(owe: Owe) -> dict[str, Any]:
    if owe.amount is not None:
        return {"amount": owe.amount.amount}
    if owe.share is not None:
        return {"share": owe.share, "of": owe.of}
    bands = [
        {"owe": band.owe.amount} | ({} if band.upto is None else {"upto": band.upto})
        for band in owe.bands
    ]
    return {"by": owe.by, "bands": bands}


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


def any_policy_from_dict(data: Mapping[str, Any], *, source: str = "policy") -> AnyPolicy:
    """A Policy, or a PolicyVersions when *data* holds ``versions``.

    Each entry of ``versions`` is a table of top-level keys with its own
    ``effective_from``; a key it gives replaces the shared one of the same
    name, whole, and the keys it leaves out are the shared ones.
    """
    if not isinstance(data, Mapping) or "versions" not in data:
        return policy_from_dict(data, source=source)
    shared = {key: value for key, value in data.items() if key != "versions"}
    listed = data["versions"]
    if not isinstance(listed, list) or not listed:
        raise InvalidPolicy(f"{source}: versions: {show(listed)} is not a list of tables")
    versions = []
    for index, version in enumerate(listed):
        if not isinstance(version, Mapping):
            raise InvalidPolicy(f"{source}: versions[{index}]: {show(version)} is not a table")
        if "versions" in version:
            raise InvalidPolicy(f"{source}: versions[{index}].versions: a version has no versions")
        versions.append(
            policy_from_dict(shared | dict(version), source=f"{source}: versions[{index}]")
        )
    try:
        return PolicyVersions(versions)
    except InvalidPolicy as error:
        raise InvalidPolicy(f"{source}: {error}") from None


def any_policy_to_dict(policy: AnyPolicy) -> dict[str, Any]:
    """A Policy or a PolicyVersions as plain data; :func:`any_policy_from_dict` reads it back."""
    if isinstance(policy, PolicyVersions):
        return {"versions": [policy_to_dict(version) for version in policy.versions]}
    return policy_to_dict(policy)


#: The largest policy file read: a policy is a page or two, not megabytes.
_MAX_FILE: Final = 1 << 20


def policy_from_toml(path: str | os.PathLike[str]) -> Policy:
    """Load a Policy from a TOML file; errors name the file, the key path and the value.

    A file that holds ``[[versions]]`` is refused: load it with :func:`load_policy`
    or :func:`policy_versions_from_toml`.
    """
    loaded = load_policy(path)
    if isinstance(loaded, PolicyVersions):
        raise InvalidPolicy(
            f"{path}: holds versions of a policy; load it with load_policy() or "
            "policy_versions_from_toml()"
        )
    return loaded


def policy_versions_from_toml(path: str | os.PathLike[str]) -> PolicyVersions:
    """Load a policy's versions from a TOML file; a file of one policy is refused."""
    loaded = load_policy(path)
    if not isinstance(loaded, PolicyVersions):
        raise InvalidPolicy(f"{path}: holds one policy, not [[versions]]; use policy_from_toml()")
    return loaded


def load_policy(path: str | os.PathLike[str]) -> AnyPolicy:
    """Load a TOML policy file: a Policy, or a PolicyVersions when it holds ``[[versions]]``."""
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
    return any_policy_from_dict(data, source=str(file))


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
    # Written below, and only when there are some.
    del data["rules"], data["tables"], data["worse_when"]
    data.pop("effective_from", None)
    if policy.effective_from is not None:
        data["effective_from"] = policy.effective_from
    if policy.worse_when:
        data["worse_when"] = dict(policy.worse_when)
    if policy.rules:
        data["rules"] = [_rule_out(rule) for rule in policy.rules]
    if policy.tables:
        data["tables"] = [_table_out(table) for table in policy.tables]
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


def policy_to_toml(policy: AnyPolicy) -> str:
    """The policy (or its versions) as TOML text: :func:`load_policy` reads it back, equal."""
    import tomli_w  # noqa: PLC0415  # only needed when writing

    return tomli_w.dumps(any_policy_to_dict(policy))
