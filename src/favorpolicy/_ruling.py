"""The steps of a decision that a policy's rules take: what they owe, the goodwill terms
they raise, the offers they add, the kind of remedy they require, the choice they give,
and the review they ask for.
resolve() calls each with the rules that match the ticket.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Final

from . import _reasons as reasons
from ._model import Customer, Issue, RemedyKind
from ._packages import choose, close_call_line, customer_first, packages_of
from ._policy import Offer, Policy
from ._reasons import Note
from ._rules import Basis, Rule
from ._tables import Package, Tables

__all__ = [
    "NOT_REQUIRED",
    "Required",
    "choices_of",
    "kept",
    "raised_terms",
    "recommended_first",
    "required_first",
    "review",
    "reviewer_of",
    "ruled_amount",
    "ruled_offers",
    "with_rule_offers",
]

_ZERO: Final = Decimal(0)
_NO_PACKAGES: Final[list[Package]] = []
_NO_LINE: Final = Decimal("Infinity")


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
    return _before_last(offers, added)


def _before_last(offers: tuple[Offer, ...], added: list[Offer]) -> tuple[Offer, ...]:
    """*offers* with *added* just before the last one, the cash refund, which stays last."""
    return (*offers[:-1], *added, offers[-1]) if added else offers


#: The kinds of remedy the matching rules require, and the rules that require them.
Required = tuple[frozenset[RemedyKind], tuple[Rule, ...]]
#: What no rule requires: no kinds, and no rules.
NOT_REQUIRED: Final[Required] = (frozenset(), ())


def ruled_offers(
    offers: tuple[Offer, ...], hits: list[Rule], restricted: bool
) -> tuple[tuple[Offer, ...], Required]:
    """The offers with the matching rules' (not under a restricting screen), and a plain
    offer of each kind they require; and what they require."""
    if not restricted:
        offers = with_rule_offers(offers, hits)
    required = _required_kinds(hits, restricted)
    if required[0]:
        offers = _with_required_offers(offers, required[0])
    return offers, required


def _required_kinds(hits: list[Rule], restricted: bool) -> Required:
    """The kinds of remedy the matching rules require, and the rules that require them.

    Any required kind will do (the customer's order picks among them). A law's
    requirement sets aside a policy's, and under an abuse screen that restricts only a
    law's holds, as only a law's offers and keeping of the item do."""
    laws = tuple(rule for rule in hits if rule.require is not None and rule.basis is Basis.LAW)
    requiring = laws or (
        () if restricted else tuple(rule for rule in hits if rule.require is not None)
    )
    return frozenset(rule.require for rule in requiring if rule.require is not None), requiring


def _with_required_offers(
    offers: tuple[Offer, ...], kinds: frozenset[RemedyKind]
) -> tuple[Offer, ...]:
    """*offers*, and a plain offer of each required kind not among them, before the last
    offer. A plain one, since an offer with an ``extra`` begins with the extra when
    nothing is owed."""
    return _before_last(
        offers, [Offer(kind) for kind in sorted(kinds) if Offer(kind) not in offers]
    )


def required_first(  # noqa: PLR0917  # what ranking under a requirement reads
    packages: list[Package],
    required: Required,
    customer: Customer,
    policy: Policy,
    tables: Tables,
    notes: list[Note] | None,
) -> list[Package]:
    """The packages ranked, those that begin with a required kind first: among them the
    customer's side wins close calls as always (their own cheapest sets the line); the
    rest follow, as the alternatives. With no *notes*, just the first."""
    kinds, rules = required
    meeting = [package for package in packages if package[0][0][0] in kinds]
    if not meeting:  # nothing is due: the apology is all there is
        return choose(packages, customer, policy, tables, notes)
    if notes is not None:
        notes.append((reasons.required_kind, (rules, kinds)))
    ranked = choose(meeting, customer, policy, tables, notes)
    if notes is None:
        return ranked
    _, line = close_call_line(meeting, tables)
    rest = [package for package in packages if package[0][0][0] not in kinds]
    return [*ranked, *sorted(rest, key=customer_first(line, customer.preference))]


def _choice_offers(hits: list[Rule]) -> tuple[Offer, ...]:
    """What the customer may choose among: the offers of every matching rule with
    ``choose``, each once, in one order whatever the rules' order."""
    offers = {offer for rule in hits if rule.choose for offer in rule.offers}
    return tuple(sorted(offers, key=Offer.sort_key))


def choices_of(  # noqa: PLR0917  # what sizing the choices reads
    hits: list[Rule],
    tables: Tables,
    customer: Customer,
    amounts: tuple[Decimal, Decimal],
    first: Package,
    recost: Callable[[Package], Package] | None,
    currency: str,
    notes: list[Note] | None,
) -> list[Package]:
    """A right of choice: the choosing rules' offers, each sized to the whole total
    (*amounts*: owed and goodwill) so that none lowers what is owed, and the package the
    policy would give (*first*), so that a choice never gives less than none; each
    *recost* if given. Ranked the customer's way: their preferred kind first, then the
    most value to them, then the least cost, then as listed. None when no matching rule lets the
    customer choose."""
    if not any(rule.choose for rule in hits):
        return _NO_PACKAGES
    offered = packages_of(tables, _choice_offers(hits), *amounts)
    if recost is not None:
        offered = [recost(package) for package in offered]
    choices = [first, *[package for package in offered if package[0] != first[0]]]
    # Ranked as close calls are (_packages), with no cost line: any choice may be taken;
    # ties go to the place in the list, the policy's own package first.
    key = customer_first(_NO_LINE, customer.preference)
    places = sorted(range(len(choices)), key=lambda at: key((*choices[at][:3], at)))
    ranked = [choices[place] for place in places]
    if notes is not None:
        choosing = tuple(rule for rule in hits if rule.choose)
        notes.append((reasons.customer_chooses, (choosing, ranked, currency)))
    return ranked


def recommended_first(choices: list[Package], ranked: list[Package]) -> list[Package]:
    """*ranked*, led by the recommended choice (*choices* is not empty): it is given until
    the customer picks."""
    return [choices[0], *[package for package in ranked if package[0] != choices[0][0]]]


def kept(hits: list[Rule], restricted: bool, notes: list[Note] | None) -> bool:
    """Whether a matching rule lets the customer keep the item. Under an abuse screen that
    restricts, only a law's rule does: keeping the item is goodwill, unless it is owed."""
    keeping = tuple(
        rule for rule in hits if rule.keep_item and (not restricted or rule.basis is Basis.LAW)
    )
    if keeping and notes is not None:
        notes.append((reasons.keep_item, (keeping,)))
    return bool(keeping)


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
