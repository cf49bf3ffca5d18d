"""The policies that made the ledger's decisions, stored by fingerprint and read once.

A decision's budgets, its escalation's roles and its sinks' settings all come
from the policy that made it, so the ledger keeps every policy it was given,
as its policy file. A fresh process (the relay, a report) knows them from the
file alone.
"""

from __future__ import annotations

import tomllib
from decimal import Decimal

from .._policy import Policy
from .._policy_file import policy_from_dict, policy_to_toml
from ..exceptions import FavorPolicyError
from ._store import Connection, Store

__all__ = ["PolicyBook"]


class PolicyBook:
    """The ledger's policies, each read from the store at most once per Ledger."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._known: dict[str, Policy | None] = {}
        # Fingerprints whose policy this Ledger wrote; forgotten when a write rolls back.
        self._kept: set[str] = set()
        store.on_rollback(self._forget_kept)

    def keep(self, conn: Connection, policy: Policy) -> None:
        """Store *policy* (once) inside the write *conn* belongs to."""
        if policy.fingerprint in self._kept:
            return
        conn.execute(
            "INSERT OR IGNORE INTO policies (fingerprint, name, body) VALUES (?, ?, ?)",
            (policy.fingerprint, policy.name, policy_to_toml(policy)),
        )
        self._known[policy.fingerprint] = policy
        self._kept.add(policy.fingerprint)

    def get(self, conn: Connection, fingerprint: str | None) -> Policy | None:
        """The policy stored under *fingerprint*; None if the ledger does not hold it."""
        if fingerprint is None:
            return None
        if fingerprint not in self._known:
            row = conn.execute(
                "SELECT body FROM policies WHERE fingerprint = ?", (fingerprint,)
            ).fetchone()
            policy = None
            if row is not None:
                try:
                    policy = policy_from_dict(tomllib.loads(row[0], parse_float=Decimal))
                except (FavorPolicyError, tomllib.TOMLDecodeError) as error:
                    raise self._store.fail(f"holds a policy it cannot read back: {error}") from None
            self._known[fingerprint] = policy
        return self._known[fingerprint]

    def _forget_kept(self) -> None:
        """After a rollback: the policies this Ledger wrote may be gone from the file."""
        for fingerprint in self._kept:
            self._known.pop(fingerprint, None)
        self._kept.clear()
