"""The hooks a favorpolicy plugin can implement. Each docstring is that hook's reference.

Implement a hook with :data:`favorpolicy.hookimpl`, in a module or class, and
publish it under the ``favorpolicy`` entry-point group::

    [project.entry-points.favorpolicy]
    my_plugin = "my_package.plugin"

favorpolicy calls every implementation **on its own**, catches what it raises,
and checks what it returns. An implementation that raises, returns the wrong
type, a negative amount, the wrong currency, a package short of the total, or
takes longer than the policy's ``hook_budget_ms`` is ignored and recorded as a
:class:`~favorpolicy.PluginFault`. So no plugin, however broken, can leave a
customer worse off than having no plugins at all.

A spec only ever gains arguments: pluggy passes each implementation only the
arguments it names, so plugins written today keep working.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from ._events import Event
    from ._model import Customer, Issue, Remedy, ScreenVerdict
    from ._money import Money
    from ._policy import Policy

__all__ = [
    "favorpolicy_candidates",
    "favorpolicy_cost",
    "favorpolicy_goodwill",
    "favorpolicy_notify",
    "favorpolicy_screen",
    "hookimpl",
    "hookspec",
]

#: Marks a function as a hook specification (favorpolicy's own use).
hookspec = pluggy.HookspecMarker("favorpolicy")
#: Marks a function or method as a hook implementation.
hookimpl = pluggy.HookimplMarker("favorpolicy")


@hookspec
def favorpolicy_screen(issue: Issue, customer: Customer, policy: Policy) -> ScreenVerdict | None:
    """Screen the customer's conduct (``issue.conduct``) before anything is decided.

    Return a :class:`~favorpolicy.ScreenVerdict` or None (nothing to say).

    Combining: every implementation is called; the most severe level wins
    (``none`` < ``warn`` < ``restrict`` < ``refuse``). A verdict above
    ``none`` must carry a reason. An implementation that fails counts as
    ``none``: a customer is never refused because a filter crashed.

    - ``warn`` is recorded only;
    - ``restrict`` limits the remedies to what is owed, as cash or a
      replacement, and withholds goodwill;
    - ``refuse`` withholds all goodwill and pays what is owed as a refund;
      staff may end the conversation.

    ``restrict`` and ``refuse`` send an ``abuse_flagged`` event, so the owner
    is told. Owed money is always paid.
    """
    raise NotImplementedError  # pragma: no cover  # a spec has no body


@hookspec
def favorpolicy_candidates(
    issue: Issue, customer: Customer, policy: Policy, total: Money
) -> Iterable[Sequence[Remedy]] | None:
    """Offer extra remedy packages, each a sequence of :class:`~favorpolicy.Remedy`.

    ``total`` is what the customer is due (owed plus goodwill, goodwill hooks
    included). Each package must be worth at least ``total`` in the policy's
    currency, with no negative values; a package that falls short is ignored
    and recorded as a fault, and so is a package of the wrong shape.

    Combining: the packages of every implementation are considered alongside
    the policy's own, and the usual close-call rule picks among them all. A
    remedy without a ``cost`` is costed by :func:`favorpolicy_cost`.
    Not consulted when a screen verdict restricts or refuses.
    """
    raise NotImplementedError  # pragma: no cover


@hookspec(firstresult=True)
def favorpolicy_cost(
    remedy: Remedy, issue: Issue, customer: Customer, policy: Policy
) -> Money | None:
    """Return what *remedy* costs the business, as non-negative Money, or None to pass.

    Combining: ``firstresult``. Implementations are asked in pluggy's order
    (the last registered first) and the first valid answer wins; an invalid
    one is skipped and recorded. The built-in ``cost_model`` answers last:
    ``face value x the policy's cost_rate`` for the remedy's kind (refund: face
    value; store credit: face value x a margin factor; replacement: the item's
    cost; apology: 0).
    """
    raise NotImplementedError  # pragma: no cover


@hookspec
def favorpolicy_goodwill(issue: Issue, customer: Customer, policy: Policy) -> Money | None:
    """Suggest goodwill for this issue, as non-negative Money, or None.

    Combining: by max with the policy's own goodwill (and with each other),
    then capped by the policy's ``goodwill.cap``: a plugin can raise
    goodwill, never lower it. Not consulted for issues that were the
    customer's fault, nor when a screen verdict restricts or refuses.
    """
    raise NotImplementedError  # pragma: no cover


@hookspec
def favorpolicy_notify(event: Event) -> None:
    """Receive a notification :class:`~favorpolicy.Event`: a sink.

    ``event.kind`` is one of ``resolved``, ``escalated`` (the "tell our vice
    president" path; ``event.role`` names the role), ``abuse_flagged`` (so the
    owner is told) and ``plugin_fault``. ``event.id`` is unique and stable, so
    a sink can deduplicate.

    Combining: every sink gets every event. Sinks run outside the caller's
    path, on a background thread with a bounded queue, a per-sink timeout and
    retries, so a slow or failing sink never blocks or breaks ``resolve()``.
    A sink that still fails is recorded, and a ``plugin_fault`` event goes to
    the other sinks.
    """
    raise NotImplementedError  # pragma: no cover
