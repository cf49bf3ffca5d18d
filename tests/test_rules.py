"""Rules in a policy: facts on a ticket, conditions, what a rule owes, and the checks."""

from __future__ import annotations

import hashlib
import itertools
import json
import tomllib
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings

import favorpolicy
from favorpolicy import (
    Band,
    Condition,
    Customer,
    Facts,
    Fault,
    InvalidCustomer,
    InvalidIssue,
    InvalidMoney,
    InvalidPolicy,
    Issue,
    Level,
    Money,
    Offer,
    Owe,
    Policy,
    RemedyKind,
    Role,
    Rule,
    Valuation,
    decide,
    policy_from_dict,
    policy_from_toml,
    policy_to_toml,
    resolve,
)
from favorpolicy._budget import hold_back
from favorpolicy._canon import canonical
from favorpolicy._rules import MISSING, fact_value
from favorpolicy.testing import policies, scenarios

USD = Policy.default("USD")
WHEN = datetime(2026, 3, 14, 12, tzinfo=UTC)
CUSTOMER = Customer("C-1")
CREDIT = Offer(RemedyKind.STORE_CREDIT)
THREAT = "I know where you live."
# Computed with the code of 42d099e, the commit before rules landed.
DEFAULT_USD_FINGERPRINT = "242fc1f5fa44c9aea4f93c8b836dab336e204d21a33af1ed47475b2f3b783a21"
OLD_KEY = "0095e06b7dd53f5c21589216f0064876e652f1e7aa8d6dd2e987eeeb206072d4"


def usd(amount: str | int) -> Money:
    return Money(amount, "USD")


def damaged(loss: Money | str | int = "40", **changes: object) -> Issue:
    amount = loss if isinstance(loss, Money) else usd(loss)
    issue = Issue("T-1", "damaged", Fault.BUSINESS, amount, severity=2, occurred_at=WHEN)
    return attrs.evolve(issue, **changes)


def value_of(fact: str, issue: Issue | None = None, customer: Customer = CUSTOMER) -> object:
    return fact_value(fact, damaged() if issue is None else issue, customer)


def with_rules(*rules: Rule, policy: Policy = USD, **changes: object) -> Policy:
    return attrs.evolve(policy, rules=rules, **changes)


def credit_rule(*when: Condition, name: str = "r", **fields: object) -> Rule:
    """A rule that only adds an offer: for testing its conditions."""
    return Rule(name, when=when, offers=[CREDIT], **fields)


def owing(amount: str | int, *when: Condition, name: str = "r", **fields: object) -> Rule:
    return Rule(name, when=when, owe=Owe(amount=usd(amount)), **fields)


def law(amount: str | int, *when: Condition, name: str = "law") -> Rule:
    return Rule(name, when=when, owe=Owe(amount=usd(amount)), basis="law", cite="CDC art. 49")


def codes(resolution: favorpolicy.Resolution) -> list[str]:
    return [reason.code for reason in resolution.reasons]


def reason(resolution: favorpolicy.Resolution, code: str) -> favorpolicy.Reason:
    return next(reason for reason in resolution.reasons if reason.code == code)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def with_toml_rules(tmp_path: Path, rules: str, top: str = "") -> Policy:
    """The default policy's file with *top* keys first and *rules* tables after."""
    return policy_from_toml(write(tmp_path, top + policy_to_toml(USD) + "\n" + rules))


def giving_rule(line: str) -> str:
    """A ``[[rules]]`` table named "r" that offers a refund, with *line* added."""
    return f'[[rules]]\nname = "r"\n{line}\noffers = [["refund"]]\n'


def round_trip(tmp_path: Path, policy: Policy) -> Policy:
    return policy_from_toml(write(tmp_path, policy_to_toml(policy)))


class TestRegions:
    def test_a_region_is_upper_cased(self) -> None:
        assert "BR-SP" == damaged(region="br-sp").region

    def test_a_country_alone_is_a_region(self) -> None:
        assert "BR" == damaged(region=" br ").region

    def test_a_customer_region_is_upper_cased(self) -> None:
        assert "GB-ENG" == Customer("C-1", region="gb-eng").region

    @pytest.mark.parametrize("region", ["brazil", "B", "BR_SP", "BR-SPXX", "", 12])
    def test_an_issue_refuses_a_bad_region(self, region: object) -> None:
        with pytest.raises(InvalidIssue, match=r"region: .* is not an ISO 3166 country code"):
            damaged(region=region)

    def test_a_customer_refuses_a_bad_region_naming_it(self) -> None:
        with pytest.raises(InvalidCustomer, match=r"region: 'brazil' is not an ISO 3166"):
            Customer("C-1", region="brazil")

    def test_no_region_stays_none(self) -> None:
        assert None is damaged().region


class TestFacts:
    def test_facts_are_a_sorted_mapping(self) -> None:
        issue = damaged(facts={"zeta": 1, "alpha": "a"})
        assert ["alpha", "zeta"] == list(issue.facts)
        assert isinstance(issue.facts, Facts)

    def test_every_kind_of_value_is_kept(self) -> None:
        values = {
            "text": "ação",
            "whole": -3,
            "exact": Decimal("99.95"),
            "flag": False,
            "day": date(2026, 1, 2),
            "moment": WHEN,
        }
        assert values == dict(damaged(facts=values).facts)

    @pytest.mark.parametrize("name", ["Durable", "1st", "_x", "with-dash", "a" * 65, "", 3])
    def test_a_bad_name_is_refused_naming_it(self, name: object) -> None:
        with pytest.raises(InvalidIssue, match=r"facts: the name .* is not lower-case letters"):
            damaged(facts={name: 1})

    def test_a_float_is_refused_with_a_hint(self) -> None:
        with pytest.raises(InvalidIssue, match=r"facts\.uptime: 99\.5 is a float; write Decimal"):
            damaged(facts={"uptime": 99.5})

    def test_a_customer_float_is_refused_as_the_customer(self) -> None:
        with pytest.raises(InvalidCustomer, match=r"facts\.spend: 1\.5 is a float"):
            Customer("C-1", facts={"spend": 1.5})

    def test_too_many_facts_are_refused(self) -> None:
        with pytest.raises(InvalidIssue, match=r"facts: holds 65 facts; at most 64"):
            damaged(facts={f"f{number}": number for number in range(65)})

    def test_64_facts_are_allowed(self) -> None:
        assert 64 == len(damaged(facts={f"f{number}": number for number in range(64)}).facts)

    def test_a_huge_int_is_refused(self) -> None:
        with pytest.raises(InvalidIssue, match=r"facts\.big: .* is too large"):
            damaged(facts={"big": 10**18})

    @pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity"), Decimal("1e18")])
    def test_a_decimal_that_is_not_finite_and_small_is_refused(self, value: Decimal) -> None:
        with pytest.raises(InvalidIssue, match=r"facts\.x: .* is not a finite number below"):
            damaged(facts={"x": value})

    def test_a_decimal_with_too_many_places_is_refused(self) -> None:
        with pytest.raises(InvalidIssue, match=r"more than 18 decimal places"):
            damaged(facts={"x": Decimal("1e-19")})

    def test_a_lone_surrogate_is_refused(self) -> None:
        with pytest.raises(InvalidIssue, match=r"facts\.note: .* holds a lone surrogate"):
            damaged(facts={"note": "bad \ud800"})

    def test_long_text_is_refused(self) -> None:
        with pytest.raises(InvalidIssue, match=r"facts\.note: .* is too long; at most 1000"):
            damaged(facts={"note": "x" * 1001})

    def test_another_type_is_refused_naming_it(self) -> None:
        with pytest.raises(InvalidIssue, match=r"facts\.tags: .* is a list, not text"):
            damaged(facts={"tags": ["a"]})

    def test_facts_that_are_not_a_mapping_are_refused(self) -> None:
        with pytest.raises(InvalidIssue, match=r"facts: .* is not a mapping"):
            damaged(facts=[("x", 1)])

    def test_true_is_not_the_number_one(self) -> None:
        assert Facts({"x": True}) != Facts({"x": 1})
        assert damaged(facts={"x": True}) != damaged(facts={"x": 1})

    def test_equal_facts_are_equal_and_hash_equal(self) -> None:
        first, second = Facts({"a": 1, "b": "x"}), Facts({"b": "x", "a": 1})
        assert first == second
        assert hash(first) == hash(second)

    def test_a_plain_date_for_delivered_at_is_midnight(self) -> None:
        assert datetime(2026, 3, 10) == damaged(delivered_at=date(2026, 3, 10)).delivered_at  # noqa: DTZ001


