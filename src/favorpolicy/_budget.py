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

__all__ = ["goodwill_now", "hold_back", "supersede"]


def goodwill_now(resolution: Resolution) -> Money:
    """The goodwill granted on the spot: ``granted_now - owed``."""
    return resolution.granted_now - resolution.owed


def hold_back(
    resolution: Resolution,
    policy: Policy,
    allowance: Money,
    *,
    why: str = "the budget",
    already: Money | None = None,
) -> Resolution:
    """Grant at most *allowance* of goodwill on the spot; escalate the rest.

    *allowance* is what the role's budgets have left (zero or more, in whole
    minor units). What is owed is always granted now. When the on-the-spot
    goodwill fits the allowance, or the acting role is the top one (where
    escalations end), the resolution comes back unchanged; else the
    rest goes to the lowest role above the acting one that may grant it, and a
    ``budget_held`` reason says so, naming *why*.

    *already* is the goodwill earlier decisions of the same claim granted on
    the spot: the budget counted it then, so only what is new must fit now.
    """
    before = resolution.owed * 0 if already is None else already
    spot = goodwill_now(resolution) - before
    if spot <= allowance or resolution.role == policy.roles[-1].name:
        return resolution  # it fits, or it is the top role's, which no budget holds back
    allowance = max(allowance, resolution.owed - resolution.owed)  # never below zero
    held = spot - allowance
    granted = resolution.owed + before + allowance
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


def supersede(resolution: Resolution, granted: Money, previous: str) -> Resolution:
    """*resolution* as a later decision of a claim that was granted *granted* already.

    An issue is one claim, however often it is decided: a corrected typo, a
    retry from another channel or role, a new policy. The later decision
    grants on the spot only what it would grant beyond what was handed over
    already, escalates only what is still missing of its total, and never
    asks anything back: granted before and now together are the most any one
    decision of the claim would grant.
    """
    zero = resolution.total * 0
    increment = max(resolution.granted_now - granted, zero)
    rest = resolution.total - granted - increment
    escalate_to = resolution.escalate_to if rest > zero else None
    back = "; nothing is asked back" if granted > resolution.total else ""
    reason = Reason(
        "supersedes",
        f"the earlier decision {previous[:12]} of this issue granted {granted} already: "
        f"{increment} more is granted now{back}",
        increment,
    )
    return attrs.evolve(
        resolution,
        granted_before=granted,
        granted_now=increment,
        escalate_to=escalate_to,
        supersedes=previous,
        reasons=(*resolution.reasons, reason),
    )
