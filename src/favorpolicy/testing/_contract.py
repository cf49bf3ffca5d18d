"""The bias contract, as checks that any scenario must pass.

Each check takes one scenario ``(policy, customer, issue, role)`` and a
*resolver* (``resolve`` itself, or ``resolve`` with plugins bound) and raises
:class:`ContractViolation` when the resolution breaks the rule. Checks that
compare two decisions (monotonicity, benefit of the doubt, the decision key)
derive the second input from the first, so one generated scenario is enough.

The test suite drives these with Hypothesis; so can yours.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Final, TypeAlias

import attrs

from .. import _budget
from .._model import Customer, Fault, Issue, Level, Remedy, RemedyKind, Resolution
from .._money import Money
from .._pick import pick
from .._policy import Policy
from .._resolve import resolve
from .._rules import Basis, Rule, matching
from ..exceptions import ContractViolation, FavorPolicyError, InvalidPolicy

__all__ = [
    "CONTRACT",
    "ContractViolation",
    "Resolver",
    "Scenario",
    "authority",
    "benefit_of_doubt",
    "budget_holds_back_only_granted_now",
    "business_fault_never_less",
    "close_calls_go_to_customer",
    "deterministic",
    "make_whole",
    "monotone",
    "no_negatives",
    "required_kind_given",
    "resolve_as",
    "rounding_favours_customer",
    "rule_order_never_matters",
    "rules_are_floors",
]

Scenario: TypeAlias = tuple[Policy, Customer, Issue, str]
Resolver: TypeAlias = Callable[[Issue, Customer, Policy, str], Resolution]


def resolve_as(issue: Issue, customer: Customer, policy: Policy, role: str) -> Resolution:
    """The plain resolver: :func:`favorpolicy.resolve` with no plugins."""
    return resolve(issue, customer, policy, role=role)


def _require(condition: bool, rule: str, message: str) -> None:
    if not condition:
        raise ContractViolation(f"{rule}: {message}")


def _package_value(remedies: tuple[Remedy, ...], currency: str) -> Money:
    return Money.total((remedy.value for remedy in remedies), currency)


def _package_cost(remedies: tuple[Remedy, ...], currency: str) -> Money:
    return Money.total((remedy.cost or Money(0, currency) for remedy in remedies), currency)


def _amounts(resolution: Resolution) -> Iterator[tuple[str, Money]]:
    yield "owed", resolution.owed
    yield "goodwill", resolution.goodwill
    yield "total", resolution.total
    yield "granted_now", resolution.granted_now
    for number, remedy in enumerate(resolution.remedies):
        yield f"remedies[{number}].value", remedy.value


def make_whole(scenario: Scenario, resolver: Resolver) -> None:
    """Rule 1: unless the customer caused it, owed is the loss and the remedies cover the total."""
    policy, customer, issue, role = scenario
    resolution = resolver(issue, customer, policy, role)
    rule = "make whole"
    value = _package_value(resolution.remedies, policy.currency)
    _require(value >= resolution.total, rule, f"remedies worth {value} < total {resolution.total}")
    _require(resolution.total >= resolution.owed, rule, "total is below owed")
    if issue.fault is not Fault.CUSTOMER:
        # A rule may owe more than the loss (a fixed amount, the order's value); never less.
        _require(
            resolution.owed == issue.loss.round_up()
            or (bool(policy.rules) and resolution.owed > issue.loss.round_up()),
            rule,
            f"owed {resolution.owed} is not loss {issue.loss}",
        )
        _require(
            resolution.total >= issue.loss, rule, f"total {resolution.total} < loss {issue.loss}"
        )


def benefit_of_doubt(scenario: Scenario, resolver: Resolver) -> None:
    """Rule 2: an UNKNOWN fault gives exactly what a BUSINESS fault gives."""
    policy, customer, issue, role = scenario
    unknown = resolver(attrs.evolve(issue, fault=Fault.UNKNOWN), customer, policy, role)
    business = resolver(attrs.evolve(issue, fault=Fault.BUSINESS), customer, policy, role)
    rule = "benefit of the doubt"
    for (name, got), (_, want) in zip(_amounts(unknown), _amounts(business), strict=True):
        _require(got == want, rule, f"{name} is {got} for UNKNOWN but {want} for BUSINESS")
    _require(unknown.remedies == business.remedies, rule, "remedies differ from BUSINESS")
    _require(unknown.escalate_to == business.escalate_to, rule, "escalation differs")


def _more(
    issue: Issue, customer: Customer, policy: Policy
) -> Iterator[tuple[str, Issue, Customer]]:
    """Inputs that are each 'more' than the scenario's in one respect."""
    minor = Money.minor(policy.currency)
    yield "loss + one minor unit", attrs.evolve(issue, loss=issue.loss + minor), customer
    yield "loss x 2", attrs.evolve(issue, loss=issue.loss * 2), customer
    if issue.severity < 5:
        yield "severity + 1", attrs.evolve(issue, severity=issue.severity + 1), customer
    position = policy.tiers.index(customer.tier)
    if position + 1 < len(policy.tiers):
        yield "next tier", issue, attrs.evolve(customer, tier=policy.tiers[position + 1])
    if customer.since is not None:
        earlier = customer.since - timedelta(days=366 * 2)
        yield "two years more tenure", issue, attrs.evolve(customer, since=earlier)
    if issue.promised_at is not None:
        promised = issue.promised_at - timedelta(days=1)
        yield "a day later than promised", attrs.evolve(issue, promised_at=promised), customer
    for fact, way in policy.worse_when.items():
        yield from _worse_fact(issue, customer, fact, way)


