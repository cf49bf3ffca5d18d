"""The default cost model: what a remedy costs the business."""

from __future__ import annotations

from .._model import Remedy
from .._money import Money
from .._policy import Policy
from ..hookspecs import hookimpl

__all__ = ["CostModel"]


class CostModel:
    """Cost a remedy at its face value times the policy's ``cost_rate`` for its kind.

    With the default valuations: a refund costs its face value; store credit
    and discounts cost face value x 0.6 (the margin factor: credit is redeemed
    at retail price); a replacement costs the item's cost (0.6 of its retail
    value); an apology costs nothing. The cost is rounded up, so the business
    never under-counts what it gives.

    It is registered first, so pluggy asks it last: any other cost plugin that
    answers wins over it.
    """

    @hookimpl(trylast=True)
    def favorpolicy_cost(self, remedy: Remedy, policy: Policy) -> Money:
        return (remedy.value * policy.valuation(remedy.kind).cost_rate).round_up()
