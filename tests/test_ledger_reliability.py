"""The ledger under real failures: kill -9, many writers at once, and a sink that fails.

These use real processes, a real SQLite file and a real HTTP server on
127.0.0.1 (the built-in webhook sink posting to it); nothing is mocked.
"""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import attrs
import pytest

from favorpolicy import (
    Budget,
    Customer,
    Issue,
    Money,
    Policy,
    make_plugin_manager,
    policy_from_toml,
    policy_to_toml,
    resolution_from_dict,
)
from favorpolicy._events import events_for
from favorpolicy._resolve import resolution_for
from favorpolicy.ledger import Ledger, resolve_and_record

# One ticket per number, the same in every process: some escalate, some are rude.
TICKETS = textwrap.dedent(
    """
    from favorpolicy import Customer, Fault, Issue, Money

    KINDS = ("damaged", "late", "missing_item", "defect")

    def ticket(number):
        fault = (Fault.BUSINESS, Fault.UNKNOWN, Fault.SHARED, Fault.CUSTOMER)[number % 4]
        loss = Money(str(20 + (number * 37) % 1500), "BRL")
        conduct = "you useless idiot" if number % 11 == 0 else "it arrived late again"
        issue = Issue(f"T-{number}", KINDS[number % 4], fault, loss,
                      severity=1 + number % 5, conduct=conduct)
        return issue, Customer(f"C-{number % 17}", tier=("standard", "plus", "vip")[number % 3])
    """
)

#: The environment variable the webhook tests' policies name for the signing secret.
SECRET_ENV = "FAVORPOLICY_TEST_WEBHOOK_SECRET"  # noqa: S105  # a variable's name


@pytest.fixture(autouse=True)
def _webhook_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, "s3cret")  # read by the sink, never written in a policy


def _ticket(number: int) -> tuple[Issue, Customer]:
    namespace: dict[str, Any] = {}
    exec(TICKETS, namespace)  # noqa: S102  # the same definition the child processes run
    issue, customer = namespace["ticket"](number)
    return issue, customer


