"""Review rules, and a customer's history from the ledger: a frequent claimant goes to
review, and review never withholds what is owed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs
import pytest

from favorpolicy import (
    Condition,
    Customer,
    InvalidPolicy,
    InvalidRecord,
    Issue,
    Money,
    Owe,
    Policy,
    Rule,
    decide,
    load_policy,
    policy_to_toml,
    resolve,
)
from favorpolicy.ledger import History, Ledger, resolve_and_record

USD = Policy.default("USD")  # agent 50, lead 250, owner unlimited
FREQUENT = Rule(
    "frequent-claimant", when=(Condition("customer.facts.recent_claims", "ge", 3),), review=True
)
REVIEWED = attrs.evolve(USD, rules=(FREQUENT,))
DAY = datetime(2026, 5, 20, 12, tzinfo=UTC)


def _issue(number: int, loss: str = "40", *, on: datetime = DAY) -> Issue:
    return Issue(
        f"T-{number}", "damaged", "business", Money(loss, "USD"), severity=2, occurred_at=on
    )


def _frequent(claims: int) -> Customer:
    return Customer("C-1", facts={"recent_claims": claims})


class TestReview:
    def test_goodwill_waits_for_the_next_role_and_owed_is_granted_now(self) -> None:
        resolution = resolve(_issue(1), _frequent(3), REVIEWED)
        assert resolution.goodwill > Money(0, "USD")
        assert resolution.owed == resolution.granted_now
        assert "lead" == resolution.escalate_to
        (reason,) = [r for r in resolution.reasons if r.code == "reviewed"]
        assert "'frequent-claimant'" in reason.message
        assert "'lead'" in reason.message

    def test_below_the_threshold_nothing_waits(self) -> None:
        resolution = resolve(_issue(1), _frequent(2), REVIEWED)
        assert (resolution.total, None) == (resolution.granted_now, resolution.escalate_to)

    def test_the_reviewer_is_the_lowest_role_above_whose_limit_covers_it(self) -> None:
        big = resolve(_issue(1, "5000"), _frequent(9), REVIEWED)  # goodwill above the lead's 250
        assert "owner" == big.escalate_to
        assert "owner" == resolve(_issue(1), _frequent(9), REVIEWED, role="lead").escalate_to

    def test_the_top_role_reviews_itself(self) -> None:
        resolution = resolve(_issue(1), _frequent(9), REVIEWED, role="owner")
        assert (resolution.total, None) == (resolution.granted_now, resolution.escalate_to)

    def test_nothing_to_review_without_goodwill(self) -> None:
        honoured = Issue("P-1", "pricing_error", "business", Money(0, "USD"))
        resolution = resolve(honoured, _frequent(9), REVIEWED)
        assert resolution.escalate_to is None

    def test_review_never_withholds_a_legal_floor(self) -> None:
        floor = Rule("floor", owe=Owe(amount=Money(120, "USD")), basis="law", cite="Art. 1")
        policy = attrs.evolve(USD, rules=(FREQUENT, floor))
        resolution = resolve(_issue(1, "10"), _frequent(5), policy)
        assert Money(120, "USD") == resolution.owed == resolution.granted_now
        assert resolution.escalate_to == "lead"

    def test_decide_agrees(self) -> None:
        made, figures = (
            resolve(_issue(1), _frequent(4), REVIEWED),
            decide(_issue(1), _frequent(4), REVIEWED),
        )
        assert (made.granted_now.amount, made.escalate_to) == (
            figures.granted_now,
            figures.escalate_to,
        )

    @pytest.mark.parametrize(
        ("condition", "problem"),
        [
            (Condition("loss", "ge", 100), "would give less as loss gets worse"),
            (Condition("severity", "gt", 2), "would give less as severity gets worse"),
            (Condition("customer.tier", "eq", "vip"), "would give a higher tier less"),
            (Condition("fault", "eq", "business"), "gives to a customer fault but not"),
        ],
    )
    def test_a_review_of_only_the_worse_cases_is_refused(
        self, condition: Condition, problem: str
    ) -> None:
        rule = Rule("backwards", when=(condition,), review=True)
        with pytest.raises(InvalidPolicy, match=problem):
            attrs.evolve(USD, rules=(rule,))

    @pytest.mark.parametrize(
        "condition",
        [
            Condition("loss", "lt", 10),
            Condition("customer.tier", "eq", "standard"),
            Condition("fault", "eq", "customer"),
            Condition("customer.facts.recent_claims", "ge", 5),
        ],
    )
    def test_a_review_of_the_milder_cases_is_allowed(self, condition: Condition) -> None:
        attrs.evolve(USD, rules=(Rule("mild", when=(condition,), review=True),))

    def test_a_review_rule_does_nothing_else(self) -> None:
        with pytest.raises(InvalidPolicy, match="both reviews and gives"):
            Rule("mixed", owe=Owe(amount=Money(1, "USD")), review=True)
        with pytest.raises(InvalidPolicy, match="review: 'yes' is not true or false"):
            Rule("flag", review="yes")  # type: ignore[arg-type]

    def test_an_empty_unless_group_is_refused(self) -> None:
        with pytest.raises(InvalidPolicy, match=r"unless\[1\]: \[\] is empty"):
            Rule("odd", unless=[[Condition("loss", "lt", 1)], []], review=True)

    def test_review_survives_the_file_form(self, tmp_path: Path) -> None:
        path = tmp_path / "reviewed.toml"
        path.write_text(policy_to_toml(REVIEWED), encoding="utf-8")
        assert "review = true" in path.read_text(encoding="utf-8")
        assert REVIEWED == load_policy(path)
        path.write_text(
            policy_to_toml(REVIEWED).replace("review = true", 'review = "yes"'), encoding="utf-8"
        )
        with pytest.raises(InvalidPolicy, match="is not true or false"):
            load_policy(path)


class TestHistory:
    @pytest.fixture
    def book(self, tmp_path: Path) -> Ledger:
        ledger = Ledger(tmp_path / "book.db")
        for number, days_before in enumerate((1, 5, 20, 45)):
            resolve_and_record(
                _issue(number, on=DAY - timedelta(days=days_before)), _frequent(0), USD, ledger
            )
        other = Customer("C-2")
        resolve_and_record(_issue(99, on=DAY - timedelta(days=2)), other, USD, ledger)
        return ledger

    def test_counts_the_claims_in_the_window(self, book: Ledger) -> None:
        history = book.history("C-1", days=30, currency="USD", until=DAY)
        assert 3 == history.claims
        each = resolve(_issue(0), _frequent(0), USD).goodwill
        assert each * 3 == history.goodwill
        assert History(4, each * 4) == book.history("C-1", days=60, currency="USD", until=DAY)

    def test_leaves_out_the_issue_asked_about_and_other_customers(self, book: Ledger) -> None:
        assert 2 == book.history("C-1", days=30, currency="USD", until=DAY, excluding="T-0").claims
        assert 1 == book.history("C-2", days=30, currency="USD", until=DAY).claims
        assert History(0, Money(0, "USD")) == book.history(
            "C-3", days=30, currency="USD", until=DAY
        )

    def test_a_later_decision_of_a_claim_counts_once(self, book: Ledger) -> None:
        again = attrs.evolve(_issue(0, on=DAY - timedelta(days=1)), channel="email")
        resolve_and_record(again, _frequent(0), USD, book)
        assert 3 == book.history("C-1", days=30, currency="USD", until=DAY).claims

    def test_goodwill_in_another_currency_is_not_added(self, book: Ledger) -> None:
        assert Money(0, "EUR") == book.history("C-1", days=30, currency="EUR", until=DAY).goodwill

    @pytest.mark.parametrize("days", [0, -1, True, 1.5, 10**6])
    def test_a_bad_window_is_refused(self, book: Ledger, days: object) -> None:
        with pytest.raises(InvalidRecord, match="days: "):
            book.history("C-1", days=days, currency="USD")  # type: ignore[arg-type]

    def test_a_frequent_claimant_goes_to_review_and_a_retry_gets_the_same(
        self, book: Ledger
    ) -> None:
        fourth = _issue(7)
        first = resolve_and_record(fourth, Customer("C-1"), REVIEWED, book, history_days=30)
        assert "lead" == first.escalate_to
        assert first.owed == first.granted_now
        retry = resolve_and_record(fourth, Customer("C-1"), REVIEWED, book, history_days=30)
        assert first == retry  # the issue itself is not counted: same history, same key
        assert 1 == book.keys().count(first.key)

    def test_a_retry_after_other_claims_were_recorded_gets_the_first_answer(
        self, book: Ledger
    ) -> None:
        # Three claims (T-0, T-1, T-2) in the window: below this review's four. Then two
        # more are recorded, and today the customer has five others.
        second = _issue(7)
        customer = Customer("C-1")
        policy = attrs.evolve(
            USD,
            rules=(
                attrs.evolve(FREQUENT, when=(Condition("customer.facts.recent_claims", "ge", 4),)),
            ),
        )
        first = resolve_and_record(second, customer, policy, book, history_days=30)
        assert first.escalate_to is None
        for number in (20, 21):
            resolve_and_record(_issue(number), customer, policy, book, history_days=30)
        assert 6 == book.history("C-1", days=30, currency="USD", until=DAY).claims
        retry = resolve_and_record(second, customer, policy, book, history_days=30)
        assert first == retry  # the history it was first decided with, not today's
        assert 1 == book.keys().count(first.key)
        assert 3 == book.history("C-1", days=30, currency="USD", for_claim="T-7").claims

    def test_an_undated_claim_retried_days_later_gets_the_first_answer(
        self, tmp_path: Path
    ) -> None:
        now = [DAY]
        ledger = Ledger(tmp_path / "clock.db", clock=lambda: now[0])
        customer = Customer("C-1")
        for number in range(3):  # three undated claims today
            undated = attrs.evolve(_issue(number), occurred_at=None)
            resolve_and_record(undated, customer, REVIEWED, ledger, history_days=30)
        fourth = attrs.evolve(_issue(3), occurred_at=None)
        first = resolve_and_record(fourth, customer, REVIEWED, ledger, history_days=30)
        assert "lead" == first.escalate_to
        now[0] = DAY + timedelta(days=40)  # the three have left today's window
        assert 0 == ledger.history("C-1", days=30, currency="USD").claims
        retry = resolve_and_record(fourth, customer, REVIEWED, ledger, history_days=30)
        assert first == retry
        assert 4 == len(ledger)

    def test_for_claim_of_an_undecided_claim_is_todays_history(self, book: Ledger) -> None:
        today = book.history("C-1", days=30, currency="USD", until=DAY)
        assert today == book.history("C-1", days=30, currency="USD", until=DAY, for_claim="T-new")

    def test_without_history_days_nothing_is_filled_in(self, book: Ledger) -> None:
        plain = resolve_and_record(_issue(8), Customer("C-1"), REVIEWED, book)
        assert plain.escalate_to is None

    def test_the_filled_facts_are_the_ones_rules_read(self, book: Ledger) -> None:
        from favorpolicy.ledger._ledger import with_history  # noqa: PLC0415  # the helper itself

        history = book.history("C-1", days=30, currency="USD", until=DAY)
        filled = with_history(book, _issue(9), Customer("C-1", facts={"vip": True}), "USD", 30)
        expected = {"vip": True, "recent_claims": 3, "recent_goodwill": history.goodwill.amount}
        assert expected == dict(filled.facts)
