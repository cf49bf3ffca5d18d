"""The bias contract: every rule holds for every valid policy, not just the default.

Each test drives one rule of favorpolicy.testing.CONTRACT with generated
scenarios; docs/bias-contract.md names these tests next to their rules.
TestTheChecksBite proves each check fails on a resolver that breaks its rule.
"""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from favorpolicy import (
    Customer,
    Fault,
    Issue,
    Money,
    Offer,
    Owe,
    Policy,
    RemedyKind,
    Resolution,
    Rule,
    _budget,
    resolve,
)
from favorpolicy.testing import (
    CONTRACT,
    ContractViolation,
    Scenario,
    authority,
    benefit_of_doubt,
    budget_holds_back_only_granted_now,
    business_fault_never_less,
    check_policy,
    choices_never_give_less,
    close_calls_go_to_customer,
    deterministic,
    make_whole,
    monotone,
    no_negatives,
    policies,
    required_kind_given,
    resolve_as,
    rounding_favours_customer,
    rule_order_never_matters,
    rules_are_floors,
    scenarios,
)

DEFAULT_USD = Policy.default("USD")
EDGE = (
    DEFAULT_USD,
    Customer("c"),
    Issue("i", "damaged", Fault.BUSINESS, Money("0.001", "USD"), severity=5),
    "agent",
)


#: Scenarios under every kind of policy: plain ones, and ones with generated rule tables.
ANY = scenarios() | scenarios(policies(rules=True))
RULED = scenarios(policies(rules=True))


class TestBiasContract:
    @given(ANY)
    @example(EDGE)
    def test_make_whole(self, scenario: Scenario) -> None:
        make_whole(scenario, resolve_as)

    @given(ANY)
    def test_benefit_of_doubt(self, scenario: Scenario) -> None:
        benefit_of_doubt(scenario, resolve_as)

    @given(ANY)
    @example(EDGE)
    def test_monotone(self, scenario: Scenario) -> None:
        monotone(scenario, resolve_as)

    @given(ANY)
    def test_close_calls_go_to_customer(self, scenario: Scenario) -> None:
        close_calls_go_to_customer(scenario, resolve_as)

    @given(ANY)
    @example(EDGE)
    def test_rounding_favours_customer(self, scenario: Scenario) -> None:
        rounding_favours_customer(scenario, resolve_as)

    @given(ANY)
    def test_no_negatives(self, scenario: Scenario) -> None:
        no_negatives(scenario, resolve_as)

    @given(ANY)
    def test_authority(self, scenario: Scenario) -> None:
        authority(scenario, resolve_as)

    @given(ANY)
    def test_deterministic(self, scenario: Scenario) -> None:
        deterministic(scenario, resolve_as)

    @given(ANY)
    @example(EDGE)
    def test_budget_holds_back_only_granted_now(self, scenario: Scenario) -> None:
        budget_holds_back_only_granted_now(scenario, resolve_as)

    @given(ANY)
    def test_rules_are_floors(self, scenario: Scenario) -> None:
        rules_are_floors(scenario, resolve_as)

    @given(RULED)
    def test_rule_order_never_matters(self, scenario: Scenario) -> None:
        rule_order_never_matters(scenario, resolve_as)

    @given(ANY)
    @example(EDGE)
    def test_business_fault_never_less(self, scenario: Scenario) -> None:
        business_fault_never_less(scenario, resolve_as)

    @given(RULED)
    def test_choices_never_give_less(self, scenario: Scenario) -> None:
        choices_never_give_less(scenario, resolve_as)

    @given(RULED)
    def test_required_kind_given(self, scenario: Scenario) -> None:
        required_kind_given(scenario, resolve_as)

    @given(policies())
    def test_generated_policies_are_valid_and_fingerprinted(self, policy: Policy) -> None:
        assert 64 == len(policy.fingerprint)
        assert policy == attrs.evolve(policy)
        assert policy.fingerprint == attrs.evolve(policy).fingerprint

    def test_check_policy_passes_the_default_policy(self) -> None:
        check_policy(Policy.default("KWD"), max_examples=20)

    def test_contract_lists_every_rule_once(self) -> None:
        assert [
            "make_whole",
            "benefit_of_doubt",
            "monotone",
            "close_calls_go_to_customer",
            "rounding_favours_customer",
            "no_negatives",
            "authority",
            "deterministic",
            "budget_holds_back_only_granted_now",
            "rules_are_floors",
            "rule_order_never_matters",
            "business_fault_never_less",
            "choices_never_give_less",
            "required_kind_given",
        ] == list(CONTRACT)