def _worse_fact(
    issue: Issue, customer: Customer, fact: str, way: str
) -> Iterator[tuple[str, Issue, Customer]]:
    """The scenario with the policy's own worse_when *fact* one step worse, if it has it."""
    on_customer = fact.startswith("customer.")
    name = fact.removeprefix("customer.").removeprefix("facts.")
    facts = customer.facts if on_customer else issue.facts
    value = facts.get(name)
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return
    step = 1 if way == "higher" else -1
    worse = {**facts, name: value + step}
    if on_customer:
        yield f"{fact} {step:+}", issue, attrs.evolve(customer, facts=worse)
    else:
        yield f"{fact} {step:+}", attrs.evolve(issue, facts=worse), customer


def monotone(scenario: Scenario, resolver: Resolver) -> None:
    """Rule 3: more loss, severity, tier, tenure or lateness (and each of the policy's own
    ``worse_when`` facts, worse) never lowers total or granted_now, nor takes away
    keeping the item."""
    policy, customer, issue, role = scenario
    base = resolver(issue, customer, policy, role)
    for what, bigger_issue, bigger_customer in _more(issue, customer, policy):
        try:
            more = resolver(bigger_issue, bigger_customer, policy, role)
        except FavorPolicyError:
            continue  # the bigger amount is beyond what Money can hold
        for name in ("total", "granted_now"):
            before, after = getattr(base, name), getattr(more, name)
            _require(after >= before, "monotone", f"{what} lowered {name} from {before} to {after}")
        _require(
            more.keep_item or not base.keep_item,
            "monotone",
            f"{what} took away keeping the item",
        )


def _customer_rank(
    package: tuple[Remedy, ...], customer: Customer, currency: str
) -> tuple[bool, Decimal, Decimal]:
    """The customer's order of packages: their preferred kind first, then the most value,
    then the least cost."""
    preferred = customer.preference in {remedy.kind for remedy in package}
    value = _package_value(package, currency).amount
    return (not preferred, value.copy_negate(), _package_cost(package, currency).amount)


def close_calls_go_to_customer(scenario: Scenario, resolver: Resolver) -> None:
    """Rule 4: among packages within favor_margin of the cheapest, the customer's side wins."""
    policy, customer, issue, role = scenario
    resolution = resolver(issue, customer, policy, role)
    rule = "close calls go to the customer"
    currency = policy.currency
    every = [resolution.remedies, *resolution.alternatives]
    # Where a rule requires a kind (rule 14), the close calls are among the packages of
    # that kind, which are given first; the rest are alternatives.
    required = _required(policy, issue, customer, resolution)
    meeting = [package for package in every if package[0].kind in required]
    packages = meeting or every
    cheapest = min(_package_cost(package, currency) for package in packages)
    threshold = cheapest * (1 + policy.favor_margin)

    def rank(package: tuple[Remedy, ...]) -> tuple[bool, Decimal, Decimal]:
        return _customer_rank(package, customer, currency)

    chosen_cost = _package_cost(resolution.remedies, currency)
    # Where the customer chooses, the recommended choice may cost more: rule 13.
    _require(
        chosen_cost <= threshold or bool(resolution.choices),
        rule,
        f"chosen cost {chosen_cost} is beyond the close-call line {threshold}",
    )
    for alternative in resolution.alternatives:
        if alternative in packages and _package_cost(alternative, currency) <= threshold:
            _require(
                rank(resolution.remedies) <= rank(alternative),
                rule,
                f"{alternative} was a close call that serves the customer better "
                f"than {resolution.remedies}",
            )
    if resolution.total.amount > 0:
        refunds = [p for p in every if len(p) == 1 and p[0].kind is RemedyKind.REFUND]
        _require(bool(refunds), rule, "a cash refund of the total was not a candidate")
    again = resolver(issue, customer, policy, role)
    _require(again == resolution, rule, "the same inputs gave a different resolution")


