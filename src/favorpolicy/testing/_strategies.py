"""Hypothesis strategies for favorpolicy's values.

They generate only *valid* values, including the edges: zero, one minor unit,
amounts near the maximum, zero- and three-decimal currencies, empty and
non-ASCII text, and every enum member.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Final, TypeVar

import attrs
from hypothesis import strategies as st

from .._facts import FactValue
from .._model import BUILTIN_KINDS, Customer, Fault, Issue, RemedyKind
from .._money import MINOR_UNITS, Money
from .._policy import GoodwillRules, Offer, Policy, Role, Valuation
from .._rules import Band, Condition, Owe, Rule

__all__ = [
    "currencies",
    "customers",
    "issues",
    "money",
    "policies",
    "rule_tables",
    "scenarios",
    "values_near",
]

#: Currencies the strategies draw from by default: two, zero and three decimals.
EDGE_CURRENCIES: Final = ("USD", "EUR", "BRL", "JPY", "KRW", "KWD", "BHD")

_T = TypeVar("_T")
_MONEY_KINDS: Final = tuple(kind for kind in RemedyKind if kind is not RemedyKind.APOLOGY)
_FIRST_DAY: Final = date(1990, 1, 1)
_LAST_DAY: Final = date(2035, 12, 31)
# Hypothesis wants naive bounds for st.datetimes() and adds the time zone itself.
_FIRST_MOMENT: Final = datetime(2000, 1, 1)  # noqa: DTZ001
_LAST_MOMENT: Final = datetime(2035, 1, 1)  # noqa: DTZ001


def as_strategy(
    value: _T | st.SearchStrategy[_T] | None, default: st.SearchStrategy[_T]
) -> st.SearchStrategy[_T]:
    """*value* as a strategy: a strategy stays, a value becomes ``just(value)``, None *default*."""
    if value is None:
        return default
    if isinstance(value, st.SearchStrategy):
        return value
    return st.just(value)


def currencies() -> st.SearchStrategy[str]:
    """ISO 4217 codes, biased toward the edges (JPY, KWD) but covering the whole table."""
    return st.sampled_from(EDGE_CURRENCIES) | st.sampled_from(sorted(MINOR_UNITS))


@st.composite
def _amount(
    draw: st.DrawFn, currency: str, min_value: int, max_value: int, extra_places: int
) -> Decimal:
    places = MINOR_UNITS[currency] + draw(st.integers(0, extra_places))
    scale = 10**places
    units = draw(
        st.one_of(
            st.sampled_from([min_value * scale, min_value * scale + 1, max_value * scale]),
            st.integers(min_value * scale, max(min_value, min(max_value, 1000)) * scale),
            st.integers(min_value * scale, max_value * scale),
        )
    )
    return Decimal(units).scaleb(-places)


def money(
    currency: str | st.SearchStrategy[str] | None = None,
    *,
    min_value: int = 0,
    max_value: int = 10**12,
    extra_places: int = 0,
) -> st.SearchStrategy[Money]:
    """Money in *currency* (a code, a strategy of codes, or any) between the bounds.

    ``extra_places`` allows that many digits beyond the currency's minor unit,
    to exercise rounding.
    """
    codes = as_strategy(currency, currencies())
    return codes.flatmap(
        lambda code: _amount(code, min_value, max_value, extra_places).map(
            lambda amount: Money(amount, code)
        )
    )


def _text() -> st.SearchStrategy[str]:
    return st.one_of(st.just(""), st.text(max_size=40), st.sampled_from(["ação", "Ünïcødé 🙂"]))


def _ids() -> st.SearchStrategy[str]:
    return st.text(min_size=1, max_size=12).filter(str.strip)


def customers(
    policy: Policy | None = None, *, tiers: st.SearchStrategy[str] | None = None
) -> st.SearchStrategy[Customer]:
    """Customers whose tier belongs to *policy* (or the default tiers)."""
    tier_names = policy.tiers if policy is not None else ("standard", "plus", "vip")
    return st.builds(
        Customer,
        id=_ids(),
        tier=tiers if tiers is not None else st.sampled_from(tier_names),
        since=st.none() | st.dates(_FIRST_DAY, _LAST_DAY),
        lifetime_value=st.none() | money(policy.currency if policy else None, max_value=10**7),
        prior_remedies=st.integers(0, 50),
        preference=st.none() | st.sampled_from(RemedyKind),
        region=st.none() | st.sampled_from(REGIONS),
        facts=_facts(),
    )


#: Regions the strategies draw from.
REGIONS: Final = ("BR", "BR-SP", "DE", "FR", "JP", "KW", "US", "US-CA")
#: Categories the strategies draw from ("" is none).
CATEGORIES: Final = ("", "electronics", "perishable", "furniture", "roupas e acessórios")


def _fact_values() -> st.SearchStrategy[FactValue]:
    return st.one_of(
        st.booleans(),
        st.integers(-(10**6), 10**6),
        st.decimals(-(10**6), 10**6, places=3),
        st.text(max_size=10),
        st.dates(_FIRST_DAY, _LAST_DAY),
    )


def _facts() -> st.SearchStrategy[dict[str, FactValue]]:
    """Named facts: the ones rule_tables() tests, near its thresholds, and any others."""
    known: dict[str, st.SearchStrategy[Any]] = {
        "durable": st.booleans(),
        "distance_km": st.integers(0, 6000),
        "uptime_percent": st.decimals(90, 100, places=2),
        "rerouted": st.booleans(),
        "recent_claims": st.integers(0, 8),
    }
    return st.fixed_dictionaries(
        {}, optional=known | {"note": st.text(max_size=10)}
    ) | st.dictionaries(
        st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True), _fact_values(), max_size=3
    )


@st.composite
def _dates(draw: st.DrawFn) -> dict[str, Any]:
    """occurred_at, and the order's dates a few days around it (so day windows match)."""
    occurred = draw(st.none() | st.datetimes(_FIRST_MOMENT, _LAST_MOMENT, timezones=st.just(UTC)))
    anchor = occurred or datetime(2026, 6, 1, tzinfo=UTC)
    ordered = anchor - timedelta(days=draw(st.integers(0, 60)), hours=draw(st.integers(0, 23)))

    def later(days: int) -> datetime:
        return ordered + timedelta(days=draw(st.integers(0, days)), hours=draw(st.integers(0, 23)))

    return {
        "occurred_at": occurred,
        "ordered_at": draw(st.none() | st.just(ordered)),
        "promised_at": draw(st.none() | st.just(later(20))),
        "delivered_at": draw(st.none() | st.just(later(40))),
    }