class _Counter(BaseHTTPRequestHandler):
    """Counts each Idempotency-Key it is sent; fails while the server says so."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        server: Any = self.server
        with server.lock:
            failing = server.fail()
            if not failing:
                server.received[self.headers["Idempotency-Key"]] += 1
        self.send_response(500 if failing else 200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # the base's name
        pass


@pytest.fixture
def counting_server() -> Iterator[Any]:
    server: Any = ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    server.lock = threading.Lock()
    server.received = Counter()
    server.fail = lambda: False
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _policy(url: str, *budgets: Budget) -> Policy:
    # attempts=1: the relay's own retries and dead letters are what is under test.
    sink = {"url": url, "secret_env": SECRET_ENV, "attempts": 1, "timeout_ms": 2000}
    return attrs.evolve(Policy.default("BRL"), settings={"webhook_sink": sink}, budgets=budgets)


def _url(server: Any) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/hook"


def _script(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(TICKETS + textwrap.dedent(body))
    return path


def _outbox_ids(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [row[0] for row in conn.execute("SELECT event_id FROM outbox ORDER BY seq")]
    finally:
        conn.close()


class TestKillNine:
    RECORDER = """
        import sys
        import time
        from favorpolicy import policy_from_toml
        from favorpolicy.ledger import Ledger, resolve_and_record

        path, policy_file = sys.argv[1], sys.argv[2]
        policy = policy_from_toml(policy_file)
        with Ledger(path) as ledger:
            start = max(len(ledger) - 3, 0)  # a few again: retried requests
            for number in range(start, start + 100_000):
                issue, customer = ticket(number)
                resolve_and_record(issue, customer, policy, ledger)
                time.sleep(0.002)  # paced, so 50 runs stay a few thousand tickets
        """

    RELAY = """
        import sys
        from favorpolicy import make_plugin_manager
        from favorpolicy.ledger import Ledger

        with Ledger(sys.argv[1]) as ledger:
            while ledger.deliver(make_plugin_manager(load_entrypoints=False)).delivered:
                pass
        """

    def test_nothing_committed_is_lost_doubled_or_left_undelivered(
        self, tmp_path: Path, counting_server: Any
    ) -> None:
        path = tmp_path / "ledger.db"
        policy = _policy(_url(counting_server))
        policy_file = tmp_path / "policy.toml"
        policy_file.write_text(policy_to_toml(policy))
        policy = policy_from_toml(policy_file)  # exactly what the recorder reads
        recorder = _script(tmp_path, "recorder.py", self.RECORDER)
        chance = random.Random(20261124)
        counts: list[int] = []
        seen: dict[str, tuple[str, list[str]]] = {}
        for _ in range(50):
            child = subprocess.Popen([sys.executable, str(recorder), str(path), str(policy_file)])
            time.sleep(chance.uniform(0.3, 0.6))
            child.send_signal(signal.SIGKILL)
            assert -signal.SIGKILL == child.wait(timeout=30)
            counts.append(self._check_intact(path, policy, seen))
        assert counts == sorted(counts)
        assert counts[-1] > 50, "the recorder barely got going; the test proves nothing"

        relay = _script(tmp_path, "relay.py", self.RELAY)
        for _ in range(5):  # the relay is killed too, mid-delivery
            child = subprocess.Popen([sys.executable, str(relay), str(path)])
            time.sleep(chance.uniform(0.3, 0.8))
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=30)
        subprocess.run([sys.executable, str(relay), str(path)], check=True, timeout=300)

        expected = _outbox_ids(path)
        received = counting_server.received
        assert set(expected) == set(received)  # after deduplication: exactly once each
        assert all(count >= 1 for count in received.values())  # at least once
        with Ledger(path) as ledger:
            assert {"pending": 0, "delivered": len(expected), "dead": 0} == ledger.outbox_counts()

    @staticmethod
    def _check_intact(path: Path, policy: Policy, seen: dict[str, tuple[str, list[str]]]) -> int:
        """Every committed resolution is whole, recorded once, and has all its events.

        *seen* maps each key checked before to its stored JSON and event ids, which
        must not change; new keys are checked against a fresh decision.
        """
        with Ledger(path):  # opens cleanly: no damage, no half-written transaction
            pass
        conn = sqlite3.connect(path)
        try:
            rows = list(conn.execute("SELECT key, issue_id, body FROM resolutions ORDER BY seq"))
            outbox = list(conn.execute("SELECT key, event_id FROM outbox ORDER BY seq"))
        finally:
            conn.close()
        assert len(rows) == len({key for key, _, _ in rows})
        assert len(rows) == len({issue_id for _, issue_id, _ in rows}), "a ticket recorded twice"
        events_of: dict[str, list[str]] = {}
        for key, event_id in outbox:
            events_of.setdefault(key, []).append(event_id)
        bare = make_plugin_manager(load_entrypoints=False)
        for key, issue_id, body in rows:
            events = events_of.pop(key, [])
            if key in seen:
                assert seen[key] == (body, events), f"{issue_id} changed after it was committed"
                continue
            resolution = resolution_from_dict(json.loads(body))
            issue, customer = _ticket(int(issue_id.removeprefix("T-")))
            assert resolution == resolution_for(issue, customer, policy, plugins=bare)
            assert [e.id for e in events_for(resolution, policy)] == events
            seen[key] = (body, events)
        assert {} == events_of, "events without their resolution"
        return len(rows)


class TestManyWriters:
    WRITER = """
        import sys
        from favorpolicy import policy_from_toml
        from favorpolicy.ledger import Ledger, resolve_and_record

        path, policy_file = sys.argv[1], sys.argv[2]
        first, last = int(sys.argv[3]), int(sys.argv[4])
        policy = policy_from_toml(policy_file)
        with Ledger(path, timeout=60) as ledger:
            for number in range(first, last):
                issue, customer = ticket(number)
                resolve_and_record(issue, customer, policy, ledger)
        """

    def test_eight_threads_and_two_processes(self, tmp_path: Path) -> None:
        path = tmp_path / "shared.db"
        budget = Budget(Money("800", "BRL"), "month", "agent")
        policy = _policy("", budget)
        policy = attrs.evolve(policy, settings={})
        policy_file = tmp_path / "policy.toml"
        policy_file.write_text(policy_to_toml(policy))
        Ledger(path).close()
        # Ten writers over overlapping ranges: each ticket is tried by two or three of them.
        ranges = [(start * 30, start * 30 + 70) for start in range(10)]
        writer = _script(tmp_path, "writer.py", self.WRITER)
        processes = [
            subprocess.Popen(
                [sys.executable, str(writer), str(path), str(policy_file), str(a), str(b)]
            )
            for a, b in ranges[8:]
        ]
        errors: list[BaseException] = []

        def write(first: int, last: int) -> None:
            try:
                with Ledger(path, timeout=60) as ledger:
                    for number in range(first, last):
                        issue, customer = _ticket(number)
                        resolve_and_record(issue, customer, policy, ledger)
            except BaseException as error:  # reported below, with the thread's failure
                errors.append(error)

        threads = [threading.Thread(target=write, args=span) for span in ranges[:8]]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        for process in processes:
            assert 0 == process.wait(timeout=300)
        assert [] == errors

        with Ledger(path) as ledger:
            keys = ledger.keys()
            stored = [ledger.get(key) for key in keys]
            spent = ledger.budget_spent(budget)
        numbers = sorted(int(r.issue_id.removeprefix("T-")) for r in stored if r)
        assert list(range(ranges[-1][1])) == numbers  # nothing lost, nothing twice
        on_the_spot = sum(
            (r.granted_now - r.owed for r in stored if r and r.role == "agent"),
            Money(0, "BRL"),
        )
        assert on_the_spot == spent
        assert spent <= budget.limit
        assert any(r and r.reasons[-1].code == "budget_held" for r in stored)
        assert all(r and r.granted_now >= r.owed for r in stored)


class TestFlakySink:
    def test_every_event_is_delivered_despite_thirty_percent_failures(
        self, tmp_path: Path, counting_server: Any
    ) -> None:
        chance = random.Random(7)
        calls = Counter[str]()

        def fail() -> bool:
            calls["all"] += 1
            return calls["all"] <= 400 and chance.random() < 0.3  # then it recovers

        counting_server.fail = fail
        policy = _policy(_url(counting_server))
        manager = make_plugin_manager(load_entrypoints=False)
        with Ledger(tmp_path / "flaky.db") as ledger:
            for number in range(150):
                resolve_and_record(*_ticket(number), policy, ledger)
            expected = _outbox_ids(tmp_path / "flaky.db")
            runs = failures = 0
            while ledger.outbox_counts()["pending"]:
                report = ledger.deliver(manager, max_attempts=10, backoff=0)
                failures += report.failed
                runs += 1
                assert runs < 100
            assert {"pending": 0, "delivered": len(expected), "dead": 0} == ledger.outbox_counts()
        assert failures > 30  # the sink really failed, often
        assert set(expected) == set(counting_server.received)

    def test_dead_letters_appear_only_after_the_configured_tries(
        self, tmp_path: Path, counting_server: Any
    ) -> None:
        down = threading.Event()
        down.set()
        counting_server.fail = down.is_set
        policy = _policy(_url(counting_server))
        manager = make_plugin_manager(load_entrypoints=False)
        with Ledger(tmp_path / "down.db") as ledger:
            resolution = resolve_and_record(*_ticket(1), policy, ledger)
            for attempt in range(1, 4):
                assert [] == ledger.dead_letters(), f"dead before attempt {attempt}"
                ledger.deliver(manager, max_attempts=3, backoff=0)
            [letter] = ledger.dead_letters()
            assert (3, resolution.key) == (letter.attempts, letter.key)
            assert "answered 500" in letter.last_error
            down.clear()  # the sink recovers; the owner retries from the dead-letter list
            ledger.deliver(manager)  # the other sinks hear that the webhook gave up on it
            assert [letter] == ledger.dead_letters()  # which stays dead until retried
            assert ["plugin_fault"] == [
                event["kind"] for event in ledger.outbox_events() if event["id"] != letter.event_id
            ]
            assert 1 == ledger.retry([letter.event_id])
            assert ledger.deliver(manager).delivered >= 1
            assert 0 == ledger.outbox_counts()["pending"]
        assert set(counting_server.received) == {letter.event_id} | {
            e.id for e in events_for(resolution, policy)
        }