class TestDecisionKeys:
    def test_a_ticket_without_new_fields_keeps_its_old_key(self) -> None:
        customer = Customer("C-1", since=date(2020, 1, 1))
        assert OLD_KEY == resolve(damaged(), customer, USD).key

    def test_the_old_key_is_the_format_2_list(self) -> None:
        issue, customer = damaged(), Customer("C-1", since=date(2020, 1, 1))
        fields = [2, "T-1", "damaged", "business", "40", "USD", None, 2, "", ""]
        fields += [WHEN.isoformat(), "C-1", "standard", "2020-01-01", None, 0, None]
        fields += [USD.terms_fingerprint, "agent", 6]
        text = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        assert hashlib.sha256(text.encode()).hexdigest() == resolve(issue, customer, USD).key

    @pytest.mark.parametrize(
        "changes",
        [
            {"ordered_at": datetime(2026, 3, 1, tzinfo=UTC)},
            {"promised_at": datetime(2026, 3, 5, tzinfo=UTC)},
            {"delivered_at": datetime(2026, 3, 8, tzinfo=UTC)},
            {"region": "BR"},
            {"category": "electronics"},
            {"facts": {"durable": True}},
        ],
    )
    def test_each_new_issue_field_changes_the_key(self, changes: dict[str, object]) -> None:
        before = resolve(damaged(), CUSTOMER, USD).key
        assert before != resolve(damaged(**changes), CUSTOMER, USD).key

    @pytest.mark.parametrize("changes", [{"region": "BR-SP"}, {"facts": {"segment": "b2b"}}])
    def test_each_new_customer_field_changes_the_key(self, changes: dict[str, object]) -> None:
        customer = attrs.evolve(CUSTOMER, **changes)
        assert resolve(damaged(), CUSTOMER, USD).key != resolve(damaged(), customer, USD).key

    def test_adding_then_removing_a_fact_gives_the_same_key(self) -> None:
        with_fact = damaged(facts={"durable": True})
        assert (
            resolve(damaged(), CUSTOMER, USD).key
            == resolve(attrs.evolve(with_fact, facts={}), CUSTOMER, USD).key
        )

    def test_a_true_fact_and_a_one_fact_have_different_keys(self) -> None:
        assert (
            resolve(damaged(facts={"x": True}), CUSTOMER, USD).key
            != resolve(damaged(facts={"x": 1}), CUSTOMER, USD).key
        )

    def test_the_same_delivery_instant_in_any_zone_has_one_key(self) -> None:
        there = timezone(timedelta(hours=-3))
        here = damaged(delivered_at=datetime(2026, 3, 8, 12, tzinfo=UTC))
        away = damaged(delivered_at=datetime(2026, 3, 8, 9, tzinfo=there))
        assert resolve(here, CUSTOMER, USD).key == resolve(away, CUSTOMER, USD).key


class TestDerivedFacts:
    def test_days_since_delivery_counts_utc_days(self) -> None:
        issue = damaged(delivered_at=datetime(2026, 3, 10, 23, tzinfo=UTC))
        assert 4 == value_of("days_since_delivery", issue)

    def test_days_since_delivery_reads_other_zones_in_utc(self) -> None:
        # 23:00 at UTC-5 is already 11 March in UTC.
        late_evening = datetime(2026, 3, 10, 23, tzinfo=timezone(timedelta(hours=-5)))
        assert 3 == value_of("days_since_delivery", damaged(delivered_at=late_evening))

    def test_days_since_order(self) -> None:
        assert 13 == value_of("days_since_order", damaged(ordered_at=date(2026, 3, 1)))

    def test_days_late_after_the_promise(self) -> None:
        issue = damaged(promised_at=date(2026, 3, 5), delivered_at=date(2026, 3, 8))
        assert 3 == value_of("days_late", issue)

    def test_days_late_is_negative_when_early(self) -> None:
        issue = damaged(promised_at=date(2026, 3, 5), delivered_at=date(2026, 3, 3))
        assert -2 == value_of("days_late", issue)

    def test_days_late_counts_to_the_complaint_when_not_delivered(self) -> None:
        assert 9 == value_of("days_late", damaged(promised_at=date(2026, 3, 5)))

    @pytest.mark.parametrize(
        ("delivered", "hours"),
        [
            (datetime(2026, 3, 5, 0, 30, tzinfo=UTC), 1),
            (datetime(2026, 3, 5, 2, tzinfo=UTC), 2),
            (datetime(2026, 3, 5, 2, 0, 1, tzinfo=UTC), 3),
            (datetime(2026, 3, 4, 22, 30, tzinfo=UTC), -1),
        ],
    )
    def test_hours_late_rounds_up(self, delivered: datetime, hours: int) -> None:
        issue = damaged(promised_at=datetime(2026, 3, 5, tzinfo=UTC), delivered_at=delivered)
        assert hours == value_of("hours_late", issue)

    def test_hours_late_counts_to_the_complaint_when_not_delivered(self) -> None:
        assert 12 == value_of("hours_late", damaged(promised_at=date(2026, 3, 14)))

    @pytest.mark.parametrize(
        ("since", "years"), [(date(2020, 3, 15), 5), (date(2020, 3, 14), 6), (date(2027, 1, 1), 0)]
    )
    def test_tenure_years_counts_whole_years_to_the_issue(self, since: date, years: int) -> None:
        assert years == value_of("customer.tenure_years", customer=Customer("C-1", since=since))

    def test_country_is_the_regions_first_two_letters(self) -> None:
        assert "BR" == value_of("country", damaged(region="BR-SP"))
        assert "US" == value_of("customer.country", customer=Customer("C-1", region="us-ca"))

    @pytest.mark.parametrize(
        "fact",
        [
            "days_since_delivery",
            "days_since_order",
            "days_late",
            "hours_late",
            "country",
            "region",
            "category",
            "channel",
            "order_value",
        ],
    )
    def test_a_missing_date_or_field_is_missing(self, fact: str) -> None:
        assert MISSING is value_of(fact)

    def test_dates_without_a_complaint_date_are_missing_not_today(self) -> None:
        issue = damaged(
            occurred_at=None, ordered_at=date(2000, 1, 1), delivered_at=date(2000, 1, 2)
        )
        customer = Customer("C-1", since=date(2000, 1, 1))
        assert MISSING is value_of("days_since_order", issue)
        assert MISSING is value_of("days_since_delivery", issue)
        assert MISSING is value_of("customer.tenure_years", issue, customer)

    def test_days_late_of_a_delivered_order_needs_no_complaint_date(self) -> None:
        issue = damaged(
            occurred_at=None, promised_at=date(2000, 1, 1), delivered_at=date(2000, 1, 3)
        )
        assert 2 == value_of("days_late", issue)

    def test_named_facts_are_read_from_the_issue_and_the_customer(self) -> None:
        customer = Customer("C-1", facts={"segment": "b2b"})
        issue = damaged(facts={"durable": True})
        assert True is value_of("facts.durable", issue, customer)
        assert "b2b" == value_of("customer.facts.segment", issue, customer)
        assert MISSING is value_of("facts.segment", issue, customer)

    def test_an_unknown_fact_is_a_key_error(self) -> None:
        with pytest.raises(KeyError):
            value_of("weather")


