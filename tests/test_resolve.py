from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import attrs
import pytest

from favorpolicy import (
    CurrencyMismatch,
    Customer,
    Fault,
    GoodwillRules,
    InvalidCustomer,
    InvalidIssue,
    InvalidMoney,
    InvalidPolicy,
    Issue,
    Money,
    Offer,
    Policy,
    Remedy,
    RemedyKind,
    Role,
    UnknownRole,
    UnknownTier,
    resolve,
)

USD = Policy.default("USD")
WHEN = datetime(2026, 3, 14, tzinfo=UTC)


def usd(amount: str | int) -> Money:
    return Money(amount, "USD")


def damaged(loss: str = "40", **changes: object) -> Issue:
    issue = Issue("T-1", "damaged", Fault.BUSINESS, usd(loss), severity=2, occurred_at=WHEN)
    return attrs.evolve(issue, **changes)


def flat_policy(currency: str, rate: str, **changes: object) -> Policy:
    """One tier, one unlimited role, goodwill = loss * rate, no floors: for exact arithmetic."""
    policy = Policy(
        currency=currency,
        tiers=("standard",),
        roles=(Role("agent"),),
        goodwill=GoodwillRules(
            rates=(rate,) * 5, floors=[Money(0, currency)] * 5, tier_factors={"standard": 1}
        ),
    )
    return attrs.evolve(policy, **changes)


class TestWorkedExample:
    """The example walked through in docs/how-resolve-decides.md."""

    def test_amounts(self) -> None:
        resolution = resolve(damaged(), Customer("C-1"), USD)
        assert (usd(40), usd(6), usd(46), usd(46), None) == (
            resolution.owed,
            resolution.goodwill,
            resolution.total,
            resolution.granted_now,
            resolution.escalate_to,
        )

    def test_the_customer_gets_the_most_valuable_close_call(self) -> None:
        resolution = resolve(damaged(), Customer("C-1"), USD)
        assert (Remedy(RemedyKind.STORE_CREDIT, usd("50.60"), usd("30.36")),) == resolution.remedies
        assert (
            (
                Remedy(RemedyKind.REPLACEMENT, usd(40), usd(24)),
                Remedy(RemedyKind.STORE_CREDIT, usd("6.60"), usd("3.96")),
            ),
            (Remedy(RemedyKind.REFUND, usd(46), usd(46)),),
        ) == resolution.alternatives

    def test_reasons_come_in_the_order_applied(self) -> None:
        resolution = resolve(damaged(), Customer("C-1"), USD)
        assert ["make_whole", "goodwill", "chosen", "granted_now"] == [
            reason.code for reason in resolution.reasons
        ]
        assert usd(40) == resolution.reasons[0].amount

    def test_explain_reads_as_a_summary(self) -> None:
        text = resolve(damaged(), Customer("C-1"), USD).explain()
        assert text.startswith("Issue T-1 for customer C-1, decided as agent:")
        assert "owed 40.00 USD + goodwill 6.00 USD = total 46.00 USD" in text
        assert "1. [make_whole]" in text


class TestOwed:
    @pytest.mark.parametrize(
        ("fault", "code"),
        [
            (Fault.BUSINESS, "make_whole"),
            (Fault.UNKNOWN, "benefit_of_doubt"),
            (Fault.SHARED, "tough_call"),
        ],
    )
    def test_every_fault_but_the_customers_owes_the_loss(self, fault: Fault, code: str) -> None:
        resolution = resolve(damaged(fault=fault), Customer("c"), USD)
        assert usd(40) == resolution.owed
        assert code == resolution.reasons[0].code

    def test_customer_fault_owes_nothing_but_gets_courtesy(self) -> None:
        resolution = resolve(damaged(fault=Fault.CUSTOMER), Customer("c"), USD)
        assert (usd(0), usd(5)) == (resolution.owed, resolution.goodwill)
        assert ["customer_fault", "courtesy"] == [r.code for r in resolution.reasons[:2]]

    def test_pricing_error_in_the_customers_favour_is_honoured(self) -> None:
        issue = Issue("P-1", "pricing_error", Fault.BUSINESS, usd(0), severity=5)
        resolution = resolve(issue, Customer("c"), USD)
        assert (usd(0), usd(0), usd(0)) == (resolution.owed, resolution.goodwill, resolution.total)
        assert "pricing_error_honoured" == resolution.reasons[0].code
        assert RemedyKind.APOLOGY == resolution.remedies[0].kind
        assert all(remedy.value >= usd(0) for remedy in resolution.remedies)

    def test_pricing_error_against_the_customer_is_refunded(self) -> None:
        issue = Issue("P-2", "pricing_error", Fault.BUSINESS, usd("12.99"), severity=1)
        resolution = resolve(issue, Customer("c"), USD)
        assert usd("12.99") == resolution.owed
        assert resolution.total > resolution.owed


