"""Goodwill budgets: hold back on-the-spot goodwill that a budget no longer covers.

The ledger keeps the count of what each budget has spent in its period; this
module only turns "this much is left" into a changed Resolution. It is pure,
so the bias contract can test it on any scenario: a budget never touches what
is owed, the total, the remedies or the key, only ``granted_now`` and
``escalate_to``.
"""

from __future__ import annotations

import attrs

from ._model import Reason, Resolution
from ._money import Money
from ._policy import Policy

__all__ = ["goodwill_now", "hold_back"]


def goodwill_now(resolution: Resolution) -> Money:
    """The goodwill granted on the spot: ``granted_now - owed``."""
    return resolution.granted_now - resolution.owed


def hold_back(
    resolution: Resolution, policy: Policy, allowance: Money, *, why: str = "the budget"
) -> Resolution:
    """Grant at most *allowance* of goodwill on the spot; escalate the rest.

    *allowance* is what the role's budgets have left (zero or more, in whole
    minor units). What is owed is always granted now. When the on-the-spot
    goodwill fits the allowance, or the acting role is the top one (where
    escalations end), the resolution comes back unchanged; else the
    rest goes to the lowest role above the acting one that may grant it, and a
    ``budget_held`` reason says so, naming *why*.
    """
    spot = goodwill_now(resolution)
    if spot <= allowance or resolution.role == policy.roles[-1].name:
        return resolution  # it fits, or it is the top role's, which no budget holds back
    allowance = max(allowance, resolution.owed - resolution.owed)  # never below zero
    held = spot - allowance
    granted = resolution.owed + allowance
    target = policy.escalation_role(resolution.role, resolution.goodwill)
    reason = Reason(
        "budget_held",
        f"{why} has {allowance} left: {resolution.role} grants {granted} now (the owed "
        f"{resolution.owed} in full), and {held} more of goodwill goes to {target!r}",
        held,
    )
    return attrs.evolve(
        resolution,
        granted_now=granted,
        escalate_to=target,
        reasons=(*resolution.reasons, reason),
    )