class TestCondition:
    @pytest.mark.parametrize(
        ("op", "value", "matches"),
        [
            ("eq", 5, True),
            ("eq", 6, False),
            ("ne", 6, True),
            ("ne", 5, False),
            ("in", [4, 5], True),
            ("in", [4, 6], False),
            ("not_in", [4, 6], True),
            ("not_in", [5], False),
            ("lt", 6, True),
            ("lt", 5, False),
            ("le", 5, True),
            ("le", 4, False),
            ("gt", 4, True),
            ("gt", 5, False),
            ("ge", 5, True),
            ("ge", 6, False),
        ],
    )
    def test_every_op_on_a_number(self, op: str, value: object, matches: bool) -> None:
        issue = damaged(facts={"n": 5})
        assert matches is Condition("facts.n", op, value).matches(issue, CUSTOMER)

    def test_missing_matches_only_a_fact_the_ticket_lacks(self) -> None:
        condition = Condition("facts.n", "missing")
        assert condition.matches(damaged(), CUSTOMER)
        assert not condition.matches(damaged(facts={"n": 5}), CUSTOMER)

    @pytest.mark.parametrize(
        ("op", "value"), [("eq", 5), ("ne", 5), ("in", [5]), ("not_in", [5]), ("lt", 9), ("ge", 0)]
    )
    def test_a_missing_fact_never_matches(self, op: str, value: object) -> None:
        assert not Condition("facts.n", op, value).matches(damaged(), CUSTOMER)

    def test_a_missing_channel_never_matches_ne(self) -> None:
        assert not Condition("channel", "ne", "phone").matches(damaged(), CUSTOMER)

    @pytest.mark.parametrize(("op", "value"), [("eq", 1), ("ge", 1), ("in", [1, 2]), ("ne", 0)])
    def test_a_bool_is_not_a_number(self, op: str, value: object) -> None:
        assert not Condition("facts.x", op, value).matches(damaged(facts={"x": True}), CUSTOMER)

    def test_a_number_is_not_a_bool(self) -> None:
        assert not Condition("facts.x", "eq", True).matches(damaged(facts={"x": 1}), CUSTOMER)

    @pytest.mark.parametrize("fact", ["3", date(2026, 1, 1), True])
    def test_a_type_mismatch_never_matches(self, fact: object) -> None:
        issue = damaged(facts={"x": fact})
        assert not Condition("facts.x", "ge", 3).matches(issue, CUSTOMER)
        assert not Condition("facts.x", "ne", 3).matches(issue, CUSTOMER)

    def test_dates_compare_with_dates(self) -> None:
        issue = damaged(facts={"bought": date(2026, 1, 5)})
        assert Condition("facts.bought", "lt", date(2026, 2, 1)).matches(issue, CUSTOMER)

    def test_text_facts_match_by_membership(self) -> None:
        issue = damaged(region="BR-SP")
        assert Condition("region", "in", ["BR-SP", "US"]).matches(issue, CUSTOMER)
        assert Condition("country", "eq", "BR").matches(issue, CUSTOMER)
        assert not Condition("region", "not_in", ["BR-SP"]).matches(issue, CUSTOMER)

    def test_a_fault_value_is_read_case_blind(self) -> None:
        assert Fault.BUSINESS == Condition("fault", "eq", " Business ").value

    def test_a_money_fact_reads_text_as_a_number(self) -> None:
        assert Decimal("10.5") == Condition("loss", "ge", "10.5").value
        assert Decimal(-2) == Condition("days_late", "ge", "-2").value

    def test_a_set_is_kept_sorted_and_deduplicated(self) -> None:
        assert ("a", "b") == Condition("kind", "in", ["b", "a", "b"]).value

    def test_equal_conditions_are_one_in_a_rule(self) -> None:
        condition = Condition("loss", "ge", 10)
        assert (condition,) == credit_rule(condition, condition).when

    @pytest.mark.parametrize("fact", ["weather", "facts.Bad", "facts.", "customer.facts.1x", 3])
    def test_a_bad_fact_is_refused_naming_it(self, fact: object) -> None:
        with pytest.raises(InvalidPolicy, match=r"fact: .* is not a fact; use one of kind"):
            Condition(fact, "eq", 1)

    def test_a_bad_op_is_refused_naming_it(self) -> None:
        with pytest.raises(InvalidPolicy, match=r"op: 'between' is not one of eq, ne, in"):
            Condition("loss", "between", 1)

    @pytest.mark.parametrize(
        ("fact", "op", "value", "problem"),
        [
            ("loss", "ge", True, "True is not a number"),
            ("loss", "ge", "lots", "'lots'"),
            ("severity", "ge", Decimal("NaN"), "is not a finite number"),
            ("kind", "eq", 3, "3 is not text"),
            ("fault", "eq", "nobody", "'nobody' is not a fault"),
            ("facts.x", "eq", 1.5, r"1\.5 is a float; write Decimal"),
            ("facts.x", "eq", Decimal("NaN"), "is not a finite number"),
            ("facts.x", "eq", [1], "is a list, not text, a number"),
            ("facts.x", "lt", "abc", "'abc' cannot be ordered"),
            ("kind", "in", "damaged", "'damaged' is not a collection"),
            ("kind", "in", [], r"\[\] must hold 1 to 1000 values"),
            ("facts.x", "missing", 1, "1 is given, but 'missing' tests no value"),
        ],
    )
    def test_a_bad_value_is_refused_naming_it(
        self, fact: str, op: str, value: object, problem: str
    ) -> None:
        with pytest.raises(InvalidPolicy, match=rf"value: .*{problem}"):
            Condition(fact, op, value)


class TestOwe:
    def test_a_fixed_amount(self) -> None:
        assert Decimal(10) == Owe(amount=usd(10)).owed(damaged(), CUSTOMER)

    def test_a_share_of_the_loss(self) -> None:
        assert Decimal(20) == Owe(share="0.5").owed(damaged("40"), CUSTOMER)

    def test_a_share_of_the_order_value(self) -> None:
        issue = damaged(order_value=usd(300))
        assert Decimal(600) == Owe(share=2, of="order_value").owed(issue, CUSTOMER)

    def test_a_share_of_a_missing_order_value_owes_nothing(self) -> None:
        assert None is Owe(share=1, of="order_value").owed(damaged(), CUSTOMER)

    def test_a_share_of_a_fact(self) -> None:
        issue = damaged(facts={"fare": Decimal("250")})
        assert Decimal(150) == Owe(share="0.6", of="facts.fare").owed(issue, CUSTOMER)

    @pytest.mark.parametrize("fare", ["high", True, -10])
    def test_a_share_of_a_fact_that_is_not_a_positive_number_owes_nothing(
        self, fare: object
    ) -> None:
        issue = damaged(facts={"fare": fare})
        assert None is Owe(share=1, of="facts.fare").owed(issue, CUSTOMER)

    @pytest.mark.parametrize(
        ("late", "owed"), [(-3, 10), (0, 10), (2, 10), (3, 20), (5, 20), (99, 30)]
    )
    def test_bands_owe_the_first_band_not_passed(self, late: int, owed: int) -> None:
        bands = (Band(usd(10), 2), Band(usd(20), 5), Band(usd(30)))
        issue = damaged(promised_at=WHEN, delivered_at=WHEN + timedelta(days=late))
        assert Decimal(owed) == Owe(bands=bands, by="days_late").owed(issue, CUSTOMER)

    def test_a_value_beyond_a_closed_table_owes_nothing(self) -> None:
        owe = Owe(bands=(Band(usd(10), 100), Band(usd(5), 500)), by="facts.distance_km")
        assert Decimal(5) == owe.owed(damaged(facts={"distance_km": 500}), CUSTOMER)
        assert None is owe.owed(damaged(facts={"distance_km": 501}), CUSTOMER)

    def test_bands_by_a_missing_fact_owe_nothing(self) -> None:
        assert None is Owe(bands=(Band(usd(10)),), by="days_late").owed(damaged(), CUSTOMER)

    @pytest.mark.parametrize(
        "fields",
        [
            {},
            {"amount": usd(1), "share": "0.5"},
            {"amount": usd(1), "bands": (Band(usd(1)),), "by": "days_late"},
        ],
    )
    def test_none_or_two_forms_are_refused(self, fields: dict[str, object]) -> None:
        with pytest.raises(InvalidPolicy, match="needs exactly one of amount, share or bands"):
            Owe(**fields)

    def test_bands_without_by_are_refused(self) -> None:
        with pytest.raises(InvalidPolicy, match="by: None is missing; bands need the fact"):
            Owe(bands=(Band(usd(1)),))

    def test_by_without_bands_is_refused(self) -> None:
        with pytest.raises(InvalidPolicy, match="by: 'days_late' is given without bands"):
            Owe(amount=usd(1), by="days_late")

    def test_unsorted_uptos_are_refused(self) -> None:
        with pytest.raises(InvalidPolicy, match=r"bands: .* is not in rising order of upto"):
            Owe(bands=(Band(usd(1), 5), Band(usd(2), 5)), by="days_late")

    def test_an_open_band_before_the_last_is_refused(self) -> None:
        with pytest.raises(InvalidPolicy, match="has a band without upto before the last"):
            Owe(bands=(Band(usd(1)), Band(usd(2), 5)), by="facts.distance_km")

    def test_a_share_of_text_is_refused(self) -> None:
        with pytest.raises(InvalidPolicy, match="of: 'kind' is not an amount"):
            Owe(share=1, of="kind")

    def test_a_negative_amount_is_refused(self) -> None:
        with pytest.raises(InvalidPolicy, match=r"amount: .* is not a non-negative Money"):
            Owe(amount=usd(-1))

    def test_a_share_above_100_is_refused(self) -> None:
        with pytest.raises(InvalidPolicy, match="share: 101 is more than 100 times"):
            Owe(share=101)


