"""Recording decisions: each decision key once, with its events and its budget spending.

A decision is its resolution's row, its escalation's row, what it spends from
each budget period and its events in the outbox, all written in one
transaction. The key's UNIQUE index decides whether a decision is new, so a
new one costs no extra read; the same resolution again returns the stored
one, and a different one under a stored key is a :class:`LedgerConflict`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Final, NamedTuple

from .._budget import supersede
from .._events import events_for
from .._forms import resolution_from_dict, resolution_json
from .._model import Issue, Resolution, was_handed_over
from .._money import Money
from .._pick import pick
from .._policy import Policy
from .._show import show
from ..exceptions import InvalidRecord, LedgerConflict
from ._budgets import Budgets
from ._claims import CLOSE_SUPERSEDED, UPSERT_CLAIM, Claim, claim_of, claim_row
from ._policies import PolicyBook
from ._rows import (
    DELIVERED_BEFORE,
    INSERT_ESCALATION,
    INSERT_EVENT,
    INSERT_RESOLUTION,
    SPEND,
    event_rows,
    resolution_row,
    text,
)
from ._store import Connection, KeyTaken, Store

__all__ = ["Recorder", "listed"]


class _Rows(NamedTuple):
    """The rows one new decision writes, and the resolution stored (budgets applied)."""

    stored: Resolution
    resolution: tuple[object, ...]
    escalation: list[tuple[str, str, str]]
    spending: list[tuple[str, str, str, str]]
    events: list[tuple[str, str, str, str, str, str]]
    #: (delivered at, event id) of the events resolve() already handed to the sinks
    delivered: list[tuple[str, str]]
    #: the claim's row as it stands after this decision
    claim: tuple[str, str, str, str, str]
    #: (closed at, key) of the superseded decision's escalation, if it waited
    closed: list[tuple[str, str]]


class _Carried(NamedTuple):
    """What the decisions of one call wrote before their rows are: budgets spent, claims."""

    spent: dict[tuple[str, str, str], Money]
    claims: dict[str, Claim]


#: How many keys one ``WHERE key IN (...)`` asks for, well under SQLite's limit on parameters.
_KEYS_PER_QUERY: Final = 500


def listed(name: str, values: object) -> list[Any]:
    """*values* as a list; InvalidRecord naming *name* if it is not an iterable of items."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise InvalidRecord(f"{name}: {show(values)} is not an iterable")
    return list(values)