# Broken resolvers, each violating one rule on purpose.
def _shortchange_owed(issue: Issue, customer: Customer, policy: Policy, role: str) -> Resolution:
    honest = resolve(issue, customer, policy, role=role)
    less = max(honest.owed - Money.minor(policy.currency), Money(0, policy.currency))
    return attrs.evolve(honest, owed=less)


def _doubt_is_guilt(issue: Issue, customer: Customer, policy: Policy, role: str) -> Resolution:
    if issue.fault is Fault.UNKNOWN:
        issue = attrs.evolve(issue, fault=Fault.CUSTOMER)
    return resolve(issue, customer, policy, role=role)


def _severity_punished(issue: Issue, customer: Customer, policy: Policy, role: str) -> Resolution:
    return resolve(attrs.evolve(issue, severity=6 - issue.severity), customer, policy, role=role)


def _rounds_down(issue: Issue, customer: Customer, policy: Policy, role: str) -> Resolution:
    honest = resolve(issue, customer, policy, role=role)
    # A thousandth of a cent: not a whole number of minor units.
    return attrs.evolve(honest, goodwill=honest.goodwill + Money("0.00001", policy.currency))


def _claws_back(issue: Issue, customer: Customer, policy: Policy, role: str) -> Resolution:
    honest = resolve(issue, customer, policy, role=role)
    return attrs.evolve(
        honest, granted_now=honest.granted_now - honest.total - Money.minor(policy.currency)
    )


def _withholds_owed(issue: Issue, customer: Customer, policy: Policy, role: str) -> Resolution:
    honest = resolve(issue, customer, policy, role=role)
    return attrs.evolve(
        honest, granted_now=Money(0, policy.currency), escalate_to=policy.roles[-1].name
    )


def _ignores_rules(issue: Issue, customer: Customer, policy: Policy, role: str) -> Resolution:
    return resolve(issue, customer, attrs.evolve(policy, rules=()), role=role)


def _first_rule_only(issue: Issue, customer: Customer, policy: Policy, role: str) -> Resolution:
    return resolve(issue, customer, attrs.evolve(policy, rules=policy.rules[:1]), role=role)


def _faults_swapped(issue: Issue, customer: Customer, policy: Policy, role: str) -> Resolution:
    swapped = {Fault.CUSTOMER: Fault.BUSINESS}.get(issue.fault, Fault.CUSTOMER)
    return resolve(attrs.evolve(issue, fault=swapped), customer, policy, role=role)


_DAMAGED = Issue("i", "damaged", Fault.UNKNOWN, Money("100", "USD"), severity=2)
#: Two rules that owe different amounts: the larger must win whichever comes first.
_TWO_RULES = attrs.evolve(
    DEFAULT_USD,
    rules=(
        Rule("small", owe=Owe(amount=Money("150", "USD"))),
        Rule("law", owe=Owe(amount=Money("400", "USD")), basis="law", cite="Art. 1"),
    ),
)
_WITH_GOODWILL = (DEFAULT_USD, Customer("c"), _DAMAGED, "agent")


#: The customer chooses among a replacement, a refund and store credit worth 10 % more.
_CHOOSING = attrs.evolve(
    DEFAULT_USD,
    rules=(
        Rule(
            "choice",
            owe=Owe(share=1),
            offers=[Offer(RemedyKind.REPLACEMENT), Offer(RemedyKind.REFUND)],
            choose=True,
        ),
    ),
)


def _cheapest_choice(issue: Issue, customer: Customer, policy: Policy, role: str) -> Resolution:
    honest = resolve(issue, customer, policy, role=role)
    costs = [sum(r.cost.amount for r in choice if r.cost is not None) for choice in honest.choices]
    cheapest = honest.choices[costs.index(min(costs))]
    return attrs.evolve(honest, remedies=cheapest, choices=(cheapest, *honest.choices))


def _short_choice(issue: Issue, customer: Customer, policy: Policy, role: str) -> Resolution:
    honest = resolve(issue, customer, policy, role=role)
    first = honest.choices[-1]
    short = (attrs.evolve(first[0], value=first[0].value * Decimal("0.5")),)
    return attrs.evolve(honest, choices=(*honest.choices, short))