def rounding_favours_customer(scenario: Scenario, resolver: Resolver) -> None:
    """Rule 5: every amount granted is whole minor units, rounded up."""
    policy, customer, issue, role = scenario
    resolution = resolver(issue, customer, policy, role)
    rule = "rounding favours the customer"
    for name, amount in _amounts(resolution):
        _require(amount.is_whole(), rule, f"{name} {amount} is not a whole number of minor units")
    if issue.fault is not Fault.CUSTOMER:
        _require(
            resolution.owed >= issue.loss,
            rule,
            f"owed {resolution.owed} rounds below loss {issue.loss}",
        )


def no_negatives(scenario: Scenario, resolver: Resolver) -> None:
    """Rule 6: nothing is negative and nothing is asked back."""
    policy, customer, issue, role = scenario
    resolution = resolver(issue, customer, policy, role)
    zero = Money(0, policy.currency)
    for name, amount in _amounts(resolution):
        _require(amount >= zero, "no negatives", f"{name} is negative: {amount}")
    for package in resolution.alternatives:
        for remedy in package:
            _require(remedy.value >= zero, "no negatives", f"alternative {remedy} is negative")


def authority(scenario: Scenario, resolver: Resolver) -> None:
    """Rule 7: owed <= granted_now <= total, and escalation (for the role's limit, or a
    rule's review) names the lowest role above the acting one whose limit covers it."""
    policy, customer, issue, role = scenario
    resolution = resolver(issue, customer, policy, role)
    rule = "authority"
    _require(resolution.owed <= resolution.granted_now, rule, "owed was not granted now")
    _require(resolution.granted_now <= resolution.total, rule, "granted more than the total")
    escalated = resolution.granted_now < resolution.total
    _require(
        escalated == (resolution.escalate_to is not None),
        rule,
        f"escalate_to={resolution.escalate_to!r} but granted_now {resolution.granted_now} "
        f"of total {resolution.total}",
    )
    if resolution.escalate_to is not None:
        names = [r.name for r in policy.roles]
        above = policy.roles[names.index(role) + 1 :]
        covering = [r.name for r in above if r.limit is None or r.limit >= resolution.goodwill]
        _require(
            bool(covering) and resolution.escalate_to == covering[0],
            rule,
            f"escalated to {resolution.escalate_to!r}, but the lowest role above "
            f"{role!r} that covers it is {covering[0] if covering else None!r}",
        )


