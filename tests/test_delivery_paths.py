"""The two ways to a sink are one: the in-memory delivery and the ledger's relay agree.

Both give events to the sinks through ``favorpolicy._plugins.hand_over``. Here
the same sinks, with the same faults, get the same resolutions both ways, and
end up holding the same events, failure notices included.
"""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from favorpolicy import (
    Customer,
    EventKind,
    Fault,
    Issue,
    Money,
    Policy,
    make_plugin_manager,
    resolve,
)
from favorpolicy._events import BuiltinSink, Event
from favorpolicy.hookspecs import hookimpl
from favorpolicy.ledger import Ledger, resolve_and_record

USD = Policy.default("USD")
#: (sink, event id, event kind) for every event a sink accepted
Received = Counter[tuple[str, str, str]]

TICKETS = [
    (Issue("T-1", "late", Fault.UNKNOWN, Money("20", "USD"), severity=2), Customer("C-1")),
    # escalated: resolved and escalated events
    (Issue("T-2", "damaged", Fault.BUSINESS, Money("3000", "USD"), severity=3), Customer("C-2")),
    # abuse: resolved and abuse_flagged events
    (
        Issue("T-3", "late", Fault.UNKNOWN, Money("20", "USD"), conduct="You are useless idiots."),
        Customer("C-3"),
    ),
]

#: How a sink behaves: accepts all, fails all, fails one kind, fails each event's first try,
#: or (a built-in sink) has a wants() that raises.
BEHAVIOURS = ("ok", "fails", "fails_escalated", "flaky", "wants_raises")


class Sink:
    """A sink that behaves as told, and keeps what it accepted."""

    def __init__(self, name: str, behaviour: str, received: Received) -> None:
        self.name = name
        self.behaviour = behaviour
        self.received = received
        self._tried: set[str] = set()
        self._lock = threading.Lock()

    @hookimpl
    def favorpolicy_notify(self, event: Event) -> None:
        with self._lock:
            first_try = event.id not in self._tried
            self._tried.add(event.id)
        if self.behaviour == "fails":
            raise ConnectionError("down")
        if self.behaviour == "fails_escalated" and event.kind is EventKind.ESCALATED:
            raise ConnectionError("no escalations")
        if self.behaviour == "flaky" and first_try:
            raise ConnectionError("hiccup")
        with self._lock:
            self.received[self.name, event.id, event.kind.value] += 1


class ChoosySink(BuiltinSink, Sink):
    """A sink that says in advance which events it wants, as the built-in ones do."""

    def active_for(self, policy: Policy | None) -> bool:
        return True

    def wants(self, event: Event) -> bool:
        raise RuntimeError("wants() is broken")


def _sinks(behaviours: list[str], received: Received) -> list[Sink]:
    made = []
    for number, behaviour in enumerate(behaviours):
        kind = ChoosySink if behaviour == "wants_raises" else Sink
        made.append(kind(f"sink{number}", behaviour, received))
    return made


def in_memory(behaviours: list[str], attempts: int) -> Received:
    received: Received = Counter()
    manager = make_plugin_manager(builtins=False, load_entrypoints=False)
    manager.delivery.attempts = attempts
    manager.delivery.backoff = 0.0
    for sink in _sinks(behaviours, received):
        manager.register(sink, name=sink.name)
    try:
        for issue, customer in TICKETS:
            resolve(issue, customer, USD, plugins=manager)
        assert manager.flush(timeout=30)
    finally:
        manager.delivery.close()
    return received


def through_the_ledger(behaviours: list[str], attempts: int, path: Path) -> Received:
    received: Received = Counter()
    manager = make_plugin_manager(builtins=False, load_entrypoints=False)
    for sink in _sinks(behaviours, received):
        manager.register(sink, name=sink.name)
    with Ledger(path) as ledger:
        for issue, customer in TICKETS:
            resolve_and_record(issue, customer, USD, ledger, plugins=manager)
        # A failed event holds its key until the next run: a key's events, and the notices
        # of their failures, take a few runs to be delivered or dead.
        for _ in range(100):
            ledger.deliver(manager, max_attempts=attempts, backoff=0.0, timeout=5.0)
            if not ledger.outbox_counts()["pending"]:
                break
        assert 0 == ledger.outbox_counts()["pending"]
    manager.close()
    return received


