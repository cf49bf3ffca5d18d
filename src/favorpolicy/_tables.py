"""A policy's rules as plain Decimals and dicts, and the sizing arithmetic resolve() does with them.

A :class:`~favorpolicy.Policy` computes its :class:`Tables` once, when it is
built; resolve() reads them instead of the public fields, so its hot path
does no conversion, validation or repeated lookup. Every amount it sizes is
rounded up, in favorpolicy's own Decimal context, never the caller's.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_CEILING, Decimal
from typing import Final

import attrs

from ._model import RemedyKind
from ._money import CONTEXT, Money
from ._policy_parts import GoodwillRules, Offer, Role, Valuation
from ._rules import Rule, by_kind

__all__ = ["Package", "Part", "Tables"]

#: One remedy of a package: its kind, its face value, what it costs, its note.
Part = tuple[RemedyKind, Decimal, Decimal, str]
#: A package: its parts, its value to the customer, its cost, its place among the offers.
Package = tuple[tuple[Part, ...], Decimal, Decimal, int]

_REFUND_OFFER: Final = Offer(RemedyKind.REFUND)


def _with_refund(offers: tuple[Offer, ...]) -> tuple[Offer, ...]:
    unique = tuple(dict.fromkeys(offers))
    return unique if _REFUND_OFFER in unique else (*unique, _REFUND_OFFER)


@attrs.frozen
class Tables:
    """A policy's rules as plain Decimals and dicts, computed once when it is built.

    resolve() reads these instead of the public fields, so its hot path does
    no conversion, validation or repeated lookup.
    """

    quantum: Decimal
    role_index: Mapping[str, int]
    limits: tuple[Decimal | None, ...]
    candidates: Mapping[str, tuple[Offer, ...]]
    default_candidates: tuple[Offer, ...]
    #: per remedy kind: (1 + bonus, cost rate), None for a factor of exactly one
    scaling: Mapping[RemedyKind, tuple[Decimal | None, Decimal | None]]
    rates: tuple[Decimal, ...]
    floors: tuple[Decimal, ...]
    tier_factors: Mapping[str, Decimal]
    tenure_factors: tuple[tuple[int, Decimal], ...]
    kind_factors: Mapping[str, Decimal]
    cap: Decimal | None
    courtesy: Decimal
    #: 1 + favor_margin
    close_call: Decimal
    #: per role: its limit rounded up to the minor unit (None: unlimited)
    limits_up: tuple[Decimal | None, ...]
    #: what the reasons print, formatted once: per severity, the rate and the floor
    rate_texts: tuple[str, ...]
    floor_texts: tuple[str, ...]
    margin_text: str
    #: per issue kind, the rules it can match, in the policy's order
    rules_by_kind: Mapping[str, tuple[Rule, ...]]
    #: the rules any other kind can match
    rules_any_kind: tuple[Rule, ...]

    @classmethod
    def of(  # the parts of a policy that resolve() reads
        cls,
        *,
        currency: str,
        roles: tuple[Role, ...],
        goodwill: GoodwillRules,
        offers: Mapping[str, tuple[Offer, ...]],
        default_offers: tuple[Offer, ...],
        valuations: Mapping[RemedyKind, Valuation],
        favor_margin: Decimal,
        rules: tuple[Rule, ...] = (),
    ) -> Tables:
        """The tables of a policy made of these parts (already checked)."""
        per_kind, any_kind = by_kind(rules)
        quantum = Money.minor(currency).amount
        return cls(
            quantum=quantum,
            role_index={role.name: position for position, role in enumerate(roles)},
            limits=tuple(None if r.limit is None else r.limit.amount for r in roles),
            candidates={kind: _with_refund(kind_offers) for kind, kind_offers in offers.items()},
            default_candidates=_with_refund(default_offers),
            scaling={
                kind: (
                    None if value.bonus == 0 else CONTEXT.add(1, value.bonus),
                    None if value.cost_rate == 1 else value.cost_rate,
                )
                for kind, value in valuations.items()
            },
            rates=goodwill.rates,
            floors=tuple(floor.amount for floor in goodwill.floors),
            tier_factors=dict(goodwill.tier_factors),
            tenure_factors=goodwill.tenure_factors,
            kind_factors=dict(goodwill.kind_factors),
            cap=None if goodwill.cap is None else goodwill.cap.amount,
            courtesy=Decimal(0) if goodwill.courtesy is None else goodwill.courtesy.amount,
            close_call=CONTEXT.add(1, favor_margin),
            limits_up=tuple(None if r.limit is None else r.limit.round_up().amount for r in roles),
            rate_texts=tuple(f"{rate:%}" for rate in goodwill.rates),
            floor_texts=tuple(str(floor) for floor in goodwill.floors),
            margin_text=f"{favor_margin:%}",
            rules_by_kind=per_kind,
            rules_any_kind=any_kind,
        )

    def rules_for(self, kind: str) -> tuple[Rule, ...]:
        """The rules an issue of *kind* can match, in the policy's order."""
        return self.rules_by_kind.get(kind, self.rules_any_kind)

    def covering(self, goodwill: Decimal, *, above: int) -> int:
        """The lowest role above the one at *above* whose limit covers *goodwill*.

        The top role always qualifies: a policy's cap never exceeds its limit.
        """
        for position in range(above + 1, len(self.limits)):
            cover = self.limits[position]
            if cover is None or cover >= goodwill:
                return position
        return len(self.limits) - 1

    def round_up(self, amount: Decimal) -> Decimal:
        """*amount* rounded up to a whole minor unit: the customer's side."""
        return amount.quantize(self.quantum, ROUND_CEILING, CONTEXT)

    def valuation_cost(self, kind: RemedyKind, face: Decimal) -> Decimal:
        """What a remedy of *face* value costs under the policy's own valuation, rounded up."""
        rate = self.scaling[kind][1]
        return self.round_up(face if rate is None else CONTEXT.multiply(face, rate))

    def part(self, kind: RemedyKind, amount: Decimal) -> Part:
        """One remedy of *kind* worth *amount* (already whole minor units) to the customer."""
        factor, rate = self.scaling[kind]
        if factor is not None:
            amount = CONTEXT.multiply(amount, factor).quantize(self.quantum, ROUND_CEILING, CONTEXT)
        # A whole amount at a rate of one is its own cost: no multiplying, no rounding.
        if rate is None:
            return (kind, amount, amount, "")
        return (
            kind,
            amount,
            CONTEXT.multiply(amount, rate).quantize(self.quantum, ROUND_CEILING, CONTEXT),
            "",
        )