def _kinds() -> st.SearchStrategy[str]:
    return st.sampled_from(BUILTIN_KINDS) | _ids()


def issues(
    currency: str | None = None,
    *,
    kinds: st.SearchStrategy[str] | None = None,
    faults: st.SearchStrategy[Fault] | None = None,
    max_loss: int = 10**9,
) -> st.SearchStrategy[Issue]:
    """Issues in *currency* (or any), with every fault, severity and built-in kind."""
    codes = as_strategy(currency, currencies())

    def build(code: str) -> st.SearchStrategy[Issue]:
        return st.builds(
            Issue,
            id=_ids(),
            kind=kinds if kinds is not None else _kinds(),
            fault=faults if faults is not None else st.sampled_from(Fault),
            loss=money(code, max_value=max_loss, extra_places=3),
            order_value=st.none() | money(code, max_value=max_loss),
            severity=st.integers(1, 5),
            conduct=_text(),
            channel=st.sampled_from(["", "email", "phone", "chat", "online", "loja física"]),
            region=st.none() | st.sampled_from(REGIONS),
            category=st.sampled_from(CATEGORIES),
            facts=_facts(),
        ).flatmap(lambda issue: _dates().map(lambda dates: attrs.evolve(issue, **dates)))

    return codes.flatmap(build)


def _rising(values: st.SearchStrategy[Decimal], size: int) -> st.SearchStrategy[list[Decimal]]:
    return st.lists(values, min_size=size, max_size=size).map(sorted)


def _rates(low: str, high: str, places: int = 3) -> st.SearchStrategy[Decimal]:
    return st.decimals(Decimal(low), Decimal(high), places=places)