class TestRule:
    def test_a_rule_that_does_nothing_is_refused(self) -> None:
        with pytest.raises(InvalidPolicy, match="rule: 'idle' does nothing; give it owe"):
            Rule("idle", when=[Condition("loss", "ge", 1)])

    def test_a_law_without_cite_is_refused(self) -> None:
        with pytest.raises(InvalidPolicy, match="has basis 'law' but no owe and cite"):
            Rule("law", owe=Owe(amount=usd(5)), basis="law", cite="  ")

    def test_a_law_without_owe_is_refused(self) -> None:
        with pytest.raises(InvalidPolicy, match="has basis 'law' but no owe and cite"):
            Rule("law", goodwill_rate="0.5", basis="law", cite="CDC art. 49")

    def test_an_unknown_basis_is_refused(self) -> None:
        with pytest.raises(InvalidPolicy, match="basis: 'custom' is not 'policy' or 'law'"):
            Rule("r", offers=[CREDIT], basis="custom")

    def test_an_empty_name_is_refused(self) -> None:
        with pytest.raises(InvalidPolicy, match="name: ' ' is not a non-empty str"):
            Rule(" ", offers=[CREDIT])

    def test_every_when_condition_must_match(self) -> None:
        rule = credit_rule(Condition("loss", "ge", 10), Condition("facts.durable", "eq", True))
        assert rule.matches(damaged(facts={"durable": True}), CUSTOMER)
        assert not rule.matches(damaged(), CUSTOMER)

    def test_a_ticket_matching_every_condition_of_an_unless_group_is_left_out(self) -> None:
        rule = Rule(
            "r",
            unless=[[Condition("region", "eq", "BR"), Condition("loss", "lt", 10)]],
            offers=[CREDIT],
        )
        assert rule.matches(damaged("5", region="US"), CUSTOMER)
        assert rule.matches(damaged("50", region="BR"), CUSTOMER)
        assert not rule.matches(damaged("5", region="BR"), CUSTOMER)

    def test_any_unless_group_leaves_a_ticket_out(self) -> None:
        rule = Rule(
            "r",
            unless=[[Condition("region", "eq", "BR")], [Condition("category", "eq", "food")]],
            offers=[CREDIT],
        )
        assert not rule.matches(damaged(category="food"), CUSTOMER)
        assert not rule.matches(damaged(region="BR"), CUSTOMER)
        assert rule.matches(damaged(), CUSTOMER)

    def test_a_single_unless_condition_is_one_group(self) -> None:
        condition = Condition("loss", "lt", 10)
        assert ((condition,),) == Rule("r", unless=condition, offers=[CREDIT]).unless


