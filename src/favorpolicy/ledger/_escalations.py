"""Escalations: what waits for a role above the front line, and who approved it when.

A decision that grants less than its total now opens an escalation to the
lowest role whose limit covers the rest ("tell our vice president"). That
role, or one above it, approves it once; the wait is measured by the ledger's
clock, for the report.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs

from .._forms import resolution_from_dict
from .._money import CONTEXT, Money
from .._show import show
from ..exceptions import InvalidRecord, UnknownRole
from ._claims import UPSERT_CLAIM, claim_of, claim_row
from ._policies import PolicyBook
from ._rows import text
from ._store import Store

__all__ = ["Approval", "Escalations"]


@attrs.frozen
class Approval:
    """An escalation approved by a role, and how long the customer waited for it."""

    key: str
    role: str
    approved_by: str
    amount: Money
    waited: timedelta


class Escalations:
    """The ledger's escalations: listed, and approved once."""

    def __init__(self, store: Store, policies: PolicyBook, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._policies = policies
        self._clock = clock

    def approve(self, key: str, *, by: str) -> Approval:
        """Record that role *by* approved the escalated rest of the decision under *key*.

        *by* must be the role the decision was escalated to, or one above it.
        """
        with self._store.write() as conn:
            row = conn.execute(
                "SELECT e.role, e.opened_at, e.closed_at, r.body, r.fingerprint, e.closed_by "
                "FROM escalations e JOIN resolutions r ON r.key = e.key WHERE e.key = ?",
                (key,),
            ).fetchone()
            if row is None:
                raise InvalidRecord(f"key: {show(key)} has no escalation in this ledger")
            role, opened_at, closed_at, body, fingerprint, closed_by = row
            if closed_by == "(superseded)":
                raise InvalidRecord(
                    f"key: {show(key)} was superseded, at {closed_at}, by a later decision of "
                    "its issue; approve that one"
                )
            if closed_at is not None:
                raise InvalidRecord(f"key: {show(key)} was already approved, at {closed_at}")
            policy = self._policies.get(conn, fingerprint)
            if policy is not None:
                names = [r.name for r in policy.roles]
                if by not in names or names.index(by) < names.index(role):
                    raise UnknownRole(
                        f"by: {show(by)} may not approve an escalation to {role!r}; "
                        f"roles from {role!r} up may ({', '.join(names[names.index(role) :])})"
                    )
            now = self._clock()
            conn.execute(
                "UPDATE escalations SET closed_at = ?, closed_by = ? WHERE key = ?",
                (text(now), by, key),
            )
            resolution = resolution_from_dict(json.loads(body))
            # What is approved is handed over: a later decision of the claim grants past it.
            claim = claim_of(conn, resolution.issue_id, resolution.total.currency)
            if claim is not None and claim.latest_key == key:
                handed = claim._replace(granted=claim.granted + resolution.pending)
                conn.execute(UPSERT_CLAIM, claim_row(resolution.issue_id, handed))
        return Approval(key, role, by, resolution.pending, now - datetime.fromisoformat(opened_at))

    def escalations(self, *, open_only: bool = True) -> list[dict[str, Any]]:
        """Escalations (by default only those still waiting), oldest first."""
        with self._store.read() as conn:
            rows = list(
                conn.execute(
                    "SELECT e.key, e.role, e.opened_at, e.closed_at, e.closed_by, r.issue_id, "
                    "r.customer_id, r.total, r.granted_now, r.currency FROM escalations e "
                    "JOIN resolutions r ON r.key = e.key "
                    "WHERE NOT ? OR e.closed_at IS NULL ORDER BY e.opened_at",
                    (open_only,),
                )
            )
        names = ("key", "role", "opened_at", "closed_at", "closed_by", "issue_id", "customer_id")
        found = []
        for row in rows:
            item: dict[str, Any] = dict(zip(names, row[:7], strict=True))
            total, granted, currency = row[7:]
            pending = CONTEXT.subtract(Decimal(total), Decimal(granted))
            item["pending"] = f"{pending} {currency}"
            found.append(item)
        return found
