"""Arbitrary junk into every public constructor and resolve(): only FavorPolicyError comes out.

Each argument is drawn either valid or junk, so junk reaches every field, alone
and in company.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from favorpolicy import (
    Customer,
    Fault,
    FavorPolicyError,
    GoodwillRules,
    Issue,
    Money,
    Offer,
    Policy,
    Remedy,
    RemedyKind,
    Role,
    ScreenVerdict,
    Valuation,
    decide,
    policy_from_dict,
    policy_to_dict,
    resolve,
)
from favorpolicy._forms import ticket_from_dict
from favorpolicy.ledger import Ledger, resolve_and_record_many
from favorpolicy.testing import customers, issues, money

USD = Policy.default("USD")

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**4400, max_value=10**4401),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(),
    st.binary(),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.sampled_from(["1e999999", "-0", "NaN", "usd", "JPY", "KWD", "refund", "agent", "vip"]),
    st.sampled_from([object(), date(2020, 1, 1), datetime(2020, 1, 1, tzinfo=UTC), Fault.SHARED]),
    st.sampled_from(list(RemedyKind)),
    money(),
)
JUNK = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=6)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=5) | st.integers(), inner, max_size=4)
        | st.frozensets(st.integers(), max_size=3)
    ),
    max_leaves=8,
)


def _either(valid: Any) -> st.SearchStrategy[Any]:
    strategy = valid if isinstance(valid, st.SearchStrategy) else st.just(valid)
    return strategy | JUNK


def _call(build: Any, *args: Any, **kwargs: Any) -> None:
    with contextlib.suppress(FavorPolicyError):
        build(*args, **kwargs)


class TestJunkOnlyRaisesFavorPolicyError:
    @given(_either("12.50"), _either("USD"))
    def test_money(self, amount: Any, currency: Any) -> None:
        _call(Money, amount, currency)

    @given(_either(money("USD")), JUNK)
    def test_money_operators(self, price: Any, other: Any) -> None:
        if isinstance(price, Money):
            for operation in (
                price.__add__, price.__sub__, price.__mul__, price.__rmul__,
                price.__lt__, price.__le__, price.__gt__, price.__ge__,
            ):  # fmt: skip
                _call(operation, other)
            assert isinstance(price == other, bool)
        _call(Money.minor, other)
        _call(Money.zero, other)
        _call(Money.total, other, "USD")

    @given(st.tuples(_either("c"), _either("standard"), JUNK, JUNK, JUNK, JUNK))
    def test_customer(self, args: tuple[Any, ...]) -> None:
        _call(Customer, *args)

    @given(
        st.tuples(
            _either("i"),
            _either("late"),
            _either(Fault.BUSINESS),
            _either(Money(1, "USD")),
            JUNK,
            _either(2),
            JUNK,
            JUNK,
            JUNK,
        )
    )
    def test_issue(self, args: tuple[Any, ...]) -> None:
        _call(Issue, *args)

    @given(st.tuples(_either("refund"), _either(Money(1, "USD")), JUNK, JUNK))
    def test_remedy(self, args: tuple[Any, ...]) -> None:
        _call(Remedy, *args)

    @given(_either("agent"), st.tuples(JUNK, JUNK, JUNK, JUNK, JUNK))
    def test_small_policy_parts(self, name: Any, junk: tuple[Any, ...]) -> None:
        a, b, c, d, e = junk
        _call(Role, name, a)
        _call(Valuation, a, b)
        _call(Offer, b, c)
        _call(GoodwillRules, a, b, c, d, e)

    @given(st.data())
    def test_goodwill_rules(self, data: st.DataObject) -> None:
        rules = USD.goodwill
        fields: dict[str, Any] = {
            "rates": data.draw(_either(rules.rates)),
            "floors": data.draw(_either(rules.floors)),
            "tier_factors": data.draw(_either(dict(rules.tier_factors))),
            "tenure_factors": data.draw(_either(rules.tenure_factors)),
            "kind_factors": data.draw(_either(dict(rules.kind_factors))),
            "cap": data.draw(_either(rules.cap)),
            "courtesy": data.draw(_either(rules.courtesy)),
        }
        _call(GoodwillRules, **fields)

    @given(st.data())
    def test_policy(self, data: st.DataObject) -> None:
        fields: dict[str, Any] = {
            "currency": data.draw(_either("USD")),
            "tiers": data.draw(_either(USD.tiers)),
            "roles": data.draw(_either(USD.roles)),
            "goodwill": data.draw(_either(USD.goodwill)),
            "offers": data.draw(_either(dict(USD.offers))),
            "default_offers": data.draw(_either(USD.default_offers)),
            "valuations": data.draw(_either(dict(USD.valuations))),
            "favor_margin": data.draw(_either("0.25")),
            "name": data.draw(_either("p")),
        }
        _call(Policy, **fields)
        _call(Policy.default, fields["currency"])

    @given(_either(issues("USD")), _either(customers(USD)), _either(USD), _either("agent"))
    def test_resolve(self, issue: Any, customer: Any, policy: Any, role: Any) -> None:
        _call(resolve, issue, customer, policy, role=role)

    @given(_either(issues("USD")), _either(customers(USD)), _either(USD), _either("agent"))
    def test_decide(self, issue: Any, customer: Any, policy: Any, role: Any) -> None:
        _call(decide, issue, customer, policy, role=role)

    @given(
        st.lists(st.tuples(_either(issues("USD")), _either(customers(USD))) | JUNK, max_size=3)
        | JUNK,
        _either("agent"),
    )
    def test_resolve_and_record_many(self, tickets: Any, role: Any) -> None:
        with Ledger(":memory:") as ledger:
            _call(resolve_and_record_many, tickets, USD, ledger, role=role)

    @given(JUNK, JUNK)
    def test_record_many(self, resolutions: Any, issues_: Any) -> None:
        with Ledger(":memory:") as ledger:
            _call(ledger.record_many, resolutions)
            _call(ledger.record_many, [], issues=issues_)
            assert 0 == len(ledger)

    def test_junk_really_reaches_the_checks(self) -> None:
        # Guard against a JUNK strategy that never produces anything invalid.
        raised: list[str] = []

        @given(JUNK)
        def probe(value: Any) -> None:
            try:
                Money(value, "USD")
            except FavorPolicyError:
                raised.append("money")

        probe()
        assert raised


def test_decimal_junk_includes_signalling_nan() -> None:
    # sNaN makes most Decimal operations raise InvalidOperation; it must stay contained.
    for build in (lambda: Money(Decimal("sNaN"), "USD"), lambda: Valuation(Decimal("sNaN"))):
        _call(build)


class TestJunkInPluginsAndFiles:
    @given(JUNK, JUNK, JUNK)
    def test_screen_verdict(self, level: Any, reason: Any, plugin: Any) -> None:
        _call(ScreenVerdict, level, reason, plugin)

    @given(st.dictionaries(st.sampled_from([*policy_to_dict(USD), "oops"]), JUNK))
    def test_policy_from_dict(self, data: dict[str, Any]) -> None:
        _call(policy_from_dict, {**policy_to_dict(USD), **data})

    @given(JUNK)
    def test_policy_from_junk(self, data: Any) -> None:
        _call(policy_from_dict, data)

    @given(st.dictionaries(st.sampled_from(["customer", "issue", "extra"]), JUNK))
    def test_ticket(self, data: dict[str, Any]) -> None:
        _call(ticket_from_dict, data, "USD")