class TestTheChecksBite:
    """Each contract check must catch a resolver that breaks its rule."""

    @pytest.mark.parametrize("broken", [_cheapest_choice, _short_choice])
    def test_the_choice_check_fails_on_a_resolver_that_gives_less(self, broken: object) -> None:
        scenario = (_CHOOSING, Customer("c"), _DAMAGED, "agent")
        choices_never_give_less(scenario, resolve_as)
        with pytest.raises(ContractViolation, match="a choice never gives less"):
            choices_never_give_less(scenario, broken)  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("check", "broken"),
        [
            (make_whole, _shortchange_owed),
            (benefit_of_doubt, _doubt_is_guilt),
            (monotone, _severity_punished),
            (rounding_favours_customer, _rounds_down),
            (no_negatives, _claws_back),
            (authority, _withholds_owed),
            (business_fault_never_less, _faults_swapped),
        ],
        ids=lambda value: getattr(value, "__name__", ""),
    )
    def test_check_fails_on_broken_resolver(self, check: object, broken: object) -> None:
        with pytest.raises(ContractViolation):
            check(_WITH_GOODWILL, broken)  # type: ignore[operator]

    @pytest.mark.parametrize(
        ("check", "broken"),
        [(rules_are_floors, _ignores_rules), (rule_order_never_matters, _first_rule_only)],
        ids=lambda value: getattr(value, "__name__", ""),
    )
    def test_rule_checks_fail_on_a_resolver_that_drops_rules(
        self, check: object, broken: object
    ) -> None:
        with pytest.raises(ContractViolation):
            check((_TWO_RULES, Customer("c"), _DAMAGED, "agent"), broken)  # type: ignore[operator]

    def test_the_rule_checks_pass_the_honest_resolver_on_the_same_case(self) -> None:
        scenario = (_TWO_RULES, Customer("c"), _DAMAGED, "agent")
        rules_are_floors(scenario, resolve_as)
        rule_order_never_matters(scenario, resolve_as)
        assert Money("400", "USD") == resolve_as(_DAMAGED, Customer("c"), _TWO_RULES, "agent").owed

    def test_close_calls_catches_a_package_that_is_worth_less(self) -> None:
        def worth_less(issue: Issue, customer: Customer, policy: Policy, role: str) -> Resolution:
            honest = resolve(issue, customer, policy, role=role)
            packages = [honest.remedies, *honest.alternatives]
            lowest = min(packages, key=lambda p: sum(r.value.amount for r in p))
            rest = tuple(p for p in packages if p != lowest)
            return attrs.evolve(honest, remedies=lowest, alternatives=rest)

        # A margin of 100% puts every default package within the close-call line.
        policy = attrs.evolve(DEFAULT_USD, favor_margin=1)
        with pytest.raises(ContractViolation, match="serves the customer better"):
            close_calls_go_to_customer((policy, Customer("c"), _DAMAGED, "agent"), worth_less)

    def test_deterministic_catches_a_key_that_ignores_an_input(self) -> None:
        def ignores_conduct(
            issue: Issue, customer: Customer, policy: Policy, role: str
        ) -> Resolution:
            return resolve(attrs.evolve(issue, conduct=""), customer, policy, role=role)

        with pytest.raises(ContractViolation, match=r"issue\.conduct"):
            deterministic(_WITH_GOODWILL, ignores_conduct)

    @pytest.mark.parametrize("breach", ["owed", "total", "over_allowance", "no_escalation"])
    def test_budget_check_catches_a_hold_back_that_takes_too_much(
        self, breach: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        honest = _budget.hold_back

        def greedy(resolution: Resolution, policy: Policy, allowance: Money) -> Resolution:
            held = honest(resolution, policy, allowance)
            minor = Money.minor(policy.currency)
            if breach == "owed":
                return attrs.evolve(held, owed=held.owed - minor)
            if breach == "total":
                return attrs.evolve(held, total=held.total - minor)
            if breach == "over_allowance":
                return resolution  # ignores the allowance altogether
            return attrs.evolve(held, escalate_to=None)

        monkeypatch.setattr(_budget, "hold_back", greedy)
        with pytest.raises(ContractViolation, match="a budget holds back only granted_now"):
            budget_holds_back_only_granted_now(_WITH_GOODWILL, resolve_as)

    @given(st.data())
    def test_a_broken_resolver_is_found_by_hypothesis(self, data: st.DataObject) -> None:
        scenario = data.draw(scenarios(st.just(DEFAULT_USD)))
        _, _, issue, _ = scenario
        assume(issue.fault is not Fault.CUSTOMER and issue.loss.amount > 0)
        with pytest.raises(ContractViolation):
            make_whole(scenario, _shortchange_owed)
