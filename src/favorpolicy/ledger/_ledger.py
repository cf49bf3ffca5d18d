"""The public face of the ledger: one :class:`Ledger`, composed of small parts over one store.

- the store (``_sqlite``): the file, its transactions and its migrations;
- ``_record``: each decision once, with its events and budget spending;
- ``_budgets``: what each budget period has granted on the spot;
- ``_relay``: the outbox delivered to the sinks, at least once;
- ``_escalations``: what waits for a role above, and its approval;
- ``_report``: what a period shows, and the export.

Every method of :class:`Ledger` hands its work to one of them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import IO, Any

import attrs

from .._model import Customer, Issue, Resolution
from .._money import Money
from .._plugins import PluginManager
from .._policy import Budget, Policy
from .._resolve import check_inputs, decision_key, plugins_or_default, resolution_with
from .._show import show
from .._versions import AnyPolicy, PolicyVersions, in_force
from ..exceptions import InvalidRecord
from ._budgets import Budgets
from ._claims import History, history_of
from ._escalations import Approval, Escalations
from ._policies import PolicyBook
from ._record import Recorder, listed
from ._relay import DeadLetter, DeliveryReport, Relay
from ._report import LedgerReport, Reports
from ._sqlite import SqliteStore

__all__ = ["Ledger", "resolve_and_record", "resolve_and_record_many"]


def _utc_now() -> datetime:
    return datetime.now(UTC)


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
        now = clock or _utc_now
        self._now = now
        #: The parts, over one store; the module functions below reach them too.
        self.store = SqliteStore(self.path, timeout=timeout)
        policies = PolicyBook(self.store)
        self.budgets = Budgets(self.store, now)
        self.recorder = Recorder(self.store, policies, self.budgets, now)
        self.relay = Relay(self.store, policies, now)
        self.escalation_desk = Escalations(self.store, policies, now)
        self.reports = Reports(self.store, now)

    # ---- the file ----------------------------------------------------------------------

    @property
    def schema_version(self) -> int:
        """The schema version of the open file."""
        return self.store.schema_version()

    def verify(self) -> None:
        """Run SQLite's integrity check over the whole file; raise LedgerError if it fails."""
        self.store.verify()

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
        with self.store.batch():
            yield self

    def close(self) -> None:
        """Close the file. A closed ledger raises LedgerError when used."""
        self.store.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Ledger({self.path!r})"

    # ---- recording and reading ---------------------------------------------------------

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
        return self.recorder.record(resolution, policy, issue, first_wins=False)

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
        given = listed("resolutions", resolutions)
        return self.recorder.record_many(given, policy, issues, first_wins=False)

    def get(self, key: str) -> Resolution | None:
        """The resolution stored under *key*, or None."""
        return self.recorder.get(key)

    def history(
        self,
        customer_id: str,
        *,
        days: int,
        currency: str,
        until: datetime | None = None,
        excluding: str | None = None,
        for_claim: str | None = None,
    ) -> History:
        """*customer_id*'s claims in the *days* up to *until* (default: now), and the goodwill
        their latest decisions gave in *currency*; the issue *excluding* is left out.

        A claim's moment is its issue's ``occurred_at``, or when it was recorded.

        *for_claim* (an issue id) asks for the history that claim was first decided
        with: it is left out, only the decisions recorded before its first one count,
        and *until* defaults to that decision's moment. So a retry of the claim finds
        the same history, whatever has been recorded since.
        """
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 36_600:
            raise InvalidRecord(f"days: {show(days)} is not a whole number of days from 1 to 36600")
        if not isinstance(customer_id, str):
            raise InvalidRecord(f"customer_id: {show(customer_id)} is not a str")
        with self.store.read() as conn:
            return history_of(
                conn,
                customer_id,
                currency,
                until,
                days,
                excluding,
                now=self._now(),
                for_claim=for_claim,
            )

    def __contains__(self, key: object) -> bool:
        return self.recorder.holds(key)

    def __len__(self) -> int:
        return self.recorder.count()

    def keys(self) -> list[str]:
        """Every recorded key, in the order recorded."""
        return self.recorder.keys()

    def budget_spent(self, budget: Budget, at: datetime | None = None) -> Money:
        """What *budget* has granted on the spot in the period that *at* (default: now) is in."""
        return self.budgets.spent(budget, at)

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
        recording, and an event waits while an earlier event of its key is
        still being retried. A sink call that raises or runs past *timeout*
        seconds fails the event for this run; it is retried after *backoff*
        seconds, doubled each time, and after *max_attempts* failed runs it
        becomes a dead letter (see :meth:`dead_letters` and :meth:`retry`),
        which the other sinks are told of. At most *limit* events are tried per
        run. Only one relay works on a ledger at a time; another one returns at
        once with ``busy=True``.
        """
        return self.relay.deliver(
            plugins, max_attempts=max_attempts, backoff=backoff, timeout=timeout, limit=limit
        )

    def outbox_counts(self) -> dict[str, int]:
        """How many outbox events are ``pending``, ``delivered`` and ``dead``."""
        return self.relay.outbox_counts()

    def outbox_events(self, key: str | None = None) -> list[dict[str, Any]]:
        """The outbox's events as their sinks see them (JSON data), in order; of one *key*."""
        return self.relay.outbox_events(key)

    def dead_letters(self) -> list[DeadLetter]:
        """The events the relay gave up on, oldest first."""
        return self.relay.dead_letters()

    def retry(self, event_ids: Iterable[str] | None = None) -> int:
        """Make dead letters (all, or those in *event_ids*) pending again; return how many."""
        return self.relay.retry(event_ids)

    # ---- escalations -------------------------------------------------------------------

    def pick(self, key: str, choice: int | str) -> Resolution:
        """Record the customer's pick among the choices of the decision under *key*: an
        index into its ``choices``, or the remedy kind that leads one. Returns the
        resolution with the pick, which :meth:`get` returns from then on.

        The decision's amounts do not change. Picking the same again returns the same;
        a different second pick, or a choice the decision does not offer, raises
        :class:`~favorpolicy.InvalidChoice`; an unknown key raises ``InvalidRecord``.
        """
        return self.recorder.pick(key, choice)

    def approve(self, key: str, *, by: str) -> Approval:
        """Record that role *by* approved the escalated rest of the decision under *key*.

        *by* must be the role the decision was escalated to, or one above it.
        """
        return self.escalation_desk.approve(key, by=by)

    def escalations(self, *, open_only: bool = True) -> list[dict[str, Any]]:
        """Escalations (by default only those still waiting), oldest first."""
        return self.escalation_desk.escalations(open_only=open_only)

    # ---- reports and export ------------------------------------------------------------

    def report(
        self, *, since: date | datetime | None = None, until: date | datetime | None = None
    ) -> LedgerReport:
        """What the ledger shows about a period: mistakes, money, escalations, abuse, faults.

        *since* is inclusive and *until* exclusive; a date means its midnight UTC.
        """
        return self.reports.report(since=since, until=until)

    def export(
        self,
        stream: IO[str],
        *,
        format: str = "jsonl",  # the natural name for the CLI's --format
        since: date | datetime | None = None,
        until: date | datetime | None = None,
    ) -> int:
        """Write the recorded resolutions to *stream* as ``jsonl`` or ``csv``; return the count."""
        return self.reports.export(stream, format=format, since=since, until=until)


