"""A durable ledger of decisions, with an outbox for their notifications.

A business that lets its front line decide on the spot needs to know
afterwards what was granted, be sure the owner heard about every abuse flag
and escalation, and learn from its mistakes. The :class:`Ledger` keeps all of
that in one SQLite file (WAL mode, schema versions and migrations):

- :meth:`Ledger.record` stores a resolution under its decision key, once: the
  same resolution again returns the stored one, a different one is an error;
- its events go to an outbox in the same transaction, and :meth:`Ledger.deliver`
  (the relay) hands them to the sinks at least once, in order per key, with
  retries, backoff and a dead-letter state;
- the policy's goodwill :class:`~favorpolicy.Budget` s are counted here,
  atomically, even with many threads and processes writing;
- :meth:`Ledger.report` and :meth:`Ledger.export` show what happened.

See docs/ledger.md for the exact delivery guarantees.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import socket
import sqlite3
import threading
import time
import tomllib
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Final, NamedTuple

import attrs

from . import _log
from ._budget import goodwill_now, hold_back
from ._events import Event, events_for
from ._forms import event_from_dict, event_to_dict, resolution_from_dict, resolution_json
from ._ledger_report import LedgerReport, ReportRow, build_report
from ._ledger_schema import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION
from ._model import Customer, Issue, Resolution
from ._money import Money
from ._plugins import (
    NOTIFY,
    Patience,
    PluginManager,
    SinkFailure,
    SinkWorker,
    hand_over,
    notice_for,
)
from ._policy import Budget, Policy
from ._policy_file import policy_from_dict, policy_to_toml
from ._resolve import _check_inputs, _manager, _resolution, decision_key
from ._show import show
from ._wal import committed_pages
from .exceptions import (
    FavorPolicyError,
    InvalidRecord,
    LedgerConflict,
    LedgerError,
    UnknownRole,
)

__all__ = [
    "SCHEMA_VERSION",
    "Approval",
    "DeadLetter",
    "DeliveryReport",
    "Ledger",
    "LedgerReport",
    "resolve_and_record",
    "resolve_and_record_many",
]

log = _log.logger("favorpolicy.ledger")

_HEADER: Final = b"SQLite format 3\x00"
_MAX_BACKOFF: Final = 3600.0


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _amount(money: Money) -> str:
    return format(money.amount, "f")


def _json(data: object) -> str:
    return _ENCODE(data)


# json.dumps() with options builds a new encoder on every call; the ledger makes a few a record.
_ENCODE: Final = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _stored_event(event: Event) -> str:
    """An event's JSON as the outbox keeps it: its resolution is the row of its key."""
    data = event_to_dict(event, with_resolution=False)
    if event.resolution is not None:
        data[_SAME_RESOLUTION] = True
    return _json(data)


