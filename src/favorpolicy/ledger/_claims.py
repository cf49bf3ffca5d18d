"""Claims: an issue id is one claim, however many decisions it gets.

A ticket that comes back with any change (a typo mended in the customer's
words, another channel, the same instant in another time zone, another role,
a policy with a rotated secret) has a new decision key. It is still the same
claim: its new decision supersedes the earlier one and grants only the
difference (:func:`~favorpolicy._budget.supersede`), never asking anything
back. The claim's row holds what was handed over so far, read and written in
the transaction that records the decision, so two writers cannot both grant.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final, NamedTuple

from .._money import Money
from ._rows import amount
from ._store import Connection

__all__ = ["CLOSE_SUPERSEDED", "UPSERT_CLAIM", "Claim", "claim_of", "claim_row"]

UPSERT_CLAIM: Final = (
    "INSERT INTO claims (issue_id, latest_key, currency, granted, goodwill) "
    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (issue_id) DO UPDATE SET "
    "latest_key = excluded.latest_key, granted = excluded.granted, goodwill = excluded.goodwill"
)
#: The superseded decision's escalation waits no longer: the new decision has its own.
CLOSE_SUPERSEDED: Final = (
    "UPDATE escalations SET closed_at = ?, closed_by = '(superseded)' "
    "WHERE key = ? AND closed_at IS NULL"
)


class Claim(NamedTuple):
    """Where a claim stands: its latest decision, and what it was handed so far."""

    latest_key: str
    #: handed over: on the spot, and in approved escalations
    granted: Money
    #: the goodwill of it granted on the spot, which the budgets counted
    goodwill: Money


def claim_of(
    conn: Connection, issue_id: str, currency: str, so_far: dict[str, Claim] | None = None
) -> Claim | None:
    """The claim of *issue_id*: as this call left it (*so_far*), else as stored; None if new."""
    if so_far is not None and issue_id in so_far:
        return so_far[issue_id]
    row = conn.execute(
        "SELECT latest_key, granted, goodwill FROM claims WHERE issue_id = ?", (issue_id,)
    ).fetchone()
    if row is None:
        return None
    return Claim(row[0], Money(Decimal(row[1]), currency), Money(Decimal(row[2]), currency))


def claim_row(issue_id: str, claim: Claim) -> tuple[str, str, str, str, str]:
    """The claims row of *claim*, for :data:`UPSERT_CLAIM`."""
    return (
        issue_id,
        claim.latest_key,
        claim.granted.currency,
        amount(claim.granted),
        amount(claim.goodwill),
    )
