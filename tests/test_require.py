"""A rule that requires a kind of remedy (``require``): a law's "full refund", or a
business's promise to replace. The packages that begin with a required kind are given
first, whatever the others cost; no amount changes; a law's requirement sets aside a
policy's; under an abuse screen that restricts only a law's holds; and the order of the
rules never matters."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import attrs
import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from favorpolicy import (
    Condition,
    Customer,
    InvalidPolicy,
    Issue,
    Level,
    Money,
    Owe,
    Policy,
    RemedyKind,
    Rule,
    decide,
    policy_from_toml,
    policy_to_toml,
    resolve,
)
from favorpolicy._schema import policy_schema
from favorpolicy.testing import ContractViolation, required_kind_given, resolve_as

USD = Policy.default("USD")
CUSTOMER = Customer("C-1")
#: Kinds a rule may require: every remedy kind but the apology.
REQUIRABLE = [kind for kind in RemedyKind if kind is not RemedyKind.APOLOGY]
WITHDRAWAL = Rule(
    "withdrawal",
    when=(Condition("days_since_delivery", "le", 7),),
    owe=Owe(share=1, of="order_value"),
    require="refund",
    basis="law",
    cite="CDC art. 49",
)


def damaged(loss: str = "100", *, currency: str = "USD", conduct: str = "") -> Issue:
    return Issue("T-1", "damaged", "business", Money(loss, currency), severity=2, conduct=conduct)


def with_rules(*rules: Rule, policy: Policy = USD) -> Policy:
    return attrs.evolve(policy, rules=rules)


def first_kind(policy: Policy, issue: Issue, customer: Customer = CUSTOMER) -> RemedyKind:
    return resolve(issue, customer, policy).remedies[0].kind


class TestTheRule:
    @pytest.mark.parametrize("kind", REQUIRABLE)
    def test_every_remedy_kind_may_be_required(self, kind: RemedyKind) -> None:
        assert Rule("r", require=kind.value).require is kind

    @pytest.mark.parametrize("value", ["cash", "", "REFUND", 1, True, "ré-fund"])
    def test_an_unknown_kind_names_the_field_and_the_value(self, value: object) -> None:
        with pytest.raises(InvalidPolicy, match=r"^require: .* is not a remedy kind \(refund,"):
            Rule("r", require=value)

    def test_an_apology_cannot_be_required(self) -> None:
        with pytest.raises(InvalidPolicy, match=r"^require: 'apology' is what is given when"):
            Rule("r", require="apology")

    def test_a_rule_may_only_require(self) -> None:
        assert Rule("r", require="replacement").require is RemedyKind.REPLACEMENT

    def test_a_review_rule_does_not_require(self) -> None:
        with pytest.raises(InvalidPolicy, match="both reviews and gives"):
            Rule("r", require="refund", review=True)


class TestWhatIsGiven:
    def test_without_a_requirement_the_cheapest_close_call_is_given(self) -> None:
        # The baseline the requirement changes: the default policy gives store credit.
        assert RemedyKind.STORE_CREDIT is first_kind(USD, damaged())

    def test_a_required_refund_is_given_whatever_it_costs(self) -> None:
        policy = with_rules(Rule("refund it", require="refund"))
        resolution = resolve(damaged(), CUSTOMER, policy)
        assert [RemedyKind.REFUND] == [remedy.kind for remedy in resolution.remedies]
        assert resolution.remedies[0].value == resolution.total
        reason = next(r for r in resolution.reasons if r.code == "required_kind")
        assert "rule(s) 'refund it' require a refund" in reason.message

    def test_no_amount_changes(self) -> None:
        plain = resolve(damaged(), CUSTOMER, USD)
        required = resolve(damaged(), CUSTOMER, with_rules(Rule("r", require="refund")))
        for name in ("owed", "goodwill", "total", "granted_now", "escalate_to", "keep_item"):
            assert getattr(plain, name) == getattr(required, name), name

    def test_the_other_packages_stay_as_alternatives(self) -> None:
        resolution = resolve(damaged(), CUSTOMER, with_rules(Rule("r", require="replacement")))
        assert RemedyKind.REPLACEMENT is resolution.remedies[0].kind
        # A cash refund of the total is always among them (rule 4).
        assert any(
            len(alternative) == 1 and alternative[0].kind is RemedyKind.REFUND
            for alternative in resolution.alternatives
        )

    @pytest.mark.parametrize("kind", REQUIRABLE)
    def test_a_kind_the_policy_does_not_offer_is_added(self, kind: RemedyKind) -> None:
        assert kind is first_kind(with_rules(Rule("r", require=kind)), damaged())

    def test_an_offer_of_the_kind_with_an_extra_counts(self) -> None:
        # The default offers replacement + store credit: it begins with a replacement.
        resolution = resolve(damaged(), CUSTOMER, with_rules(Rule("r", require="replacement")))
        assert [RemedyKind.REPLACEMENT, RemedyKind.STORE_CREDIT] == [
            remedy.kind for remedy in resolution.remedies
        ]

    def test_when_nothing_is_owed_a_plain_package_of_the_kind_is_given(self) -> None:
        # The customer's own fault: only the courtesy is due, so replacement + store
        # credit would begin with the store credit; the plain replacement is given.
        own = attrs.evolve(damaged(), fault="customer")
        resolution = resolve(own, CUSTOMER, with_rules(Rule("r", require="replacement")))
        assert resolution.total.amount > 0
        assert [RemedyKind.REPLACEMENT] == [remedy.kind for remedy in resolution.remedies]

    def test_with_nothing_due_the_apology_is_all_there_is(self) -> None:
        policy = attrs.evolve(
            with_rules(Rule("r", require="refund")),
            goodwill=attrs.evolve(USD.goodwill, courtesy=Money(0, "USD")),
        )
        own = attrs.evolve(damaged(), fault="customer")
        resolution = resolve(own, CUSTOMER, policy)
        assert resolution.total == Money(0, "USD")
        assert [RemedyKind.APOLOGY] == [remedy.kind for remedy in resolution.remedies]
        assert "required_kind" not in [reason.code for reason in resolution.reasons]

    @pytest.mark.parametrize(
        ("loss", "currency"),
        [("0.01", "USD"), ("1", "JPY"), ("0.001", "KWD"), ("999999999999.99", "USD")],
    )
    def test_one_minor_unit_and_huge_amounts_in_every_exponent(
        self, loss: str, currency: str
    ) -> None:
        policy = with_rules(Rule("r", require="refund"), policy=Policy.default(currency))
        resolution = resolve(damaged(loss, currency=currency), CUSTOMER, policy)
        assert RemedyKind.REFUND is resolution.remedies[0].kind
        assert resolution.remedies[0].value == resolution.total

    def test_among_the_required_kinds_close_calls_go_to_the_customer(self) -> None:
        either = with_rules(Rule("a", require="refund"), Rule("b", require="replacement"))
        likes_refunds = Customer("C-1", preference="refund")
        # A replacement costs the default policy 60 % of its value: a refund is no close
        # call, so the cheaper required kind is given, as rule 4 has it.
        assert RemedyKind.REPLACEMENT is first_kind(either, damaged(), likes_refunds)
        # With a margin that makes both close calls, the customer's preference wins.
        either = attrs.evolve(either, favor_margin=Decimal(1))
        likes_replacing = Customer("C-1", preference="replacement")
        assert RemedyKind.REFUND is first_kind(either, damaged(), likes_refunds)
        assert RemedyKind.REPLACEMENT is first_kind(either, damaged(), likes_replacing)
        # A preference for a kind not required does not set the requirement aside.
        likes_credit = Customer("C-1", preference="store_credit")
        assert first_kind(either, damaged(), likes_credit) in {
            RemedyKind.REFUND,
            RemedyKind.REPLACEMENT,
        }

    def test_decide_gives_the_cost_of_the_package_resolve_gives(self) -> None:
        policy = with_rules(Rule("r", require="refund"))
        resolution = resolve(damaged(), CUSTOMER, policy)
        cost = Money.total((r.cost for r in resolution.remedies if r.cost), "USD")
        assert decide(damaged(), CUSTOMER, policy).cost == cost.amount


class TestTheHitPolicy:
    def test_a_laws_requirement_sets_aside_a_policys(self) -> None:
        law = attrs.evolve(WITHDRAWAL, when=())
        policy = with_rules(Rule("replace it", require="replacement"), law)
        issue = attrs.evolve(damaged(), order_value=Money("100", "USD"))
        assert RemedyKind.REFUND is first_kind(policy, issue)
        reason = next(
            r for r in resolve(issue, CUSTOMER, policy).reasons if r.code == "required_kind"
        )
        assert "'withdrawal' (CDC art. 49)" in reason.message
        assert "replace it" not in reason.message

    def test_an_abuse_screen_that_restricts_holds_only_a_laws(self) -> None:
        rude = damaged(conduct="you idiots, I will find you")
        policy_rule = with_rules(Rule("credit", require="store_credit"))
        screened = resolve(rude, CUSTOMER, policy_rule)
        assert screened.screen.level >= Level.RESTRICT
        assert RemedyKind.STORE_CREDIT not in [remedy.kind for remedy in screened.remedies]
        law = Rule(
            "credit by law",
            owe=Owe(share=1),
            require="store_credit",
            basis="law",
            cite="Art. 1",
        )
        assert RemedyKind.STORE_CREDIT is first_kind(with_rules(law), rude)

    def test_a_rule_that_does_not_match_requires_nothing(self) -> None:
        later = attrs.evolve(damaged(), facts={"x": 1})
        policy = with_rules(
            Rule("only x2", when=(Condition("facts.x", "ge", 2),), require="refund")
        )
        assert RemedyKind.STORE_CREDIT is first_kind(policy, later)

    @given(st.permutations(["refund", "replacement", "store_credit", "discount"]))
    def test_the_order_of_requiring_rules_never_matters(self, order: list[str]) -> None:
        rules = tuple(Rule(f"r-{kind}", require=kind) for kind in order)
        base = resolve(damaged(), CUSTOMER, with_rules(*sorted(rules, key=lambda r: r.name)))
        other = resolve(damaged(), CUSTOMER, with_rules(*rules))
        assert (base.remedies, base.total, base.granted_now) == (
            other.remedies,
            other.total,
            other.granted_now,
        )


class TestTheFileAndTheSchema:
    def test_the_file_form_round_trips(self, tmp_path: Path) -> None:
        policy = with_rules(WITHDRAWAL)
        path = tmp_path / "policy.toml"
        path.write_text(policy_to_toml(policy), encoding="utf-8")
        assert 'require = "refund"' in path.read_text(encoding="utf-8")
        assert policy == policy_from_toml(path)

    def test_a_bad_kind_in_a_file_names_its_path(self, tmp_path: Path) -> None:
        path = tmp_path / "policy.toml"
        text = policy_to_toml(with_rules(WITHDRAWAL)).replace(
            'require = "refund"', 'require = "cash"'
        )
        path.write_text(text, encoding="utf-8")
        with pytest.raises(InvalidPolicy, match=r"rules\[0\]: require: 'cash' is not a remedy"):
            policy_from_toml(path)

    def test_the_schema_knows_require(self) -> None:
        schema = json.loads(json.dumps(policy_schema()))
        rule = {"name": "r", "require": "refund"}
        document = {
            "currency": "USD",
            "tiers": ["standard"],
            "roles": {"agent": {"limit": "50"}},
            "goodwill": {},
            "rules": [rule],
        }
        validator = jsonschema.Draft202012Validator(schema)
        errors = [e.message for e in validator.iter_errors(document) if "require" in str(e.path)]
        assert not errors
        rule["require"] = "apology"
        assert any(
            "require" in "/".join(map(str, error.absolute_path))
            for error in validator.iter_errors(document)
        )


class TestTheContractBites:
    def _scenario(self) -> tuple[Policy, Customer, Issue, str]:
        return (with_rules(Rule("r", require="refund")), CUSTOMER, damaged(), "agent")

    def test_it_passes_the_honest_resolver(self) -> None:
        required_kind_given(self._scenario(), resolve_as)

    def test_it_fails_a_resolver_that_ignores_the_requirement(self) -> None:
        def ignores(issue: Issue, customer: Customer, policy: Policy, role: str) -> object:
            plain = attrs.evolve(policy, rules=())
            return resolve(issue, customer, plain, role=role)

        with pytest.raises(
            ContractViolation, match="a required kind is given: store_credit was given"
        ):
            required_kind_given(self._scenario(), ignores)  # type: ignore[arg-type]

    def test_it_fails_a_resolver_whose_requirement_costs_goodwill(self) -> None:
        def costs(issue: Issue, customer: Customer, policy: Policy, role: str) -> object:
            honest = resolve(issue, customer, policy, role=role)
            if not any(rule.require for rule in policy.rules):
                return honest
            less = honest.goodwill - Money("0.01", "USD")
            return attrs.evolve(
                honest, goodwill=less, total=honest.owed + less, granted_now=honest.owed + less
            )

        with pytest.raises(
            ContractViolation, match=r"a required kind is given: requiring .* changed"
        ):
            required_kind_given(self._scenario(), costs)  # type: ignore[arg-type]


def test_a_share_of_the_order_value_by_law_is_refunded_in_full() -> None:
    # CDC art. 49: the whole order value, shipping included, as a refund.
    issue = Issue(
        "T-49",
        "changed_mind",
        "customer",
        Money("0", "BRL"),
        order_value=Money("259.90", "BRL"),
        channel="online",
        delivered_at=date(2026, 11, 30),
        occurred_at=datetime(2026, 12, 3, 10, tzinfo=UTC),
    )
    policy = with_rules(
        attrs.evolve(WITHDRAWAL, owe=Owe(share=1, of="order_value")), policy=Policy.default("BRL")
    )
    resolution = resolve(issue, Customer("C-9"), policy)
    assert resolution.owed == Money("259.90", "BRL")
    assert [RemedyKind.REFUND] == [remedy.kind for remedy in resolution.remedies]
    assert resolution.granted_now >= Money("259.90", "BRL")
    assert resolution.remedies[0].value.amount >= Decimal("259.90")
