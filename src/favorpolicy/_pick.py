"""The customer's pick, where a rule lets them choose: :func:`pick`.

A rule with ``choose`` lists the customer's choices on the Resolution, each
worth the whole total, and gives the recommended one until the customer picks.
Picking changes which remedies are given, never an amount: no choice lowers
what is owed.
"""

from __future__ import annotations

import attrs

from ._model import Reason, RemedyKind, Resolution
from ._money import Money
from ._show import show
from .exceptions import InvalidChoice

__all__ = ["choice_index", "pick"]


def choice_index(resolution: Resolution, choice: int | str | RemedyKind) -> int:
    """Where *choice* stands in ``resolution.choices``: an index, or the kind that leads it."""
    choices = resolution.choices
    if not choices:
        raise InvalidChoice(
            f"choice: {show(choice)}; resolution {resolution.key[:12]} for issue "
            f"{show(resolution.issue_id)} has no choices (no rule lets the customer choose)"
        )
    shown = ", ".join(f"{index} ({package[0].kind})" for index, package in enumerate(choices))
    if isinstance(choice, bool) or not isinstance(choice, int | str):
        raise InvalidChoice(f"choice: {show(choice)} is not an index or a remedy kind ({shown})")
    if isinstance(choice, int):
        if not 0 <= choice < len(choices):
            raise InvalidChoice(f"choice: {show(choice)} is not one of {shown}")
        return choice
    for index, package in enumerate(choices):
        if package[0].kind == choice.strip().lower():
            return index
    raise InvalidChoice(f"choice: {show(choice)} is not one of {shown}")


def pick(resolution: Resolution, choice: int | str | RemedyKind) -> Resolution:
    """*resolution* with the customer's pick: *choice* is an index into
    ``resolution.choices``, or the remedy kind that leads one (``"refund"``).

    The picked package becomes ``remedies``; ``owed``, ``goodwill``, ``total``
    and ``granted_now`` stay as they are, and a ``picked`` reason is added.
    Picking the same choice again gives the same Resolution; a second,
    different pick raises :class:`~favorpolicy.InvalidChoice`, as does a choice
    that is not one. To keep the pick, see ``Ledger.pick()``.
    """
    if not isinstance(resolution, Resolution):
        raise InvalidChoice(f"resolution: {show(resolution)} is not a Resolution")
    index = choice_index(resolution, choice)
    if resolution.picked is not None:
        if resolution.picked == index:
            return resolution
        raise InvalidChoice(
            f"choice: {show(choice)}; the customer picked choice {resolution.picked} "
            f"({resolution.choices[resolution.picked][0].kind}) already"
        )
    picked = resolution.choices[index]
    kinds = " + ".join(str(remedy.kind) for remedy in picked)
    value = Money.total((remedy.value for remedy in picked), resolution.total.currency)
    reason = Reason(
        "picked",
        f"the customer picked {kinds}, worth {value}, choice {index} of {len(resolution.choices)}",
        value,
    )
    return attrs.evolve(
        resolution, remedies=picked, picked=index, reasons=(*resolution.reasons, reason)
    )