def _changed_inputs(
    issue: Issue, customer: Customer, policy: Policy
) -> Iterator[tuple[str, Issue, Customer]]:
    def other_text(text: str) -> str:
        return text + "\u00e9"

    yield "issue.id", attrs.evolve(issue, id=other_text(issue.id)), customer
    yield "issue.kind", attrs.evolve(issue, kind=other_text(issue.kind)), customer
    faults = list(Fault)
    yield (
        "issue.fault",
        attrs.evolve(issue, fault=faults[(faults.index(issue.fault) + 1) % 4]),
        customer,
    )
    minor = Money.minor(policy.currency)
    yield "issue.loss", attrs.evolve(issue, loss=issue.loss + minor), customer
    yield "issue.severity", attrs.evolve(issue, severity=issue.severity % 5 + 1), customer
    yield "issue.conduct", attrs.evolve(issue, conduct=other_text(issue.conduct)), customer
    yield "issue.channel", attrs.evolve(issue, channel=other_text(issue.channel)), customer
    for name in ("ordered_at", "promised_at", "delivered_at"):
        moment = getattr(issue, name)
        changed = datetime(2026, 1, 1) if moment is None else moment + timedelta(hours=1)  # noqa: DTZ001
        moved: dict[str, Any] = {name: changed}
        yield f"issue.{name}", attrs.evolve(issue, **moved), customer
    yield "issue.region", attrs.evolve(issue, region=_other_region(issue.region)), customer
    yield "issue.category", attrs.evolve(issue, category=other_text(issue.category)), customer
    yield "issue.facts", attrs.evolve(issue, facts=_other_facts(issue.facts)), customer
    yield "customer.region", issue, attrs.evolve(customer, region=_other_region(customer.region))
    yield "customer.facts", issue, attrs.evolve(customer, facts=_other_facts(customer.facts))
    yield "customer.id", issue, attrs.evolve(customer, id=other_text(customer.id))
    yield (
        "customer.prior_remedies",
        issue,
        attrs.evolve(customer, prior_remedies=customer.prior_remedies + 1),
    )


def _other_region(region: str | None) -> str:
    return "ZZ" if region != "ZZ" else "ZY"


def _other_facts(facts: Mapping[str, object]) -> dict[str, object]:
    # A fact of the same name as a different type is a different fact: True is not 1.
    changed = dict(facts)
    value = changed.get("zz_changed")
    changed["zz_changed"] = 1 if value is True else True
    return changed


def deterministic(scenario: Scenario, resolver: Resolver) -> None:
    """Rule 8: equal inputs give an equal resolution and key; any change changes the key."""
    policy, customer, issue, role = scenario
    first = resolver(issue, customer, policy, role)
    second = resolver(attrs.evolve(issue), attrs.evolve(customer), policy, role)
    rule = "deterministic and auditable"
    _require(first == second, rule, "equal inputs gave different resolutions")
    _require(
        first.policy_fingerprint == policy.fingerprint, rule, "the fingerprint is not the policy's"
    )
    seen = {first.key: "the original"}
    for what, changed_issue, changed_customer in _changed_inputs(issue, customer, policy):
        try:
            key = resolver(changed_issue, changed_customer, policy, role).key
        except FavorPolicyError:
            continue  # the changed amount is beyond what Money can hold
        _require(key not in seen, rule, f"changing {what} kept the key of {seen.get(key)}")
        seen[key] = what
    renamed = attrs.evolve(policy, name=policy.name + "\u00e9")
    key = resolver(issue, customer, renamed, role).key
    _require(key not in seen, rule, "changing the policy kept the key")
    seen[key] = "the policy"
    for other in policy.roles:
        if other.name != role:
            key = resolver(issue, customer, policy, other.name).key
            _require(
                key not in seen, rule, f"acting as {other.name!r} kept the key of {seen.get(key)}"
            )
            seen[key] = f"role {other.name!r}"


def _allowances(spot: Money) -> Iterator[Money]:
    """Allowances around the goodwill granted on the spot: none, a little, half, all, more."""
    minor = Money.minor(spot.currency)
    yield spot * 0
    yield minor
    half = (spot * Decimal("0.5")).round_up()
    yield half
    if spot > minor:
        yield spot - minor
    yield spot
    yield spot + minor


def budget_holds_back_only_granted_now(scenario: Scenario, resolver: Resolver) -> None:
    """Rule 9: a goodwill budget never reduces owed or total, only what is granted now."""
    policy, customer, issue, role = scenario
    base = resolver(issue, customer, policy, role)
    rule = "a budget holds back only granted_now"
    for allowance in _allowances(_budget.goodwill_now(base)):
        held = _budget.hold_back(base, policy, allowance)
        for name in ("owed", "goodwill", "total", "remedies", "alternatives", "key"):
            _require(
                getattr(held, name) == getattr(base, name),
                rule,
                f"an allowance of {allowance} changed {name}",
            )
        _require(
            base.owed <= held.granted_now <= base.granted_now,
            rule,
            f"an allowance of {allowance} made granted_now {held.granted_now}, outside "
            f"owed {base.owed} .. {base.granted_now}",
        )
        _require(
            (held.granted_now < held.total) == (held.escalate_to is not None),
            rule,
            f"escalate_to={held.escalate_to!r} with granted_now {held.granted_now} "
            f"of total {held.total}",
        )
        if role == policy.roles[-1].name or _budget.goodwill_now(base) <= allowance:
            _require(held == base, rule, f"an allowance of {allowance} changed a decision it fits")
            continue
        _require(
            _budget.goodwill_now(held) <= allowance,
            rule,
            f"granted {_budget.goodwill_now(held)} of goodwill now, over the allowance {allowance}",
        )
        names = [r.name for r in policy.roles]
        target = held.escalate_to
        _require(
            target in names and names.index(target) > names.index(role),
            rule,
            f"escalated to {target!r}, not a role above {role!r}",
        )
        limit = policy.roles[names.index(target)].limit  # type: ignore[arg-type]
        _require(
            limit is None or limit >= held.goodwill,
            rule,
            f"escalated to {target!r}, whose limit {limit} does not cover {held.goodwill}",
        )


