"""An issue id is one claim: however it is edited and decided again, it is paid once.

Issue 15, defect 3 ("paid twice"). A later decision of the same issue
supersedes the earlier one, grants only the difference, never claws back,
and the ledger keeps both.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from favorpolicy import (
    Customer,
    Fault,
    InvalidRecord,
    Issue,
    Money,
    Policy,
    Resolution,
    resolve,
)
from favorpolicy.ledger import Ledger, resolve_and_record
from favorpolicy.testing import customers, issues

BRL = Policy.default("BRL")
WHEN = datetime(2026, 3, 14, 10, 0, tzinfo=UTC)
LATE = Issue("T-1", "late", Fault.UNKNOWN, Money("80", "BRL"), severity=3, occurred_at=WHEN,
             conduct="it came late", channel="email")  # fmt: skip
ANA = Customer("C-1", tier="plus")


@pytest.fixture
def ledger() -> Ledger:
    return Ledger(":memory:")


def _handed_over(decisions: list[Resolution]) -> Money:
    """What the decisions granted on the spot, each recorded decision once."""
    unique = {decision.key: decision for decision in decisions}
    return Money.total((d.granted_now for d in unique.values()), "BRL")


class TestTheSameClaimComesBack:
    @pytest.mark.parametrize(
        ("name", "again"),
        [
            ("a typo mended in the conduct text", attrs.evolve(LATE, conduct="it came late!")),
            ("another channel", attrs.evolve(LATE, channel="phone")),
            ("another order value", attrs.evolve(LATE, order_value=Money("120", "BRL"))),
        ],
    )
    def test_a_new_key_supersedes_and_grants_nothing_more(
        self, ledger: Ledger, name: str, again: Issue
    ) -> None:
        first = resolve_and_record(LATE, ANA, BRL, ledger)
        second = resolve_and_record(again, ANA, BRL, ledger)
        assert first.key != second.key, name
        assert 2 == len(ledger)  # the ledger keeps both
        assert (first.key, first.granted_now) == (second.supersedes, second.granted_before)
        assert Money(0, "BRL") == second.granted_now
        assert first.total == second.total
        assert first.granted_now == _handed_over([first, second])
        assert "supersedes" == second.reasons[-1].code

    @pytest.mark.parametrize(
        ("name", "again"),
        [
            ("a trailing space in the id", attrs.evolve(LATE, id="T-1 ")),
            ("the same instant in another zone",
             attrs.evolve(LATE, occurred_at=WHEN.astimezone(timezone(timedelta(hours=-3))))),
            ("the same instant, naive, as UTC",
             attrs.evolve(LATE, occurred_at=WHEN.replace(tzinfo=None))),
            ("an amount written with more zeros", attrs.evolve(LATE, loss=Money("80.000", "BRL"))),
        ],
    )  # fmt: skip
    def test_equal_values_give_the_same_key(self, ledger: Ledger, name: str, again: Issue) -> None:
        first = resolve_and_record(LATE, ANA, BRL, ledger)
        assert first == resolve_and_record(again, ANA, BRL, ledger), name
        assert 1 == len(ledger)

    def test_a_rotated_secret_or_new_address_decides_nothing(self, ledger: Ledger) -> None:
        first = resolve_and_record(LATE, ANA, BRL, ledger)
        rotated = attrs.evolve(
            BRL, settings={**BRL.settings, "jsonl_sink": {"path": "/var/log/shop/events.jsonl"}}
        )
        assert rotated.fingerprint != BRL.fingerprint  # a different policy to store...
        again = resolve_and_record(LATE, ANA, rotated, ledger)
        assert first.key == again.key  # ...but the same decision
        assert 1 == len(ledger)

    def test_another_role_supersedes_without_paying_twice(self, ledger: Ledger) -> None:
        big = attrs.evolve(LATE, loss=Money("700", "BRL"))
        first = resolve_and_record(big, ANA, BRL, ledger)
        assert first.escalate_to == "lead"
        second = resolve_and_record(big, ANA, BRL, ledger, role="lead")
        assert second.escalate_to is None
        assert first.total == _handed_over([first, second])
        assert second.granted_now == first.pending
        # The agent's escalation waits no longer: the lead's decision granted the rest.
        with pytest.raises(InvalidRecord, match="was superseded"):
            ledger.approve(first.key, by="lead")
        assert [] == ledger.escalations()


class TestTheDifference:
    def test_a_larger_decision_grants_only_the_difference(self, ledger: Ledger) -> None:
        first = resolve_and_record(LATE, ANA, BRL, ledger)
        second = resolve_and_record(attrs.evolve(LATE, severity=5), ANA, BRL, ledger)
        assert second.total > first.total
        assert second.total - first.total == second.granted_now
        assert second.total == _handed_over([first, second])

    def test_a_smaller_one_grants_nothing_and_asks_nothing_back(self, ledger: Ledger) -> None:
        first = resolve_and_record(LATE, ANA, BRL, ledger)
        second = resolve_and_record(attrs.evolve(LATE, severity=1), ANA, BRL, ledger)
        assert second.total < first.total
        assert Money(0, "BRL") == second.granted_now
        assert (None, Money(0, "BRL")) == (second.escalate_to, second.pending)
        assert "nothing is asked back" in second.reasons[-1].message
        assert first.granted_now == _handed_over([first, second])

    def test_an_approved_escalation_counts_as_handed_over(self, ledger: Ledger) -> None:
        big = attrs.evolve(LATE, loss=Money("700", "BRL"))
        first = resolve_and_record(big, ANA, BRL, ledger)
        ledger.approve(first.key, by="lead")
        second = resolve_and_record(attrs.evolve(big, channel="chat"), ANA, BRL, ledger)
        assert (Money(0, "BRL"), None) == (second.granted_now, second.escalate_to)
        assert first.total == second.granted_before

    def test_the_report_shows_both(self, ledger: Ledger) -> None:
        first = resolve_and_record(LATE, ANA, BRL, ledger)
        resolve_and_record(attrs.evolve(LATE, channel="phone"), ANA, BRL, ledger)
        report = ledger.report()
        assert 2 == report.resolutions
        assert {"decided_again": 1, "issues": ["T-1"]} == report.claims
        assert "issues decided again: 1" in report.text()
        # Owed and goodwill count the claim once; what was granted, each time it was.
        money = report.money["BRL"]
        assert (str(first.owed.amount), str(first.granted_now.amount)) == (
            money["owed"],
            money["granted_now"],
        )

    def test_record_many_sees_a_claim_decided_twice_in_one_call(self, ledger: Ledger) -> None:
        first = resolve(LATE, ANA, BRL)
        second = resolve(attrs.evolve(LATE, severity=5), ANA, BRL)
        stored = ledger.record_many([first, second], policy=BRL)
        assert second.total == _handed_over(stored)
        assert first.key == stored[1].supersedes


_EDITS = st.sampled_from(["severity", "loss", "conduct", "channel", "role", "tier", "kind"])


@st.composite
def edited_issues(draw: st.DrawFn) -> tuple[Issue, Customer, list[tuple[Issue, Customer, str]]]:
    """An issue and customer, and a sequence of edits of them decided one after another."""
    issue = draw(issues(currency="BRL"))
    customer = draw(customers(BRL))
    edits = []
    for field in draw(st.lists(_EDITS, min_size=1, max_size=4)):
        role = "agent"
        if field == "severity":
            issue = attrs.evolve(issue, severity=draw(st.integers(1, 5)))
        elif field == "loss":
            issue = attrs.evolve(issue, loss=Money(draw(st.integers(0, 500_000)), "BRL"))
        elif field == "conduct":
            issue = attrs.evolve(issue, conduct=draw(st.text(max_size=20)))
        elif field == "channel":
            issue = attrs.evolve(issue, channel=draw(st.sampled_from(["", "email", "phone"])))
        elif field == "kind":
            issue = attrs.evolve(issue, kind=draw(st.sampled_from(["late", "damaged", "defect"])))
        elif field == "tier":
            customer = attrs.evolve(customer, tier=draw(st.sampled_from(BRL.tiers)))
        else:
            role = draw(st.sampled_from([role.name for role in BRL.roles]))
        edits.append((issue, customer, role))
    return issue, customer, edits


@given(edited_issues())
def test_no_sequence_of_edits_grants_more_than_the_largest_single_decision(
    case: tuple[Issue, Customer, list[tuple[Issue, Customer, str]]],
) -> None:
    issue, customer, edits = case
    with Ledger(":memory:") as ledger:
        stored = [resolve_and_record(issue, customer, BRL, ledger)]
        alone = [resolve(issue, customer, BRL).granted_now]
        for edited, who, role in edits:
            stored.append(resolve_and_record(edited, who, BRL, ledger, role=role))
            alone.append(resolve(edited, who, BRL, role=role).granted_now)
    assert all(decision.granted_now.amount >= 0 for decision in stored)  # never claws back
    assert _handed_over(stored) <= max(alone)
    # And it is exactly the most any one of them granted on the spot: nobody is short.
    assert _handed_over(stored) == max(alone)
