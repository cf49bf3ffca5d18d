"""The steps of a decision that a policy's rules take: what they owe, the goodwill terms
they raise, the offers they add, the choice they give, and the review they ask for.
resolve() calls each with the rules that match the ticket.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from . import _reasons as reasons
from ._model import Customer, Issue
from ._policy import Offer, Policy
from ._reasons import Note
from ._rules import Rule
from ._tables import Package, Tables

__all__ = [
    "choice_offers",
    "ranked_choices",
    "raised_terms",
    "review",
    "reviewer_of",
    "ruled_amount",
    "with_rule_offers",
]

_ZERO: Final = Decimal(0)


def ruled_amount(
    hits: list[Rule], issue: Issue, customer: Customer, tables: Tables, notes: list[Note] | None
) -> Decimal:
    """What the matching rules owe: the largest of their amounts (the hit policy), rounded up."""
    ruled = _ZERO
    for rule in hits:
        if rule.owe is None:
            continue
        amount = rule.owe.owed(issue, customer)
        if amount is None:
            continue
        amount = tables.round_up(amount)
        if notes is not None:
            notes.append((reasons.ruled, (rule, amount, issue.loss.currency)))
        ruled = max(ruled, amount)
    return ruled


def raised_terms(
    hits: list[Rule], rate: Decimal, floor: Decimal, factor: Decimal
) -> tuple[Decimal, Decimal, Decimal, tuple[Rule, ...]]:
    """The goodwill table's *rate*, *floor* and kind *factor*, each raised to the highest a
    matching rule sets (a rule never lowers them), and the rules that raised one."""
    raising: list[Rule] = []
    for rule in hits:
        raised = False
        if rule.goodwill_rate is not None and rule.goodwill_rate > rate:
            rate, raised = rule.goodwill_rate, True
        if rule.goodwill_floor is not None and rule.goodwill_floor.amount > floor:
            floor, raised = rule.goodwill_floor.amount, True
        if rule.goodwill_factor is not None and rule.goodwill_factor > factor:
            factor, raised = rule.goodwill_factor, True
        if raised:
            raising.append(rule)
    return rate, floor, factor, tuple(raising)


def with_rule_offers(offers: tuple[Offer, ...], hits: list[Rule]) -> tuple[Offer, ...]:
    """The policy's offers for the kind, and every matching rule's (the union), refund last."""
    added = sorted(
        {offer for rule in hits for offer in rule.offers if offer not in offers},
        key=Offer.sort_key,
    )
    return (*offers[:-1], *added, offers[-1]) if added else offers


def choice_offers(hits: list[Rule]) -> tuple[Offer, ...]:
    """What the customer may choose among: the offers of every matching rule with
    ``choose``, each once, in one order whatever the rules' order."""
    offers = {offer for rule in hits if rule.choose for offer in rule.offers}
    return tuple(sorted(offers, key=Offer.sort_key))


def ranked_choices(
    choices: list[Package],
    customer: Customer,
    hits: list[Rule],
    currency: str,
    notes: list[Note] | None,
) -> list[Package]:
    """The customer's choices, the one worth most to the customer first; then the
    customer's preferred kind; then as given (the policy's own package first)."""
    preference = customer.preference

    def worth_most(place: int) -> tuple[Decimal, bool, int]:
        parts, value, _, _ = choices[place]
        return (value.copy_negate(), all(part[0] is not preference for part in parts), place)

    ranked = [choices[place] for place in sorted(range(len(choices)), key=worth_most)]
    if notes is not None:
        choosing = tuple(rule for rule in hits if rule.choose)
        notes.append((reasons.customer_chooses, (choosing, ranked, currency)))
    return ranked


def reviewer_of(
    policy: Policy, tables: Tables, role: str, hits: list[Rule], goodwill: Decimal
) -> str | None:
    """Who reviews the goodwill, when a matching rule asks for review and there is some:
    the lowest role above the acting one whose limit covers it. The top role reviews itself.
    """
    if not goodwill or not any(rule.review for rule in hits):
        return None
    acting = tables.role_index[role]
    if acting == len(policy.roles) - 1:
        return None
    return policy.roles[tables.covering(goodwill, above=acting)].name


def review(  # noqa: PLR0917  # what a review names
    hits: list[Rule],
    role: str,
    owed: Decimal,
    reviewer: str,
    goodwill: Decimal,
    policy: Policy,
    notes: list[Note] | None,
) -> tuple[Decimal, str]:
    """A rule sends it to review: what is owed is granted now, the goodwill when approved."""
    if notes is not None:
        named = tuple(rule for rule in hits if rule.review)
        notes.append((reasons.reviewed, (named, role, owed, reviewer, goodwill, policy.currency)))
    return owed, reviewer
