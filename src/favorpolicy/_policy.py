"""Policy: the business's rules for making things right, checked when built.

A Policy that could break the bias contract cannot be built: a goodwill table
where more severity, a higher tier or a longer tenure gives less is refused,
and so is a set of roles where no one may approve the largest goodwill.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Final

import attrs

from ._canon import LATE, canonical, digest
from ._model import RemedyKind, check_text
from ._money import CONTEXT, Money, minor_units
from ._policy_parts import (
    BUDGET_PERIODS,
    Budget,
    GoodwillRules,
    Offer,
    Role,
    Valuation,
    instances_at,
    invalid,
    mapping_at,
    name_at,
    non_decreasing,
    rate_at,
    remedy_kind_at,
    sequence_at,
)
from ._rule_checks import check_rules, check_worse_when
from ._rules import Rule, Table
from ._sink_settings import check_sink_settings
from ._tables import Tables
from .exceptions import FavorPolicyError, InvalidPolicy

__all__ = [
    "BUDGET_PERIODS",
    "Budget",
    "GoodwillRules",
    "Offer",
    "Policy",
    "Role",
    "Valuation",
    "tables_of",
]


_REFUND_OFFER: Final = Offer(RemedyKind.REFUND)
_NO_SETTINGS: Final[Mapping[str, object]] = types.MappingProxyType({})


def _offers(path: str, value: object) -> tuple[Offer, ...]:
    def offer(item_path: str, item: object) -> Offer:
        if not isinstance(item, Offer):
            raise invalid(item_path, item, "is not an Offer")
        if RemedyKind.APOLOGY in item.kinds:
            raise invalid(item_path, item, "offers an apology for money; apologies are free")
        return item

    return sequence_at(path, value, offer)


def _full_valuations(value: object) -> Mapping[RemedyKind, Valuation]:
    def valuation(path: str, item: object) -> Valuation:
        if not isinstance(item, Valuation):
            raise invalid(path, item, "is not a Valuation")
        return item

    given = mapping_at("valuations", value, remedy_kind_at, valuation)
    # An apology is free and worth nothing in money; it is the package when nothing is due.
    return types.MappingProxyType(
        {kind: given.get(kind, Valuation()) for kind in RemedyKind}
        | {RemedyKind.APOLOGY: Valuation(0, 0)}
    )


def _currency(value: object) -> str:
    if not isinstance(value, str):
        raise invalid("currency", value, "is not an ISO 4217 code such as 'USD'")
    code = value.strip().upper()
    try:
        minor_units(code)
    except FavorPolicyError:
        raise invalid("currency", value, "is not a known ISO 4217 code") from None
    return code


def _role(path: str, value: object) -> Role:
    if not isinstance(value, Role):
        raise invalid(path, value, "is not a Role")
    return value


def _tiers(value: object) -> tuple[str, ...]:
    return sequence_at("tiers", value, name_at)


def _roles(value: object) -> tuple[Role, ...]:
    return sequence_at("roles", value, _role)


def _offers_by_kind(value: object) -> Mapping[str, tuple[Offer, ...]]:
    return mapping_at("offers", value, name_at, _offers)


def _default_offers(value: object) -> tuple[Offer, ...]:
    return _offers("default_offers", value)


def _favor_margin(value: object) -> Decimal:
    return rate_at("favor_margin", value)


def _policy_name(value: object) -> str:
    return name_at("name", value)


def _hook_budget(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 60_000:
        raise invalid(
            "hook_budget_ms", value, "is not a whole number of milliseconds from 1 to 60000"
        )
    return value


_SETTING_TYPES: Final = (str, int, Decimal, type(None))
_SETTING_TEXT: Final = 10_000
_SETTING_INT: Final = 10**18


def _setting(path: str, value: object, *, in_list: bool = False) -> object:
    if value is None and in_list:
        # A policy file cannot write it: TOML has no null, and a list keeps its places.
        raise invalid(path, value, "is None inside a list; leave it out")
    if isinstance(value, str):
        check_text(path, value, InvalidPolicy, _SETTING_TEXT)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > _SETTING_INT:
        raise invalid(path, value, "is too large a number for a setting")
    if isinstance(value, _SETTING_TYPES):
        return value
    if isinstance(value, list | tuple) and not in_list:
        return tuple(
            _setting(f"{path}[{index}]", item, in_list=True) for index, item in enumerate(value)
        )
    raise invalid(path, value, "is not a str, int, bool, Decimal, None or a list of them")


def _rules(value: object) -> tuple[Rule, ...]:
    def rule(path: str, item: object) -> Rule:
        if not isinstance(item, Rule):
            raise invalid(path, item, "is not a Rule")
        return item

    return sequence_at("rules", value, rule)


def _policy_tables(value: object) -> tuple[Table, ...]:
    return instances_at("tables", value, Table)


def _worse_when(value: object) -> Mapping[str, str]:
    return types.MappingProxyType(check_worse_when(value))


def _effective_from(value: object) -> date | None:
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, datetime):
        raise invalid("effective_from", value, "is a datetime; a version comes into force on a day")
    raise invalid("effective_from", value, "is not a date such as date(2026, 1, 1)")


def _budgets(value: object) -> tuple[Budget, ...]:
    def budget(path: str, item: object) -> Budget:
        if not isinstance(item, Budget):
            raise invalid(path, item, "is not a Budget")
        return item

    return sequence_at("budgets", value, budget)


def _settings(value: object) -> Mapping[str, Mapping[str, object]]:
    def plugin(path: str, item: object) -> Mapping[str, object]:
        return mapping_at(path, item, name_at, _setting)

    return mapping_at("settings", value, name_at, plugin)


@attrs.frozen(hash=False)
class Policy:
    """A business's rules for making things right, in one currency.

    Build it in code, or start from :meth:`Policy.default`. It checks itself
    when built and raises :class:`~favorpolicy.exceptions.InvalidPolicy`
    naming the key path and the bad value.
    """

    currency: str = attrs.field(converter=_currency)
    tiers: tuple[str, ...] = attrs.field(converter=_tiers)
    roles: tuple[Role, ...] = attrs.field(converter=_roles)
    goodwill: GoodwillRules = attrs.field()
    offers: Mapping[str, tuple[Offer, ...]] = attrs.field(factory=dict, converter=_offers_by_kind)
    default_offers: tuple[Offer, ...] = attrs.field(
        default=(_REFUND_OFFER,), converter=_default_offers
    )
    valuations: Mapping[RemedyKind, Valuation] = attrs.field(
        factory=dict, converter=_full_valuations
    )
    favor_margin: Decimal = attrs.field(default=Decimal("0.25"), converter=_favor_margin)
    name: str = attrs.field(default="policy", converter=_policy_name)
    hook_budget_ms: int = attrs.field(default=250, converter=_hook_budget)
    settings: Mapping[str, Mapping[str, object]] = attrs.field(factory=dict, converter=_settings)
    budgets: tuple[Budget, ...] = attrs.field(default=(), converter=_budgets, metadata=LATE)
    #: Rules on any fact of a ticket; see docs/policy-rules.md.
    rules: tuple[Rule, ...] = attrs.field(default=(), converter=_rules, metadata=LATE)
    #: Facts of the policy's own that make a case worse as they grow ("higher") or
    #: fall ("lower"), such as ``{"facts.uptime_percent": "lower"}``.
    worse_when: Mapping[str, str] = attrs.field(factory=dict, converter=_worse_when, metadata=LATE)
    #: Decision tables declared complete: what ``favorpolicy check`` holds the rules to
    #: (see docs/policy-rules.md, "Gaps and overlaps"). They decide nothing.
    tables: tuple[Table, ...] = attrs.field(default=(), converter=_policy_tables, metadata=LATE)
    #: The day this version comes into force, when it is one of several; see PolicyVersions.
    effective_from: date | None = attrs.field(
        default=None, converter=_effective_from, metadata=LATE
    )

    fingerprint: str = attrs.field(init=False, eq=False, repr=False)
    #: The fingerprint of what decides: every part but the plugins' settings (a rotated
    #: webhook secret or a new e-mail address decides nothing). Decision keys use it.
    terms_fingerprint: str = attrs.field(init=False, eq=False, repr=False)
    _tables: Tables = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        self._check_tiers()
        self._check_roles()
        self._check_goodwill()
        self._check_budgets()
        check_rules(
            self.rules, currency=self.currency, tiers=self.tiers, worse_when=self.worse_when
        )
        self._check_tables()
        check_sink_settings(self.settings)
        object.__setattr__(
            self,
            "_tables",
            Tables.of(
                currency=self.currency,
                roles=self.roles,
                goodwill=self.goodwill,
                offers=self.offers,
                default_offers=self.default_offers,
                valuations=self.valuations,
                favor_margin=self.favor_margin,
                rules=self.rules,
            ),
        )
        object.__setattr__(self, "fingerprint", digest(self))
        terms = canonical(self)
        assert isinstance(terms, dict)  # a policy's canonical form is its fields
        terms.pop("settings", None)
        terms.pop("tables", None)  # a table declared complete decides nothing
        object.__setattr__(self, "terms_fingerprint", digest(terms))

    def __hash__(self) -> int:
        return hash(self.fingerprint)

    def _check_tiers(self) -> None:
        if not self.tiers:
            raise invalid("tiers", self.tiers, "is empty; name at least one tier")
        if len(set(self.tiers)) != len(self.tiers):
            raise invalid("tiers", self.tiers, "names a tier twice")

    def _check_roles(self) -> None:
        if not self.roles:
            raise invalid("roles", self.roles, "is empty; name at least one role")
        names = [role.name for role in self.roles]
        if len(set(names)) != len(names):
            raise invalid("roles", names, "names a role twice")
        for role in self.roles[:-1]:
            if role.limit is None:
                raise invalid(
                    f"roles.{role.name}.limit", None, "is unlimited; only the last role may be"
                )
        for role in self.roles:
            if role.limit is not None:
                self._check_currency(f"roles.{role.name}.limit", role.limit)
        non_decreasing(
            "roles",
            ((f"{role.name}.limit", role.limit.amount) for role in self.roles if role.limit),
            "seniority",
        )

    def _check_goodwill(self) -> None:
        rules = self.goodwill
        if not isinstance(rules, GoodwillRules):
            raise invalid("goodwill", rules, "is not GoodwillRules")
        for severity, floor in enumerate(rules.floors, 1):
            self._check_currency(f"goodwill.floors[{severity - 1}]", floor)
        if rules.cap is not None:
            self._check_currency("goodwill.cap", rules.cap)
        if rules.courtesy is not None:
            self._check_currency("goodwill.courtesy", rules.courtesy)
        missing = [tier for tier in self.tiers if tier not in rules.tier_factors]
        if missing:
            raise invalid(
                "goodwill.tier_factors", dict(rules.tier_factors), f"has no factor for {missing}"
            )
        unknown = [tier for tier in rules.tier_factors if tier not in self.tiers]
        if unknown:
            raise invalid(
                "goodwill.tier_factors", dict(rules.tier_factors), f"names unknown tiers {unknown}"
            )
        non_decreasing(
            "goodwill.tier_factors",
            ((tier, rules.tier_factors[tier]) for tier in self.tiers),
            "tier",
        )
        top = self.roles[-1].limit
        if top is not None:
            if rules.cap is None:
                raise invalid(
                    "goodwill.cap",
                    None,
                    f"leaves goodwill unbounded but the top role {self.roles[-1].name!r} "
                    "has a limit; set a cap or make the top role unlimited",
                )
            if rules.cap > top:
                raise invalid(
                    "goodwill.cap",
                    rules.cap,
                    f"is above what the top role {self.roles[-1].name!r} may grant ({top})",
                )

    def _check_budgets(self) -> None:
        seen: set[tuple[str | None, str]] = set()
        top = self.roles[-1].name
        for index, budget in enumerate(self.budgets):
            path = f"budgets[{index}]"
            self._check_currency(f"{path}.limit", budget.limit)
            if not budget.limit.is_whole():
                raise invalid(f"{path}.limit", budget.limit, "is not a whole number of minor units")
            if budget.role is not None and budget.role not in self._role_names():
                raise invalid(
                    f"{path}.role", budget.role, f"is not a role ({', '.join(self._role_names())})"
                )
            if budget.role == top:
                raise invalid(
                    f"{path}.role",
                    budget.role,
                    "is the top role, where escalations end; someone must always be able to "
                    "grant, so the top role cannot have a budget",
                )
            if (budget.role, budget.period) in seen:
                raise invalid(path, budget.label, "is a second budget for the same role and period")
            seen.add((budget.role, budget.period))

    def _check_tables(self) -> None:
        rule_names = {rule.name for rule in self.rules}
        seen: dict[str, int] = {}
        for index, table in enumerate(self.tables):
            path = f"tables[{index}]"
            if table.name in seen:
                raise invalid(
                    f"{path}.name", table.name, f"is also tables[{seen[table.name]}]'s name"
                )
            seen[table.name] = index
            for number, name in enumerate(table.rules):
                if name not in rule_names:
                    raise invalid(f"{path}.rules[{number}]", name, "is not the name of a rule")

    def _role_names(self) -> list[str]:
        return [role.name for role in self.roles]

    def budgets_for(self, role: str) -> tuple[Budget, ...]:
        """The budgets that hold back *role*'s on-the-spot goodwill: its own and the overall ones.

        The top role has none: escalations end there.
        """
        if role == self.roles[-1].name:
            return ()
        return tuple(budget for budget in self.budgets if budget.role in (None, role))

    def escalation_role(self, acting: str, goodwill: Money) -> str:
        """The lowest role above *acting* whose limit covers *goodwill*: who approves the rest."""
        tables = self._tables
        return self.roles[tables.covering(goodwill.amount, above=tables.role_index[acting])].name

    def _check_currency(self, path: str, amount: Money) -> None:
        if amount.currency != self.currency:
            raise invalid(path, amount, f"is not in the policy's currency {self.currency!r}")

    @property
    def zero(self) -> Money:
        """Nothing, in the policy's currency."""
        return Money(0, self.currency)

    def role_index(self, name: str) -> int | None:
        """Return the position of the role called *name*, lowest first, or None."""
        return self._tables.role_index.get(name)

    def candidates_for(self, kind: str) -> tuple[Offer, ...]:
        """The offers considered for an issue *kind*, always ending with a cash refund."""
        return self._tables.candidates.get(kind, self._tables.default_candidates)

    def settings_for(self, plugin: str) -> Mapping[str, object]:
        """The settings for the plugin called *plugin*; empty when there are none."""
        return self.settings.get(plugin, _NO_SETTINGS)

    def valuation(self, kind: RemedyKind) -> Valuation:
        """How a remedy of *kind* is sized and costed under this policy."""
        return self.valuations[kind]

    @classmethod
    def default(cls, currency: str = "USD") -> Policy:
        """A sensible starting policy in *currency*.

        Amounts are written for a two-decimal currency such as USD or BRL and
        scaled by ``10 ** (2 - minor units)``: 50 USD is 5000 JPY and 5 KWD.
        """
        code = _currency(currency)
        scale = CONTEXT.power(10, 2 - minor_units(code))

        def money(amount: int) -> Money:
            return Money(CONTEXT.multiply(amount, scale), code)

        replace_then_credit = Offer(RemedyKind.REPLACEMENT, RemedyKind.STORE_CREDIT)
        refund = Offer(RemedyKind.REFUND)
        credit = Offer(RemedyKind.STORE_CREDIT)
        return cls(
            currency=code,
            tiers=("standard", "plus", "vip"),
            roles=(
                Role("agent", money(50)),
                Role("lead", money(250)),
                Role("owner", None),
            ),
            goodwill=GoodwillRules(
                rates=("0.05", "0.10", "0.15", "0.20", "0.25"),
                floors=tuple(money(amount) for amount in (0, 2, 5, 10, 20)),
                tier_factors={"standard": 1, "plus": "1.25", "vip": "1.5"},
                tenure_factors=((1, "1.1"), (3, "1.25"), (5, "1.5")),
                kind_factors={"pricing_error": "0.5", "miscommunication": "0.5"},
                cap=money(500),
                courtesy=money(5),
            ),
            offers={
                "damaged": (replace_then_credit, refund, credit),
                "defect": (replace_then_credit, refund, credit),
                "missing_item": (replace_then_credit, refund),
                "late": (Offer(RemedyKind.WAIVE_FEE, RemedyKind.STORE_CREDIT), refund, credit),
                "pricing_error": (refund, Offer(RemedyKind.DISCOUNT)),
                "miscommunication": (credit, Offer(RemedyKind.DISCOUNT), refund),
                "service_failure": (Offer(RemedyKind.EXPEDITE, RemedyKind.STORE_CREDIT), refund),
            },
            default_offers=(refund, credit),
            valuations={
                RemedyKind.REFUND: Valuation(0, 1),
                RemedyKind.REPLACEMENT: Valuation(0, "0.6"),
                RemedyKind.STORE_CREDIT: Valuation("0.10", "0.6"),
                RemedyKind.DISCOUNT: Valuation("0.05", "0.6"),
                RemedyKind.KEEP_ITEM: Valuation(0, "0.6"),
                RemedyKind.WAIVE_FEE: Valuation(0, 1),
                RemedyKind.EXPEDITE: Valuation(0, "0.8"),
            },
            favor_margin="0.25",
            name=f"default-{code}",
            settings={"conduct_filter": {"enabled": True}},
        )


def tables_of(policy: Policy) -> Tables:
    """The precomputed view of *policy* that resolve() reads."""
    return policy._tables