_INSERT_RESOLUTION: Final = (
    "INSERT INTO resolutions (key, request, recorded_at, issue_id, customer_id, role, "
    "kind, fault, occurred_at, currency, owed, goodwill, total, granted_now, cost, "
    "escalate_to, screen, faults, fingerprint, body) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_ESCALATION: Final = "INSERT INTO escalations (key, role, opened_at) VALUES (?, ?, ?)"
_INSERT_EVENT: Final = (
    "INSERT INTO outbox (event_id, key, kind, fingerprint, created_at, body) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)
_SPEND: Final = (
    "INSERT INTO budget_use (budget, window, currency, spent) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (budget, window, currency) DO UPDATE SET spent = excluded.spent"
)


def _resolution_row(
    resolution: Resolution, body: str, request: str, issue: Issue | None, at: str
) -> tuple[object, ...]:
    cost = sum(
        (remedy.cost.amount for remedy in resolution.remedies if remedy.cost is not None),
        Decimal(0),
    )
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
        _amount(resolution.owed),
        _amount(resolution.goodwill),
        _amount(resolution.total),
        _amount(resolution.granted_now),
        format(cost, "f"),
        resolution.escalate_to,
        str(resolution.screen.level),
        len(resolution.faults),
        resolution.policy_fingerprint,
        body,
    )


def _event_rows(
    resolution: Resolution, policy: Policy | None, at: str
) -> list[tuple[str, str, str, str, str, str]]:
    return [
        (
            event.id,
            event.key,
            event.kind.value,
            resolution.policy_fingerprint,
            at,
            _stored_event(event),
        )
        for event in events_for(resolution, policy)
    ]


class _Rows(NamedTuple):
    """The rows one new decision writes, and the resolution stored (budgets applied)."""

    stored: Resolution
    resolution: tuple[object, ...]
    escalation: list[tuple[str, str, str]]
    spending: list[tuple[str, str, str, str]]
    events: list[tuple[str, str, str, str, str, str]]


#: How many keys one ``WHERE key IN (...)`` asks for, well under SQLite's limit on parameters.
_KEYS_PER_QUERY: Final = 500


class _AlreadyRecorded(Exception):  # an internal signal, caught in Ledger._record
    """The decision key is already in the ledger."""


def _listed(name: str, values: object) -> list[Any]:
    """*values* as a list; InvalidRecord naming *name* if it is not an iterable of items."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise InvalidRecord(f"{name}: {show(values)} is not an iterable")
    return list(values)


def _digest(body: str) -> str:
    """What identifies a resolution as given (its JSON), so a retry can be told from a conflict."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


#: In a stored event, stands for the event's resolution, which the row of its key holds.
_SAME_RESOLUTION: Final = "resolution_of_key"


@attrs.frozen
class DeliveryReport:
    """What one run of the relay (:meth:`Ledger.deliver`) did.

    ``delivered``: events every sink accepted; ``failed``: events that will be
    retried; ``dead``: events that failed for the last time and wait in the
    dead-letter list; ``held``: events that wait behind an earlier event of
    their key; ``busy``: another relay held the ledger, so this one did nothing.
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


@attrs.frozen
class Approval:
    """An escalation approved by a role, and how long the customer waited for it."""

    key: str
    role: str
    approved_by: str
    amount: Money
    waited: timedelta


class Ledger:
    """Every decision recorded once, every notification delivered.

    *path* is the SQLite file (created when missing) or ``":memory:"`` for
    tests. *clock* returns the current time, timezone-aware; budgets' periods
    and escalation waits are measured with it. *timeout* is how long a writer
    waits for another to finish before :class:`~favorpolicy.LedgerError`.

    One Ledger may be shared by threads; several processes may open the same
    file. Close it when done, or use it as a context manager.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        clock: Callable[[], datetime] | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.path = str(path)
        self._clock = clock or _utc_now
        self._lock = threading.RLock()
        self._batch = 0
        self._broken = False  # a record in the open batch failed part-way
        self._policies: dict[str, Policy | None] = {}
        # Fingerprints whose policy this Ledger wrote; forgotten when a write rolls back.
        self._kept: set[str] = set()
        self._owner = f"{socket.gethostname()}/{os.getpid()}/{uuid.uuid4().hex}"
        self._conn = self._open(timeout)

    # ---- opening -----------------------------------------------------------------------

    def _fail(self, problem: str) -> LedgerError:
        return LedgerError(f"ledger {self.path}: {problem}")

    def _check_file(self) -> None:
        if self.path == ":memory:":
            return
        file = Path(self.path)
        if file.is_dir():
            raise self._fail("is a directory, not a ledger file")
        if not file.exists():
            return
        try:
            size = file.stat().st_size
            with file.open("rb") as stream:
                header = stream.read(100)
        except OSError as error:
            raise self._fail(f"cannot be read: {error.strerror}") from None
        if size == 0:
            return
        if not header.startswith(_HEADER):
            raise self._fail("is not a SQLite database, so not a favorpolicy ledger")
        if len(header) < 100:
            raise self._fail(f"is truncated: {size} bytes, less than a SQLite header")
        page_size = int.from_bytes(header[16:18], "big")
        page_size = 65536 if page_size == 1 else page_size
        pages = int.from_bytes(header[28:32], "big")
        # The page count in the header is valid when its "valid-for" number matches the
        # change counter; then a shorter file has lost pages, unless the write-ahead log
        # beside it holds them all: a checkpoint cut short (a crash, kill -9) copies
        # page 1, with the grown count, before the pages after it, and SQLite finishes
        # it from the log.
        if (
            header[92:96] == header[24:28]
            and size < pages * page_size
            and not self._logged(range(size // page_size + 1, pages + 1), page_size)
        ):
            raise self._fail(
                f"is truncated: {size} bytes, but its header promises {pages} pages "
                f"of {page_size} bytes; restore it from a backup"
            )

    def _logged(self, missing: range, page_size: int) -> bool:
        """Whether the committed write-ahead log beside the file holds every *missing* page."""
        # SQLite keeps the log beside the file a link leads to, not beside the link.
        try:
            log = Path(f"{os.path.realpath(self.path)}-wal").read_bytes()
        except OSError:
            return False
        held = committed_pages(log, page_size)
        never_used = 0x40000000 // page_size + 1  # the page holding the lock bytes at 1 GiB
        return all(page in held or page == never_used for page in missing)

    def _open(self, timeout: float) -> sqlite3.Connection:
        self._check_file()
        try:
            conn = sqlite3.connect(
                self.path, timeout=timeout, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as error:
            raise self._fail(f"cannot be opened: {error}") from None
        try:
            with self._errors(conn):
                self._prepare(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def _prepare(self, conn: sqlite3.Connection) -> None:
        application_id, version = self._identity(conn)
        if application_id not in (0, APPLICATION_ID) or (application_id == 0 and version):
            raise self._fail("is a SQLite database of another application, not a ledger")
        if version > SCHEMA_VERSION:
            raise self._fail(
                f"was written by a newer favorpolicy (schema version {version}); this one "
                f"reads versions up to {SCHEMA_VERSION}: upgrade favorpolicy to read it"
            )
        if application_id == 0 and conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            raise self._fail("is a SQLite database of another application, not a ledger")
        if self.path != ":memory:":
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise self._fail(f"cannot use write-ahead logging (journal mode {mode!r})")
        # FULL: a record acknowledged to the caller survives a power cut, not just a crash.
        conn.execute("PRAGMA synchronous=FULL")
        if version < SCHEMA_VERSION:
            self._migrate(conn)

    @staticmethod
    def _identity(conn: sqlite3.Connection) -> tuple[int, int]:
        application_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        return int(application_id), int(version)

    def _migrate(self, conn: sqlite3.Connection) -> None:
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have migrated while this one waited for the lock.
            application_id, version = self._identity(conn)
            if application_id == 0 and version == 0:
                conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
            for step in range(version + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[step]:
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @property
    def schema_version(self) -> int:
        """The schema version of the open file."""
        with self._lock, self._errors():
            return self._identity(self._conn)[1]

    # ---- transactions ------------------------------------------------------------------

    @contextmanager
    def _errors(self, conn: sqlite3.Connection | None = None) -> Iterator[None]:
        try:
            yield
        except sqlite3.OperationalError as error:
            if "locked" in str(error) or "busy" in str(error):
                raise self._fail(f"stayed locked by another writer: {error}") from None
            raise self._fail(f"cannot be used: {error}") from None
        except sqlite3.DatabaseError as error:
            raise self._fail(
                f"is damaged ({error}); it was not changed: restore it from a backup"
            ) from None
        except sqlite3.Error as error:
            raise self._fail(f"failed: {error}") from None

    @contextmanager
    def _write(self, *, savepoint: bool = True) -> Iterator[sqlite3.Connection]:
        """One atomic write: a transaction, or a savepoint inside :meth:`batch`.

        Without *savepoint*, a write inside a batch saves the two statements a
        savepoint costs: it may fail cleanly only with :class:`_AlreadyRecorded`
        (raised before anything is written), and any other failure marks the
        batch as broken, so that the whole batch rolls back when it ends.
        """
        with self._lock, self._errors():
            conn = self._connection()
            if self._batch and self._broken:
                # Some SQLite errors end the transaction themselves; writing on would
                # commit statement by statement. The batch rolls back when it ends.
                raise self._fail(
                    "a record in this batch failed part-way; nothing more is written, and "
                    "the whole batch rolls back when it ends"
                )
            if self._batch and not savepoint:
                try:
                    yield conn
                except _AlreadyRecorded:
                    self._broken = not conn.in_transaction
                    raise
                except BaseException:
                    self._broken = True
                    raise
                return
            begin, commit, undo = (
                ("SAVEPOINT record", "RELEASE record", ("ROLLBACK TO record", "RELEASE record"))
                if self._batch
                else ("BEGIN IMMEDIATE", "COMMIT", ("ROLLBACK",))
            )
            conn.execute(begin)
            try:
                yield conn
                conn.execute(commit)
            except BaseException:
                self._forget_kept()
                try:
                    for statement in undo:
                        conn.execute(statement)
                except sqlite3.Error:  # the original error matters more
                    log.exception("favorpolicy ledger: rolling back failed")
                if self._batch and not conn.in_transaction:
                    self._broken = True  # SQLite ended the batch's transaction itself
                raise

    def _forget_kept(self) -> None:
        """After a rollback: the policies this Ledger wrote may be gone from the file."""
        for fingerprint in self._kept:
            self._policies.pop(fingerprint, None)
        self._kept.clear()

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise self._fail("is closed")
        return self._conn

    @contextmanager
    def batch(self) -> Iterator[Ledger]:
        """Record many resolutions in one transaction, committed when the block ends.

        Nothing in the block is acknowledged until it ends without an error;
        an error rolls the whole batch back. A record refused inside the block
        (:class:`~favorpolicy.LedgerConflict`, a key already stored) leaves the
        others; a record that fails part-way, even if the block catches the
        error, makes the whole batch roll back with a :class:`LedgerError` at
        its end. Other threads wait meanwhile.
        """
        with self._lock:
            if self._batch:
                self._batch += 1
                try:
                    yield self
                finally:
                    self._batch -= 1
                return
            with self._write():
                self._batch, self._broken = 1, False
                try:
                    yield self
                finally:
                    self._batch = 0
                if self._broken:
                    raise self._fail(
                        "a record in this batch failed part-way, so the whole batch was "
                        "rolled back; nothing in it was recorded"
                    )

    def close(self) -> None:
        """Close the file. A closed ledger raises LedgerError when used."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None  # type: ignore[assignment]

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Ledger({self.path!r})"

    # ---- recording ---------------------------------------------------------------------

    def record(
        self,
        resolution: Resolution,
        *,
        policy: Policy | None = None,
        issue: Issue | None = None,
    ) -> Resolution:
        """Store *resolution* under its key, with its events, once; return what is stored.

        Recording the same resolution again returns the stored one, so a retried
        request never grants twice; a different resolution under a stored key
        raises :class:`~favorpolicy.LedgerConflict`. With *policy* (the one that
        made the decision), its goodwill budgets apply: the stored resolution
        may then grant less goodwill now and escalate the rest. *issue* adds its
        kind, fault and time to the record, for the reports.
        """
        return self._record(resolution, policy, issue, first_wins=False)

    def record_many(
        self,
        resolutions: Iterable[Resolution],
        *,
        policy: Policy | None = None,
        issues: Iterable[Issue | None] | None = None,
    ) -> list[Resolution]:
        """Record many resolutions at once, as :meth:`record` would one after another.

        One transaction (a savepoint inside :meth:`batch`), a few statements in
        all rather than a few per decision: the fast way to record a batch.
        Returns what is stored for each, in order. *issues*, if given, holds
        one issue (or None) per resolution. A different resolution under a
        stored key raises :class:`~favorpolicy.LedgerConflict`, and then
        nothing of this call is recorded. The clock is read once: every
        decision of the call is recorded at that moment, and spends from the
        budget periods it falls in.
        """
        return self._record_many(
            _listed("resolutions", resolutions), policy, issues, first_wins=False
        )

    def _record_many(
        self,
        resolutions: list[Resolution],
        policy: Policy | None,
        issues: Iterable[Issue | None] | None,
        *,
        first_wins: bool,
    ) -> list[Resolution]:
        given = [None] * len(resolutions) if issues is None else _listed("issues", issues)
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
        with self._write() as conn:
            if policy is not None:
                self._keep_policy(conn, policy)
            stored = self._stored(conn, {resolution.key for resolution in resolutions})
            now = self._clock()
            recorded = _text(now)
            spent_so_far: dict[tuple[str, str, str], Money] = {}
            spending: dict[tuple[str, str, str], tuple[str, str, str, str]] = {}
            resolution_rows: list[tuple[object, ...]] = []
            escalations: list[tuple[str, str, str]] = []
            events: list[tuple[str, str, str, str, str, str]] = []
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
                made_by = policy or self._policy(conn, resolution.policy_fingerprint)
                rows = self._new_rows(
                    conn, resolution, made_by, issue, body, request, now, recorded, spent_so_far
                )
                resolution_rows.append(rows.resolution)
                escalations += rows.escalation
                spending.update((use[:3], use) for use in rows.spending)
                events += rows.events
                stored[resolution.key] = (request, rows.stored)
                answers.append(rows.stored)
            conn.executemany(_INSERT_RESOLUTION, resolution_rows)
            conn.executemany(_INSERT_ESCALATION, escalations)
            conn.executemany(_SPEND, spending.values())
            conn.executemany(_INSERT_EVENT, events)
        return answers

    def _stored(
        self, conn: sqlite3.Connection, keys: set[str]
    ) -> dict[str, tuple[str, Resolution]]:
        """The stored request digest and resolution of each of *keys* that the ledger holds."""
        found: dict[str, tuple[str, Resolution]] = {}
        wanted = sorted(keys)
        for start in range(0, len(wanted), _KEYS_PER_QUERY):
            part = wanted[start : start + _KEYS_PER_QUERY]
            marks = ", ".join("?" * len(part))
            for key, request, body in conn.execute(
                f"SELECT key, request, body FROM resolutions WHERE key IN ({marks})",  # noqa: S608
                part,
            ):
                found[key] = (request, resolution_from_dict(json.loads(body)))
        return found

    def _record(
        self,
        resolution: Resolution,
        policy: Policy | None,
        issue: Issue | None,
        *,
        first_wins: bool,
    ) -> Resolution:
        self._check_record(resolution, policy, issue)
        body = resolution_json(resolution)
        request = _digest(body)
        try:
            return self._insert_new(resolution, policy, issue, body=body, request=request)
        except _AlreadyRecorded:
            pass  # its writes were rolled back; the stored decision answers
        with self._lock, self._errors():
            row = (
                self._connection()
                .execute("SELECT request, body FROM resolutions WHERE key = ?", (resolution.key,))
                .fetchone()
            )
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
        """Write a new decision, its budget spending and its events; _AlreadyRecorded if not new.

        The key's UNIQUE index is the check, so a new decision costs no extra read.
        """
        with self._write(savepoint=False) as conn:
            if policy is not None:
                self._keep_policy(conn, policy)
            else:
                policy = self._policy(conn, resolution.policy_fingerprint)
            now = self._clock()
            rows = self._new_rows(conn, resolution, policy, issue, body, request, now, _text(now))
            try:
                # The first write that matters, so a key already stored leaves nothing to undo.
                conn.execute(_INSERT_RESOLUTION, rows.resolution)
            except sqlite3.IntegrityError as error:
                if error.sqlite_errorname != "SQLITE_CONSTRAINT_UNIQUE":
                    raise  # not the key: a real failure
                raise _AlreadyRecorded from None
            conn.executemany(_INSERT_ESCALATION, rows.escalation)
            conn.executemany(_SPEND, rows.spending)
            conn.executemany(_INSERT_EVENT, rows.events)
        return rows.stored

    def _new_rows(  # noqa: PLR0917  # one decision and where it is recorded
        self,
        conn: sqlite3.Connection,
        resolution: Resolution,
        policy: Policy | None,
        issue: Issue | None,
        body: str,
        request: str,
        now: datetime,
        recorded: str,
        spent_so_far: dict[tuple[str, str, str], Money] | None = None,
    ) -> _Rows:
        """What recording one new decision at *now* (as text, *recorded*) writes, budgets applied.

        Both ways of recording use it: :meth:`_insert_new` writes the rows at
        once, :meth:`_record_many` gathers a batch's rows and writes them
        together, carrying the budgets' spending in *spent_so_far*.
        """
        stored, spending = self._apply_budgets(conn, resolution, policy, now, spent_so_far)
        if stored is not resolution:
            body = resolution_json(stored)
        escalate_to = stored.escalate_to
        return _Rows(
            stored,
            _resolution_row(stored, body, request, issue, recorded),
            [] if escalate_to is None else [(stored.key, escalate_to, recorded)],
            spending,
            _event_rows(stored, policy, recorded),
        )

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

    # ---- policies and budgets ----------------------------------------------------------

    def _keep_policy(self, conn: sqlite3.Connection, policy: Policy) -> None:
        if policy.fingerprint in self._kept:
            return
        conn.execute(
            "INSERT OR IGNORE INTO policies (fingerprint, name, body) VALUES (?, ?, ?)",
            (policy.fingerprint, policy.name, policy_to_toml(policy)),
        )
        self._policies[policy.fingerprint] = policy
        self._kept.add(policy.fingerprint)

    def _policy(self, conn: sqlite3.Connection, fingerprint: str | None) -> Policy | None:
        """The policy stored under *fingerprint*, read once per Ledger; None if unknown."""
        if fingerprint is None:
            return None
        if fingerprint not in self._policies:
            row = conn.execute(
                "SELECT body FROM policies WHERE fingerprint = ?", (fingerprint,)
            ).fetchone()
            policy = None
            if row is not None:
                try:
                    policy = policy_from_dict(tomllib.loads(row[0], parse_float=Decimal))
                except (FavorPolicyError, tomllib.TOMLDecodeError) as error:
                    raise self._fail(f"holds a policy it cannot read back: {error}") from None
            self._policies[fingerprint] = policy
        return self._policies[fingerprint]

    def _apply_budgets(
        self,
        conn: sqlite3.Connection,
        resolution: Resolution,
        policy: Policy | None,
        now: datetime,
        spent_so_far: dict[tuple[str, str, str], Money] | None = None,
    ) -> tuple[Resolution, list[tuple[str, str, str, str]]]:
        """Hold back what the budgets do not cover; return it, and the spending to write.

        *spent_so_far*, when given, carries what this call has spent already,
        for decisions recorded together before their spending is written.
        """
        budgets = () if policy is None else policy.budgets_for(resolution.role)
        if not budgets:
            return resolution, []
        currency = resolution.total.currency
        known = {} if spent_so_far is None else spent_so_far

        def spent_in(budget: Budget, window: str) -> Money:
            place = (budget.label, window, currency)
            if place not in known:
                known[place] = self._spent(conn, budget, window, currency)
            return known[place]

        tightest: tuple[Money, Budget, str] | None = None
        for budget in budgets:
            window = budget.window(now)
            left = max(budget.limit - spent_in(budget, window), budget.limit * 0)
            if tightest is None or left < tightest[0]:
                tightest = (left, budget, window)
        assert tightest is not None  # budgets is not empty
        left, budget, window = tightest
        stored = hold_back(
            resolution,
            policy,  # type: ignore[arg-type]  # budgets come only from a policy
            left,
            why=f"the {budget.label} budget of {budget.limit} for {window}",
        )
        spent = goodwill_now(stored)
        uses = []
        if spent:
            for budget in budgets:
                window = budget.window(now)
                total = known[budget.label, window, currency] = spent_in(budget, window) + spent
                uses.append((budget.label, window, currency, _amount(total)))
        return stored, uses

    @staticmethod
    def _spent(conn: sqlite3.Connection, budget: Budget, window: str, currency: str) -> Money:
        row = conn.execute(
            "SELECT spent FROM budget_use WHERE budget = ? AND window = ? AND currency = ?",
            (budget.label, window, currency),
        ).fetchone()
        return Money(Decimal(row[0]) if row else 0, currency)

    def budget_spent(self, budget: Budget, at: datetime | None = None) -> Money:
        """What *budget* has granted on the spot in the period that *at* (default: now) is in."""
        moment = self._clock() if at is None else at
        with self._lock, self._errors():
            return self._spent(
                self._connection(), budget, budget.window(moment), budget.limit.currency
            )

    # ---- reading -----------------------------------------------------------------------

    def get(self, key: str) -> Resolution | None:
        """The resolution stored under *key*, or None."""
        with self._lock, self._errors():
            row = (
                self._connection()
                .execute("SELECT body FROM resolutions WHERE key = ?", (key,))
                .fetchone()
            )
        return None if row is None else resolution_from_dict(json.loads(row[0]))

    def __contains__(self, key: object) -> bool:
        with self._lock, self._errors():
            row = (
                self._connection()
                .execute("SELECT 1 FROM resolutions WHERE key = ?", (key,))
                .fetchone()
            )
        return row is not None

    def __len__(self) -> int:
        with self._lock, self._errors():
            return int(self._connection().execute("SELECT count(*) FROM resolutions").fetchone()[0])

    def keys(self) -> list[str]:
        """Every recorded key, in the order recorded."""
        with self._lock, self._errors():
            rows = self._connection().execute("SELECT key FROM resolutions ORDER BY seq")
            return [row[0] for row in rows]

    def verify(self) -> None:
        """Run SQLite's integrity check over the whole file; raise LedgerError if it fails."""
        with self._lock, self._errors():
            found = [row[0] for row in self._connection().execute("PRAGMA integrity_check")]
        if found != ["ok"]:
            raise self._fail(f"is damaged: {'; '.join(found[:5])}")

    # ---- the relay ---------------------------------------------------------------------

    def deliver(
        self,
        plugins: PluginManager | None = None,
        *,
        max_attempts: int = 5,
        backoff: float = 1.0,
        timeout: float = 10.0,
        limit: int = 1000,
    ) -> DeliveryReport:
        """Hand pending outbox events to the sinks of *plugins*: one run of the relay.

        Each event goes to every sink that has not yet accepted it, in order of
        recording, and an event waits while an earlier event of its key is not
        delivered. A sink call that raises or runs past *timeout* seconds fails
        the event for this run; it is retried after *backoff* seconds, doubled
        each time, and after *max_attempts* failed runs it becomes a dead letter
        (see :meth:`dead_letters` and :meth:`retry`). At most *limit* events are
        tried per run. Only one relay works on a ledger at a time; another one
        returns at once with ``busy=True``.
        """
        if max_attempts < 1:
            raise ValueError(f"max_attempts: {max_attempts!r} must be 1 or more")
        manager = _manager(plugins)
        if not self._take_lease(timeout):
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
            self._release_lease()
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
        with self._lock, self._errors():
            rows = self._connection().execute(
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
        with self._lock, self._errors():
            row = (
                self._connection()
                .execute(
                    "SELECT count(*) FROM outbox o WHERE o.state = 'pending' AND EXISTS "
                    "(SELECT 1 FROM outbox e WHERE e.key = o.key AND e.seq < o.seq "
                    "AND e.state = 'pending')"
                )
                .fetchone()
            )
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
        with self._lock, self._errors():
            conn = self._connection()
            policy = self._policy(conn, fingerprint)
            rows = conn.execute("SELECT sink FROM acks WHERE event_id = ?", (event_id,))
            acked = {row[0] for row in rows}
            data = self._event_data(conn, body)
        try:
            event = event_from_dict(data, policy)
        except (FavorPolicyError, ValueError) as error:
            return [f"the stored event cannot be read: {error}"]

        def ack(sink: str, event: Event) -> None:
            with self._write() as conn:
                conn.execute(
                    "INSERT OR IGNORE INTO acks (event_id, sink, at) VALUES (?, ?, ?)",
                    (event_id, sink, _text(self._clock())),
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
        now = _text(self._clock())
        with self._write() as conn:
            for sink, notice in notices:
                conn.execute(
                    "INSERT OR IGNORE INTO outbox (event_id, key, kind, fingerprint, created_at, "
                    "body) VALUES (?, ?, ?, ?, ?, ?)",
                    (notice.id, notice.key, notice.kind.value, fingerprint, now,
                     _stored_event(notice)),
                )  # fmt: skip
                conn.execute(
                    "INSERT OR IGNORE INTO acks (event_id, sink, at) VALUES (?, ?, ?)",
                    (notice.id, sink, now),
                )

    def _mark(self, seq: int, state: str, attempts: int, error: str | None, delay: float) -> None:
        now = self._clock()
        with self._write() as conn:
            conn.execute(
                "UPDATE outbox SET state = ?, attempts = ?, last_error = ?, "
                "next_attempt_at = ?, delivered_at = ? WHERE seq = ?",
                (
                    state,
                    attempts,
                    error,
                    now.timestamp() + delay,
                    _text(now) if state == "delivered" else None,
                    seq,
                ),
            )

    def _take_lease(self, seconds: float) -> bool:
        with self._write() as conn:
            row = conn.execute("SELECT owner, expires FROM relay_lease WHERE id = 1").fetchone()
            held = row is not None and row[0] != self._owner and row[1] > time.time()
            if held and _alive(row[0]):
                return False
            conn.execute(
                "INSERT INTO relay_lease (id, owner, expires) VALUES (1, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, expires = excluded.expires",
                (self._owner, time.time() + seconds + 60),
            )
        return True

    def _renew_lease(self, seconds: float) -> None:
        with self._write() as conn:
            conn.execute(
                "UPDATE relay_lease SET expires = ? WHERE id = 1 AND owner = ?",
                (time.time() + seconds + 60, self._owner),
            )

    def _release_lease(self) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM relay_lease WHERE id = 1 AND owner = ?", (self._owner,))

    def outbox_counts(self) -> dict[str, int]:
        """How many outbox events are ``pending``, ``delivered`` and ``dead``."""
        counts = {"pending": 0, "delivered": 0, "dead": 0}
        with self._lock, self._errors():
            for state, count in self._connection().execute(
                "SELECT state, count(*) FROM outbox GROUP BY state"
            ):
                counts[state] = int(count)
        return counts

    def outbox_events(self, key: str | None = None) -> list[dict[str, Any]]:
        """The outbox's events as their sinks see them (JSON data), in order; of one *key*."""
        with self._lock, self._errors():
            conn = self._connection()
            rows = list(
                conn.execute(
                    "SELECT body FROM outbox WHERE ? IS NULL OR key = ? ORDER BY seq", (key, key)
                )
            )
            return [self._event_data(conn, row[0]) for row in rows]

    @staticmethod
    def _event_data(conn: sqlite3.Connection, body: str) -> dict[str, Any]:
        """A stored event's JSON, with its resolution put back from the resolutions table."""
        data: dict[str, Any] = json.loads(body)
        if data.pop(_SAME_RESOLUTION, False):
            row = conn.execute(
                "SELECT body FROM resolutions WHERE key = ?", (data["key"],)
            ).fetchone()
            data["resolution"] = None if row is None else json.loads(row[0])
        return data

    def dead_letters(self) -> list[DeadLetter]:
        """The events the relay gave up on, oldest first."""
        with self._lock, self._errors():
            rows = self._connection().execute(
                "SELECT event_id, key, kind, attempts, last_error, created_at FROM outbox "
                "WHERE state = 'dead' ORDER BY seq"
            )
            return [DeadLetter(*row) for row in rows]

    def retry(self, event_ids: Iterable[str] | None = None) -> int:
        """Make dead letters (all, or those in *event_ids*) pending again; return how many."""
        with self._write() as conn:
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

    # ---- escalations -------------------------------------------------------------------

    def approve(self, key: str, *, by: str) -> Approval:
        """Record that role *by* approved the escalated rest of the decision under *key*.

        *by* must be the role the decision was escalated to, or one above it.
        """
        with self._write() as conn:
            row = conn.execute(
                "SELECT e.role, e.opened_at, e.closed_at, r.body, r.fingerprint "
                "FROM escalations e JOIN resolutions r ON r.key = e.key WHERE e.key = ?",
                (key,),
            ).fetchone()
            if row is None:
                raise InvalidRecord(f"key: {show(key)} has no escalation in this ledger")
            role, opened_at, closed_at, body, fingerprint = row
            if closed_at is not None:
                raise InvalidRecord(f"key: {show(key)} was already approved, at {closed_at}")
            policy = self._policy(conn, fingerprint)
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
                (_text(now), by, key),
            )
        resolution = resolution_from_dict(json.loads(body))
        return Approval(key, role, by, resolution.pending, now - datetime.fromisoformat(opened_at))

    def escalations(self, *, open_only: bool = True) -> list[dict[str, Any]]:
        """Escalations (by default only those still waiting), oldest first."""
        with self._lock, self._errors():
            rows = list(
                self._connection().execute(
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
            item["pending"] = f"{Decimal(total) - Decimal(granted)} {currency}"
            found.append(item)
        return found

    # ---- reports and export ------------------------------------------------------------

    def _rows(self, since: datetime | None, until: datetime | None) -> Iterator[ReportRow]:
        query = (
            "SELECT r.seq, r.key, r.recorded_at, r.kind, r.fault, r.currency, r.owed, "
            "r.goodwill, r.total, r.granted_now, r.cost, r.escalate_to, r.screen, r.faults, "
            "r.customer_id, r.body, e.closed_at, e.closed_by "
            "FROM resolutions r LEFT JOIN escalations e ON e.key = r.key "
            "WHERE r.recorded_at >= ? AND r.recorded_at < ? ORDER BY r.seq"
        )
        low = _text(since) if since is not None else ""
        high = _text(until) if until is not None else "\uffff"
        with self._lock, self._errors():
            rows = list(self._connection().execute(query, (low, high)))
        for row in rows:
            yield ReportRow(*row)

    def report(
        self, *, since: date | datetime | None = None, until: date | datetime | None = None
    ) -> LedgerReport:
        """What the ledger shows about a period: mistakes, money, escalations, abuse, faults.

        *since* is inclusive and *until* exclusive; a date means its midnight UTC.
        """
        low, high = _moment(since, "since"), _moment(until, "until")
        with self._lock, self._errors():
            dead = self.outbox_counts()["dead"]
        return build_report(self._rows(low, high), since=low, until=high, now=self._clock(),
                            dead_letters=dead)  # fmt: skip

    def export(
        self,
        stream: IO[str],
        *,
        format: str = "jsonl",  # the natural name for the CLI's --format
        since: date | datetime | None = None,
        until: date | datetime | None = None,
    ) -> int:
        """Write the recorded resolutions to *stream* as ``jsonl`` or ``csv``; return the count."""
        if format not in ("jsonl", "csv"):
            raise ValueError(f"format: {format!r} is not jsonl or csv")
        rows = self._rows(_moment(since, "since"), _moment(until, "until"))
        if format == "jsonl":
            count = 0
            for row in rows:
                stream.write(_json(row.export_record()) + "\n")
                count += 1
            return count
        writer = csv.DictWriter(stream, fieldnames=ReportRow.CSV_FIELDS, lineterminator="\n")
        writer.writeheader()
        count = 0
        for row in rows:
            writer.writerow(row.csv_record())
            count += 1
        return count


def row_issue(body: str) -> str:
    """The issue id inside a stored resolution's JSON, for messages."""
    try:
        return str(json.loads(body).get("issue_id"))
    except ValueError:
        return "?"


def _moment(value: date | datetime | None, name: str) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    raise InvalidRecord(f"{name}: {show(value)} is not a date or datetime")


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


def resolve_and_record(
    issue: Issue,
    customer: Customer,
    policy: Policy,
    ledger: Ledger,
    *,
    role: str = "agent",
    plugins: PluginManager | None = None,
) -> Resolution:
    """Resolve and record in one call; a retried request returns the stored decision.

    When the decision key is already in *ledger*, the stored resolution comes
    back without resolving again, so a retry never grants twice. Otherwise it
    resolves (as :func:`~favorpolicy.resolve`), applies the policy's goodwill
    budgets, and records the resolution and its events in one transaction.
    The events are delivered by the ledger's relay (:meth:`Ledger.deliver`),
    not by the in-memory delivery, so none is lost if the process dies.
    """
    if not isinstance(ledger, Ledger):
        raise InvalidRecord(f"ledger: {show(ledger)} is not a favorpolicy.ledger.Ledger")
    _check_inputs(issue, customer, policy, role)
    key = decision_key(issue, customer, policy, role)
    stored = ledger.get(key)
    if stored is not None:
        return stored
    resolution = _resolution(issue, customer, policy, role, _manager(plugins), key=key)
    # Two callers racing on one key: the first to commit wins, and both get its answer.
    return ledger._record(resolution, policy, issue, first_wins=True)


def resolve_and_record_many(
    tickets: Iterable[tuple[Issue, Customer]],
    policy: Policy,
    ledger: Ledger,
    *,
    role: str = "agent",
    plugins: PluginManager | None = None,
) -> list[Resolution]:
    """:func:`resolve_and_record` for many ``(issue, customer)`` tickets, in one transaction.

    Decision keys already in *ledger* come back as stored, without resolving
    again; the others are resolved and recorded together with
    :meth:`Ledger.record_many`. Returns one resolution per ticket, in order.
    """
    if not isinstance(ledger, Ledger):
        raise InvalidRecord(f"ledger: {show(ledger)} is not a favorpolicy.ledger.Ledger")
    given = _listed("tickets", tickets)
    for number, ticket in enumerate(given):
        if not isinstance(ticket, tuple | list) or len(ticket) != 2:  # a pair
            raise InvalidRecord(
                f"tickets[{number}]: {show(ticket)} is not an (issue, customer) pair"
            )
        _check_inputs(ticket[0], ticket[1], policy, role)
    keys = [decision_key(issue, customer, policy, role) for issue, customer in given]
    with ledger._lock, ledger._errors():
        answers = {
            key: resolution
            for key, (_, resolution) in ledger._stored(ledger._connection(), set(keys)).items()
        }
    manager = _manager(plugins)
    new: dict[str, tuple[Resolution, Issue]] = {}
    for (issue, customer), key in zip(given, keys, strict=True):
        if key not in answers and key not in new:
            new[key] = (_resolution(issue, customer, policy, role, manager, key=key), issue)
    recorded = ledger._record_many(
        [resolution for resolution, _ in new.values()],
        policy,
        [issue for _, issue in new.values()],
        first_wins=True,  # two callers racing on one key: the first to commit wins
    )
    answers.update(zip(new, recorded, strict=True))
    return [answers[key] for key in keys]