def _ruled(policy: Policy, issue: Issue, customer: Customer, rules: tuple[Rule, ...]) -> Money:
    """The largest amount any matching rule with an ``owe`` owes, rounded up (zero if none)."""
    largest = Money(0, policy.currency)
    for rule in matching(rules, issue, customer):
        if rule.owe is None:
            continue
        amount = rule.owe.owed(issue, customer)
        if amount is not None:
            largest = max(largest, Money(amount, policy.currency).round_up())
    return largest


def rules_are_floors(scenario: Scenario, resolver: Resolver) -> None:
    """Rule 10: what a matching rule owes (a legal floor above all) is owed and granted now,
    whatever the screening, the cap, the role's limit, a budget or a plugin does."""
    policy, customer, issue, role = scenario
    resolution = resolver(issue, customer, policy, role)
    rule = "rules are floors"
    floor = _ruled(policy, issue, customer, policy.rules)
    _require(resolution.owed >= floor, rule, f"owed {resolution.owed} is below the rules' {floor}")
    _require(
        resolution.granted_now >= floor,
        rule,
        f"granted_now {resolution.granted_now} is below the rules' {floor}",
    )
    held = _budget.hold_back(resolution, policy, Money(0, policy.currency))
    _require(
        held.granted_now >= floor,
        rule,
        f"a spent budget left granted_now {held.granted_now} below the rules' {floor}",
    )


def _figures(resolution: Resolution) -> tuple[object, ...]:
    return (
        resolution.owed,
        resolution.goodwill,
        resolution.total,
        resolution.granted_now,
        resolution.escalate_to,
        resolution.remedies,
        resolution.keep_item,
    )


def rule_order_never_matters(scenario: Scenario, resolver: Resolver) -> None:
    """Rule 11: the order the rules are written in never changes what the customer gets."""
    policy, customer, issue, role = scenario
    if len(policy.rules) < 2:
        return
    base = _figures(resolver(issue, customer, policy, role))
    rules = policy.rules
    for name, order in (("reversed", rules[::-1]), ("rotated", (*rules[1:], rules[0]))):
        other = attrs.evolve(policy, rules=order)
        _require(
            _figures(resolver(issue, customer, other, role)) == base,
            "the order of rules never matters",
            f"the rules {name} changed what the customer gets",
        )


def business_fault_never_less(scenario: Scenario, resolver: Resolver) -> None:
    """Rule 12: a fault of the business's (or shared, or unknown) never gets less than the
    same case with the customer at fault: neither in total nor granted now."""
    policy, customer, issue, role = scenario
    theirs = resolver(attrs.evolve(issue, fault=Fault.CUSTOMER), customer, policy, role)
    for fault in (Fault.BUSINESS, Fault.SHARED, Fault.UNKNOWN):
        ours = resolver(attrs.evolve(issue, fault=fault), customer, policy, role)
        for name in ("total", "granted_now"):
            got, floor = getattr(ours, name), getattr(theirs, name)
            _require(
                got >= floor,
                "a business fault never gets less",
                f"a {fault.value} fault gets {name} {got}, less than the customer's own "
                f"fault's {floor}",
            )


