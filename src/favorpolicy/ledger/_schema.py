"""The ledger's SQLite schema, its versions and the migrations between them.

``PRAGMA application_id`` marks a file as a favorpolicy ledger and
``PRAGMA user_version`` holds its schema version. Opening a file runs the
migrations it lacks, in one transaction; a file from a newer favorpolicy is
refused, never rewritten.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from decimal import Decimal
from typing import Final

from .._money import CONTEXT

__all__ = ["AFTER", "APPLICATION_ID", "MIGRATIONS", "SCHEMA_VERSION"]

#: "FaVp": tells a favorpolicy ledger from any other SQLite file.
APPLICATION_ID: Final = 0x46615670

#: The statements that take a ledger from version ``n - 1`` to ``n``.
MIGRATIONS: Final[dict[int, tuple[str, ...]]] = {
    # Version 1: resolutions, the policies that made them, and the outbox.
    1: (
        """
        CREATE TABLE policies (
            fingerprint TEXT PRIMARY KEY,
            name        TEXT NOT NULL,
            body        TEXT NOT NULL  -- Policy.to_dict() as JSON
        )
        """,
        """
        CREATE TABLE resolutions (
            seq          INTEGER PRIMARY KEY AUTOINCREMENT,
            key          TEXT NOT NULL UNIQUE,
            request      TEXT NOT NULL,  -- SHA-256 of the resolution as it was given
            recorded_at  TEXT NOT NULL,  -- ISO 8601, UTC
            issue_id     TEXT NOT NULL,
            customer_id  TEXT NOT NULL,
            role         TEXT NOT NULL,
            kind         TEXT,           -- the issue's, when record() was given it
            fault        TEXT,
            occurred_at  TEXT,
            currency     TEXT NOT NULL,
            owed         TEXT NOT NULL,
            goodwill     TEXT NOT NULL,
            total        TEXT NOT NULL,
            granted_now  TEXT NOT NULL,
            cost         TEXT NOT NULL,
            escalate_to  TEXT,
            screen       TEXT NOT NULL,
            faults       INTEGER NOT NULL,
            fingerprint  TEXT NOT NULL,
            body         TEXT NOT NULL   -- Resolution.to_dict() as JSON
        )
        """,
        "CREATE INDEX resolutions_recorded_at ON resolutions (recorded_at)",
        """
        CREATE TABLE outbox (
            seq              INTEGER PRIMARY KEY AUTOINCREMENT,
            event_id         TEXT NOT NULL UNIQUE,
            key              TEXT NOT NULL,
            kind             TEXT NOT NULL,
            fingerprint      TEXT,
            created_at       TEXT NOT NULL,
            body             TEXT NOT NULL,  -- the event as its sinks see it, as JSON
            state            TEXT NOT NULL DEFAULT 'pending'
                             CHECK (state IN ('pending', 'delivered', 'dead')),
            attempts         INTEGER NOT NULL DEFAULT 0,
            next_attempt_at  REAL NOT NULL DEFAULT 0,
            last_error       TEXT,
            delivered_at     TEXT
        )
        """,
        "CREATE INDEX outbox_key ON outbox (key, seq)",
        "CREATE INDEX outbox_state ON outbox (state, seq)",
        """
        CREATE TABLE acks (
            event_id  TEXT NOT NULL,
            sink      TEXT NOT NULL,
            at        TEXT NOT NULL,
            PRIMARY KEY (event_id, sink)
        )
        """,
        """
        CREATE TABLE relay_lease (
            id       INTEGER PRIMARY KEY CHECK (id = 1),
            owner    TEXT NOT NULL,
            expires  REAL NOT NULL
        )
        """,
    ),
    # Version 2: goodwill budgets and the escalations waiting for approval.
    2: (
        """
        CREATE TABLE budget_use (
            budget    TEXT NOT NULL,  -- Budget.label: "agent/month", "all/week"
            window    TEXT NOT NULL,  -- Budget.window(): "2026-11", "2026-W48"
            currency  TEXT NOT NULL,
            spent     TEXT NOT NULL,
            PRIMARY KEY (budget, window, currency)
        )
        """,
        """
        CREATE TABLE escalations (
            key        TEXT PRIMARY KEY,
            role       TEXT NOT NULL,
            opened_at  TEXT NOT NULL,
            closed_at  TEXT,
            closed_by  TEXT
        )
        """,
        # Escalations recorded under version 1 are still waiting: open them.
        """
        INSERT INTO escalations (key, role, opened_at)
        SELECT key, escalate_to, recorded_at FROM resolutions WHERE escalate_to IS NOT NULL
        """,
    ),
    # Version 3: an issue is a claim; a later decision of it supersedes the earlier one.
    3: (
        """
        CREATE TABLE claims (
            issue_id    TEXT PRIMARY KEY,
            latest_key  TEXT NOT NULL,
            currency    TEXT NOT NULL,
            granted     TEXT NOT NULL,  -- handed over: on the spot, and approved escalations
            goodwill    TEXT NOT NULL   -- the goodwill of it granted on the spot
        )
        """,
        "ALTER TABLE resolutions ADD COLUMN supersedes TEXT",
        "CREATE INDEX resolutions_issue ON resolutions (issue_id, seq)",
    ),
    # Version 4: a customer's history (recent claims) is read by customer.
    4: ("CREATE INDEX resolutions_customer ON resolutions (customer_id, seq)",),
    # Version 5: the customer's pick, where a rule let them choose, beside the decision.
    5: (
        """
        CREATE TABLE picks (
            key        TEXT PRIMARY KEY,
            choice     INTEGER NOT NULL,  -- the index in the resolution's choices
            picked_at  TEXT NOT NULL
        )
        """,
    ),
}
#: Work a migration does that SQL cannot do exactly (sums of decimal text), after its SQL.
AFTER: Final[dict[int, Callable[[sqlite3.Connection], None]]] = {}


def _claims_of_earlier_decisions(conn: sqlite3.Connection) -> None:
    """Version 3: each issue recorded before becomes a claim of all it was granted.

    Every decision was paid in full then (the defect claims mend), so the claim
    holds their sum, and the latest decision is the one a new one supersedes.
    """
    claims: dict[str, list[object]] = {}
    rows = conn.execute(
        "SELECT issue_id, key, currency, granted_now, owed FROM resolutions ORDER BY seq"
    )
    add = CONTEXT.add
    for issue_id, key, currency, granted_now, owed in rows:
        granted, goodwill = Decimal(granted_now), max(Decimal(granted_now) - Decimal(owed), 0)
        if issue_id in claims:
            _, _, before, before_goodwill = claims[issue_id]
            granted = add(granted, before)  # type: ignore[arg-type]  # Decimals put here
            goodwill = add(goodwill, before_goodwill)  # type: ignore[arg-type]
        claims[issue_id] = [key, currency, granted, goodwill]
    conn.executemany(
        "INSERT INTO claims (issue_id, latest_key, currency, granted, goodwill) "
        "VALUES (?, ?, ?, ?, ?)",
        [
            (issue_id, key, currency, format(granted, "f"), format(goodwill, "f"))
            for issue_id, (key, currency, granted, goodwill) in claims.items()
        ],
    )


AFTER[3] = _claims_of_earlier_decisions

SCHEMA_VERSION: Final = max(MIGRATIONS)