def resolve_and_record(
    issue: Issue,
    customer: Customer,
    policy: AnyPolicy,
    ledger: Ledger,
    *,
    role: str = "agent",
    plugins: PluginManager | None = None,
    as_of: date | datetime | None = None,
    history_days: int | None = None,
) -> Resolution:
    """Resolve and record in one call; a retried request returns the stored decision.

    When the decision key is already in *ledger*, the stored resolution comes
    back without resolving again, so a retry never grants twice. Otherwise it
    resolves (as :func:`~favorpolicy.resolve`), applies the policy's goodwill
    budgets, and records the resolution and its events in one transaction.
    The events are delivered by the ledger's relay (:meth:`Ledger.deliver`),
    not by the in-memory delivery, so none is lost if the process dies.
    *policy* may be a :class:`~favorpolicy.PolicyVersions`, as for resolve().

    With *history_days*, the customer's other claims in that many days up to the
    issue's ``occurred_at`` (or now) are counted first, and given to the policy's
    rules as the customer's facts ``recent_claims`` and ``recent_goodwill``: a rule
    can send a frequent claimant to review. The issue itself is not counted, nor is
    anything recorded after its first decision, so a retried request finds the same
    history, the same key and the stored decision.
    """
    if not isinstance(ledger, Ledger):
        raise InvalidRecord(f"ledger: {show(ledger)} is not a favorpolicy.ledger.Ledger")
    policy = in_force(policy, getattr(issue, "occurred_at", None), as_of)
    check_inputs(issue, customer, policy, role)
    if history_days is not None:
        customer = with_history(ledger, issue, customer, policy.currency, history_days)
    key = decision_key(issue, customer, policy, role)
    stored = ledger.get(key)
    if stored is not None:
        return stored
    resolution = resolution_with(
        issue, customer, policy, role, plugins_or_default(plugins), key=key
    )
    # Two callers racing on one key: the first to commit wins, and both get its answer.
    return ledger.recorder.record(resolution, policy, issue, first_wins=True)