class TestPolicyChecks:
    @pytest.mark.parametrize("op", ["lt", "le", "eq", "ne", "in"])
    def test_a_giving_rule_on_loss_may_not_stop_as_loss_grows(self, op: str) -> None:
        value = [10] if op == "in" else 10
        with pytest.raises(InvalidPolicy, match=rf"rules\[0\]\.when\[0\]: 'loss {op} .*higher is"):
            with_rules(credit_rule(Condition("loss", op, value)))

    @pytest.mark.parametrize(
        "fact", ["severity", "days_late", "hours_late", "customer.tenure_years"]
    )
    def test_a_giving_rule_may_not_use_lt_on_a_worse_when_higher_fact(self, fact: str) -> None:
        with pytest.raises(InvalidPolicy, match=rf"would give less as {fact} gets worse"):
            with_rules(credit_rule(Condition(fact, "lt", 3)))

    @pytest.mark.parametrize("op", ["ge", "gt"])
    def test_a_giving_rule_may_use_ge_and_gt_on_loss(self, op: str) -> None:
        assert 1 == len(with_rules(credit_rule(Condition("loss", op, 10))).rules)

    def test_a_neutral_fact_may_use_any_op(self) -> None:
        rule = credit_rule(Condition("days_since_delivery", "le", 7), Condition("kind", "ne", "x"))
        assert (rule,) == with_rules(rule).rules

    @pytest.mark.parametrize(
        "tiers", [["standard", "vip"], ["standard"], ["plus"], ["standard", "plus"]]
    )
    def test_a_tier_set_that_is_not_upward_closed_is_refused(self, tiers: list[str]) -> None:
        with pytest.raises(InvalidPolicy, match="would give a higher tier less than a lower one"):
            with_rules(credit_rule(Condition("customer.tier", "in", tiers)))

    @pytest.mark.parametrize(
        ("op", "value"), [("in", ["plus", "vip"]), ("eq", "vip"), ("ne", "standard")]
    )
    def test_an_upward_closed_tier_set_is_allowed(self, op: str, value: object) -> None:
        assert with_rules(credit_rule(Condition("customer.tier", op, value))).rules

    def test_unless_may_leave_out_only_the_lowest_tiers(self) -> None:
        assert with_rules(
            Rule("r", unless=Condition("customer.tier", "eq", "standard"), offers=[CREDIT])
        ).rules
        with pytest.raises(InvalidPolicy, match=r"rules\[0\]\.unless\[0\]\[0\]: .*higher tier"):
            with_rules(Rule("r", unless=Condition("customer.tier", "eq", "vip"), offers=[CREDIT]))

    def test_an_unknown_tier_is_refused(self) -> None:
        with pytest.raises(InvalidPolicy, match=r"\['gold'\] names tiers the policy has not"):
            with_rules(credit_rule(Condition("customer.tier", "in", ["vip", "gold"])))

    @pytest.mark.parametrize(
        ("faults", "problem"),
        [
            (["customer", "business", "unknown"], "gives to a customer fault but not to every"),
            (["shared", "unknown"], "gives to a shared fault but not to a business fault"),
            (["business"], "treats an unknown fault apart from a business fault"),
            (["unknown"], "treats an unknown fault apart from a business fault"),
        ],
    )
    def test_a_fault_set_that_leaves_out_a_worse_fault_is_refused(
        self, faults: list[str], problem: str
    ) -> None:
        with pytest.raises(InvalidPolicy, match=rf"rules\[0\]\.when\[0\]: .fault in .*{problem}"):
            with_rules(credit_rule(Condition("fault", "in", faults)))

    @pytest.mark.parametrize(
        "faults", [["business", "unknown"], ["business", "unknown", "shared"], list(Fault)]
    )
    def test_a_fault_set_with_every_worse_fault_is_allowed(self, faults: list[str]) -> None:
        assert with_rules(credit_rule(Condition("fault", "in", faults))).rules

    def test_unless_may_leave_out_the_customers_fault_but_not_the_business(self) -> None:
        assert with_rules(Rule("r", unless=Condition("fault", "eq", "customer"), offers=[CREDIT]))
        with pytest.raises(InvalidPolicy, match="gives to a customer fault but not to every"):
            with_rules(Rule("r", unless=Condition("fault", "eq", "business"), offers=[CREDIT]))

    def test_unless_is_flipped_a_larger_loss_may_not_be_left_out(self) -> None:
        with pytest.raises(InvalidPolicy, match=r"in unless it may only use le or lt"):
            with_rules(Rule("r", unless=Condition("loss", "ge", 10), offers=[CREDIT]))

    def test_unless_may_leave_out_a_smaller_loss(self) -> None:
        assert with_rules(Rule("r", unless=Condition("loss", "lt", 10), offers=[CREDIT])).rules

    def test_bands_by_days_late_may_not_fall(self) -> None:
        owe = Owe(bands=(Band(usd(20), 3), Band(usd(10))), by="days_late")
        with pytest.raises(InvalidPolicy, match=r"rules\[0\]\.owe\.bands: \['20', '10'\] falls"):
            with_rules(Rule("r", owe=owe))

    def test_bands_by_days_late_may_not_end(self) -> None:
        owe = Owe(bands=(Band(usd(10), 3), Band(usd(20), 9)), by="days_late")
        with pytest.raises(
            InvalidPolicy, match=r"rules\[0\]\.owe\.bands\[1\]\.upto: .* ends the table"
        ):
            with_rules(Rule("r", owe=owe))

    def test_bands_by_a_neutral_fact_may_go_any_way(self) -> None:
        owe = Owe(bands=(Band(usd(20), 100), Band(usd(5), 500)), by="facts.distance_km")
        assert with_rules(Rule("r", owe=owe)).rules

    def test_a_lower_is_worse_fact_allows_only_lt_and_le_in_when(self) -> None:
        worse = {"facts.uptime_percent": "lower"}
        for op in ("lt", "le"):
            condition = Condition("facts.uptime_percent", op, Decimal("99.9"))
            assert with_rules(credit_rule(condition), worse_when=worse).rules
        with pytest.raises(InvalidPolicy, match=r"\(lower is worse\); in when it may only use"):
            with_rules(credit_rule(Condition("facts.uptime_percent", "ge", 99)), worse_when=worse)

    @pytest.mark.parametrize("fact", ["days_late", "hours_late", "loss", "customer.tenure_years"])
    def test_missing_is_not_a_direction(self, fact: str) -> None:
        # A worse case is the same fact further along, and a missing fact stays missing:
        # a rule may give the benefit of the doubt to a ticket whose fact is unknown.
        assert with_rules(owing(5, Condition(fact, "missing"))).rules

    def test_a_rule_on_a_missing_fact_reaches_only_those_tickets(self) -> None:
        policy = with_rules(owing(5, Condition("days_late", "missing")))
        unknown = resolve(damaged(), CUSTOMER, policy)
        known = resolve(damaged(promised_at=WHEN - timedelta(days=2)), CUSTOMER, policy)
        assert "ruled" in codes(unknown)
        assert "ruled" not in codes(known)

    def test_the_same_fact_without_worse_when_is_neutral(self) -> None:
        assert with_rules(credit_rule(Condition("facts.uptime_percent", "ge", 99))).rules

    def test_bands_by_a_lower_is_worse_fact_may_not_rise(self) -> None:
        owe = Owe(bands=(Band(usd(5), 99), Band(usd(50))), by="facts.uptime_percent")
        with pytest.raises(InvalidPolicy, match=r"falls as facts\.uptime_percent falls"):
            with_rules(Rule("r", owe=owe), worse_when={"facts.uptime_percent": "lower"})

    def test_a_share_of_a_lower_is_worse_fact_is_refused(self) -> None:
        rule = Rule("r", owe=Owe(share=1, of="facts.uptime_percent"))
        with pytest.raises(InvalidPolicy, match=r"rules\[0\]\.owe\.of: .* falls as the case"):
            with_rules(rule, worse_when={"facts.uptime_percent": "lower"})

    @pytest.mark.parametrize(
        ("worse_when", "problem"),
        [
            ({"loss": "higher"}, "is not facts.NAME or customer.facts.NAME"),
            ({"facts.x": "sideways"}, "'sideways' is not 'higher' or 'lower'"),
        ],
    )
    def test_a_bad_worse_when_is_refused(self, worse_when: dict[str, str], problem: str) -> None:
        with pytest.raises(InvalidPolicy, match=rf"worse_when\..*{problem}"):
            attrs.evolve(USD, worse_when=worse_when)

    @pytest.mark.parametrize(
        ("rule", "path"),
        [
            (Rule("r", owe=Owe(amount=Money(5, "EUR"))), r"rules\[0\]\.owe\.amount"),
            (
                Rule("r", owe=Owe(bands=(Band(Money(5, "EUR")),), by="days_late")),
                r"rules\[0\]\.owe\.bands\[0\]\.owe",
            ),
            (Rule("r", goodwill_floor=Money(5, "EUR")), r"rules\[0\]\.goodwill_floor"),
        ],
    )
    def test_an_amount_in_another_currency_is_refused(self, rule: Rule, path: str) -> None:
        with pytest.raises(InvalidPolicy, match=rf"{path}: .* is not in the policy's currency"):
            with_rules(rule)

    def test_duplicate_names_are_refused(self) -> None:
        with pytest.raises(InvalidPolicy, match=r"rules\[1\]\.name: 'r' is also rules\[0\]'s"):
            with_rules(credit_rule(), credit_rule())

    def test_an_error_names_the_rule_and_condition(self) -> None:
        bad = credit_rule(Condition("loss", "lt", 10), Condition("kind", "eq", "x"), name="b")
        with pytest.raises(InvalidPolicy, match=r"rules\[1\]\.when\[1\]: 'loss lt 10'"):
            with_rules(credit_rule(), bad)

    def test_a_rule_that_is_not_a_rule_is_refused(self) -> None:
        with pytest.raises(InvalidPolicy, match=r"rules\[0\]: .* is not a Rule"):
            with_rules("free money")  # type: ignore[arg-type]


