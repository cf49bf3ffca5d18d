"""What each step of a decision says: the writers of a Resolution's reasons.

resolve() notes, as it goes, which writer explains each step and the facts it
needs (a :data:`Note`); the reasons are written from those notes when they are
first read, or at once where the decision is stored whole. Every message
names the amounts in the policy's currency, as the customer would see them.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Final

from ._model import Customer, Fault, Issue, Reason, RemedyKind, ScreenVerdict, unchecked
from ._money import format_amount, trusted_money
from ._policy import Policy
from ._rules import Basis, Rule
from ._tables import Package, Tables

__all__ = [
    "Note",
    "capped",
    "chosen",
    "courtesy",
    "customer_chooses",
    "escalated",
    "granted_all",
    "granted_part",
    "keep_item",
    "lifted_to_courtesy",
    "owed_reason",
    "raised",
    "required_kind",
    "reviewed",
    "rounded",
    "rule_goodwill",
    "ruled",
    "table_goodwill",
    "warned",
    "withheld",
    "written",
]

#: A reason still to be written: the function that writes it, and the facts it names.
Note = tuple[Callable[..., Reason], tuple[object, ...]]

_ZERO: Final = Decimal(0)
_CUSTOMER: Final = Fault.CUSTOMER
_KIND_TEXT: Final = {kind: kind.value for kind in RemedyKind}
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
# resolve() made every fact a reason names: the maker sets them straight into the slots.
_reason: Final = unchecked(Reason)


def written(notes: list[Note]) -> tuple[Reason, ...]:
    """The reasons *notes* stand for, in the order the steps noted them."""
    return tuple([write(*facts) for write, facts in notes])


def withheld(verdict: ScreenVerdict, currency: str) -> Reason:
    return _reason(
        code=f"conduct_{verdict.level}",
        message=f"{verdict.plugin}: {verdict.reason}; goodwill is withheld, "
        "and what is owed is still paid",
        amount=trusted_money(_ZERO, currency),
    )


def warned(verdict: ScreenVerdict) -> Reason:
    return _reason(code="conduct_warn", message=f"{verdict.plugin}: {verdict.reason}", amount=None)


def raised(plugin: str, amount: Decimal, capped: bool, currency: str) -> Reason:
    return _reason(
        code="plugin_goodwill",
        message=f"{plugin} raised goodwill to {format_amount(amount, currency)}"
        + (" (capped)" if capped else ""),
        amount=trusted_money(amount, currency),
    )


def owed_reason(issue: Issue, owed: Decimal, honoured: bool) -> Reason:
    currency = issue.loss.currency
    if honoured:
        return _reason(
            code="pricing_error_honoured",
            message="the pricing error went the customer's way; they keep the price, "
            "and nothing is asked back",
            amount=trusted_money(_ZERO, currency),
        )
    if issue.fault is _CUSTOMER:
        return _reason(
            code="customer_fault",
            message="the customer caused the problem; the loss itself is not owed",
            amount=trusted_money(_ZERO, currency),
        )
    code, message = _OWED_REASONS[issue.fault]
    shown = trusted_money(owed, currency)
    return _reason(code=code, message=message.format(loss=shown), amount=shown)


def ruled(rule: Rule, amount: Decimal, currency: str) -> Reason:
    shown = trusted_money(amount, currency)
    cite = f" ({rule.cite})" if rule.cite else ""
    if rule.basis is Basis.LAW:
        return _reason(
            code="legal_floor",
            message=f"rule {rule.name!r}{cite} owes {shown} by law; nothing lowers it",
            amount=shown,
        )
    return _reason(code="ruled", message=f"rule {rule.name!r}{cite} owes {shown}", amount=shown)


def rule_goodwill(rules: tuple[Rule, ...], rate: Decimal, floor: Decimal, kind: Decimal) -> Reason:
    named = ", ".join(repr(rule.name) + (f" ({rule.cite})" if rule.cite else "") for rule in rules)
    return _reason(
        code="rule_goodwill",
        message=f"rule(s) {named} raise goodwill to a rate of {rate:%}, a floor of {floor} "
        f"and a factor of {kind}",
        amount=None,
    )


def reviewed(  # noqa: PLR0917  # what the review names
    rules: tuple[Rule, ...],
    role: str,
    owed: Decimal,
    reviewer: str,
    goodwill: Decimal,
    currency: str,
) -> Reason:
    named = ", ".join(repr(rule.name) for rule in rules)
    return _reason(
        code="reviewed",
        message=f"rule(s) {named} send it to review: {role} grants the owed "
        f"{format_amount(owed, currency)} now, and the goodwill of "
        f"{format_amount(goodwill, currency)} waits for {reviewer!r} to approve it",
        amount=trusted_money(goodwill, currency),
    )


def lifted_to_courtesy(courtesy: Decimal, lifted: Decimal, currency: str) -> Reason:
    return _reason(
        code="fault_floor",
        message=f"goodwill is lifted to {format_amount(lifted, currency)}, so that a fault of "
        "the business's never gets less than the same case with the customer at fault "
        f"(the courtesy of {format_amount(courtesy, currency)})",
        amount=trusted_money(lifted, currency),
    )


def courtesy(goodwill: Decimal, currency: str) -> Reason:
    shown = format_amount(goodwill, currency)
    return _reason(
        code="courtesy",
        message=f"courtesy goodwill of {shown}",
        amount=trusted_money(goodwill, currency),
    )


def table_goodwill(  # noqa: PLR0917  # every factor it names
    issue: Issue,
    customer: Customer,
    tables: Tables,
    years: int,
    tier: Decimal,
    tenure: Decimal,
    kind: Decimal,
    goodwill: Decimal,
) -> Reason:
    return _reason(
        code="goodwill",
        message=f"severity {issue.severity}: {tables.rate_texts[issue.severity - 1]} of "
        f"{issue.loss} + {tables.floor_texts[issue.severity - 1]}, "
        f"x {tier} for tier {customer.tier!r}, "
        f"x {tenure} for {years} year(s) of tenure, x {kind} for kind {issue.kind!r}",
        amount=trusted_money(goodwill, issue.loss.currency),
    )


def capped(cap: Decimal, currency: str) -> Reason:
    shown = trusted_money(cap, currency)
    return _reason(code="goodwill_capped", message=f"goodwill is capped at {shown}", amount=shown)


def rounded(goodwill: Decimal, rounded: Decimal, currency: str) -> Reason:
    return _reason(
        code="rounded_up",
        message=f"goodwill of {format_amount(goodwill, currency)} is rounded up to "
        f"{format_amount(rounded, currency)}",
        amount=trusted_money(rounded, currency),
    )


def chosen(  # noqa: PLR0917  # what the choice was made among
    chosen: Package,
    packages: list[Package],
    line: Decimal,
    cheapest: Decimal,
    preference: RemedyKind | None,
    tables: Tables,
    policy: Policy,
) -> Reason:
    close = sum(1 for package in packages if package[2] <= line)
    preferred = any(part[0] is preference for part in chosen[0])
    why = "the customer's preferred kind" if preferred else "the most value to the customer"
    return _reason(
        code="chosen",
        message=f"{_kinds(chosen)}: "
        f"{close} of {len(packages)} package(s) cost within {tables.margin_text} of the "
        f"cheapest ({format_amount(cheapest, policy.currency)}); among those close calls the "
        f"customer wins, by {why}",
        amount=trusted_money(chosen[1], policy.currency),
    )


def _kinds(package: Package) -> str:
    return " + ".join(_KIND_TEXT[part[0]] for part in package[0])


def _named(rules: tuple[Rule, ...]) -> str:
    """The rules by name, each with its cite."""
    return ", ".join(repr(rule.name) + (f" ({rule.cite})" if rule.cite else "") for rule in rules)


def customer_chooses(rules: tuple[Rule, ...], choices: list[Package], currency: str) -> Reason:
    named = _named(rules)
    listed = "; ".join(
        f"{_kinds(choice)} worth {format_amount(choice[1], currency)}" for choice in choices
    )
    return _reason(
        code="customer_chooses",
        message=f"rule(s) {named} let the customer choose: {listed}; each covers the "
        f"whole total, and {_kinds(choices[0])} (the customer's preferred kind, or else the "
        "most value to them) is recommended and given until the customer picks",
        amount=trusted_money(choices[0][1], currency),
    )


def required_kind(rules: tuple[Rule, ...], kinds: frozenset[RemedyKind]) -> Reason:
    named = _named(rules)
    listed = " or ".join(sorted(_KIND_TEXT[kind] for kind in kinds))
    return _reason(
        code="required_kind",
        message=f"rule(s) {named} require a {listed}: a package that begins with it is "
        "given, whatever the others cost, and no amount changes",
    )


def keep_item(rules: tuple[Rule, ...]) -> Reason:
    named = _named(rules)
    return _reason(
        code="keep_item",
        message=f"rule(s) {named} let the customer keep the item: nothing is to be sent back",
    )


def granted_all(role: str, granted: Decimal, currency: str) -> Reason:
    shown = trusted_money(granted, currency)
    return _reason(code="granted_now", message=f"{role} grants all {shown} now", amount=shown)


def granted_part(
    role: str, granted: Decimal, owed: Decimal, in_limit: Decimal, currency: str
) -> Reason:
    return _reason(
        code="granted_now",
        message=f"{role} grants {format_amount(granted, currency)} now: the owed "
        f"{format_amount(owed, currency)} in full and goodwill up to the {role} limit of "
        f"{format_amount(in_limit, currency)}",
        amount=trusted_money(granted, currency),
    )


def escalated(above: str, rest: Decimal, currency: str) -> Reason:
    shown = trusted_money(rest, currency)
    return _reason(
        code="escalated",
        message=f"the remaining {shown} of goodwill goes to {above!r}, "
        "the lowest role whose limit covers it",
        amount=shown,
    )