def with_history(
    ledger: Ledger, issue: Issue, customer: Customer, currency: str, days: int
) -> Customer:
    """*customer*, with the facts ``recent_claims`` and ``recent_goodwill`` from *ledger*."""
    history = ledger.history(
        customer.id, days=days, currency=currency, until=issue.occurred_at, for_claim=issue.id
    )
    facts = dict(customer.facts) | {
        "recent_claims": history.claims,
        "recent_goodwill": history.goodwill.amount,
    }
    return attrs.evolve(customer, facts=facts)


def resolve_and_record_many(
    tickets: Iterable[tuple[Issue, Customer]],
    policy: AnyPolicy,
    ledger: Ledger,
    *,
    role: str = "agent",
    plugins: PluginManager | None = None,
) -> list[Resolution]:
    """:func:`resolve_and_record` for many ``(issue, customer)`` tickets, in one transaction.

    Decision keys already in *ledger* come back as stored, without resolving
    again; the others are resolved and recorded together with
    :meth:`Ledger.record_many`. Returns one resolution per ticket, in order.
    With a :class:`~favorpolicy.PolicyVersions`, each ticket is decided under
    the version in force on its day, one transaction per version.
    """
    if not isinstance(ledger, Ledger):
        raise InvalidRecord(f"ledger: {show(ledger)} is not a favorpolicy.ledger.Ledger")
    given = listed("tickets", tickets)
    for number, ticket in enumerate(given):
        if not isinstance(ticket, tuple | list) or len(ticket) != 2:  # a pair
            raise InvalidRecord(
                f"tickets[{number}]: {show(ticket)} is not an (issue, customer) pair"
            )
    if isinstance(policy, PolicyVersions):
        chosen = [in_force(policy, getattr(issue, "occurred_at", None)) for issue, _ in given]
        answers: dict[int, Resolution] = {}
        for version in dict.fromkeys(chosen):
            places = [place for place, one in enumerate(chosen) if one is version]
            decided = _record_many([given[p] for p in places], version, ledger, role, plugins)
            answers.update(zip(places, decided, strict=True))
        return [answers[place] for place in range(len(given))]
    return _record_many(given, policy, ledger, role, plugins)


def _record_many(
    given: list[tuple[Issue, Customer]],
    policy: Policy,
    ledger: Ledger,
    role: str,
    plugins: PluginManager | None,
) -> list[Resolution]:
    for issue, customer in given:
        check_inputs(issue, customer, policy, role)
    keys = [decision_key(issue, customer, policy, role) for issue, customer in given]
    with ledger.store.read() as conn:
        answers = {
            key: resolution
            for key, (_, resolution) in ledger.recorder.stored(conn, set(keys)).items()
        }
    manager = plugins_or_default(plugins)
    new: dict[str, tuple[Resolution, Issue]] = {}
    for (issue, customer), key in zip(given, keys, strict=True):
        if key not in answers and key not in new:
            new[key] = (resolution_with(issue, customer, policy, role, manager, key=key), issue)
    recorded = ledger.recorder.record_many(
        [resolution for resolution, _ in new.values()],
        policy,
        [issue for _, issue in new.values()],
        first_wins=True,  # two callers racing on one key: the first to commit wins
    )
    answers.update(zip(new, recorded, strict=True))
    return [answers[key] for key in keys]
