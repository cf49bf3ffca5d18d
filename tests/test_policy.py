from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import attrs
import pytest

from favorpolicy import (
    GoodwillRules,
    InvalidPolicy,
    Money,
    Offer,
    Policy,
    RemedyKind,
    Role,
    Valuation,
)

DEFAULT = Policy.default("USD")


def usd(amount: str | int) -> Money:
    return Money(amount, "USD")


def goodwill(**changes: Any) -> GoodwillRules:
    return attrs.evolve(DEFAULT.goodwill, **changes)


class TestDefault:
    @pytest.mark.parametrize(
        ("currency", "agent_limit"),
        [
            ("USD", "50"),
            ("BRL", "50"),
            ("JPY", "5000"),
            ("KRW", "5000"),
            ("KWD", "5"),
            ("BHD", "5"),
        ],
    )
    def test_limits_scale_with_the_currency(self, currency: str, agent_limit: str) -> None:
        policy = Policy.default(currency)
        assert currency == policy.currency
        assert Money(agent_limit, currency) == policy.roles[0].limit
        assert ("agent", "lead", "owner") == tuple(role.name for role in policy.roles)
        assert policy.roles[-1].limit is None

    def test_defaults_are_equal_and_share_a_fingerprint(self) -> None:
        assert Policy.default("USD") == DEFAULT
        assert DEFAULT.fingerprint == Policy.default("usd").fingerprint
        assert hash(DEFAULT) == hash(Policy.default("USD"))

    def test_every_remedy_kind_has_a_valuation(self) -> None:
        assert set(RemedyKind) == set(DEFAULT.valuations)
        assert Valuation(0, 0) == DEFAULT.valuation(RemedyKind.APOLOGY)

    def test_a_cash_refund_is_always_a_candidate(self) -> None:
        for kind in ("damaged", "late", "something_new"):
            assert Offer(RemedyKind.REFUND) in DEFAULT.candidates_for(kind)

    def test_an_unknown_currency_is_refused(self) -> None:
        with pytest.raises(InvalidPolicy, match="currency: 'XXX'"):
            Policy.default("XXX")


class TestFingerprint:
    @pytest.mark.parametrize(
        "change",
        [
            {"favor_margin": "0.3"},
            {"name": "other"},
            {"tiers": ("standard", "plus", "vip", "vvip")},
            {"default_offers": (Offer(RemedyKind.STORE_CREDIT),)},
            {"valuations": {RemedyKind.STORE_CREDIT: Valuation("0.2", "0.6")}},
        ],
        ids=lambda change: next(iter(change)),
    )
    def test_any_change_changes_the_fingerprint(self, change: dict[str, Any]) -> None:
        if "tiers" in change:
            factors = dict(DEFAULT.goodwill.tier_factors) | {"vvip": 2}
            change["goodwill"] = goodwill(tier_factors=factors)
        assert DEFAULT.fingerprint != attrs.evolve(DEFAULT, **change).fingerprint

    def test_equal_decimals_written_differently_share_a_fingerprint(self) -> None:
        assert DEFAULT.fingerprint == attrs.evolve(DEFAULT, favor_margin="0.250").fingerprint