def choices_never_give_less(scenario: Scenario, resolver: Resolver) -> None:
    """Rule 13: where a rule lets the customer choose, every choice covers the whole total,
    the recommended one comes first in the customer's order (their preferred kind, then
    the most value) and is given until the customer picks, no pick changes an amount,
    and the choice never gives less, in that order, than the same policy without it."""
    policy, customer, issue, role = scenario
    resolution = resolver(issue, customer, policy, role)
    if not resolution.choices:
        return
    rule = "a choice never gives less"
    currency = policy.currency
    # The customer's order without the cost, which is not the customer's concern here.
    ranks = [_customer_rank(choice, customer, currency)[:2] for choice in resolution.choices]
    _require(
        resolution.remedies == resolution.choices[0],
        rule,
        "the remedies are not the recommended choice",
    )
    _require(ranks[0] == min(ranks), rule, "the recommended choice is not the customer's first")
    for index, choice in enumerate(resolution.choices):
        value = _package_value(choice, currency)
        _require(
            value >= resolution.total,
            rule,
            f"choice {index} is worth {value}, less than the total {resolution.total}",
        )
        picked = pick(resolution, index)
        _require(
            _figures(picked)[:5] == _figures(resolution)[:5],
            rule,
            f"picking choice {index} changed an amount",
        )
    plain = attrs.evolve(
        policy, rules=tuple(attrs.evolve(each, choose=False) for each in policy.rules)
    )
    without = resolver(issue, customer, plain, role).remedies
    _require(
        ranks[0] <= _customer_rank(without, customer, currency)[:2],
        rule,
        f"the recommended {resolution.remedies} serves the customer less than {without} "
        "without the choice",
    )


def _required(
    policy: Policy, issue: Issue, customer: Customer, resolution: Resolution
) -> frozenset[RemedyKind]:
    """The kinds of remedy the matching rules require: a law's set aside a policy's, and
    under a screen that restricts only a law's hold. None where nothing is due."""
    if not resolution.total.amount:
        return frozenset()
    requiring = [
        (rule.basis, rule.require)
        for rule in matching(policy.rules, issue, customer)
        if rule.require is not None
    ]
    laws = frozenset(kind for basis, kind in requiring if basis is Basis.LAW)
    if laws or resolution.screen.level >= Level.RESTRICT:
        return laws
    return frozenset(kind for _, kind in requiring)


def _without_requirements(policy: Policy) -> Policy:
    """*policy* with no rule requiring a kind; a rule that did nothing else is left out."""
    rules = []
    for each in policy.rules:
        try:
            rules.append(attrs.evolve(each, require=None))
        except InvalidPolicy:
            continue  # it only required: without that it does nothing
    return attrs.evolve(policy, rules=tuple(rules))


def required_kind_given(scenario: Scenario, resolver: Resolver) -> None:
    """Rule 14: where a matching rule requires a kind of remedy, the remedies given begin
    with one of the required kinds (a law's set aside a policy's; under a screen that
    restricts, only a law's hold), unless the customer chooses (rule 13); and a
    requirement changes no amount, no escalation and not keeping the item."""
    policy, customer, issue, role = scenario
    resolution = resolver(issue, customer, policy, role)
    required = _required(policy, issue, customer, resolution)
    if not required:
        return
    rule = "a required kind is given"
    if not resolution.choices:
        given = resolution.remedies[0].kind
        _require(
            given in required,
            rule,
            f"{given} was given, not one of the required {sorted(required)}",
        )
    plain = resolver(issue, customer, _without_requirements(policy), role)
    mine, theirs = _figures(resolution), _figures(plain)
    _require(
        (*mine[:5], mine[6]) == (*theirs[:5], theirs[6]),
        rule,
        f"requiring {sorted(required)} changed an amount: {mine[:5]} against {theirs[:5]}",
    )


#: Every rule of the bias contract, by name, in the order the docs give them.
CONTRACT: Final[dict[str, Callable[[Scenario, Resolver], None]]] = {
    "make_whole": make_whole,
    "benefit_of_doubt": benefit_of_doubt,
    "monotone": monotone,
    "close_calls_go_to_customer": close_calls_go_to_customer,
    "rounding_favours_customer": rounding_favours_customer,
    "no_negatives": no_negatives,
    "authority": authority,
    "deterministic": deterministic,
    "budget_holds_back_only_granted_now": budget_holds_back_only_granted_now,
    "rules_are_floors": rules_are_floors,
    "rule_order_never_matters": rule_order_never_matters,
    "business_fault_never_less": business_fault_never_less,
    "choices_never_give_less": choices_never_give_less,
    "required_kind_given": required_kind_given,
}
