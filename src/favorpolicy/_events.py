"""Notification events: what a resolution tells the sinks, and the sinks that choose.

The vocabulary the hooks, the in-memory delivery, the ledger's outbox and the
sinks share. Each event's ``id`` is derived from the decision key, so the same
resolution's same event always has the same id and a sink can deduplicate.
"""

from __future__ import annotations

import enum
import hashlib
from typing import Any

import attrs

from ._model import Level, PluginFault, Resolution, ScreenVerdict
from ._policy import Policy

__all__ = ["BuiltinSink", "Event", "EventKind", "event_id", "events_for", "failure_notice"]


class EventKind(enum.StrEnum):
    """What a notification event is about."""

    RESOLVED = "resolved"
    ESCALATED = "escalated"
    ABUSE_FLAGGED = "abuse_flagged"
    PLUGIN_FAULT = "plugin_fault"


@attrs.frozen
class Event:
    """A notification for the sinks.

    ``id`` is unique and stable: the same resolution's same event always has
    the same id, so sinks can deduplicate retried deliveries.
    """

    kind: EventKind
    id: str
    key: str
    issue_id: str
    customer_id: str
    role: str | None = None
    verdict: ScreenVerdict | None = None
    fault: PluginFault | None = None
    resolution: Resolution | None = None
    policy: Policy | None = attrs.field(default=None, repr=False, eq=False)

    def summary(self) -> str:
        """One line for a person."""
        detail = {
            EventKind.RESOLVED: "resolved",
            EventKind.ESCALATED: f"needs {self.role!r} to approve",
            EventKind.ABUSE_FLAGGED: f"conduct {self.verdict.level if self.verdict else ''}: "
            f"{self.verdict.reason if self.verdict else ''}",
            EventKind.PLUGIN_FAULT: f"plugin fault {self.fault}",
        }[self.kind]
        return f"[{self.kind}] issue {self.issue_id} for customer {self.customer_id}: {detail}"


def event_id(key: str, kind: EventKind, number: int | str) -> str:
    """The stable id of the *number*-th event of *kind* made from *key*."""
    return hashlib.sha256(f"{key}/{kind}/{number}".encode()).hexdigest()[:32]


def events_for(resolution: Resolution, policy: Policy | None) -> tuple[Event, ...]:
    """The events one resolution sends: resolved, then escalation, abuse and faults."""
    base: dict[str, Any] = {
        "policy": policy,
        "key": resolution.key,
        "issue_id": resolution.issue_id,
        "customer_id": resolution.customer_id,
    }
    kind = EventKind.RESOLVED
    events = [Event(kind, event_id(resolution.key, kind, 0), resolution=resolution, **base)]
    if resolution.escalate_to is not None:
        kind = EventKind.ESCALATED
        events.append(
            Event(
                kind,
                event_id(resolution.key, kind, 0),
                role=resolution.escalate_to,
                resolution=resolution,
                **base,
            )
        )
    if resolution.screen.level >= Level.RESTRICT:
        kind = EventKind.ABUSE_FLAGGED
        events.append(
            Event(kind, event_id(resolution.key, kind, 0), verdict=resolution.screen, **base)
        )
    kind = EventKind.PLUGIN_FAULT
    events.extend(
        Event(kind, event_id(resolution.key, kind, number), fault=fault, **base)
        for number, fault in enumerate(resolution.faults)
    )
    return tuple(events)


class BuiltinSink:
    """The base of favorpolicy's own sinks, which say in advance whether an event concerns them.

    A fast path for the built-ins only: an unconfigured built-in sink costs no
    queue, thread or hand-off. Third-party sinks are always called.
    """

    def active_for(self, policy: Policy | None) -> bool:
        """Whether this sink could do anything with the events of *policy*'s resolutions."""
        raise NotImplementedError

    def wants(self, event: Event) -> bool:
        """Whether this sink would do anything with *event*."""
        return self.active_for(event.policy)


def failure_notice(event: Event, fault: PluginFault) -> Event:
    """The ``plugin_fault`` event that tells the other sinks a sink failed *event* for good.

    Its id comes from the failed event's id and the sink's name, so both ways
    of delivering (in memory and through the ledger's relay) tell of one
    failure with the same event.
    """
    kind = EventKind.PLUGIN_FAULT
    return attrs.evolve(
        event,
        kind=kind,
        id=event_id(event.id, kind, fault.plugin),
        fault=fault,
        resolution=None,
        verdict=None,
        role=None,
    )