@st.composite
def _policy(draw: st.DrawFn, currency: str) -> Policy:
    def amount(max_value: int) -> Money:
        return draw(money(currency, max_value=max_value))

    tiers = draw(st.lists(_ids(), min_size=1, max_size=4, unique=True))
    role_names = draw(st.lists(_ids(), min_size=1, max_size=4, unique=True))
    limits = sorted(amount(10**6).amount for _ in role_names)
    unlimited_top = draw(st.booleans())
    roles = [
        Role(name, Money(limit, currency)) for name, limit in zip(role_names, limits, strict=True)
    ]
    if unlimited_top:
        roles[-1] = Role(role_names[-1], None)
    top = roles[-1].limit
    if top is None:
        cap = draw(st.none() | money(currency, max_value=10**7))
    else:
        cap = Money(draw(st.decimals(0, top.amount, places=MINOR_UNITS[currency])), currency)
    courtesy = draw(st.none() | money(currency, max_value=100))
    tenure_years = sorted(draw(st.sets(st.integers(0, 30), max_size=3)))
    tenure = list(
        zip(tenure_years, draw(_rising(_rates("1", "3"), len(tenure_years))), strict=True)
    )
    floors = [Money(value, currency) for value in sorted(amount(1000).amount for _ in range(5))]
    goodwill = GoodwillRules(
        rates=draw(_rising(_rates("0", "1"), 5)),
        floors=floors,
        tier_factors=dict(zip(tiers, draw(_rising(_rates("0", "3"), len(tiers))), strict=True)),
        tenure_factors=tenure,
        kind_factors=draw(st.dictionaries(_kinds(), _rates("0", "2"), max_size=3)),
        cap=cap,
        courtesy=courtesy,
    )
    offer = st.builds(
        Offer,
        whole=st.sampled_from(_MONEY_KINDS),
        extra=st.none() | st.sampled_from(_MONEY_KINDS),
    )
    offers = draw(st.dictionaries(_kinds(), st.lists(offer, min_size=1, max_size=4), max_size=4))
    valuations = draw(
        st.dictionaries(
            st.sampled_from(_MONEY_KINDS),
            st.builds(Valuation, bonus=_rates("0", "0.5"), cost_rate=_rates("0", "1.5")),
        )
    )
    return Policy(
        currency=currency,
        tiers=tiers,
        roles=roles,
        goodwill=goodwill,
        offers=offers,
        default_offers=draw(st.lists(offer, max_size=3)),
        valuations=valuations,
        favor_margin=draw(_rates("0", "1", places=2)),
        name=draw(_ids()),
    )


def policies(currency: str | None = None, *, rules: bool = False) -> st.SearchStrategy[Policy]:
    """Valid policies: the default one, and arbitrary ones that pass validation.

    With *rules*, each policy also has a table from :func:`rule_tables`.
    """
    codes = as_strategy(currency, currencies())
    plain = codes.flatmap(lambda code: st.just(Policy.default(code)) | _policy(code))
    if not rules:
        return plain
    return plain.flatmap(
        lambda policy: rule_tables(policy).map(
            lambda table: attrs.evolve(
                policy, rules=table, worse_when={"facts.uptime_percent": "lower"}
            )
        )
    )


#: The fault sets a rule that gives may name: every worse case is in each.
_GIVING_FAULTS: Final = (
    (Fault.BUSINESS, Fault.UNKNOWN),
    (Fault.BUSINESS, Fault.UNKNOWN, Fault.SHARED),
    tuple(Fault),
)


@st.composite
def _giving_condition(draw: st.DrawFn, policy: Policy) -> Condition:
    """A condition that lets every worse case through (so the policy accepts it)."""
    tiers = policy.tiers
    lowest = draw(st.integers(0, len(tiers) - 1))
    choice = draw(st.integers(0, 14))
    small = st.integers(0, 45)
    made: tuple[str, str, object] = (
        ("kind", "in", draw(st.lists(st.sampled_from(BUILTIN_KINDS), min_size=1, max_size=3))),
        ("channel", "in", ["online", "phone"]),
        ("category", "eq", draw(st.sampled_from(CATEGORIES[1:]))),
        ("country", "eq", draw(st.sampled_from(["BR", "DE", "US"]))),
        ("days_since_delivery", draw(st.sampled_from(["le", "lt"])), draw(small)),
        ("days_since_order", draw(st.sampled_from(["le", "lt", "ge"])), draw(small)),
        ("days_late", draw(st.sampled_from(["ge", "gt"])), draw(st.integers(-5, 20))),
        ("hours_late", draw(st.sampled_from(["ge", "gt"])), draw(st.integers(0, 200))),
        ("loss", "ge", draw(money(policy.currency, max_value=1000)).amount),
        ("severity", draw(st.sampled_from(["ge", "gt"])), draw(st.integers(1, 5))),
        ("customer.tier", "in", list(tiers[lowest:])),
        ("fault", "in", list(draw(st.sampled_from(_GIVING_FAULTS)))),
        ("facts.durable", "eq", draw(st.booleans())),
        (
            "facts.distance_km",
            draw(st.sampled_from(["le", "gt", "ge"])),
            draw(st.integers(0, 5000)),
        ),
        (
            "facts.uptime_percent",
            draw(st.sampled_from(["lt", "le"])),
            draw(st.decimals(90, 100, places=2)),
        ),
    )[choice]
    return Condition(*made)