class TestResolveWithRules:
    def test_a_rule_raises_owed_above_the_loss(self) -> None:
        resolution = resolve(damaged("40"), CUSTOMER, with_rules(owing(100, name="late")))
        assert usd(100) == resolution.owed
        ruled = reason(resolution, "ruled")
        assert ("rule 'late' owes 100.00 USD", usd(100)) == (ruled.message, ruled.amount)

    def test_a_rule_below_the_loss_never_lowers_owed(self) -> None:
        assert usd(40) == resolve(damaged("40"), CUSTOMER, with_rules(owing(10))).owed

    def test_a_law_rule_names_its_cite(self) -> None:
        resolution = resolve(damaged("40"), CUSTOMER, with_rules(law(100)))
        assert "rule 'law' (CDC art. 49) owes 100.00 USD by law; nothing lowers it" == (
            reason(resolution, "legal_floor").message
        )

    def test_a_rule_that_does_not_match_owes_nothing(self) -> None:
        policy = with_rules(owing(100, Condition("severity", "ge", 5)))
        resolution = resolve(damaged("40"), CUSTOMER, policy)
        assert usd(40) == resolution.owed
        assert "ruled" not in codes(resolution)

    @pytest.mark.parametrize("reverse", [False, True])
    def test_the_largest_amount_wins_whatever_the_order(self, reverse: bool) -> None:
        rules = [
            owing(30, name="small"),
            owing(100, name="large"),
            Rule("half", owe=Owe(share="0.5")),
        ]
        policy = with_rules(*(reversed(rules) if reverse else rules))
        assert usd(100) == resolve(damaged("40"), CUSTOMER, policy).owed

    def test_two_rules_give_the_same_resolution_in_either_order(self) -> None:
        first = owing(60, name="a")
        second = Rule("b", goodwill_rate="0.5", offers=[Offer(RemedyKind.DISCOUNT)])
        one = resolve(damaged(), CUSTOMER, with_rules(first, second))
        other = resolve(damaged(), CUSTOMER, with_rules(second, first))
        assert (one.total, one.remedies) == (other.total, other.remedies)

    @pytest.mark.parametrize(
        "fields",
        [{"goodwill_rate": "0.5"}, {"goodwill_floor": usd(30)}, {"goodwill_factor": "3"}],
    )
    def test_rule_goodwill_raises_goodwill(self, fields: dict[str, object]) -> None:
        plain = resolve(damaged(), CUSTOMER, USD)
        raised = resolve(damaged(), CUSTOMER, with_rules(Rule("gw", **fields)))
        assert raised.goodwill > plain.goodwill
        assert "rule(s) 'gw' raise goodwill" in reason(raised, "rule_goodwill").message

    @pytest.mark.parametrize(
        "fields",
        [{"goodwill_rate": "0.01"}, {"goodwill_floor": usd(0)}, {"goodwill_factor": "0.5"}],
    )
    def test_rule_goodwill_never_lowers_goodwill(self, fields: dict[str, object]) -> None:
        plain = resolve(damaged(), CUSTOMER, USD)
        lowered = resolve(damaged(), CUSTOMER, with_rules(Rule("gw", **fields)))
        assert plain.goodwill == lowered.goodwill
        assert "rule_goodwill" not in codes(lowered)

    def test_the_highest_rule_rate_wins(self) -> None:
        high = resolve(damaged(), CUSTOMER, with_rules(Rule("a", goodwill_rate="0.5")))
        both = with_rules(Rule("a", goodwill_rate="0.5"), Rule("b", goodwill_rate="0.3"))
        assert high.goodwill == resolve(damaged(), CUSTOMER, both).goodwill

    def test_rule_offers_are_added_before_the_last_offer(self) -> None:
        same = {kind: Valuation(0, 1) for kind in RemedyKind}
        policy = attrs.evolve(
            USD, offers={"damaged": (Offer(RemedyKind.REPLACEMENT),)}, valuations=same
        )
        rule = Rule("r", offers=[CREDIT, Offer(RemedyKind.DISCOUNT)])
        resolution = resolve(damaged(), CUSTOMER, with_rules(rule, policy=policy))
        kinds = [resolution.remedies[0].kind] + [
            option[0].kind for option in resolution.alternatives
        ]
        expected = [RemedyKind.REPLACEMENT, RemedyKind.DISCOUNT, RemedyKind.STORE_CREDIT]
        assert [*expected, RemedyKind.REFUND] == kinds

    def test_an_offer_the_policy_has_already_is_not_repeated(self) -> None:
        plain = resolve(damaged(), CUSTOMER, USD)
        again = resolve(damaged(), CUSTOMER, with_rules(Rule("r", offers=[CREDIT])))
        assert plain.alternatives == again.alternatives

    def test_a_legal_floor_survives_a_refuse_screen(self) -> None:
        resolution = resolve(damaged("40", conduct=THREAT), CUSTOMER, with_rules(law(100)))
        assert Level.REFUSE == resolution.screen.level
        assert (usd(100), usd(0), usd(100)) == (
            resolution.owed,
            resolution.goodwill,
            resolution.granted_now,
        )
        assert [RemedyKind.REFUND] == [remedy.kind for remedy in resolution.remedies]

    def test_rule_offers_are_not_added_under_a_refuse_screen(self) -> None:
        rule = Rule("r", offers=[Offer(RemedyKind.DISCOUNT)])
        resolution = resolve(damaged(conduct=THREAT), CUSTOMER, with_rules(rule))
        assert () == resolution.alternatives

    def test_a_legal_floor_survives_a_goodwill_cap_of_zero(self) -> None:
        policy = with_rules(law(100), goodwill=attrs.evolve(USD.goodwill, cap=usd(0)))
        resolution = resolve(damaged("40"), CUSTOMER, policy)
        assert (usd(100), usd(0)) == (resolution.owed, resolution.goodwill)

    def test_a_legal_floor_survives_an_agent_limit_of_zero(self) -> None:
        roles = (Role("agent", usd(0)), *USD.roles[1:])
        resolution = resolve(damaged("40"), CUSTOMER, with_rules(law(100), roles=roles))
        assert usd(100) == resolution.granted_now
        assert "lead" == resolution.escalate_to

    def test_a_legal_floor_survives_a_spent_budget(self) -> None:
        policy = with_rules(law(100))
        held = hold_back(resolve(damaged("40"), CUSTOMER, policy), policy, usd(0))
        assert held.granted_now >= held.owed == usd(100)

    def test_a_customer_fault_still_owes_the_law(self) -> None:
        resolution = resolve(damaged("40", fault="customer"), CUSTOMER, with_rules(law(100)))
        assert usd(100) == resolution.owed
        assert ["customer_fault", "legal_floor"] == codes(resolution)[:2]

    def test_a_customer_fault_gets_the_courtesy_not_the_rule_goodwill(self) -> None:
        rule = Rule("gw", goodwill_rate="0.9")
        resolution = resolve(damaged("40", fault="customer"), CUSTOMER, with_rules(rule))
        assert (usd(0), usd(5)) == (resolution.owed, resolution.goodwill)

    def test_jpy_shares_are_rounded_up(self) -> None:
        jpy = with_rules(Rule("r", owe=Owe(share="0.333")), policy=Policy.default("JPY"))
        issue = damaged(loss=Money(100, "JPY"), fault="customer")
        assert Money(34, "JPY") == resolve(issue, CUSTOMER, jpy).owed

    def test_kwd_shares_are_rounded_up(self) -> None:
        kwd = with_rules(Rule("r", owe=Owe(share="0.3333")), policy=Policy.default("KWD"))
        issue = damaged(loss=Money(1, "KWD"), fault="customer")
        assert Money("0.334", "KWD") == resolve(issue, CUSTOMER, kwd).owed

    def test_a_rule_owing_zero_changes_nothing_owed(self) -> None:
        policy = with_rules(owing(0))
        assert usd(40) == resolve(damaged("40"), CUSTOMER, policy).owed
        assert usd(0) == resolve(damaged("0", fault="customer"), CUSTOMER, policy).owed

    def test_a_huge_amount_is_owed_in_full(self) -> None:
        resolution = resolve(damaged("40"), CUSTOMER, with_rules(owing(10**15)))
        assert usd(10**15) == resolution.owed
        assert resolution.granted_now >= resolution.owed

    def test_a_business_fault_with_a_tiny_loss_gets_the_courtesy(self) -> None:
        issue = damaged("0.01", severity=1)
        business = resolve(issue, CUSTOMER, USD)
        customer = resolve(attrs.evolve(issue, fault="customer"), CUSTOMER, USD)
        assert business.total >= customer.total == usd(5)
        assert usd("4.99") == reason(business, "fault_floor").amount

    def test_a_business_fault_with_a_rule_gets_at_least_the_customer_fault_case(self) -> None:
        policy = with_rules(owing(100))
        business = resolve(damaged("40", severity=1), CUSTOMER, policy)
        customer = resolve(damaged("40", severity=1, fault="customer"), CUSTOMER, policy)
        assert customer.total == usd(105)
        assert business.total >= customer.total

    def test_decide_agrees_with_resolve_on_a_rule_policy(self) -> None:
        policy = with_rules(owing(60, name="a"), Rule("b", goodwill_floor=usd(30)))
        resolution = resolve(damaged(), CUSTOMER, policy)
        decision = decide(damaged(), CUSTOMER, policy)
        assert (
            resolution.owed.amount,
            resolution.goodwill.amount,
            resolution.granted_now.amount,
            resolution.escalate_to,
        ) == (decision.owed, decision.goodwill, decision.granted_now, decision.escalate_to)

    @settings(max_examples=25, deadline=None)
    @given(scenarios(policies(rules=True)))
    def test_decide_agrees_with_resolve_on_generated_rule_policies(
        self, scenario: tuple[Policy, Customer, Issue, str]
    ) -> None:
        policy, customer, issue, role = scenario
        resolution = resolve(issue, customer, policy, role=role)
        decision = decide(issue, customer, policy, role=role)
        assert (resolution.owed.amount, resolution.total.amount, resolution.granted_now.amount) == (
            decision.owed,
            decision.total,
            decision.granted_now,
        )

    @settings(max_examples=25, deadline=None)
    @given(scenarios(policies(rules=True)))
    def test_reversing_the_rules_never_changes_the_figures(
        self, scenario: tuple[Policy, Customer, Issue, str]
    ) -> None:
        policy, customer, issue, role = scenario
        flipped = attrs.evolve(policy, rules=policy.rules[::-1])
        one = decide(issue, customer, policy, role=role)
        other = decide(issue, customer, flipped, role=role)
        assert (one.owed, one.total) == (other.owed, other.total)

    @settings(max_examples=25, deadline=None)
    @given(scenarios(policies(rules=True)))
    def test_rules_never_owe_less_than_the_policy_without_them(
        self, scenario: tuple[Policy, Customer, Issue, str]
    ) -> None:
        policy, customer, issue, role = scenario
        without = attrs.evolve(policy, rules=())
        assert (
            decide(issue, customer, policy, role=role).owed
            >= decide(issue, customer, without, role=role).owed
        )