class TestRounding:
    def test_a_thousandth_of_a_dollar_of_goodwill_becomes_a_cent(self) -> None:
        policy = flat_policy("USD", "0.1")
        resolution = resolve(damaged("0.01"), Customer("c"), policy)
        assert usd("0.01") == resolution.goodwill
        assert "rounded_up" in [reason.code for reason in resolution.reasons]

    def test_four_tenths_of_a_yen_become_one_yen(self) -> None:
        policy = flat_policy("JPY", "0.1")
        issue = Issue("i", "late", Fault.BUSINESS, Money(4, "JPY"))
        assert Money(1, "JPY") == resolve(issue, Customer("c"), policy).goodwill

    @pytest.mark.parametrize(
        ("loss", "currency", "owed"),
        [
            ("0", "USD", "0"),
            ("0.001", "USD", "0.01"),
            ("0.01", "USD", "0.01"),
            ("0.4", "JPY", "1"),
            ("1.0001", "KWD", "1.001"),
            ("999999999999.999", "USD", "1000000000000.00"),
        ],
    )
    def test_owed_is_the_loss_rounded_up(self, loss: str, currency: str, owed: str) -> None:
        issue = Issue("i", "defect", Fault.UNKNOWN, Money(loss, currency))
        resolution = resolve(issue, Customer("c"), Policy.default(currency))
        assert Money(owed, currency) == resolution.owed
        assert all(remedy.value.is_whole() for remedy in resolution.remedies)

    def test_huge_loss_is_paid_now_and_capped_goodwill_escalated(self) -> None:
        issue = damaged("1000000000000", severity=5)
        resolution = resolve(issue, Customer("c"), USD)
        assert usd(1000000000000) == resolution.owed
        assert usd(500) == resolution.goodwill
        assert usd(1000000000050) == resolution.granted_now
        assert "owner" == resolution.escalate_to


class TestAuthority:
    @pytest.mark.parametrize(
        ("loss", "role", "granted", "escalate_to"),
        [
            ("100", "agent", "112", None),  # goodwill 12: within the agent's 50
            ("1000", "agent", "1050", "lead"),  # goodwill 102: the lead's 250 covers it
            ("1000", "lead", "1102", None),
            ("3000", "agent", "3050", "owner"),  # goodwill 302: above the lead's limit
            ("3000", "lead", "3250", "owner"),
            ("3000", "owner", "3302", None),
        ],
    )
    def test_owed_always_now_goodwill_up_to_the_limit(
        self, loss: str, role: str, granted: str, escalate_to: str | None
    ) -> None:
        resolution = resolve(damaged(loss), Customer("c"), USD, role=role)
        assert (usd(granted), escalate_to) == (resolution.granted_now, resolution.escalate_to)
        assert resolution.owed <= resolution.granted_now <= resolution.total

    def test_escalation_is_explained(self) -> None:
        resolution = resolve(damaged("1000"), Customer("c"), USD)
        assert ["granted_now", "escalated"] == [r.code for r in resolution.reasons[-2:]]
        assert usd(52) == resolution.reasons[-1].amount == resolution.pending


