"""The relay: the outbox's events handed to the sinks, at least once, in order per key.

One run of the relay (:meth:`Relay.deliver`) takes the pending events that are
due, in recording order, and gives each to every sink that has not accepted it
yet, through :func:`~favorpolicy._plugins.hand_over`, the same path the
in-memory delivery takes. A failure is retried on a later run after a backoff;
after the last attempt the event is a dead letter, and a ``plugin_fault``
notice of it goes in the outbox for the other sinks. A lease lets one relay
work on a ledger at a time.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Final

import attrs

from .. import _log
from .._events import Event
from .._forms import event_from_dict
from .._plugins import (
    NOTIFY,
    Patience,
    PluginManager,
    SinkFailure,
    SinkWorker,
    hand_over,
    notice_for,
)
from .._resolve import plugins_or_default
from ..exceptions import FavorPolicyError
from ._policies import PolicyBook
from ._rows import event_data, stored_event, text
from ._store import Store

__all__ = ["DeadLetter", "DeliveryReport", "Relay"]

log = _log.logger("favorpolicy.ledger")

_MAX_BACKOFF: Final = 3600.0


@attrs.frozen
class DeliveryReport:
    """What one run of the relay (:meth:`Ledger.deliver`) did.

    ``delivered``: events every sink accepted; ``failed``: events that will be
    retried; ``dead``: events that failed for the last time and wait in the
    dead-letter list; ``held``: events that wait behind an earlier event of
    their key that is still being retried; ``busy``: another relay held the
    ledger, so this one did nothing.
    """

    delivered: int = 0
    failed: int = 0
    dead: int = 0
    held: int = 0
    busy: bool = False


@attrs.frozen
class DeadLetter:
    """An event the relay gave up on after its last attempt; :meth:`Ledger.retry` revives it."""

    event_id: str
    key: str
    kind: str
    attempts: int
    last_error: str
    created_at: str


class Relay:
    """The outbox's relay: pending events handed to the sinks, retried, or given up on."""

    def __init__(self, store: Store, policies: PolicyBook, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._policies = policies
        self._clock = clock

    def deliver(
        self,
        plugins: PluginManager | None = None,
        *,
        max_attempts: int = 5,
        backoff: float = 1.0,
        timeout: float = 10.0,
        limit: int = 1000,
    ) -> DeliveryReport:
        """One run of the relay; see :meth:`favorpolicy.ledger.Ledger.deliver`."""
        if max_attempts < 1:
            raise ValueError(f"max_attempts: {max_attempts!r} must be 1 or more")
        manager = plugins_or_default(plugins)
        if not self.take_lease(timeout):
            return DeliveryReport(busy=True)
        workers: dict[str, SinkWorker] = {}
        counts = {"delivered": 0, "failed": 0, "dead": 0, "held": 0}
        try:
            blocked: set[str] = set()  # keys with an event that failed in this run
            tried = 0
            while tried < limit:
                rows = [row for row in self._deliverable(limit - tried) if row[2] not in blocked]
                if not rows:
                    break
                for seq, event_id, key, body, fingerprint, attempts in rows:
                    if key in blocked:
                        continue
                    tried += 1
                    failures = self._send(
                        manager,
                        workers=workers,
                        event_id=event_id,
                        body=body,
                        fingerprint=fingerprint,
                        timeout=timeout,
                    )
                    self._renew_lease(timeout)
                    if not failures:
                        self._mark(seq, "delivered", attempts, None, 0.0)
                        counts["delivered"] += 1
                        continue
                    blocked.add(key)
                    error = "; ".join(
                        failure if isinstance(failure, str) else f"{failure.sink}: {failure.error}"
                        for failure in failures
                    )
                    outcome = self._failed(
                        seq, event_id, attempts + 1, error, most=max_attempts, backoff=backoff
                    )
                    counts[outcome] += 1
                    if outcome == "dead":
                        self._tell_others(failures, fingerprint)
            counts["held"] += self._held()
        finally:
            SinkWorker.stop_all(workers)
            self.release_lease()
        return DeliveryReport(
            delivered=counts["delivered"],
            failed=counts["failed"],
            dead=counts["dead"],
            held=counts["held"],
        )

    def _failed(
        self, seq: int, event_id: str, attempts: int, error: str, *, most: int, backoff: float
    ) -> str:
        if attempts >= most:
            self._mark(seq, "dead", attempts, error, 0.0)
            log.error("favorpolicy ledger: event %s is a dead letter: %s", event_id, error)
            return "dead"
        self._mark(
            seq, "pending", attempts, error, min(backoff * 2 ** (attempts - 1), _MAX_BACKOFF)
        )
        log.warning(
            "favorpolicy ledger: event %s failed (attempt %d): %s", event_id, attempts, error
        )
        return "failed"

    def _deliverable(self, limit: int) -> list[tuple[int, str, str, str, str | None, int]]:
        """Due events in recording order, less those behind a backing-off one of their key.

        A dead letter holds nothing back: the in-memory delivery, too, goes on to
        a key's next event once a sink failed one for good.
        """
        now = self._clock().timestamp()
        with self._store.read() as conn:
            rows = conn.execute(
                "SELECT o.seq, o.event_id, o.key, o.body, o.fingerprint, o.attempts "
                "FROM outbox o WHERE o.state = 'pending' AND o.next_attempt_at <= :now "
                "AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.key = o.key AND e.seq < o.seq "
                "AND e.state = 'pending' AND e.next_attempt_at > :now) "
                "ORDER BY o.seq LIMIT :limit",
                {"now": now, "limit": limit},
            )
            return list(rows)

    def _held(self) -> int:
        """Pending events that wait behind an earlier pending event of their key."""
        with self._store.read() as conn:
            row = conn.execute(
                "SELECT count(*) FROM outbox o WHERE o.state = 'pending' AND EXISTS "
                "(SELECT 1 FROM outbox e WHERE e.key = o.key AND e.seq < o.seq "
                "AND e.state = 'pending')"
            ).fetchone()
        return int(row[0])

    def _send(
        self,
        manager: PluginManager,
        *,
        workers: dict[str, SinkWorker],
        event_id: str,
        body: str,
        fingerprint: str | None,
        timeout: float,
    ) -> list[SinkFailure | str]:
        """Give one event to each sink that has not accepted it; what failed, if anything."""
        with self._store.read() as conn:
            policy = self._policies.get(conn, fingerprint)
            rows = conn.execute("SELECT sink FROM acks WHERE event_id = ?", (event_id,))
            acked = {row[0] for row in rows}
            data = event_data(conn, body)
        try:
            event = event_from_dict(data, policy)
        except (FavorPolicyError, ValueError) as error:
            return [f"the stored event cannot be read: {error}"]

        def ack(sink: str, event: Event) -> None:
            with self._store.write() as conn:
                conn.execute(
                    "INSERT OR IGNORE INTO acks (event_id, sink, at) VALUES (?, ?, ?)",
                    (event_id, sink, text(self._clock())),
                )

        return list(
            hand_over(
                manager.impls(NOTIFY),
                [event],
                workers,
                Patience(timeout),
                skip=lambda sink, _: sink in acked,
                accepted=ack,
            )
        )

    def _tell_others(self, failures: list[SinkFailure | str], fingerprint: str | None) -> None:
        """An event is dead: put a notice of each sink that gave up on it in the outbox.

        The notice goes to every other sink, as the in-memory delivery sends it,
        and like any event it is retried until they take it. The failing sink
        is marked as having it, so it is not asked to hear of its own failure.
        """
        notices = [
            (failure.sink, notice)
            for failure in failures
            if not isinstance(failure, str) and (notice := notice_for(failure)) is not None
        ]
        if not notices:
            return
        now = text(self._clock())
        with self._store.write() as conn:
            for sink, notice in notices:
                conn.execute(
                    "INSERT OR IGNORE INTO outbox (event_id, key, kind, fingerprint, created_at, "
                    "body) VALUES (?, ?, ?, ?, ?, ?)",
                    (notice.id, notice.key, notice.kind.value, fingerprint, now,
                     stored_event(notice)),
                )  # fmt: skip
                conn.execute(
                    "INSERT OR IGNORE INTO acks (event_id, sink, at) VALUES (?, ?, ?)",
                    (notice.id, sink, now),
                )

    def _mark(self, seq: int, state: str, attempts: int, error: str | None, delay: float) -> None:
        now = self._clock()
        with self._store.write() as conn:
            conn.execute(
                "UPDATE outbox SET state = ?, attempts = ?, last_error = ?, "
                "next_attempt_at = ?, delivered_at = ? WHERE seq = ?",
                (
                    state,
                    attempts,
                    error,
                    now.timestamp() + delay,
                    text(now) if state == "delivered" else None,
                    seq,
                ),
            )

    def take_lease(self, seconds: float) -> bool:
        with self._store.write() as conn:
            row = conn.execute("SELECT owner, expires FROM relay_lease WHERE id = 1").fetchone()
            held = row is not None and row[0] != self._store.owner and row[1] > time.time()
            if held and _alive(row[0]):
                return False
            conn.execute(
                "INSERT INTO relay_lease (id, owner, expires) VALUES (1, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, expires = excluded.expires",
                (self._store.owner, time.time() + seconds + 60),
            )
        return True

    def _renew_lease(self, seconds: float) -> None:
        with self._store.write() as conn:
            conn.execute(
                "UPDATE relay_lease SET expires = ? WHERE id = 1 AND owner = ?",
                (time.time() + seconds + 60, self._store.owner),
            )

    def release_lease(self) -> None:
        with self._store.write() as conn:
            conn.execute("DELETE FROM relay_lease WHERE id = 1 AND owner = ?", (self._store.owner,))

    def outbox_counts(self) -> dict[str, int]:
        """How many outbox events are ``pending``, ``delivered`` and ``dead``."""
        counts = {"pending": 0, "delivered": 0, "dead": 0}
        with self._store.read() as conn:
            for state, count in conn.execute("SELECT state, count(*) FROM outbox GROUP BY state"):
                counts[state] = int(count)
        return counts

    def outbox_events(self, key: str | None = None) -> list[dict[str, Any]]:
        """The outbox's events as their sinks see them (JSON data), in order; of one *key*."""
        with self._store.read() as conn:
            rows = list(
                conn.execute(
                    "SELECT body FROM outbox WHERE ? IS NULL OR key = ? ORDER BY seq", (key, key)
                )
            )
            return [event_data(conn, row[0]) for row in rows]

    def dead_letters(self) -> list[DeadLetter]:
        """The events the relay gave up on, oldest first."""
        with self._store.read() as conn:
            rows = conn.execute(
                "SELECT event_id, key, kind, attempts, last_error, created_at FROM outbox "
                "WHERE state = 'dead' ORDER BY seq"
            )
            return [DeadLetter(*row) for row in rows]

    def retry(self, event_ids: Iterable[str] | None = None) -> int:
        """Make dead letters (all, or those in *event_ids*) pending again; return how many."""
        with self._store.write() as conn:
            if event_ids is None:
                cursor = conn.execute(
                    "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = 0 "
                    "WHERE state = 'dead'"
                )
                return cursor.rowcount
            changed = 0
            for event_id in event_ids:
                cursor = conn.execute(
                    "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = 0 "
                    "WHERE state = 'dead' AND event_id = ?",
                    (event_id,),
                )
                changed += cursor.rowcount
            return changed


def _alive(owner: str) -> bool:
    """Whether the relay named *owner* may still be running (another host: assume so)."""
    host, _, rest = owner.partition("/")
    pid_text = rest.partition("/")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return True
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