RULES_TOML = """
[[rules]]
name = "late delivery"
when = { days_late = { ge = 3 }, fault = ["business", "unknown"] }
unless = { category = "perishable" }
owe = { by = "days_late", bands = [{ upto = 5, owe = "10" }, { owe = "25" }] }
offers = [["store_credit"], ["refund", "discount"]]

[[rules]]
name = "cdc"
basis = "law"
cite = "CDC art. 49"
when = { country = "BR", days_since_delivery = { ge = 0, le = 7 } }
unless = [{ facts = { used = true } }, { channel = "loja" }]
owe = { share = "1", of = "order_value" }

[[rules]]
name = "vip"
when = { customer = { tier = ["plus", "vip"], facts = { segment = "b2b" } } }
goodwill_rate = "0.3"
goodwill_floor = "12.5"
goodwill_factor = "1.5"

[[rules]]
name = "outage"
when = { facts = { uptime_percent = { lt = 99.5 }, ticket_ref = { missing = true } } }
owe = { amount = "15" }
"""


def _groups(policy: Policy) -> list[tuple[Condition, ...]]:
    return [group for rule in policy.rules for group in (rule.when, *rule.unless)]


def _one_test_per_fact_and_op(group: tuple[Condition, ...]) -> bool:
    return len({(c.fact, c.op) for c in group}) == len(group)


class TestPolicyFile:
    def test_rules_load_from_toml(self, tmp_path: Path) -> None:
        policy = with_toml_rules(
            tmp_path, RULES_TOML, top='worse_when = { "facts.uptime_percent" = "lower" }\n'
        )
        assert ["late delivery", "cdc", "vip", "outage"] == [rule.name for rule in policy.rules]
        assert {"facts.uptime_percent": "lower"} == dict(policy.worse_when)

    def test_a_when_table_reads_ops_lists_and_values(self, tmp_path: Path) -> None:
        late = with_toml_rules(tmp_path, RULES_TOML).rules[0]
        assert (
            Condition("days_late", "ge", 3),
            Condition("fault", "in", ["business", "unknown"]),
        ) == late.when
        assert ((Condition("category", "eq", "perishable"),),) == late.unless
        assert Owe(bands=(Band(usd(10), 5), Band(usd(25))), by="days_late") == late.owe

    def test_a_two_op_table_is_a_range(self, tmp_path: Path) -> None:
        cdc = with_toml_rules(tmp_path, RULES_TOML).rules[1]
        assert {
            Condition("country", "eq", "BR"),
            Condition("days_since_delivery", "ge", 0),
            Condition("days_since_delivery", "le", 7),
        } == set(cdc.when)
        assert ("law", "CDC art. 49") == (cdc.basis, cdc.cite)

    def test_a_list_of_unless_tables_is_several_groups(self, tmp_path: Path) -> None:
        cdc = with_toml_rules(tmp_path, RULES_TOML).rules[1]
        assert (
            (Condition("facts.used", "eq", True),),
            (Condition("channel", "eq", "loja"),),
        ) == cdc.unless

    def test_customer_and_facts_tables_nest(self, tmp_path: Path) -> None:
        vip = with_toml_rules(tmp_path, RULES_TOML).rules[2]
        assert (
            Condition("customer.facts.segment", "eq", "b2b"),
            Condition("customer.tier", "in", ["plus", "vip"]),
        ) == vip.when
        assert (Decimal("0.3"), usd("12.5"), Decimal("1.5")) == (
            vip.goodwill_rate,
            vip.goodwill_floor,
            vip.goodwill_factor,
        )

    def test_missing_true_tests_a_missing_fact(self, tmp_path: Path) -> None:
        outage = with_toml_rules(
            tmp_path, RULES_TOML, top='worse_when = { "facts.uptime_percent" = "lower" }\n'
        ).rules[3]
        assert Condition("facts.ticket_ref", "missing") in outage.when

    def test_rules_round_trip_with_the_same_fingerprint(self, tmp_path: Path) -> None:
        policy = with_toml_rules(
            tmp_path, RULES_TOML, top='worse_when = { "facts.uptime_percent" = "lower" }\n'
        )
        again = round_trip(tmp_path, policy)
        assert policy == again
        assert policy.fingerprint == again.fingerprint

    def test_facts_of_every_kind_round_trip(self, tmp_path: Path) -> None:
        rule = credit_rule(
            Condition("facts.day", "ge", date(2026, 1, 1)),
            Condition("facts.moment", "lt", WHEN),
            Condition("facts.flag", "eq", False),
            Condition("facts.size", "in", [1, Decimal("2.5"), "big"]),
            Condition("customer.region", "not_in", ["BR-SP"]),
        )
        policy = with_rules(rule)
        assert policy == round_trip(tmp_path, policy)

    def test_a_rule_less_policy_writes_no_rules(self) -> None:
        text = policy_to_toml(USD)
        assert "rules" not in text
        assert "worse_when" not in text

    def test_an_unknown_operator_names_its_path(self, tmp_path: Path) -> None:
        rules = giving_rule("when = { days_late = { between = 3 } }")
        with pytest.raises(
            InvalidPolicy, match=r"rules\[0\]\.when\.days_late\.between: is not an operator"
        ):
            with_toml_rules(tmp_path, rules)

    def test_an_empty_op_table_is_refused(self, tmp_path: Path) -> None:
        rules = giving_rule("when = { days_late = {} }")
        with pytest.raises(InvalidPolicy, match=r"rules\[0\]\.when\.days_late: is an empty table"):
            with_toml_rules(tmp_path, rules)

    def test_missing_false_is_refused(self, tmp_path: Path) -> None:
        rules = giving_rule("when = { facts = { x = { missing = false } } }")
        with pytest.raises(InvalidPolicy, match=r"rules\[0\]\.when\.facts\.x\.missing: False"):
            with_toml_rules(tmp_path, rules)

    @pytest.mark.parametrize(
        ("rule", "path"),
        [
            ('name = "r"\nwhenn = { loss = 1 }', r"rules\[0\]\.whenn: unknown key"),
            ('name = "r"\nowe = { amount = "5", oops = 1 }', r"rules\[0\]\.owe\.oops: unknown key"),
        ],
    )
    def test_an_unknown_key_in_a_rule_is_refused(
        self, tmp_path: Path, rule: str, path: str
    ) -> None:
        with pytest.raises(InvalidPolicy, match=path):
            with_toml_rules(tmp_path, f"[[rules]]\n{rule}\n")

    def test_a_bad_fact_names_its_path(self, tmp_path: Path) -> None:
        rules = giving_rule('when = { weather = "rain" }')
        with pytest.raises(InvalidPolicy, match=r"rules\[0\]\.when\.weather: fact: 'weather'"):
            with_toml_rules(tmp_path, rules)

    def test_a_check_failure_names_the_file_and_rule(self, tmp_path: Path) -> None:
        rules = giving_rule("when = { loss = { le = 3 } }")
        with pytest.raises(InvalidPolicy, match=r"toml: rules\[0\]\.when\[0\]: 'loss le 3'"):
            with_toml_rules(tmp_path, rules)

    def test_an_owe_error_names_its_path(self, tmp_path: Path) -> None:
        rules = '[[rules]]\nname = "r"\nowe = { amount = "1", share = "0.5" }\n'
        with pytest.raises(InvalidPolicy, match=r"rules\[0\]\.owe: owe: .* needs exactly one"):
            with_toml_rules(tmp_path, rules)

    def test_an_unless_that_is_not_a_table_is_refused(self, tmp_path: Path) -> None:
        rules = giving_rule("unless = 3")
        with pytest.raises(InvalidPolicy, match=r"rules\[0\]\.unless: 3 is not a table of facts"):
            with_toml_rules(tmp_path, rules)

    @settings(max_examples=50, deadline=None)
    @given(policies(rules=True))
    def test_any_rule_policy_survives_dump_and_load(self, policy: Policy) -> None:
        assert all(_one_test_per_fact_and_op(group) for group in _groups(policy))  # refused else
        again = policy_from_dict(tomllib.loads(policy_to_toml(policy), parse_float=Decimal))
        assert policy == again
        assert policy.fingerprint == again.fingerprint