def _unflipped(groups: list[list[Condition]]) -> list[list[Condition]]:
    """Exclusions turned back into conditions that let every worse case through."""
    return [[_flipped(condition) for condition in group] for group in groups]


def _fact_and_op(condition: Condition) -> tuple[str, str]:
    # A rule tests one fact with one operator at most once.
    return (condition.fact, condition.op.value)


def _flipped(condition: Condition) -> Condition:
    """The condition as an exclusion that never leaves out a worse case (and back)."""
    flip = {"ge": "lt", "gt": "le", "le": "gt", "lt": "ge"}
    fact, op, value = condition.fact, condition.op.value, condition.value
    if fact in {"fault", "customer.tier"}:
        return Condition(fact, "in" if op == "not_in" else "not_in", value)
    if op in flip and fact not in {"days_since_delivery", "days_since_order", "facts.distance_km"}:
        return Condition(fact, flip[op], value)
    return condition


@st.composite
def _owe(draw: st.DrawFn, currency: str) -> Owe:
    def amount() -> Money:
        return draw(money(currency, max_value=5000))

    form = draw(st.integers(0, 3))
    if form == 0:
        return Owe(amount=amount())
    if form == 1:
        return Owe(
            share=draw(_rates("0", "2", places=2)),
            of=draw(st.sampled_from(["loss", "order_value"])),
        )
    if form == 2:  # a neutral fact: the bands may go any way
        uptos = sorted(draw(st.sets(st.integers(0, 5000), min_size=1, max_size=3)))
        bands = [Band(amount(), upto) for upto in uptos]
        if draw(st.booleans()):
            bands.append(Band(amount()))
        return Owe(bands=tuple(bands), by="facts.distance_km")
    uptos = sorted(draw(st.sets(st.integers(0, 20), max_size=3)))
    amounts = sorted(amount().amount for _ in range(len(uptos) + 1))
    bands = [
        Band(Money(a, currency), upto) for a, upto in zip(amounts, [*uptos, None], strict=True)
    ]
    return Owe(bands=tuple(bands), by="days_late")


@st.composite
def _rule(draw: st.DrawFn, policy: Policy, name: str) -> Rule:
    when = draw(st.lists(_giving_condition(policy), max_size=3, unique_by=_fact_and_op))
    unless = [
        [
            _flipped(condition)
            for condition in draw(
                st.lists(_giving_condition(policy), min_size=1, max_size=2, unique_by=_fact_and_op)
            )
        ]
        for _ in range(draw(st.integers(0, 2)))
    ]
    if draw(st.integers(0, 4)) == 0:
        # A review rule: it holds goodwill back, so its conditions run the other way.
        frequent = Condition("customer.facts.recent_claims", "ge", draw(st.integers(1, 6)))
        return Rule(
            name,
            when=[frequent, *(_flipped(c) for c in when[:1])],
            unless=[group for group in _unflipped(unless) if group],
            review=True,
        )
    owe = draw(st.none() | _owe(policy.currency))
    law = owe is not None and draw(st.booleans())
    offer = st.builds(
        Offer, whole=st.sampled_from(_MONEY_KINDS), extra=st.none() | st.sampled_from(_MONEY_KINDS)
    )
    fields: dict[str, Any] = {
        "goodwill_rate": draw(st.none() | _rates("0", "1")),
        "goodwill_floor": draw(st.none() | money(policy.currency, max_value=100)),
        "goodwill_factor": draw(st.none() | _rates("0", "3")),
        "offers": draw(st.lists(offer, max_size=2)),
    }
    if owe is None and all(value in (None, []) for value in fields.values()):
        fields["offers"] = [Offer(RemedyKind.STORE_CREDIT)]
    # A right of choice, as a law gives one: two to three remedies to choose from.
    choose = len(set(fields["offers"])) >= 2 or draw(st.integers(0, 3)) == 0
    if choose and len(set(fields["offers"])) < 2:
        fields["offers"] = [Offer(RemedyKind.REPLACEMENT), Offer(RemedyKind.REFUND)]
    fields["choose"] = choose and draw(st.booleans())
    fields["keep_item"] = draw(st.integers(0, 4)) == 0
    # A kind of remedy the rule requires (a law's "full refund"), now and then.
    fields["require"] = (
        draw(st.none() | st.sampled_from(_MONEY_KINDS)) if draw(st.integers(0, 3)) == 0 else None
    )
    return Rule(
        name,
        when=when,
        unless=unless,
        owe=owe,
        basis="law" if law else "policy",
        cite=draw(st.sampled_from(["CDC art. 49", "Reg. 261/2004 art. 7", "16 CFR 435.2"]))
        if law
        else "",
        **fields,
    )


