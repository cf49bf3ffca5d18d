"""Extra goodwill and a bonus store-credit package for a policy's top-tier customers."""

from __future__ import annotations

from decimal import Decimal

from favorpolicy import Customer, Fault, Issue, Money, Policy, Remedy, RemedyKind, hookimpl

#: Top-tier customers get at least this share of their loss as goodwill.
GOODWILL_SHARE = Decimal("0.15")
#: The bonus store-credit package is worth this much more than the total.
CREDIT_BONUS = Decimal("0.25")


def _is_top_tier(customer: Customer, policy: Policy) -> bool:
    return customer.tier == policy.tiers[-1]


@hookimpl
def favorpolicy_goodwill(issue: Issue, customer: Customer, policy: Policy) -> Money | None:
    """At least 15% of the loss for the top tier; favorpolicy takes the larger suggestion."""
    if not _is_top_tier(customer, policy) or issue.fault is Fault.CUSTOMER:
        return None
    return (issue.loss * GOODWILL_SHARE).round_up()


@hookimpl
def favorpolicy_candidates(customer: Customer, policy: Policy, total: Money) -> list[list[Remedy]]:
    """A store-credit package worth 25% more than the total, for the top tier."""
    if not _is_top_tier(customer, policy) or total.amount == 0:
        return []
    credit = (total * (1 + CREDIT_BONUS)).round_up()
    return [[Remedy(RemedyKind.STORE_CREDIT, credit, note="VIP credit")]]