class TestFingerprint:
    def test_the_rule_less_default_keeps_its_fingerprint(self) -> None:
        assert DEFAULT_USD_FINGERPRINT == USD.fingerprint

    def test_the_rule_less_default_has_no_rule_fields(self) -> None:
        form = canonical(USD)
        assert isinstance(form, dict)
        assert "rules" not in form
        assert "worse_when" not in form

    def test_rules_change_the_fingerprint(self) -> None:
        assert USD.fingerprint != with_rules(credit_rule()).fingerprint

    def test_worse_when_changes_the_fingerprint(self) -> None:
        worse = attrs.evolve(USD, worse_when={"facts.uptime_percent": "lower"})
        assert USD.fingerprint != worse.fingerprint

    def test_the_order_of_conditions_does_not_change_the_fingerprint(self) -> None:
        first, second = Condition("loss", "ge", 1), Condition("kind", "eq", "damaged")
        assert (
            with_rules(credit_rule(first, second)).fingerprint
            == with_rules(credit_rule(second, first)).fingerprint
        )


class TestEdgesOnceBugs:
    """Edges where the first version of rules went wrong, each kept as a test."""

    def test_a_fact_named_like_an_op_round_trips(self, tmp_path: Path) -> None:
        policy = with_rules(credit_rule(Condition("facts.eq", "ge", 5)))
        assert policy == round_trip(tmp_path, policy)

    def test_two_tests_of_one_fact_by_one_op_are_refused(self) -> None:
        # A file's table holds one value per operator: two would not survive a round trip.
        with pytest.raises(InvalidPolicy, match="'loss ge' is tested twice with one operator"):
            credit_rule(Condition("loss", "ge", 100), Condition("loss", "ge", 20))

    def test_a_naive_datetime_fact_compares_with_an_aware_one(self) -> None:
        rule = credit_rule(Condition("facts.shipped", "lt", datetime(2026, 1, 1, tzinfo=UTC)))
        issue = damaged(facts={"shipped": datetime(2025, 1, 1)})  # noqa: DTZ001
        assert resolve(issue, CUSTOMER, with_rules(rule)).total > usd(0)

    def test_a_condition_on_true_is_not_a_condition_on_one(self) -> None:
        assert Condition("facts.x", "eq", True) != Condition("facts.x", "eq", 1)

    def test_in_a_set_holding_one_and_true_matches_true(self) -> None:
        condition = Condition("facts.x", "in", [1, True])
        assert condition.matches(damaged(facts={"x": True}), CUSTOMER)

    def test_equal_rule_policies_hash_equal(self) -> None:
        whole = with_rules(credit_rule(Condition("loss", "ge", 5)))
        exact = with_rules(credit_rule(Condition("loss", "ge", Decimal(5))))
        assert whole == exact
        assert hash(whole) == hash(exact)


class TestBoundedValues:
    """A rule's values are bounded as facts are: found by attacking the rules from outside."""

    @pytest.mark.parametrize(
        "upto", [Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity"), Decimal("1E+999999999")]
    )
    def test_a_band_upto_that_is_not_a_finite_number_below_1e18_is_refused(
        self, upto: Decimal
    ) -> None:
        with pytest.raises(InvalidPolicy, match=r"upto: Decimal\('"):
            Band(usd(5), upto)

    @pytest.mark.parametrize(
        ("fact", "value"),
        [
            ("loss", Decimal("1E+999999999")),
            ("facts.x", Decimal("1E+999999999")),
            ("facts.x", Decimal("-1E+999999999")),
            pytest.param("facts.x", 10**5000, id="facts.x-int-of-5001-digits"),
            ("facts.x", 10**18),
            ("facts.x", Decimal("1E-19")),
            pytest.param("days_late", 10**5000, id="days_late-int-of-5001-digits"),
        ],
    )
    def test_a_condition_value_beyond_a_facts_bounds_is_refused(
        self, fact: str, value: object
    ) -> None:
        with pytest.raises(InvalidPolicy, match=r"^value: "):
            Condition(fact, "eq" if fact.startswith("facts.") else "ge", value)
        with pytest.raises(InvalidPolicy, match=r"^value: "):
            Condition(fact, "in", [1, value])

    def test_a_fact_beyond_the_bounds_is_refused_without_overflow(self) -> None:
        with pytest.raises(InvalidIssue, match=r"facts.x: Decimal\('1E\+999999999'\)"):
            damaged(facts={"x": Decimal("1E+999999999")})

    def test_a_huge_collection_is_refused_without_being_read_whole(self) -> None:
        with pytest.raises(InvalidPolicy, match="must hold 1 to 1000 values"):
            Condition("facts.x", "in", range(10**12))
        with pytest.raises(InvalidPolicy, match="must hold 1 to 1000 values"):
            Condition("facts.x", "in", itertools.count())

    def test_an_endless_sequence_is_refused_without_being_read_whole(self) -> None:
        endless = itertools.repeat(Condition("loss", "ge", 1))
        with pytest.raises(InvalidPolicy, match=r"^when: .* holds more than 100 items"):
            Rule("r", when=endless, offers=[CREDIT])
        with pytest.raises(InvalidPolicy, match=r"^unless: .* holds more than 100 items"):
            Rule("r", unless=endless, offers=[CREDIT])
        with pytest.raises(InvalidPolicy, match=r"^offers: .* holds more than 10000 items"):
            Rule("r", offers=itertools.repeat(CREDIT))
        with pytest.raises(InvalidPolicy, match=r"^rules: .* holds more than 10000 items"):
            with_rules(*itertools.repeat(credit_rule(), 10_001))
        with pytest.raises(InvalidPolicy, match=r"^bands\[1\]: 'x' is not a Band"):
            Owe(bands=[Band(usd(1)), "x"], by="loss")

    @pytest.mark.parametrize("way", [["higher"], {"higher": 1}, 1, None])
    def test_a_worse_when_that_is_not_a_word_is_refused(self, way: object) -> None:
        with pytest.raises(
            InvalidPolicy, match=r"worse_when\.facts\.x: .* is not 'higher' or 'lower'"
        ):
            with_rules(worse_when={"facts.x": way})

    @pytest.mark.parametrize(
        ("band", "message"),
        [
            ("upto = nan", r"rules\[0\]\.owe\.bands\[0\]: upto: Decimal\('NaN'\)"),
            ("upto = inf", r"rules\[0\]\.owe\.bands\[0\]: upto: Decimal\('Infinity'\)"),
            (
                "upto = 1e999999999",
                r"rules\[0\]\.owe\.bands\[0\]: upto: Decimal\('1E\+999999999'\)",
            ),
        ],
    )
    def test_a_file_band_is_refused_with_its_path(
        self, tmp_path: Path, band: str, message: str
    ) -> None:
        rule = (
            '[[rules]]\nname = "r"\n[rules.owe]\nby = "loss"\n'
            f'bands = [{{ owe = "1 USD", {band} }}, {{ owe = "2 USD" }}]\n'
        )
        with pytest.raises(InvalidPolicy, match=message):
            with_toml_rules(tmp_path, rule)

    def test_a_file_condition_beyond_the_bounds_is_refused_with_its_path(
        self, tmp_path: Path
    ) -> None:
        with pytest.raises(InvalidPolicy, match=r"rules\[0\]\.when\.loss: value: "):
            with_toml_rules(tmp_path, giving_rule("when = { loss = { gt = 1e999999999 } }"))


def test_decide_refuses_what_resolve_cannot_hold() -> None:
    # A rule may owe up to 100 times an amount: beyond Money's range both refuse, alike.
    policy = with_rules(Rule("hundredfold", owe=Owe(share=100)))
    issue = Issue("T-huge", "damaged", "business", usd("99999999999999999"))
    for decider in (resolve, decide):
        with pytest.raises(InvalidMoney):
            decider(issue, CUSTOMER, policy)