def _digest(body: str) -> str:
    """What identifies a resolution as given (its JSON), so a retry can be told from a conflict."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


_WITH_PICK: Final = (
    "SELECT r.body, p.choice FROM resolutions r LEFT JOIN picks p ON p.key = r.key WHERE r.key = ?"
)


def _with_pick(body: str, choice: int | None) -> Resolution:
    resolution = resolution_from_dict(json.loads(body))
    return resolution if choice is None else pick(resolution, choice)


class Recorder:
    """Decisions recorded once, with their events and budget spending; and read back."""

    def __init__(
        self, store: Store, policies: PolicyBook, budgets: Budgets, clock: Callable[[], datetime]
    ) -> None:
        self._store = store
        self._policies = policies
        self._budgets = budgets
        self._clock = clock

    def record_many(
        self,
        resolutions: list[Resolution],
        policy: Policy | None,
        issues: Iterable[Issue | None] | None,
        *,
        first_wins: bool,
    ) -> list[Resolution]:
        """Record *resolutions* in one write; *first_wins*: a different one stored answers."""
        given = [None] * len(resolutions) if issues is None else listed("issues", issues)
        if len(given) != len(resolutions):
            raise InvalidRecord(
                f"issues: {len(given)} given for {len(resolutions)} resolutions; "
                "give one issue (or None) per resolution"
            )
        for resolution, issue in zip(resolutions, given, strict=True):
            self._check_record(resolution, policy, issue)
        if not resolutions:
            return []  # no write, so no lock on the file
        bodies = [resolution_json(resolution) for resolution in resolutions]
        answers: list[Resolution] = []
        with self._store.write() as conn:
            if policy is not None:
                self._policies.keep(conn, policy)
            stored = self.stored(conn, {resolution.key for resolution in resolutions})
            now = self._clock()
            recorded = text(now)
            carried = _Carried({}, {})
            claims: dict[str, tuple[str, str, str, str, str]] = {}
            closed: list[tuple[str, str]] = []
            spending: dict[tuple[str, str, str], tuple[str, str, str, str]] = {}
            resolution_rows: list[tuple[object, ...]] = []
            escalations: list[tuple[str, str, str]] = []
            events: list[tuple[str, str, str, str, str, str]] = []
            delivered: list[tuple[str, str]] = []
            for resolution, issue, body in zip(resolutions, given, bodies, strict=True):
                request = _digest(body)
                if resolution.key in stored:
                    known_request, known = stored[resolution.key]
                    if known_request != request and not first_wins:
                        raise LedgerConflict(
                            f"key {resolution.key}: the ledger holds a different resolution for "
                            f"issue {known.issue_id!r}; one decision key cannot have two answers"
                        )
                    answers.append(known)
                    continue
                made_by = policy or self._made_by(conn, resolution)
                rows = self._new_rows(
                    conn, resolution, made_by, issue, body, request, now, recorded, carried
                )
                claims[resolution.issue_id] = rows.claim
                closed += rows.closed
                resolution_rows.append(rows.resolution)
                escalations += rows.escalation
                spending.update((use[:3], use) for use in rows.spending)
                events += rows.events
                delivered += rows.delivered
                stored[resolution.key] = (request, rows.stored)
                answers.append(rows.stored)
            conn.executemany(INSERT_RESOLUTION, resolution_rows)
            conn.executemany(INSERT_ESCALATION, escalations)
            conn.executemany(SPEND, spending.values())
            conn.executemany(INSERT_EVENT, events)
            conn.executemany(DELIVERED_BEFORE, delivered)
            conn.executemany(UPSERT_CLAIM, claims.values())
            conn.executemany(CLOSE_SUPERSEDED, closed)
        return answers

    def stored(self, conn: Connection, keys: set[str]) -> dict[str, tuple[str, Resolution]]:
        """The stored request digest and resolution of each of *keys* that the ledger holds."""
        found: dict[str, tuple[str, Resolution]] = {}
        wanted = sorted(keys)
        for start in range(0, len(wanted), _KEYS_PER_QUERY):
            part = wanted[start : start + _KEYS_PER_QUERY]
            marks = ", ".join("?" * len(part))
            for key, request, body, choice in conn.execute(
                "SELECT r.key, r.request, r.body, p.choice FROM resolutions r "  # noqa: S608
                f"LEFT JOIN picks p ON p.key = r.key WHERE r.key IN ({marks})",
                part,
            ):
                found[key] = (request, _with_pick(body, choice))
        return found

    def record(
        self,
        resolution: Resolution,
        policy: Policy | None,
        issue: Issue | None,
        *,
        first_wins: bool,
    ) -> Resolution:
        self._check_record(resolution, policy, issue)
        if policy is None:
            with self._store.read() as conn:
                self._made_by(conn, resolution)  # before writing, so a batch is not spoiled
        body = resolution_json(resolution)
        request = _digest(body)
        try:
            return self._insert_new(resolution, policy, issue, body=body, request=request)
        except KeyTaken:
            pass  # its writes were rolled back; the stored decision answers
        with self._store.read() as conn:
            row = conn.execute(
                "SELECT request, body FROM resolutions WHERE key = ?", (resolution.key,)
            ).fetchone()
        if row[0] != request and not first_wins:
            raise LedgerConflict(
                f"key {resolution.key}: the ledger holds a different resolution for "
                f"issue {row_issue(row[1])!r}; one decision key cannot have two answers"
            )
        return resolution_from_dict(json.loads(row[1]))

    def _insert_new(
        self,
        resolution: Resolution,
        policy: Policy | None,
        issue: Issue | None,
        *,
        body: str,
        request: str,
    ) -> Resolution:
        """Write a new decision, its budget spending and its events; KeyTaken if not new.

        The key's UNIQUE index is the check, so a new decision costs no extra read.
        """
        with self._store.write(savepoint=False) as conn:
            if policy is not None:
                self._policies.keep(conn, policy)
            else:
                policy = self._policies.get(conn, resolution.policy_fingerprint)
                assert policy is not None  # record() made sure before it began to write
            now = self._clock()
            rows = self._new_rows(conn, resolution, policy, issue, body, request, now, text(now))
            # The first write that matters, so a key already stored leaves nothing to undo.
            self._store.insert_new(conn, INSERT_RESOLUTION, rows.resolution)
            conn.executemany(INSERT_ESCALATION, rows.escalation)
            conn.executemany(SPEND, rows.spending)
            conn.executemany(INSERT_EVENT, rows.events)
            conn.executemany(DELIVERED_BEFORE, rows.delivered)
            conn.execute(UPSERT_CLAIM, rows.claim)
            conn.executemany(CLOSE_SUPERSEDED, rows.closed)
        return rows.stored

    def _new_rows(  # noqa: PLR0917  # one decision and where it is recorded
        self,
        conn: Connection,
        resolution: Resolution,
        policy: Policy | None,
        issue: Issue | None,
        body: str,
        request: str,
        now: datetime,
        recorded: str,
        carried: _Carried | None = None,
    ) -> _Rows:
        """What recording one new decision at *now* (as text, *recorded*) writes.

        Its budgets apply, and its claim: a later decision of an issue already
        decided supersedes the earlier one and grants only the difference.
        Both ways of recording use it: :meth:`_insert_new` writes the rows at
        once, :meth:`record_many` gathers a batch's rows and writes them
        together, *carried* holding what the batch spent and claimed so far.
        """
        currency = resolution.total.currency
        claim = claim_of(
            conn, resolution.issue_id, currency, None if carried is None else carried.claims
        )
        stored, spending = self._budgets.apply(
            conn,
            resolution,
            policy,
            now,
            None if carried is None else carried.spent,
            already=None if claim is None else claim.goodwill,
        )
        goodwill = stored.granted_now - stored.owed  # on the spot, before the claim's share
        if claim is not None:
            stored = supersede(stored, claim.granted, claim.latest_key)
            goodwill = max(goodwill, claim.goodwill)
        granted = stored.granted_now if claim is None else claim.granted + stored.granted_now
        now_claimed = Claim(stored.key, granted, max(goodwill, goodwill * 0))
        if carried is not None:
            carried.claims[resolution.issue_id] = now_claimed
        if stored is not resolution:
            body = resolution_json(stored)
        escalate_to = stored.escalate_to
        events = event_rows(stored, policy, recorded)
        # resolve() handed these to the in-memory delivery: the relay must not send them again.
        sent = (
            {event.id for event in events_for(resolution, policy)}
            if was_handed_over(resolution)
            else set()
        )
        return _Rows(
            stored,
            resolution_row(stored, body, request, issue, recorded),
            [] if escalate_to is None else [(stored.key, escalate_to, recorded)],
            spending,
            events,
            [(recorded, row[0]) for row in events if row[0] in sent],
            claim_row(resolution.issue_id, now_claimed),
            [] if claim is None else [(recorded, claim.latest_key)],
        )

    def _made_by(self, conn: Connection, resolution: Resolution) -> Policy:
        """The stored policy that made *resolution*; InvalidRecord if the ledger has none.

        Its budgets must apply: recording without them would grant goodwill on
        the spot that the budget does not cover, and count none of it.
        """
        policy = self._policies.get(conn, resolution.policy_fingerprint)
        if policy is None:
            raise InvalidRecord(
                f"policy: the ledger does not hold the policy that made this resolution "
                f"(fingerprint {resolution.policy_fingerprint[:12]}...); pass policy= the "
                "first time, so that its budgets apply"
            )
        return policy

    @staticmethod
    def _check_record(resolution: object, policy: object, issue: object) -> None:
        if not isinstance(resolution, Resolution):
            raise InvalidRecord(
                f"resolution: {show(resolution)} is a {type(resolution).__name__}, not a Resolution"
            )
        if policy is not None:
            if not isinstance(policy, Policy):
                raise InvalidRecord(f"policy: {show(policy)} is not a Policy")
            if policy.fingerprint != resolution.policy_fingerprint:
                raise InvalidRecord(
                    f"policy: {policy.name!r} (fingerprint {policy.fingerprint[:12]}...) did not "
                    f"make this resolution (fingerprint {resolution.policy_fingerprint[:12]}...)"
                )
        if issue is not None:
            if not isinstance(issue, Issue):
                raise InvalidRecord(f"issue: {show(issue)} is not an Issue")
            if issue.id != resolution.issue_id:
                raise InvalidRecord(
                    f"issue: {issue.id!r} is not the resolution's issue {resolution.issue_id!r}"
                )

    # ---- reading ------------------------------------------------------------------------

    def get(self, key: str) -> Resolution | None:
        """The resolution stored under *key*, with the customer's pick if made, or None."""
        with self._store.read() as conn:
            row = conn.execute(_WITH_PICK, (key,)).fetchone()
        return None if row is None else _with_pick(*row)

    def pick(self, key: str, choice: int | str) -> Resolution:
        """Record the customer's pick of the decision under *key*; see :func:`~favorpolicy.pick`.

        The pick is kept beside the decision, which does not change; picking the same
        again returns the same, and a different second pick raises ``InvalidChoice``.
        """
        if not isinstance(key, str):
            raise InvalidRecord(f"key: {show(key)} is not a str")
        with self._store.write() as conn:
            row = conn.execute(_WITH_PICK, (key,)).fetchone()
            if row is None:
                raise InvalidRecord(f"key: {show(key)} is not a recorded decision")
            body, stored = row
            picked = pick(_with_pick(body, stored), choice)
            if stored is None:
                conn.execute(
                    "INSERT INTO picks (key, choice, picked_at) VALUES (?, ?, ?)",
                    (key, picked.picked, self._clock().isoformat()),
                )
        return picked

    def holds(self, key: object) -> bool:
        """Whether a decision is recorded under *key*."""
        with self._store.read() as conn:
            row = conn.execute("SELECT 1 FROM resolutions WHERE key = ?", (key,)).fetchone()
        return row is not None

    def count(self) -> int:
        """How many decisions are recorded."""
        with self._store.read() as conn:
            return int(conn.execute("SELECT count(*) FROM resolutions").fetchone()[0])

    def keys(self) -> list[str]:
        """Every recorded key, in the order recorded."""
        with self._store.read() as conn:
            return [row[0] for row in conn.execute("SELECT key FROM resolutions ORDER BY seq")]


def row_issue(body: str) -> str:
    """The issue id inside a stored resolution's JSON, for messages."""
    try:
        return str(json.loads(body).get("issue_id"))
    except ValueError:
        return "?"
