"""How a decision and its events become rows: the statements and the values they write.

The recording writes them; the relay reads the outbox's events back with
:func:`event_data`, which puts each event's resolution back from the row of
its key (the outbox does not keep a second copy).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Final

from .._events import Event, events_for
from .._forms import event_to_dict
from .._model import Issue, Resolution
from .._money import Money, total_of
from .._policy import Policy
from ._store import Connection

__all__ = [
    "DELIVERED_BEFORE",
    "INSERT_ESCALATION",
    "INSERT_EVENT",
    "INSERT_RESOLUTION",
    "SAME_RESOLUTION",
    "SPEND",
    "amount",
    "encode",
    "event_data",
    "event_rows",
    "resolution_row",
    "stored_event",
    "text",
]


def text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def amount(money: Money) -> str:
    return format(money.amount, "f")


# json.dumps() with options builds a new encoder on every call; the ledger makes a few a record.
encode: Final = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


#: In a stored event, stands for the event's resolution, which the row of its key holds.
SAME_RESOLUTION: Final = "resolution_of_key"


def stored_event(event: Event) -> str:
    """An event's JSON as the outbox keeps it: its resolution is the row of its key."""
    data = event_to_dict(event, with_resolution=False)
    if event.resolution is not None:
        data[SAME_RESOLUTION] = True
    return encode(data)


INSERT_RESOLUTION: Final = (
    "INSERT INTO resolutions (key, request, recorded_at, issue_id, customer_id, role, "
    "kind, fault, occurred_at, currency, owed, goodwill, total, granted_now, cost, "
    "escalate_to, screen, faults, fingerprint, body, supersedes) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
#: An event that resolve() already handed to the in-memory delivery: kept, and not sent again.
DELIVERED_BEFORE: Final = (
    "UPDATE outbox SET state = 'delivered', delivered_at = ? WHERE event_id = ?"
)
INSERT_ESCALATION: Final = "INSERT INTO escalations (key, role, opened_at) VALUES (?, ?, ?)"
INSERT_EVENT: Final = (
    "INSERT INTO outbox (event_id, key, kind, fingerprint, created_at, body) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)
SPEND: Final = (
    "INSERT INTO budget_use (budget, window, currency, spent) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (budget, window, currency) DO UPDATE SET spent = excluded.spent"
)


def resolution_row(
    resolution: Resolution, body: str, request: str, issue: Issue | None, at: str
) -> tuple[object, ...]:
    cost = total_of(remedy.cost.amount for remedy in resolution.remedies if remedy.cost is not None)
    occurred_at = None if issue is None else issue.occurred_at
    return (
        resolution.key,
        request,
        at,
        resolution.issue_id,
        resolution.customer_id,
        resolution.role,
        None if issue is None else issue.kind,
        None if issue is None else issue.fault.value,
        None if occurred_at is None else occurred_at.isoformat(),
        resolution.total.currency,
        amount(resolution.owed),
        amount(resolution.goodwill),
        amount(resolution.total),
        amount(resolution.granted_now),
        format(cost, "f"),
        resolution.escalate_to,
        str(resolution.screen.level),
        len(resolution.faults),
        resolution.policy_fingerprint,
        body,
        resolution.supersedes,
    )


def event_rows(
    resolution: Resolution, policy: Policy | None, at: str
) -> list[tuple[str, str, str, str, str, str]]:
    return [
        (
            event.id,
            event.key,
            event.kind.value,
            resolution.policy_fingerprint,
            at,
            stored_event(event),
        )
        for event in events_for(resolution, policy)
    ]


def event_data(conn: Connection, body: str) -> dict[str, Any]:
    """A stored event's JSON, with its resolution put back from the resolutions table."""
    data: dict[str, Any] = json.loads(body)
    if data.pop(SAME_RESOLUTION, False):
        row = conn.execute("SELECT body FROM resolutions WHERE key = ?", (data["key"],)).fetchone()
        data["resolution"] = None if row is None else json.loads(row[0])
    return data