@settings(max_examples=25)  # each example runs two deliveries with threads and a ledger file
@given(
    behaviours=st.lists(st.sampled_from(BEHAVIOURS), min_size=1, max_size=3),
    attempts=st.integers(2, 3),
)
def test_both_paths_deliver_the_same_events_to_the_same_sinks(
    behaviours: list[str], attempts: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = tmp_path_factory.mktemp("ledger") / "shop.db"
    assert in_memory(behaviours, attempts) == through_the_ledger(behaviours, attempts, path)


class TestTheSamePath:
    def test_a_sink_that_fails_for_good_is_told_of_by_both_paths(self, tmp_path: Path) -> None:
        behaviours = ["fails", "ok"]
        for received in (
            in_memory(behaviours, 2),
            through_the_ledger(behaviours, 2, tmp_path / "l"),
        ):
            kinds = Counter(kind for sink, _, kind in received if sink == "sink1")
            # sink1 got every event, and a notice for each event sink0 gave up on
            assert (
                kinds["plugin_fault"]
                == kinds["resolved"] + kinds["escalated"] + kinds["abuse_flagged"]
            )
            assert not any(sink == "sink0" for sink, _, _ in received)

    def test_the_relay_delivers_when_wants_raises(self, tmp_path: Path) -> None:
        received: Received = Counter()
        manager = make_plugin_manager(builtins=False, load_entrypoints=False)
        (sink,) = _sinks(["wants_raises"], received)
        manager.register(sink, name=sink.name)
        with Ledger(tmp_path / "shop.db") as ledger:
            resolve_and_record(*TICKETS[0], USD, ledger, plugins=manager)
            done = ledger.deliver(manager)
        manager.close()
        assert (1, 0, 0) == (done.delivered, done.failed, done.dead)
        assert [("sink0", "resolved")] == [(name, kind) for name, _, kind in received]


class TestOnePathPerResolution:
    """Issue 15, defect 10: resolve() then ledger.record() sent every event twice."""

    def test_a_resolution_resolve_delivered_is_not_sent_again_by_the_relay(
        self, tmp_path: Path
    ) -> None:
        received: Received = Counter()
        manager = make_plugin_manager(builtins=False, load_entrypoints=False)
        (sink,) = _sinks(["ok"], received)
        manager.register(sink, name=sink.name)
        with Ledger(tmp_path / "shop.db") as ledger:
            for issue, customer in TICKETS:
                ledger.record(resolve(issue, customer, USD, plugins=manager), policy=USD)
            assert manager.flush(timeout=30)
            done = ledger.deliver(manager)
            counts = ledger.outbox_counts()
        manager.close()
        assert 0 == done.delivered
        # resolved x 3 and one escalation (no conduct screen here): kept, as delivered
        assert {"pending": 0, "delivered": 4, "dead": 0} == counts
        assert all(1 == count for count in received.values())
        assert 4 == len(received)

    def test_a_resolution_nobody_was_told_of_is_sent_by_the_relay(self, tmp_path: Path) -> None:
        received: Received = Counter()
        quiet = make_plugin_manager(builtins=False, load_entrypoints=False)  # no sinks at all
        relay = make_plugin_manager(builtins=False, load_entrypoints=False)
        (sink,) = _sinks(["ok"], received)
        relay.register(sink, name=sink.name)
        with Ledger(tmp_path / "shop.db") as ledger:
            for issue, customer in TICKETS:
                ledger.record(resolve(issue, customer, USD, plugins=quiet), policy=USD)
            assert 4 == ledger.deliver(relay).delivered
        relay.close()
        assert 4 == len(received)
