"""resolve(): decide what makes an issue right, leaning toward the customer.

The steps run in a fixed order and each leaves a :class:`Reason`:

1. owed: the loss, unless the customer caused it;
2. goodwill: the policy's table, capped, rounded up;
3. candidates: each offered package sized to reach the total;
4. choice: among the close calls, the customer's side wins;
5. authority: owed always now, goodwill up to the role's limit now, the rest escalated.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Final

import attrs

from ._canon import digest
from ._model import Customer, Fault, Issue, Reason, Remedy, RemedyKind, Resolution
from ._money import Money
from ._policy import Offer, Policy
from .exceptions import (
    CurrencyMismatch,
    InvalidCustomer,
    InvalidIssue,
    UnknownRole,
    UnknownTier,
    _show,
)

__all__ = ["Package", "resolve"]

_OWED_REASONS: Final = {
    Fault.BUSINESS: ("make_whole", "the business was at fault, so the loss of {loss} is owed"),
    Fault.UNKNOWN: (
        "benefit_of_doubt",
        (
            "nobody knows whose fault it was; the customer gets the benefit of the doubt: "
            "the loss of {loss} is owed"
        ),
    ),
    Fault.SHARED: (
        "tough_call",
        "the fault was shared; a tough call goes to the customer: the loss of {loss} is owed",
    ),
}


@attrs.frozen
class Package:
    """A candidate set of remedies with what it is worth and what it costs."""

    remedies: tuple[Remedy, ...]
    value: Money
    cost: Money
    order: int

    @property
    def kinds(self) -> tuple[RemedyKind, ...]:
        return tuple(remedy.kind for remedy in self.remedies)


def resolve(issue: Issue, customer: Customer, policy: Policy, *, role: str = "agent") -> Resolution:
    """Decide how to make *issue* right for *customer* under *policy*, acting as *role*.

    The answer explains itself in ``Resolution.reasons`` and never gives the
    customer less than the bias contract promises (see docs/bias-contract.md).
    """
    _check_inputs(issue, customer, policy, role)
    reasons: list[Reason] = []
    owed = _owed(issue, reasons)
    goodwill = _goodwill(issue, customer, policy, reasons)
    total = owed + goodwill
    packages = _packages(issue, customer, policy, owed, goodwill)
    chosen, alternatives = _choose(packages, customer, policy, reasons)
    granted_now, escalate_to = _authority(policy, role, owed, goodwill, reasons)
    return Resolution(
        issue_id=issue.id,
        customer_id=customer.id,
        role=role,
        remedies=chosen.remedies,
        owed=owed,
        goodwill=goodwill,
        total=total,
        granted_now=granted_now,
        escalate_to=escalate_to,
        alternatives=tuple(package.remedies for package in alternatives),
        reasons=tuple(reasons),
        policy_fingerprint=policy.fingerprint,
        key=decision_key(issue, customer, policy, role),
    )


def decision_key(issue: Issue, customer: Customer, policy: Policy, role: str) -> str:
    """A deterministic key for one decision: equal inputs, equal key."""
    return digest(
        {
            "issue": issue,
            "customer": customer,
            "policy": policy.fingerprint,
            "role": role,
            "tenure_years": _tenure_years(issue, customer),
        }
    )


def _check_inputs(issue: Issue, customer: Customer, policy: Policy, role: str) -> None:
    if not isinstance(issue, Issue):
        raise InvalidIssue(f"issue: {_show(issue)} is a {type(issue).__name__}, not an Issue")
    if not isinstance(customer, Customer):
        raise InvalidCustomer(
            f"customer: {_show(customer)} is a {type(customer).__name__}, not a Customer"
        )
    if not isinstance(policy, Policy):
        # Imported lazily to keep the exception module free of cycles.
        from .exceptions import InvalidPolicy  # noqa: PLC0415

        raise InvalidPolicy(f"policy: {_show(policy)} is a {type(policy).__name__}, not a Policy")
    if issue.loss.currency != policy.currency:
        raise CurrencyMismatch(
            f"issue.loss: {issue.loss} is not in the policy's currency {policy.currency!r}"
        )
    if not isinstance(role, str) or policy.role_index(role) is None:
        known = ", ".join(r.name for r in policy.roles)
        raise UnknownRole(f"role: {_show(role)} is not a role of this policy ({known})")
    if customer.tier not in policy.goodwill.tier_factors:
        raise UnknownTier(
            f"customer.tier: {customer.tier!r} is not a tier of this policy "
            f"({', '.join(policy.tiers)})"
        )


def _is_honoured_pricing_error(issue: Issue) -> bool:
    return issue.kind == "pricing_error" and issue.loss.amount == 0


def _owed(issue: Issue, reasons: list[Reason]) -> Money:
    if _is_honoured_pricing_error(issue):
        owed = issue.loss
        reasons.append(
            Reason(
                "pricing_error_honoured",
                "the pricing error went the customer's way; they keep the price, "
                "and nothing is asked back",
                owed,
            )
        )
        return owed
    if issue.fault is Fault.CUSTOMER:
        owed = Money.zero(issue.loss.currency)
        reasons.append(
            Reason("customer_fault", "the customer caused the problem; nothing is owed", owed)
        )
        return owed
    owed = issue.loss.round_up()
    code, message = _OWED_REASONS[issue.fault]
    reasons.append(Reason(code, message.format(loss=owed), owed))
    return owed


def _tenure_years(issue: Issue, customer: Customer) -> int:
    if customer.since is None:
        return 0
    # Without a date on the issue, tenure counts to today.
    as_of = issue.occurred_at.date() if issue.occurred_at is not None else date.today()  # noqa: DTZ011
    years = as_of.year - customer.since.year
    if (as_of.month, as_of.day) < (customer.since.month, customer.since.day):
        years -= 1
    return max(years, 0)


def _tenure_factor(policy: Policy, years: int) -> Decimal:
    factor = Decimal(1)
    for threshold, step in policy.goodwill.tenure_factors:
        if years >= threshold:
            factor = step
    return factor


def _goodwill(issue: Issue, customer: Customer, policy: Policy, reasons: list[Reason]) -> Money:
    rules = policy.goodwill
    zero = policy.zero
    if _is_honoured_pricing_error(issue):
        return zero
    if issue.fault is Fault.CUSTOMER:
        goodwill = rules.courtesy or zero
        reasons.append(Reason("courtesy", f"courtesy goodwill of {goodwill}", goodwill))
    else:
        rate = rules.rates[issue.severity - 1]
        floor = rules.floors[issue.severity - 1]
        tier = rules.tier_factors[customer.tier]
        years = _tenure_years(issue, customer)
        tenure = _tenure_factor(policy, years)
        kind = rules.kind_factors.get(issue.kind, Decimal(1))
        goodwill = (issue.loss * rate + floor) * (tier * tenure * kind)
        reasons.append(
            Reason(
                "goodwill",
                f"severity {issue.severity}: {rate:%} of {issue.loss} + {floor}, "
                f"x {tier} for tier {customer.tier!r}, x {tenure} for {years} year(s) "
                f"of tenure, x {kind} for kind {issue.kind!r}",
                goodwill,
            )
        )
    if rules.cap is not None and goodwill > rules.cap:
        goodwill = rules.cap
        reasons.append(Reason("goodwill_capped", f"goodwill is capped at {rules.cap}", goodwill))
    rounded = goodwill.round_up()
    if rounded != goodwill:
        reasons.append(
            Reason("rounded_up", f"goodwill of {goodwill} is rounded up to {rounded}", rounded)
        )
    return rounded


def _part(policy: Policy, kind: RemedyKind, amount: Money) -> Remedy:
    valuation = policy.valuation(kind)
    face = (amount * (1 + valuation.bonus)).round_up()
    return Remedy(kind, face, (face * valuation.cost_rate).round_up())


def _package(policy: Policy, offer: Offer, owed: Money, goodwill: Money, order: int) -> Package:
    total = owed + goodwill
    if total.amount == 0:
        free = Remedy(RemedyKind.APOLOGY, total, total, note="nothing is due, but we are sorry")
        return Package((free,), total, total, order)
    if offer.extra is None or offer.extra is offer.whole or goodwill.amount == 0:
        parts: tuple[Remedy, ...] = (_part(policy, offer.whole, total),)
    elif owed.amount == 0:
        parts = (_part(policy, offer.extra, goodwill),)
    else:
        parts = (_part(policy, offer.whole, owed), _part(policy, offer.extra, goodwill))
    value = Money.total((part.value for part in parts), total.currency)
    cost = Money.total((part.cost or total.zero(total.currency) for part in parts), total.currency)
    return Package(parts, value, cost, order)


def _packages(
    issue: Issue, customer: Customer, policy: Policy, owed: Money, goodwill: Money
) -> list[Package]:
    packages: dict[tuple[Remedy, ...], Package] = {}
    for order, offer in enumerate(policy.candidates_for(issue.kind)):
        package = _package(policy, offer, owed, goodwill, order)
        packages.setdefault(package.remedies, package)
    return list(packages.values())


def _choose(
    packages: list[Package], customer: Customer, policy: Policy, reasons: list[Reason]
) -> tuple[Package, list[Package]]:
    cheapest = min(package.cost for package in packages)
    threshold = cheapest * (1 + policy.favor_margin)
    preference = customer.preference

    def customer_first(package: Package) -> tuple[bool, bool, Decimal, Decimal, int]:
        return (
            package.cost > threshold,
            preference not in package.kinds,
            -package.value.amount,
            package.cost.amount,
            package.order,
        )

    ranked = sorted(packages, key=customer_first)
    chosen, alternatives = ranked[0], ranked[1:]
    close = sum(1 for package in packages if package.cost <= threshold)
    why = (
        "the customer's preferred kind"
        if preference in chosen.kinds
        else "the most value to the customer"
    )
    reasons.append(
        Reason(
            "chosen",
            f"{' + '.join(kind.value for kind in chosen.kinds)}: {close} of {len(packages)} "
            f"package(s) cost within {policy.favor_margin:%} of the cheapest ({cheapest}); "
            f"among those close calls the customer wins, by {why}",
            chosen.value,
        )
    )
    return chosen, alternatives


def _authority(
    policy: Policy, role: str, owed: Money, goodwill: Money, reasons: list[Reason]
) -> tuple[Money, str | None]:
    position = policy.role_index(role)
    assert position is not None  # checked on the way in
    limit = policy.roles[position].limit
    if limit is None or goodwill <= limit.round_up():
        granted = owed + goodwill
        reasons.append(Reason("granted_now", f"{role} grants all {granted} now", granted))
        return granted, None
    in_limit = limit.round_up()
    granted = owed + in_limit
    above = next(r for r in policy.roles if r.limit is None or r.limit >= goodwill)
    reasons.append(
        Reason(
            "granted_now",
            f"{role} grants {granted} now: the owed {owed} in full and goodwill up to "
            f"the {role} limit of {limit}",
            granted,
        )
    )
    reasons.append(
        Reason(
            "escalated",
            f"the remaining {goodwill - in_limit} of goodwill goes to {above.name!r}, "
            "the lowest role whose limit covers it",
            goodwill - in_limit,
        )
    )
    return granted, above.name