class TestChoice:
    @pytest.mark.parametrize(
        "kind", [kind for kind in RemedyKind if kind is not RemedyKind.APOLOGY]
    )
    def test_a_preferred_kind_wins_a_close_call(self, kind: RemedyKind) -> None:
        # A 100% margin makes every package a close call.
        policy = attrs.evolve(
            USD, favor_margin=1, default_offers=(Offer(RemedyKind.STORE_CREDIT), Offer(kind))
        )
        issue = damaged(kind="something_new")
        resolution = resolve(issue, Customer("c", preference=kind), policy)
        assert kind in {remedy.kind for remedy in resolution.remedies}
        assert "preferred" in resolution.reasons[-2].message

    def test_apology_is_the_package_when_nothing_is_due(self) -> None:
        issue = damaged("0", fault=Fault.CUSTOMER)
        policy = attrs.evolve(USD, goodwill=attrs.evolve(USD.goodwill, courtesy=None))
        resolution = resolve(issue, Customer("c", preference=RemedyKind.APOLOGY), policy)
        assert (RemedyKind.APOLOGY,) == tuple(r.kind for r in resolution.remedies)
        assert () == resolution.alternatives

    def test_preference_outside_the_close_calls_does_not_win(self) -> None:
        # The default margin is 25%; a refund costs 46 against a cheapest 27.96.
        resolution = resolve(damaged(), Customer("c", preference=RemedyKind.REFUND), USD)
        assert RemedyKind.REFUND not in {remedy.kind for remedy in resolution.remedies}

    def test_without_bonus_ties_go_to_the_lowest_cost_then_policy_order(self) -> None:
        policy = flat_policy(
            "USD", "0", favor_margin=1, default_offers=(Offer("waive_fee"), Offer("expedite"))
        )
        resolution = resolve(damaged(kind="other"), Customer("c"), policy)
        assert RemedyKind.WAIVE_FEE == resolution.remedies[0].kind


class TestTenure:
    @pytest.mark.parametrize(
        ("since", "factor"),
        [
            (None, "1"),
            (date(2026, 3, 15), "1"),  # not a full year yet on 2026-03-14
            (date(2025, 3, 14), "1.1"),
            (date(2023, 3, 14), "1.25"),
            (date(2000, 1, 1), "1.5"),
            (date(2030, 1, 1), "1"),  # a date in the future counts as no tenure
        ],
    )
    def test_tenure_steps(self, since: date | None, factor: str) -> None:
        resolution = resolve(damaged("100"), Customer("c", since=since), USD)
        assert (usd(12) * Decimal(factor)).round_up() == resolution.goodwill


class TestBadInput:
    def test_unknown_role_names_it_and_lists_the_known(self) -> None:
        with pytest.raises(
            UnknownRole, match=r"role: 'intern' is not a role of this policy \(agent, lead, owner\)"
        ):
            resolve(damaged(), Customer("c"), USD, role="intern")

    def test_unknown_tier(self) -> None:
        with pytest.raises(UnknownTier, match=r"customer\.tier: 'gold'"):
            resolve(damaged(), Customer("c", tier="gold"), USD)

    def test_issue_in_another_currency(self) -> None:
        with pytest.raises(
            CurrencyMismatch, match=r"issue\.loss: 40\.00 USD is not in the policy's currency 'BRL'"
        ):
            resolve(damaged(), Customer("c"), Policy.default("BRL"))

    @pytest.mark.parametrize(
        ("arguments", "error"),
        [
            (("issue", Customer("c"), USD), InvalidIssue),
            ((damaged(), "c", USD), InvalidCustomer),
            ((damaged(), Customer("c"), {"currency": "USD"}), InvalidPolicy),
        ],
    )
    def test_wrong_types(self, arguments: tuple[object, ...], error: type[Exception]) -> None:
        with pytest.raises(error):
            resolve(*arguments)  # type: ignore[arg-type]

    @pytest.mark.parametrize("role", [None, 3, ""])
    def test_role_of_the_wrong_type(self, role: object) -> None:
        with pytest.raises(UnknownRole):
            resolve(damaged(), Customer("c"), USD, role=role)  # type: ignore[arg-type]


class TestResolution:
    def test_is_frozen_and_keyed(self) -> None:
        resolution = resolve(damaged(), Customer("c"), USD)
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            resolution.total = usd(0)  # type: ignore[misc]
        assert 64 == len(resolution.key)
        assert USD.fingerprint == resolution.policy_fingerprint

    def test_equal_but_differently_written_inputs_share_the_key(self) -> None:
        first = resolve(damaged("40"), Customer("c"), USD)
        second = resolve(damaged("40.000"), Customer("c"), USD)
        assert first.key == second.key


class TestRange:
    def test_an_answer_beyond_what_money_holds_is_a_clear_error(self) -> None:
        policy = flat_policy("USD", "1000000")
        issue = damaged("900000000000000")
        with pytest.raises(InvalidMoney, match=r"too large; the limit is below 10\*\*18"):
            resolve(issue, Customer("c"), policy)

    def test_the_largest_loss_rounds_up_past_the_limit_and_says_so(self) -> None:
        issue = damaged("999999999999999999.999")
        with pytest.raises(InvalidMoney, match="too large"):
            resolve(issue, Customer("c"), USD)
