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

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Final, NamedTuple

from .._canon import utc
from .._money import CONTEXT, Money
from ._rows import amount
from ._store import Connection

__all__ = [
    "CLOSE_SUPERSEDED",
    "UPSERT_CLAIM",
    "Claim",
    "History",
    "claim_of",
    "claim_row",
    "history_of",
]

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


class History(NamedTuple):
    """A customer's recent claims: how many, and the goodwill their latest decisions gave."""

    #: claims (issue ids) with a decision in the window
    claims: int
    #: the goodwill of each claim's latest decision, in the currency asked for
    goodwill: Money


def history_of(  # noqa: PLR0917  # the question, whole
    conn: Connection,
    customer_id: str,
    currency: str,
    until: datetime | None,
    days: int,
    excluding: str | None = None,
    *,
    now: datetime,
    for_claim: str | None = None,
) -> History:
    """*customer_id*'s claims whose moment (``occurred_at``, else when recorded) falls in
    the *days* before *until* (None: now), leaving out the issue *excluding*; goodwill in
    *currency*.

    *for_claim* asks for the history that claim was first decided with: it is left out,
    and so is every decision recorded after its first one; *until* None is then that
    decision's moment. A claim never decided has the history of now.
    """
    rows = list(
        conn.execute(
            "SELECT issue_id, COALESCE(occurred_at, recorded_at), currency, goodwill "
            "FROM resolutions WHERE customer_id = ? ORDER BY seq",
            (customer_id,),
        )
    )
    if for_claim is not None:
        first = next((i for i, row in enumerate(rows) if row[0] == for_claim), None)
        if first is not None:
            if until is None:
                until = datetime.fromisoformat(rows[first][1])
            rows = rows[:first]
    end = utc(until if until is not None else now)
    start = end - timedelta(days=days)
    latest: dict[str, tuple[str, str]] = {}
    for issue_id, moment, row_currency, goodwill in rows:
        if issue_id in {excluding, for_claim}:
            continue
        if start <= utc(datetime.fromisoformat(moment)) <= end:
            latest[issue_id] = (row_currency, goodwill)
    total = Decimal(0)
    for row_currency, goodwill in latest.values():
        if row_currency == currency:
            total = CONTEXT.add(total, Decimal(goodwill))
    return History(len(latest), Money(total, currency))