def rule_tables(policy: Policy, *, max_rules: int = 6) -> st.SearchStrategy[tuple[Rule, ...]]:
    """Tables of rules that *policy* accepts: conditions on every kind of fact, fixed
    amounts, shares and bands, goodwill settings, offers, the customer's choice, a
    required kind of remedy, keeping the item and legal floors.

    The facts they test are the ones :func:`issues` draws near their thresholds
    (``facts.durable``, ``facts.distance_km``, ``facts.uptime_percent``, the order's
    dates), so generated tickets match some rules and miss others.
    """

    @st.composite
    def table(draw: st.DrawFn) -> tuple[Rule, ...]:
        size = draw(st.integers(1, max_rules))
        return tuple(draw(_rule(policy, f"rule-{number}")) for number in range(size))

    return table()


@st.composite
def scenarios(
    draw: st.DrawFn, policy: st.SearchStrategy[Policy] | None = None
) -> tuple[Policy, Customer, Issue, str]:
    """A whole decision to make: ``(policy, customer, issue, role)``, all consistent."""
    chosen = draw(policy if policy is not None else policies())
    customer = draw(customers(chosen))
    issue = draw(issues(chosen.currency))
    if len(chosen.rules) > 0 and draw(st.booleans()):
        # Half the time, a ticket aimed at the policy's own rules: their kinds, and each
        # fact they test at, just inside and just outside its threshold.
        issue, customer = draw(_near_rules(chosen, issue, customer))
    role = draw(st.sampled_from([role.name for role in chosen.roles]))
    return chosen, customer, issue, role


_DAY_FACTS: Final = {
    "days_since_delivery": "delivered_at",
    "days_since_order": "ordered_at",
    "days_late": "promised_at",
}
_ANCHOR: Final = datetime(2026, 6, 15, 12, tzinfo=UTC)


def values_near(value: object) -> st.SearchStrategy[Any]:
    """Values at, just below and just above a condition's *value*, of its own type."""
    if isinstance(value, bool):
        return st.booleans()
    if isinstance(value, int | Decimal):
        step = 1 if isinstance(value, int) else Decimal("0.01")
        return st.sampled_from([value - step, value, value + step])
    if isinstance(value, tuple) and value:
        return st.one_of([values_near(item) for item in value])
    if isinstance(value, str):
        return st.sampled_from([value, value + "-other"])
    return st.just(value)


@st.composite
def _near_rules(
    draw: st.DrawFn, policy: Policy, issue: Issue, customer: Customer
) -> tuple[Issue, Customer]:
    conditions = [
        condition
        for rule in policy.rules
        for condition in (*rule.when, *(c for group in rule.unless for c in group))
    ]
    kinds = sorted(
        {
            kind
            for c in conditions
            if c.fact == "kind" and c.op.value in {"eq", "in"}
            for kind in (c.value if isinstance(c.value, tuple) else (c.value,))
        }
    )
    if kinds:
        issue = attrs.evolve(issue, kind=draw(st.sampled_from(kinds)))
    occurred = issue.occurred_at or _ANCHOR
    issue_facts, customer_facts = dict(issue.facts), dict(customer.facts)
    moments: dict[str, Any] = {"occurred_at": occurred}
    for condition in draw(st.permutations(conditions)):
        if condition.op.value == "missing" or not draw(st.booleans()):
            continue  # a fact left as drawn, so some conditions miss
        value = draw(values_near(condition.value))
        fact = condition.fact
        if fact.startswith("facts."):
            issue_facts[fact.removeprefix("facts.")] = value
        elif fact.startswith("customer.facts."):
            customer_facts[fact.removeprefix("customer.facts.")] = value
        elif fact in _DAY_FACTS and isinstance(value, int) and not isinstance(value, bool):
            end = moments.get("delivered_at", occurred) if fact == "days_late" else occurred
            moments[_DAY_FACTS[fact]] = end - timedelta(days=value)
    return (
        attrs.evolve(issue, facts=issue_facts, **moments),
        attrs.evolve(customer, facts=customer_facts),
    )