# Each case: a change to the default policy that must be refused, and words the error must hold.
INVALID: list[tuple[str, Callable[[], object], str]] = [
    (
        "severity_rates_fall",
        lambda: goodwill(rates=("0.1", "0.2", "0.15", "0.3", "0.4")),
        r"goodwill\.rates\[2\]: 0\.15 is less than goodwill\.rates\[1\]'s 0\.2; more severity",
    ),
    (
        "severity_floors_fall",
        lambda: goodwill(floors=[usd(x) for x in (0, 5, 2, 10, 20)]),
        r"goodwill\.floors\[2\]: 2 is less than goodwill\.floors\[1\]'s 5",
    ),
    (
        "tier_factors_fall",
        lambda: attrs.evolve(
            DEFAULT, goodwill=goodwill(tier_factors={"standard": 1, "plus": "0.9", "vip": 2})
        ),
        r"goodwill\.tier_factors\.plus: 0\.9 is less than .* more tier",
    ),
    (
        "tenure_factors_fall",
        lambda: goodwill(tenure_factors=((1, "1.5"), (3, "1.2"))),
        r"goodwill\.tenure_factors\.3y: 1\.2 is less than .* more tenure",
    ),
    (
        "tenure_below_one",
        lambda: goodwill(tenure_factors=((1, "0.5"),)),
        r"goodwill\.tenure_factors\.1y: 0\.5 is less than goodwill\.tenure_factors\.base's 1",
    ),
    (
        "tenure_years_repeat",
        lambda: goodwill(tenure_factors=((1, "1.1"), (1, "1.2"))),
        r"goodwill\.tenure_factors: .* must have rising years",
    ),
    ("rates_too_few", lambda: goodwill(rates=("0.1",)), r"goodwill\.rates: .* exactly 5 entries"),
    (
        "rate_is_float",
        lambda: goodwill(rates=(0.1,) * 5),
        r"goodwill\.rates\[0\]: 0\.1 is not a str",
    ),
    ("rate_negative", lambda: goodwill(rates=("-1",) * 5), r"goodwill\.rates\[0\]: '-1' must be"),
    ("rate_is_text", lambda: goodwill(rates=("lots",) * 5), r"goodwill\.rates\[0\]: 'lots' is not"),
    (
        "cap_negative",
        lambda: goodwill(cap=usd(-1)),
        r"goodwill\.cap: Money\('-1', 'USD'\) is negative",
    ),
    (
        "tier_factor_missing",
        lambda: attrs.evolve(DEFAULT, tiers=("standard", "plus", "vip", "vvip")),
        r"goodwill\.tier_factors: .* has no factor for \['vvip'\]",
    ),
    (
        "tier_factor_unknown",
        lambda: attrs.evolve(DEFAULT, tiers=("standard", "plus")),
        r"goodwill\.tier_factors: .* names unknown tiers \['vip'\]",
    ),
    ("tiers_empty", lambda: attrs.evolve(DEFAULT, tiers=()), r"tiers: \(\) is empty"),
    (
        "tiers_repeat",
        lambda: attrs.evolve(DEFAULT, tiers=("standard", "standard")),
        r"tiers: .* names a tier twice",
    ),
    ("roles_empty", lambda: attrs.evolve(DEFAULT, roles=()), r"roles: \(\) is empty"),
    (
        "role_limit_other_currency",
        lambda: attrs.evolve(DEFAULT, roles=(Role("agent", Money(50, "EUR")), Role("owner"))),
        r"roles\.agent\.limit: Money\('50', 'EUR'\) is not in the policy's currency 'USD'",
    ),
    (
        "role_limits_fall",
        lambda: attrs.evolve(
            DEFAULT, roles=(Role("agent", usd(100)), Role("lead", usd(50)), Role("owner"))
        ),
        r"roles\.lead\.limit: 50 is less than roles\.agent\.limit's 100",
    ),
    (
        "unlimited_role_not_last",
        lambda: attrs.evolve(DEFAULT, roles=(Role("owner"), Role("agent", usd(50)))),
        r"roles\.owner\.limit: None is unlimited; only the last role may be",
    ),
    (
        "roles_repeat",
        lambda: attrs.evolve(DEFAULT, roles=(Role("agent", usd(5)), Role("agent"))),
        r"roles: \['agent', 'agent'\] names a role twice",
    ),
    (
        "no_one_can_approve",
        lambda: attrs.evolve(DEFAULT, roles=(Role("agent", usd(50)),), goodwill=goodwill(cap=None)),
        r"goodwill\.cap: None leaves goodwill unbounded",
    ),
    (
        "cap_above_top_role",
        lambda: attrs.evolve(DEFAULT, roles=(Role("agent", usd(50)),)),
        r"goodwill\.cap: Money\('500', 'USD'\) is above what the top role 'agent' may grant",
    ),
    (
        "floor_other_currency",
        lambda: attrs.evolve(DEFAULT, goodwill=goodwill(floors=[Money(0, "EUR")] * 5)),
        r"goodwill\.floors\[0\]: Money\('0', 'EUR'\) is not in the policy's currency",
    ),
    (
        "apology_for_money",
        lambda: attrs.evolve(DEFAULT, default_offers=(Offer(RemedyKind.APOLOGY),)),
        r"default_offers\[0\]: .* apologies are free",
    ),
    ("offer_kind_unknown", lambda: Offer("hug"), r"offers\.whole: 'hug' is not a remedy kind"),
    (
        "margin_negative",
        lambda: attrs.evolve(DEFAULT, favor_margin="-0.1"),
        r"favor_margin: '-0\.1'",
    ),
    ("margin_nan", lambda: attrs.evolve(DEFAULT, favor_margin="NaN"), r"favor_margin: 'NaN'"),
    ("bonus_float", lambda: Valuation(0.1), r"valuations\.bonus: 0\.1 is not a str"),
    ("name_empty", lambda: attrs.evolve(DEFAULT, name=""), r"name: '' is not a non-empty str"),
    (
        "offers_not_mapping",
        lambda: attrs.evolve(DEFAULT, offers=[1]),
        r"offers: \[1\] is not a mapping",
    ),
    (
        "goodwill_wrong_type",
        lambda: attrs.evolve(DEFAULT, goodwill=5),
        r"goodwill: 5 is not GoodwillRules",
    ),
    (
        "role_not_role",
        lambda: attrs.evolve(DEFAULT, roles=("agent",)),
        r"roles\[0\]: 'agent' is not a Role",
    ),
]


class TestValidation:
    @pytest.mark.parametrize(
        ("build", "message"), [case[1:] for case in INVALID], ids=[c[0] for c in INVALID]
    )
    def test_refuses_policies_that_could_break_the_contract(
        self, build: Callable[[], object], message: str
    ) -> None:
        with pytest.raises(InvalidPolicy, match=message) as info:
            build()
        assert isinstance(info.value, ValueError)

    def test_a_role_limit_in_another_currency_is_also_a_currency_problem(self) -> None:
        with pytest.raises(InvalidPolicy, match="currency"):
            Policy(
                currency="BRL",
                tiers=("standard",),
                roles=(Role("agent", usd(1)), Role("owner")),
                goodwill=GoodwillRules(
                    rates=("0",) * 5,
                    floors=[Money(0, "BRL")] * 5,
                    tier_factors={"standard": 1},
                ),
            )

    def test_minimal_policy_builds_with_documented_defaults(self) -> None:
        policy = Policy(
            currency="JPY",
            tiers=("standard",),
            roles=(Role("agent"),),
            goodwill=GoodwillRules(
                rates=(0, 0, 0, 0, 0), floors=[Money(0, "JPY")] * 5, tier_factors={"standard": 1}
            ),
        )
        assert Decimal("0.25") == policy.favor_margin
        assert (Offer(RemedyKind.REFUND),) == policy.candidates_for("late")
        assert Valuation() == policy.valuation(RemedyKind.STORE_CREDIT)

    def test_is_frozen(self) -> None:
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            DEFAULT.favor_margin = Decimal(1)  # type: ignore[misc]
