"""The ledger: idempotent records, the outbox and its relay, budgets, approvals, the report.

Everything runs against real SQLite files in tmp_path; the reliability tests
(kill -9, many writers, a flaky sink) are in test_ledger_reliability.py.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import socket
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from favorpolicy import (
    Budget,
    Customer,
    EventKind,
    Fault,
    InvalidPolicy,
    InvalidRecord,
    Issue,
    LedgerConflict,
    LedgerError,
    Level,
    Money,
    PluginManager,
    Policy,
    Resolution,
    ScreenVerdict,
    UnknownRole,
    hookimpl,
    make_plugin_manager,
    policy_from_dict,
    policy_to_dict,
    resolution_from_dict,
    resolution_to_dict,
    resolve,
)
from favorpolicy._budget import goodwill_now, hold_back
from favorpolicy._events import events_for
from favorpolicy.ledger import Ledger, resolve_and_record, resolve_and_record_many
from favorpolicy.ledger import _record as recording
from favorpolicy.ledger._schema import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION
from favorpolicy.ledger._wal import committed_pages
from favorpolicy.testing import RecordingSink, scenarios

BRL = Policy.default("BRL")
AGENT_BUDGET = Budget(Money("100", "BRL"), "month", "agent")
#: A budget small enough that a few tickets use it up.
TIGHT = attrs.evolve(BRL, budgets=(Budget(Money("30", "BRL"), "month", "agent"),))


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def damaged(
    number: int, loss: str = "200", *, fault: Fault = Fault.BUSINESS, **extra: Any
) -> Issue:
    return Issue(f"T-{number}", "damaged", fault, Money(loss, "BRL"), severity=3, **extra)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ledger(tmp_path: Path, clock: Clock) -> Iterator[Ledger]:
    with Ledger(tmp_path / "ledger.db", clock=clock) as book:
        yield book


@pytest.fixture
def quiet() -> PluginManager:
    """The hook specs and no plugins: nothing but what a test registers."""
    return make_plugin_manager(load_entrypoints=False, builtins=False)


def _bare(issue: Issue, customer: Customer, policy: Policy = BRL, role: str = "agent") -> Any:
    return resolve(
        issue,
        customer,
        policy,
        role=role,
        plugins=make_plugin_manager(load_entrypoints=False, builtins=False),
    )


class TestRecord:
    def test_stores_the_resolution_and_gives_it_back_equal(self, ledger: Ledger) -> None:
        resolution = _bare(damaged(1), Customer("C-1"))
        assert resolution == ledger.record(resolution, policy=BRL)
        assert resolution == ledger.get(resolution.key)
        assert resolution.key in ledger
        assert [resolution.key] == ledger.keys()
        assert 1 == len(ledger)

    def test_a_retry_returns_the_stored_one_and_writes_nothing_more(self, ledger: Ledger) -> None:
        resolution = _bare(damaged(1), Customer("C-1"))
        ledger.record(resolution, policy=BRL)
        events = ledger.outbox_events()
        assert resolution == ledger.record(resolution, policy=BRL)
        assert 1 == len(ledger)
        assert events == ledger.outbox_events()

    def test_a_different_resolution_under_the_same_key_is_refused(self, ledger: Ledger) -> None:
        resolution = _bare(damaged(1), Customer("C-1"))
        ledger.record(resolution, policy=BRL)
        richer = attrs.evolve(resolution, goodwill=resolution.goodwill + Money("1", "BRL"))
        with pytest.raises(LedgerConflict, match=resolution.key):
            ledger.record(richer, policy=BRL)
        assert resolution == ledger.get(resolution.key)
        assert 1 == len(ledger)

    def test_events_go_to_the_outbox_in_the_same_transaction(self, ledger: Ledger) -> None:
        resolution = _bare(damaged(2, "1000"), Customer("C-2"))  # escalated
        ledger.record(resolution, policy=BRL)
        expected = [(e.id, e.kind.value) for e in events_for(resolution, BRL)]
        assert [(e["id"], e["kind"]) for e in ledger.outbox_events(resolution.key)] == expected
        assert {"pending": len(expected), "delivered": 0, "dead": 0} == ledger.outbox_counts()
        assert EventKind.ESCALATED.value in [kind for _, kind in expected]

    @pytest.mark.parametrize(
        ("field", "value", "error"),
        [
            ("resolution", "not a resolution", r"resolution: 'not a resolution' is a str"),
            ("policy", Policy.default("USD"), r"policy: 'default-USD'.*did not make"),
            ("policy", "BRL", r"policy: 'BRL' is not a Policy"),
            ("issue", damaged(99), r"issue: 'T-99' is not the resolution's issue 'T-1'"),
            ("issue", 42, r"issue: 42 is not an Issue"),
        ],
    )
    def test_bad_input_names_the_field_and_writes_nothing(
        self, ledger: Ledger, field: str, value: object, error: str
    ) -> None:
        arguments: dict[str, Any] = {
            "resolution": _bare(damaged(1), Customer("C-1")),
            "policy": BRL,
            "issue": damaged(1),
        }
        arguments[field] = value
        resolution = arguments.pop("resolution")
        with pytest.raises(InvalidRecord, match=error):
            ledger.record(resolution, **arguments)
        assert 0 == len(ledger)
        assert {"pending": 0, "delivered": 0, "dead": 0} == ledger.outbox_counts()

    @pytest.mark.parametrize(
        ("currency", "loss"), [("JPY", "1"), ("KWD", "0.001"), ("USD", "999999999999999.99")]
    )
    def test_amounts_are_kept_exactly(self, tmp_path: Path, currency: str, loss: str) -> None:
        policy = Policy.default(currency)
        issue = Issue("T-1", "late", Fault.UNKNOWN, Money(loss, currency), severity=5)
        with Ledger(tmp_path / "exact.db") as book:
            resolution = book.record(_bare(issue, Customer("C"), policy), policy=policy)
        with Ledger(tmp_path / "exact.db") as book:
            assert resolution == book.get(resolution.key)

    def test_unicode_and_empty_text_round_trip(self, ledger: Ledger) -> None:
        issue = Issue("ticket-ção-💥", "atraso", Fault.SHARED, Money("10", "BRL"), conduct="")
        customer = Customer("cliente-ñ-東京")
        resolution = ledger.record(_bare(issue, customer), policy=BRL, issue=issue)
        assert resolution == ledger.get(resolution.key)
        assert "atraso" in ledger.report().mistakes["2026-11"]

    def test_in_memory_ledger(self) -> None:
        with Ledger(":memory:") as book:
            resolution = book.record(_bare(damaged(1), Customer("C")), policy=BRL)
            assert resolution == book.get(resolution.key)

    def test_a_closed_ledger_says_so(self, tmp_path: Path) -> None:
        book = Ledger(tmp_path / "closed.db")
        book.close()
        with pytest.raises(LedgerError, match="is closed"):
            len(book)


class TestBatch:
    def test_one_transaction_for_many_records(self, ledger: Ledger) -> None:
        with ledger.batch():
            for number in range(20):
                ledger.record(_bare(damaged(number), Customer(f"C-{number}")), policy=BRL)
        assert 20 == len(ledger)

    def test_an_error_rolls_the_whole_batch_back(self, ledger: Ledger) -> None:
        def record_then_fail() -> None:
            with ledger.batch():
                for number in range(5):
                    ledger.record(_bare(damaged(number), Customer("C")), policy=BRL)
                raise RuntimeError("the caller failed")

        with pytest.raises(RuntimeError, match="the caller failed"):
            record_then_fail()
        assert 0 == len(ledger)
        assert 0 == sum(ledger.outbox_counts().values())

    def test_a_rolled_back_batch_does_not_lose_the_policy_for_later_records(
        self, ledger: Ledger, quiet: PluginManager
    ) -> None:
        def record_then_fail() -> None:
            with ledger.batch():
                ledger.record(_bare(damaged(1), Customer("C")), policy=BRL)
                raise RuntimeError("rolled back")

        with pytest.raises(RuntimeError):
            record_then_fail()
        resolve_and_record(damaged(2), Customer("C"), BRL, ledger)
        sink = RecordingSink()
        quiet.register(sink)
        with Ledger(ledger.path) as fresh:  # knows the policy only from the file
            assert 1 == fresh.deliver(quiet).delivered
        assert [BRL] == [event.policy for event in sink.events]

    def test_a_refused_record_inside_a_batch_leaves_the_others(self, ledger: Ledger) -> None:
        first = _bare(damaged(1), Customer("C"))
        with ledger.batch():
            ledger.record(first, policy=BRL)
            with pytest.raises(LedgerConflict):
                ledger.record(attrs.evolve(first, role="lead"), policy=BRL)
            ledger.record(_bare(damaged(2), Customer("C")), policy=BRL)
        assert 2 == len(ledger)

    def test_a_record_failing_part_way_rolls_the_whole_batch_back(
        self, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # No savepoint per record: a record that fails after its first write leaves
        # the batch untrustworthy, so the batch refuses to commit, even when the
        # caller catches the error and carries on.
        ledger.record(_bare(damaged(0), Customer("C")), policy=BRL)
        real = recording.event_rows

        def fail_after_the_insert(*args: Any) -> Any:
            raise sqlite3.OperationalError("disk I/O error")

        def carry_on_after_a_failure() -> None:
            with ledger.batch():
                ledger.record(_bare(damaged(1), Customer("C")), policy=BRL)
                monkeypatch.setattr(recording, "event_rows", fail_after_the_insert)
                with pytest.raises(LedgerError, match="disk I/O error"):
                    ledger.record(_bare(damaged(2), Customer("C")), policy=BRL)
                monkeypatch.setattr(recording, "event_rows", real)
                with pytest.raises(LedgerError, match="nothing more is written"):
                    ledger.record(_bare(damaged(3), Customer("C")), policy=BRL)

        with pytest.raises(LedgerError, match="failed part-way, so the whole batch was rolled"):
            carry_on_after_a_failure()
        assert 1 == len(ledger)  # only what was committed before the batch
        assert 1 == ledger.outbox_counts()["pending"]
        with ledger.batch():  # the next batch is a fresh start
            ledger.record(_bare(damaged(4), Customer("C")), policy=BRL)
        assert 2 == len(ledger)


class TestBatchWhenSQLiteEndsTheTransaction:
    def test_nothing_more_is_written_and_nothing_of_the_batch_is_kept(self, ledger: Ledger) -> None:
        # A full disk makes SQLite roll the whole transaction back by itself; a
        # caller that catches the error and records on must not commit the rest
        # statement by statement.
        ledger.record(_bare(damaged(0), Customer("C")), policy=BRL)
        conn = ledger.store.connection()
        pages = conn.execute("PRAGMA page_count").fetchone()[0]

        def fill() -> None:
            for number in range(1, 200):
                ledger.record(_bare(damaged(number), Customer("C")), policy=BRL)

        def fill_the_disk_then_carry_on() -> None:
            with ledger.batch():
                conn.execute(f"PRAGMA max_page_count={pages + 1}")
                with pytest.raises(LedgerError, match="full"):
                    fill()
                conn.execute("PRAGMA max_page_count=1073741823")
                with pytest.raises(LedgerError, match="nothing more is written"):
                    ledger.record(_bare(damaged(500), Customer("C")), policy=BRL)
                with pytest.raises(LedgerError, match="nothing more is written"):
                    ledger.record_many([_bare(damaged(501), Customer("C"))], policy=BRL)

        with pytest.raises(LedgerError, match="failed part-way"):
            fill_the_disk_then_carry_on()
        assert 1 == len(ledger)
        assert 1 == sum(ledger.outbox_counts().values())
        ledger.record(_bare(damaged(2), Customer("C")), policy=BRL)  # and it works again
        assert 2 == len(ledger)


def test_a_constraint_other_than_the_key_is_a_failure_not_a_stored_decision(
    ledger: Ledger,
) -> None:
    # Only the key's UNIQUE index means "already recorded"; any other constraint
    # (here a stray escalation row under the key) fails the record, which writes nothing.
    resolution = _bare(damaged(1, "5000"), Customer("C"))
    assert resolution.escalate_to is not None
    ledger.store.connection().execute(
        "INSERT INTO escalations (key, role, opened_at) VALUES (?, 'lead', 'then')",
        (resolution.key,),
    )
    with pytest.raises(LedgerError, match=r"UNIQUE constraint failed: escalations\.key"):
        ledger.record(resolution, policy=BRL)
    assert 0 == len(ledger)
    assert 0 == sum(ledger.outbox_counts().values())


class _Counting:
    """A goodwill plugin that counts its calls and suggests more each time."""

    def __init__(self) -> None:
        self.calls = 0

    @hookimpl
    def favorpolicy_goodwill(self) -> Money:
        self.calls += 1
        return Money(self.calls * 10, "BRL")


class TestResolveAndRecord:
    def test_a_retry_returns_the_stored_decision_without_resolving_again(
        self, ledger: Ledger, quiet: PluginManager
    ) -> None:
        counting = _Counting()
        quiet.register(counting)
        first = resolve_and_record(damaged(1), Customer("C"), BRL, ledger, plugins=quiet)
        again = resolve_and_record(damaged(1), Customer("C"), BRL, ledger, plugins=quiet)
        assert first == again
        assert 1 == counting.calls
        assert 1 == len(ledger)

    def test_events_wait_for_the_relay_not_the_in_memory_delivery(
        self, ledger: Ledger, quiet: PluginManager
    ) -> None:
        sink = RecordingSink()
        quiet.register(sink)
        resolution = resolve_and_record(damaged(1), Customer("C"), BRL, ledger, plugins=quiet)
        quiet.flush()
        assert [] == sink.events
        assert 1 == ledger.deliver(quiet).delivered
        assert [resolution.key] == [event.key for event in sink.events]

    def test_records_kind_fault_and_time_of_the_issue(self, ledger: Ledger) -> None:
        when = datetime(2026, 10, 3, 12, tzinfo=UTC)
        issue = damaged(1, fault=Fault.SHARED, occurred_at=when)
        resolve_and_record(issue, Customer("C"), BRL, ledger)
        rows = list(csv.DictReader(io.StringIO(_export(ledger, "csv"))))
        assert ("damaged", "shared") == (rows[0]["kind"], rows[0]["fault"])

    def test_bad_input_is_refused_before_anything_is_written(self, ledger: Ledger) -> None:
        with pytest.raises(UnknownRole, match="'janitor'"):
            resolve_and_record(damaged(1), Customer("C"), BRL, ledger, role="janitor")
        with pytest.raises(InvalidRecord, match=r"ledger: 'ledger\.db'"):
            resolve_and_record(damaged(1), Customer("C"), BRL, "ledger.db")  # type: ignore[arg-type]
        assert 0 == len(ledger)


def _export(ledger: Ledger, form: str, **period: Any) -> str:
    stream = io.StringIO()
    ledger.export(stream, format=form, **period)
    return stream.getvalue()


# ---- budgets --------------------------------------------------------------------------------


def _budgeted(*budgets: Budget) -> Policy:
    return attrs.evolve(BRL, budgets=budgets)


class TestBudgetInPolicy:
    def test_a_policy_without_budgets_keeps_its_fingerprint(self) -> None:
        # Fingerprints published before budgets existed must stay valid: ledgers hold them.
        assert BRL.fingerprint == attrs.evolve(BRL, budgets=()).fingerprint
        assert BRL.fingerprint != _budgeted(AGENT_BUDGET).fingerprint

    @pytest.mark.parametrize(
        ("budget", "error"),
        [
            (
                Budget(Money("1", "BRL"), "month", "owner"),
                r"budgets\[0\]\.role: 'owner' is the top",
            ),
            (Budget(Money("1", "BRL"), "month", "intern"), r"budgets\[0\]\.role: 'intern' is not"),
            (Budget(Money("1", "USD")), r"budgets\[0\]\.limit: .* not in the policy's currency"),
            (Budget(Money("0.001", "BRL")), r"budgets\[0\]\.limit: .* not a whole number"),
        ],
    )
    def test_a_bad_budget_is_refused(self, budget: Budget, error: str) -> None:
        with pytest.raises(InvalidPolicy, match=error):
            _budgeted(budget)

    def test_two_budgets_for_one_role_and_period_are_refused(self) -> None:
        with pytest.raises(InvalidPolicy, match=r"budgets\[1\]: 'agent/month' is a second"):
            _budgeted(AGENT_BUDGET, AGENT_BUDGET)

    @pytest.mark.parametrize(
        ("value", "error"),
        [({"period": "year"}, r"budgets\.period: 'year' is not one of day, week, month"),
         ({"role": ""}, r"budgets\.role: '' is not a non-empty str"),
         ({"limit": "12"}, r"budgets\.limit: '12' is not Money")],
    )  # fmt: skip
    def test_budget_fields_are_checked(self, value: dict[str, Any], error: str) -> None:
        fields: dict[str, Any] = {"limit": Money("1", "BRL")} | value
        with pytest.raises(InvalidPolicy, match=error):
            Budget(**fields)

    def test_round_trips_through_a_policy_file(self) -> None:
        policy = _budgeted(AGENT_BUDGET, Budget(Money("300", "BRL"), "week"))
        again = policy_from_dict(policy_to_dict(policy))
        assert policy == again
        assert policy.fingerprint == again.fingerprint

    def test_a_policy_file_budget_error_names_the_entry(self) -> None:
        data = policy_to_dict(BRL) | {"budgets": [{"limit": "50 USD", "role": "agent"}]}
        with pytest.raises(InvalidPolicy, match=r"budgets\[0\]\.limit: '50 USD' is in 'USD'"):
            policy_from_dict(data)

    def test_the_top_role_has_no_budget_and_others_share_the_overall_one(self) -> None:
        overall = Budget(Money("500", "BRL"), "week")
        policy = _budgeted(AGENT_BUDGET, overall)
        assert (AGENT_BUDGET, overall) == policy.budgets_for("agent")
        assert (overall,) == policy.budgets_for("lead")
        assert () == policy.budgets_for("owner")

    @pytest.mark.parametrize(
        ("period", "moment", "window", "start"),
        [
            ("day", datetime(2026, 11, 24, 23, 59, tzinfo=UTC), "2026-11-24", date(2026, 11, 24)),
            ("week", datetime(2026, 11, 24, 9, tzinfo=UTC), "2026-W48", date(2026, 11, 23)),
            ("month", datetime(2026, 11, 24, 9, tzinfo=UTC), "2026-11", date(2026, 11, 1)),
            ("week", datetime(2027, 1, 1, tzinfo=UTC), "2026-W53", date(2026, 12, 28)),
        ],
    )
    def test_windows(self, period: str, moment: datetime, window: str, start: date) -> None:
        budget = Budget(Money("1", "BRL"), period)
        assert window == budget.window(moment)
        assert datetime(start.year, start.month, start.day, tzinfo=UTC) == budget.window_start(
            moment
        )


class TestHoldBack:
    @given(scenarios(), st.integers(min_value=0, max_value=10**6))
    def test_never_touches_owed_total_or_the_remedies(
        self, scenario: Any, allowance_units: int
    ) -> None:
        policy, customer, issue, role = scenario
        base = resolve(issue, customer, policy, role=role)
        allowance = Money.minor(policy.currency) * allowance_units
        held = hold_back(base, policy, allowance)
        assert (base.owed, base.total, base.remedies, base.key) == (
            held.owed,
            held.total,
            held.remedies,
            held.key,
        )
        assert base.owed <= held.granted_now <= base.granted_now
        assert (held.escalate_to is None) == (held.granted_now == held.total)
        if role != policy.roles[-1].name:
            assert goodwill_now(held) <= max(allowance, goodwill_now(held) * 0)
            assert goodwill_now(held) == min(goodwill_now(base), allowance)

    def test_explains_what_was_held_and_where_it_went(self) -> None:
        base = _bare(damaged(1), Customer("C"))  # 35.00 BRL goodwill, within the agent limit
        held = hold_back(base, BRL, Money("10", "BRL"), why="the agent/month budget")
        assert "lead" == held.escalate_to
        assert Money("210.00", "BRL") == held.granted_now
        assert "budget_held" == held.reasons[-1].code
        assert Money("25.00", "BRL") == held.reasons[-1].amount
        assert "the agent/month budget has 10.00 BRL left" in held.reasons[-1].message


class TestBudgetInLedger:
    def test_goodwill_is_granted_until_the_budget_is_spent_then_escalated(
        self, ledger: Ledger
    ) -> None:
        policy = _budgeted(AGENT_BUDGET)
        granted = []
        for number in range(4):  # 35 BRL of goodwill each, against 100 a month
            stored = resolve_and_record(damaged(number), Customer(f"C-{number}"), policy, ledger)
            granted.append(goodwill_now(stored).amount)
            assert Money("200.00", "BRL") <= stored.granted_now  # owed, always
            assert Money("235.00", "BRL") == stored.total
        assert [35, 35, 30, 0] == granted
        assert Money("100.00", "BRL") == ledger.budget_spent(AGENT_BUDGET)

    def test_a_new_period_starts_afresh(self, ledger: Ledger, clock: Clock) -> None:
        policy = _budgeted(AGENT_BUDGET)
        for number in range(3):
            resolve_and_record(damaged(number), Customer("C"), policy, ledger)
        clock.now = datetime(2026, 12, 1, tzinfo=UTC)
        stored = resolve_and_record(damaged(9), Customer("C"), policy, ledger)
        assert stored.escalate_to is None
        assert Money("35.00", "BRL") == ledger.budget_spent(AGENT_BUDGET)

    def test_the_tightest_budget_wins(self, ledger: Ledger) -> None:
        overall = Budget(Money("40", "BRL"), "day")
        policy = _budgeted(AGENT_BUDGET, overall)
        first = resolve_and_record(damaged(1), Customer("C"), policy, ledger)
        second = resolve_and_record(damaged(2), Customer("C"), policy, ledger)
        assert (Money("35.00", "BRL"), Money("5.00", "BRL")) == (
            goodwill_now(first),
            goodwill_now(second),
        )
        assert "all/day" in second.reasons[-1].message

    def test_the_top_role_is_never_held_back(self, ledger: Ledger) -> None:
        policy = _budgeted(Budget(Money("0", "BRL")))
        stored = resolve_and_record(damaged(1), Customer("C"), policy, ledger, role="owner")
        assert stored.escalate_to is None
        assert stored.granted_now == stored.total

    def test_owed_is_never_held_back_even_by_a_zero_budget(self, ledger: Ledger) -> None:
        policy = _budgeted(Budget(Money("0", "BRL"), "day", "agent"))
        for fault in Fault:
            issue = damaged(hash(fault) % 1000, "1000", fault=fault)
            stored = resolve_and_record(issue, Customer("C"), policy, ledger)
            assert stored.owed == stored.granted_now
            assert stored.owed == (Money(0, "BRL") if fault is Fault.CUSTOMER else issue.loss)

    def test_recording_without_the_policy_uses_the_stored_one(self, ledger: Ledger) -> None:
        policy = _budgeted(Budget(Money("0", "BRL"), "day", "agent"))
        ledger.record(_bare(damaged(1), Customer("C"), policy), policy=policy)
        stored = ledger.record(_bare(damaged(2), Customer("C"), policy))
        assert "lead" == stored.escalate_to


# ---- the relay ------------------------------------------------------------------------------


class _Failing:
    """A sink that raises for the first *failures* calls, then accepts."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls: list[str] = []

    @hookimpl
    def favorpolicy_notify(self, event: Any) -> None:
        self.calls.append(event.id)
        if len(self.calls) <= self.failures:
            raise ConnectionError(f"down ({len(self.calls)})")


class _Hanging:
    def __init__(self) -> None:
        self.release = threading.Event()

    @hookimpl
    def favorpolicy_notify(self) -> None:
        self.release.wait(5)


def _escalated_and_flagged(ledger: Ledger) -> Resolution:
    """One resolution with three events: resolved, escalated... and the abuse flag."""

    class Screen:
        @hookimpl
        def favorpolicy_screen(self) -> ScreenVerdict:
            return ScreenVerdict(Level.WARN, "rude")

    manager = make_plugin_manager(load_entrypoints=False, builtins=False)
    manager.register(Screen())
    return resolve_and_record(damaged(7, "1000"), Customer("C"), BRL, ledger, plugins=manager)


class TestRelay:
    def test_delivers_every_event_once_in_order_with_its_id(
        self, ledger: Ledger, quiet: PluginManager
    ) -> None:
        sink = RecordingSink()
        quiet.register(sink)
        resolutions = [
            resolve_and_record(damaged(n, "1000"), Customer("C"), BRL, ledger) for n in range(3)
        ]
        report = ledger.deliver(quiet)
        assert (6, 0, 0, 0) == (report.delivered, report.failed, report.dead, report.held)
        expected = [e.id for r in resolutions for e in events_for(r, BRL)]
        assert expected == [event.id for event in sink.events]
        assert all(event.policy == BRL for event in sink.events)
        by_key = {resolution.key: resolution for resolution in resolutions}
        assert all(
            event.resolution == by_key[event.key]
            for event in sink.events
            if event.kind in (EventKind.RESOLVED, EventKind.ESCALATED)
        )
        assert 0 == ledger.deliver(quiet).delivered  # nothing twice

    def test_a_failure_is_retried_after_backoff_and_holds_its_key(
        self, ledger: Ledger, quiet: PluginManager, clock: Clock
    ) -> None:
        sink = _Failing(failures=1)
        quiet.register(sink)
        resolution = _escalated_and_flagged(ledger)
        first = ledger.deliver(quiet, backoff=60)
        assert (0, 1, 1) == (first.delivered, first.failed, first.held)
        assert 0 == ledger.deliver(quiet, backoff=60).delivered  # still backing off
        clock.advance(seconds=61)
        assert 2 == ledger.deliver(quiet, backoff=60).delivered
        ids = [e.id for e in events_for(resolution, BRL)]
        assert [ids[0], *ids] == sink.calls

    def test_a_dead_letter_after_exactly_max_attempts_holds_nothing_back(
        self, ledger: Ledger, quiet: PluginManager
    ) -> None:
        sink = _Failing(failures=3)
        quiet.register(sink)
        resolution = _escalated_and_flagged(ledger)
        outcomes = [ledger.deliver(quiet, max_attempts=3, backoff=0) for _ in range(3)]
        assert [(0, 1, 0), (0, 1, 0), (0, 0, 1)] == [
            (o.delivered, o.failed, o.dead) for o in outcomes
        ]
        [letter] = ledger.dead_letters()
        assert (3, resolution.key) == (letter.attempts, letter.key)
        assert "ConnectionError: down (3)" in letter.last_error
        # A dead letter holds nothing back: the escalation and the abuse flag go on.
        assert (2, 0) == (ledger.deliver(quiet).delivered, ledger.deliver(quiet).held)
        assert 1 == ledger.retry()
        assert 1 == ledger.deliver(quiet).delivered
        assert [] == ledger.dead_letters()

    def test_a_sink_that_accepted_is_not_called_again_when_another_fails(
        self, ledger: Ledger, quiet: PluginManager
    ) -> None:
        good, bad = RecordingSink(), _Failing(failures=1)
        quiet.register(good, name="good")
        quiet.register(bad, name="bad")
        resolve_and_record(damaged(1), Customer("C"), BRL, ledger)
        ledger.deliver(quiet, backoff=0)
        ledger.deliver(quiet, backoff=0)
        assert 1 == len(good.events)
        assert 2 == len(bad.calls)
        assert {"pending": 0, "delivered": 1, "dead": 0} == ledger.outbox_counts()

    def test_a_hanging_sink_times_out(self, ledger: Ledger, quiet: PluginManager) -> None:
        hanging = _Hanging()
        quiet.register(hanging)
        resolve_and_record(damaged(1), Customer("C"), BRL, ledger)
        try:
            report = ledger.deliver(quiet, timeout=0.2, max_attempts=1)
        finally:
            hanging.release.set()
        assert 1 == report.dead
        assert "timed out after 0.2s" in ledger.dead_letters()[0].last_error

    def test_one_relay_at_a_time(self, tmp_path: Path, quiet: PluginManager) -> None:
        path = tmp_path / "shared.db"
        with Ledger(path) as first, Ledger(path) as second:
            resolve_and_record(damaged(1), Customer("C"), BRL, first)
            assert first.relay.take_lease(30)
            assert second.deliver(quiet).busy
            first.relay.release_lease()
            assert not second.deliver(quiet).busy

    def test_a_dead_relays_lease_is_taken_over(self, ledger: Ledger, quiet: PluginManager) -> None:
        with ledger.store.write() as conn:
            conn.execute(
                "INSERT INTO relay_lease (id, owner, expires) VALUES (1, ?, 9e18)",
                (f"{socket.gethostname()}/999999999/gone",),
            )
        assert not ledger.deliver(quiet).busy

    def test_a_sink_configured_in_the_stored_policy_is_used(
        self, tmp_path: Path, quiet: PluginManager
    ) -> None:
        lines = tmp_path / "events.jsonl"
        policy = attrs.evolve(BRL, settings={"jsonl_sink": {"path": str(lines)}})
        with Ledger(tmp_path / "l.db") as book:
            resolve_and_record(damaged(1), Customer("C"), policy, book)
        builtins = make_plugin_manager(load_entrypoints=False)
        with Ledger(tmp_path / "l.db") as book:  # a fresh process would know only the file
            assert 1 == book.deliver(builtins).delivered
        assert ["resolved"] == [json.loads(line)["kind"] for line in lines.read_text().splitlines()]

    def test_max_attempts_must_be_positive(self, ledger: Ledger) -> None:
        with pytest.raises(ValueError, match="max_attempts: 0"):
            ledger.deliver(max_attempts=0)


# ---- escalations ----------------------------------------------------------------------------


class TestApprove:
    def test_records_who_approved_and_how_long_the_customer_waited(
        self, ledger: Ledger, clock: Clock
    ) -> None:
        resolution = resolve_and_record(damaged(1, "1000"), Customer("C"), BRL, ledger)
        assert "lead" == resolution.escalate_to
        clock.advance(hours=5)
        approval = ledger.approve(resolution.key, by="owner")
        assert ("lead", "owner", timedelta(hours=5)) == (
            approval.role,
            approval.approved_by,
            approval.waited,
        )
        assert resolution.pending == approval.amount
        assert [] == ledger.escalations()
        assert "owner" == ledger.escalations(open_only=False)[0]["closed_by"]

    def test_a_role_below_the_escalation_may_not_approve(self, ledger: Ledger) -> None:
        resolution = resolve_and_record(damaged(1, "1000"), Customer("C"), BRL, ledger)
        with pytest.raises(UnknownRole, match="by: 'agent' may not approve"):
            ledger.approve(resolution.key, by="agent")

    def test_approving_twice_or_nothing_is_refused(self, ledger: Ledger) -> None:
        resolution = resolve_and_record(damaged(1, "1000"), Customer("C"), BRL, ledger)
        ledger.approve(resolution.key, by="lead")
        with pytest.raises(InvalidRecord, match="already approved"):
            ledger.approve(resolution.key, by="lead")
        with pytest.raises(InvalidRecord, match="key: 'nope' has no escalation"):
            ledger.approve("nope", by="lead")


# ---- report and export ----------------------------------------------------------------------


class _Crashing:
    @hookimpl
    def favorpolicy_cost(self) -> Money:
        raise RuntimeError("cost service down")


class TestReport:
    @pytest.fixture
    def busy(self, ledger: Ledger, clock: Clock) -> Ledger:
        """Two months of decisions: mistakes, an escalation, abuse, a plugin fault."""
        clock.now = datetime(2026, 10, 5, tzinfo=UTC)
        resolve_and_record(damaged(1), Customer("C-1"), BRL, ledger)
        late = Issue("T-2", "late", Fault.UNKNOWN, Money("30", "BRL"))
        resolve_and_record(late, Customer("C-2"), BRL, ledger)
        clock.now = datetime(2026, 11, 2, tzinfo=UTC)
        escalated = resolve_and_record(damaged(3, "1000"), Customer("C-1"), BRL, ledger)
        rude = damaged(4, conduct="You are a useless idiot and I will find you")
        resolve_and_record(rude, Customer("C-3"), BRL, ledger)
        broken = make_plugin_manager(load_entrypoints=False)
        broken.register(_Crashing(), name="crashing")
        resolve_and_record(damaged(5), Customer("C-1"), BRL, ledger, plugins=broken)
        clock.advance(hours=30)
        ledger.approve(escalated.key, by="lead")
        return ledger

    def test_mistakes_by_month_kind_and_fault(self, busy: Ledger) -> None:
        report = busy.report()
        assert {
            "2026-10": {"damaged": {"business": 1}, "late": {"unknown": 1}},
            "2026-11": {"damaged": {"business": 3}},
        } == report.mistakes
        assert 5 == report.resolutions

    def test_money_escalations_abuse_faults_and_repeat_customers(self, busy: Ledger) -> None:
        report = busy.report()
        money = report.money["BRL"]
        assert "1630.00" == money["owed"]  # 200 + 30 + 1000 + 200 + 200: every loss, owed
        assert report.escalations["approved"] == 1
        assert report.escalations["median_wait_hours"] == 30.0
        assert {"lead": 1} == report.escalations["by_role"]
        assert 1 == report.abuse["flags"]
        # The crashing cost model faulted once for each remedy it was asked to cost.
        keys = busy.keys()
        stored = [busy.get(key) for key in keys]
        [crashed] = [resolution for resolution in stored if resolution and resolution.faults]
        assert {"crashing.favorpolicy_cost": len(crashed.faults)} == report.plugin_faults[
            "by_plugin"
        ]
        assert [{"customer_id": "C-1", "resolutions": 3}] == report.repeat_customers["top"]
        codes = dict(report.top_reasons)
        assert 5 == codes["chosen"]
        assert 1 == codes["benefit_of_doubt"]

    def test_a_period(self, busy: Ledger) -> None:
        october = busy.report(since=date(2026, 10, 1), until=date(2026, 11, 1))
        assert 2 == october.resolutions
        assert ["2026-10"] == list(october.mistakes)

    def test_json_and_text(self, busy: Ledger) -> None:
        report = busy.report()
        data = json.loads(json.dumps(report.to_json()))
        assert 5 == data["resolutions"]
        text = report.text()
        for heading in ("mistakes by month", "owed against goodwill", "escalations: 1",
                        "abuse flags: 1", "plugin faults: ", "repeat customers: 1",
                        "top reasons"):  # fmt: skip
            assert heading in text

    def test_an_empty_ledger_reports_nothing_without_failing(self, ledger: Ledger) -> None:
        report = ledger.report()
        assert 0 == report.resolutions
        assert "0 resolution(s)" in report.text()

    def test_export_jsonl_gives_back_every_resolution(self, busy: Ledger) -> None:
        records = [json.loads(line) for line in _export(busy, "jsonl").splitlines()]
        assert busy.keys() == [record["key"] for record in records]
        for record in records:
            assert busy.get(record["key"]) == resolution_from_dict(record["resolution"])

    def test_export_csv_has_one_flat_row_each(self, busy: Ledger) -> None:
        rows = list(csv.DictReader(io.StringIO(_export(busy, "csv"))))
        assert 5 == len(rows)
        assert {"lead"} == {row["approved_by"] for row in rows if row["escalate_to"]}
        assert all(row["reasons"].split()[-1] in ("granted_now", "escalated") for row in rows)

    def test_export_refuses_an_unknown_format(self, ledger: Ledger) -> None:
        with pytest.raises(ValueError, match="format: 'xml'"):
            _export(ledger, "xml")


# ---- the file -------------------------------------------------------------------------------


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _filled(path: Path, count: int = 40) -> None:
    with Ledger(path) as book, book.batch():
        for number in range(count):
            book.record(_bare(damaged(number), Customer(f"C-{number}")), policy=BRL)


def _cut_short(tmp_path: Path) -> Path:
    """A ledger as a crash in the middle of a checkpoint leaves it; its path.

    The checkpoint copied page 1, with the grown page count, into the file
    before the pages after it; the write-ahead log beside it holds them all.
    """
    path = tmp_path / "live" / "book.db"
    path.parent.mkdir()
    _filled(path, 5)
    holder = sqlite3.connect(path)  # while it is open, closing the ledger keeps the log
    try:
        holder.execute("SELECT count(*) FROM resolutions").fetchone()
        _filled(path, 300)
        crashed = tmp_path / "crashed"
        crashed.mkdir()
        for suffix in ("", "-wal"):
            (crashed / f"book.db{suffix}").write_bytes(Path(f"{path}{suffix}").read_bytes())
    finally:
        holder.close()
    copy = crashed / "book.db"
    data, log = bytearray(copy.read_bytes()), (crashed / "book.db-wal").read_bytes()
    page_size = int.from_bytes(log[8:12], "big")
    frames = range(32, len(log), 24 + page_size)
    first = [at for at in frames if int.from_bytes(log[at : at + 4], "big") == 1][-1]
    data[:page_size] = log[first + 24 : first + 24 + page_size]
    copy.write_bytes(data)
    assert int.from_bytes(data[28:32], "big") * page_size > len(data), "not cut short"
    return copy


def _open_and_read(path: Path) -> None:
    with Ledger(path) as book:
        book.verify()
        book.report()


class TestFile:
    def test_a_new_file_is_marked_and_versioned_in_wal_mode(self, tmp_path: Path) -> None:
        path = tmp_path / "new.db"
        Ledger(path).close()
        conn = sqlite3.connect(path)
        try:
            assert APPLICATION_ID == conn.execute("PRAGMA application_id").fetchone()[0]
            assert SCHEMA_VERSION == conn.execute("PRAGMA user_version").fetchone()[0]
            assert "wal" == conn.execute("PRAGMA journal_mode").fetchone()[0]
        finally:
            conn.close()

    def test_a_version_1_ledger_is_migrated_with_its_data(self, tmp_path: Path) -> None:
        path = tmp_path / "v1.db"
        resolution = _bare(damaged(1, "1000"), Customer("C"))
        conn = sqlite3.connect(path, isolation_level=None)
        for statement in MIGRATIONS[1]:
            conn.execute(statement)
        conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
        conn.execute("PRAGMA user_version=1")
        conn.execute(
            "INSERT INTO resolutions (key, request, recorded_at, issue_id, customer_id, role, "
            "currency, owed, goodwill, total, granted_now, cost, escalate_to, screen, faults, "
            "fingerprint, body) VALUES (?, 'r', '2026-01-05T00:00:00+00:00', 'T-1', 'C', "
            "'agent', 'BRL', '5000', '0', '5000', '5000', '0', 'lead', 'none', 0, ?, ?)",
            (resolution.key, BRL.fingerprint, json.dumps(resolution_to_dict(resolution))),
        )
        conn.close()
        with Ledger(path) as book:
            assert SCHEMA_VERSION == book.schema_version
            assert resolution == book.get(resolution.key)
            assert [resolution.key] == [item["key"] for item in book.escalations()]

    def test_a_newer_schema_is_refused_and_left_alone(self, tmp_path: Path) -> None:
        path = tmp_path / "newer.db"
        _filled(path, 3)
        conn = sqlite3.connect(path)
        conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
        conn.commit()
        conn.close()
        before = _sha(path)
        with pytest.raises(
            LedgerError, match=f"newer favorpolicy \\(schema version {SCHEMA_VERSION + 1}\\)"
        ):
            Ledger(path)
        assert before == _sha(path)

    def test_another_applications_database_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "other.db"
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE songs (title TEXT)")
        conn.commit()
        conn.close()
        with pytest.raises(LedgerError, match="another application, not a ledger"):
            Ledger(path)

    @pytest.mark.parametrize("content", [b"just some text\n", b"\x00" * 4096])
    def test_a_file_that_is_not_sqlite_is_refused_and_left_alone(
        self, tmp_path: Path, content: bytes
    ) -> None:
        path = tmp_path / "text.db"
        path.write_bytes(content)
        with pytest.raises(LedgerError, match=r"text\.db: is not a SQLite database"):
            Ledger(path)
        assert content == path.read_bytes()

    def test_a_truncated_file_is_refused_never_reset(self, tmp_path: Path) -> None:
        path = tmp_path / "cut.db"
        _filled(path)
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
        before = _sha(path)
        with pytest.raises(LedgerError, match=r"cut\.db: is truncated"):
            Ledger(path)
        assert before == _sha(path)

    @pytest.mark.parametrize("through_link", [False, True])
    def test_a_checkpoint_cut_short_is_recovered_not_refused(
        self, tmp_path: Path, through_link: bool
    ) -> None:
        copy = _cut_short(tmp_path)
        if through_link:  # SQLite keeps the log beside the file the link leads to
            link = tmp_path / "link.db"
            link.symlink_to(copy)
            copy = link
        with Ledger(copy) as book:
            assert 300 == len(book)  # the first five again, and 295 new
            book.verify()

    @pytest.mark.parametrize("log", ["cut further", "torn", "header only", "none"])
    def test_a_log_that_misses_a_page_does_not_excuse_a_short_file(
        self, tmp_path: Path, log: str
    ) -> None:
        copy = _cut_short(tmp_path)
        wal = Path(f"{copy}-wal")
        data = wal.read_bytes()
        if log == "cut further":  # pages missing from the file that the log never held
            copy.write_bytes(copy.read_bytes()[: copy.stat().st_size // 3])
        elif log == "torn":  # the first frame's page is not what was written: none counts
            wal.write_bytes(data[:100] + bytes([data[100] ^ 1]) + data[101:])
        elif log == "header only":
            wal.write_bytes(data[:32])
        else:
            wal.unlink()
        before = [_sha(path) for path in (copy, wal) if path.exists()]
        with pytest.raises(LedgerError, match=r"book\.db: is truncated"):
            Ledger(copy)
        assert before == [_sha(path) for path in (copy, wal) if path.exists()]

    def test_a_truncated_header_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "stub.db"
        _filled(path, 1)
        path.write_bytes(path.read_bytes()[:60])
        with pytest.raises(LedgerError, match="is truncated: 60 bytes"):
            Ledger(path)

    def test_corrupted_pages_give_a_clear_error(self, tmp_path: Path) -> None:
        path = tmp_path / "bad.db"
        _filled(path, 200)
        data = bytearray(path.read_bytes())
        page = int.from_bytes(data[16:18], "big")
        for offset in range(page, len(data), page):  # scribble over every page but the first
            data[offset : offset + 64] = b"\xde\xad\xbe\xef" * 16
        path.write_bytes(bytes(data))
        before = _sha(path)
        with pytest.raises(LedgerError, match=r"bad\.db: is damaged"):
            _open_and_read(path)
        assert before == _sha(path)

    def test_verify_passes_a_healthy_file(self, tmp_path: Path) -> None:
        _filled(tmp_path / "ok.db", 5)
        with Ledger(tmp_path / "ok.db") as book:
            book.verify()

    def test_a_directory_is_refused(self, tmp_path: Path) -> None:
        with pytest.raises(LedgerError, match="is a directory"):
            Ledger(tmp_path)


def _dump(book: Ledger) -> tuple[str, list[dict[str, Any]], dict[str, int]]:
    text = io.StringIO()
    book.export(text)
    return text.getvalue(), book.outbox_events(), book.outbox_counts()


class TestWriteAheadLog:
    """committed_pages() reads a log as SQLite's recovery does."""

    @staticmethod
    def _log(tmp_path: Path) -> tuple[bytes, int]:
        copy = _cut_short(tmp_path)
        log = Path(f"{copy}-wal").read_bytes()
        return log, int.from_bytes(log[8:12], "big")

    @staticmethod
    def _frames(log: bytes, page_size: int) -> list[tuple[int, int]]:
        """(page, commit size) of every frame, read naively."""
        return [
            (int.from_bytes(log[at : at + 4], "big"), int.from_bytes(log[at + 4 : at + 8], "big"))
            for at in range(32, len(log) - page_size - 23, page_size + 24)
        ]

    def test_holds_the_pages_of_every_committed_frame(self, tmp_path: Path) -> None:
        log, page_size = self._log(tmp_path)
        frames = self._frames(log, page_size)
        assert frames[-1][1], "a closed ledger's log ends with a commit"
        assert {page for page, _ in frames} == committed_pages(log, page_size)

    def test_frames_after_the_last_commit_do_not_count(self, tmp_path: Path) -> None:
        log, page_size = self._log(tmp_path)
        kept = self._frames(log, page_size)[:-1]  # the last transaction loses its commit
        commits = [number for number, (_, size) in enumerate(kept) if size]
        end = commits[-1] + 1 if commits else 0
        cut = log[: len(log) - page_size - 24]
        assert {page for page, _ in kept[:end]} == committed_pages(cut, page_size)
        assert {page for page, _ in kept[end:]} - committed_pages(cut, page_size)

    def test_reads_big_endian_checksums(self, tmp_path: Path) -> None:
        log, page_size = self._log(tmp_path)
        rewritten = bytearray(log)
        rewritten[0:4] = (0x377F0683).to_bytes(4, "big")

        def checksum(data: bytes, s0: int, s1: int) -> tuple[int, int]:
            for at in range(0, len(data), 8):
                s0 = (s0 + int.from_bytes(data[at : at + 4], "big") + s1) % 2**32
                s1 = (s1 + int.from_bytes(data[at + 4 : at + 8], "big") + s0) % 2**32
            return s0, s1

        sums = checksum(bytes(rewritten[:24]), 0, 0)
        rewritten[24:32] = b"".join(part.to_bytes(4, "big") for part in sums)
        for at in range(32, len(log) - page_size - 23, page_size + 24):
            sums = checksum(bytes(rewritten[at : at + 8]), *sums)
            sums = checksum(bytes(rewritten[at + 24 : at + 24 + page_size]), *sums)
            rewritten[at + 16 : at + 24] = b"".join(part.to_bytes(4, "big") for part in sums)
        assert committed_pages(log, page_size) == committed_pages(bytes(rewritten), page_size)

    @pytest.mark.parametrize("log", [b"", b"not a log", bytes(32), bytes(4096)])
    def test_anything_else_holds_nothing(self, log: bytes) -> None:
        assert set() == committed_pages(log, 4096)

    def test_another_page_size_holds_nothing(self, tmp_path: Path) -> None:
        log, page_size = self._log(tmp_path)
        assert set() == committed_pages(log, page_size * 2)


class TestRecordMany:
    """record_many() and resolve_and_record_many(): what one-by-one recording does, at once."""

    def _many(self, count: int, offset: int = 0) -> list[tuple[Issue, Customer]]:
        # Losses over the agent's limit and the budget, customer-fault courtesy, and a
        # ticket given twice: escalations, budget hold-backs and a repeated key.
        made = [
            (
                damaged(offset + n, str(40 + 37 * n), fault=list(Fault)[n % 4]),
                Customer(f"C-{n % 3}", since=date(2020, 1, 1)),
            )
            for n in range(count)
        ]
        return [*made, made[1]]

    def test_gives_what_one_by_one_gives(self, tmp_path: Path, clock: Clock) -> None:
        policy = attrs.evolve(BRL, budgets=(AGENT_BUDGET, Budget(Money("300", "BRL"), "week")))
        tickets = self._many(12)
        resolutions = [_bare(issue, customer, policy) for issue, customer in tickets]
        issues = [issue for issue, _ in tickets]
        with (
            Ledger(tmp_path / "one.db", clock=clock) as one,
            Ledger(tmp_path / "many.db", clock=clock) as many,
        ):
            singly = [
                one.record(resolution, policy=policy, issue=issue)
                for resolution, issue in zip(resolutions, issues, strict=True)
            ]
            together = many.record_many(resolutions, policy=policy, issues=issues)
            assert singly == together
            assert _dump(one) == _dump(many)
            for budget in policy.budgets:
                assert one.budget_spent(budget) == many.budget_spent(budget)
            assert one.escalations() == many.escalations()
        held = [r for r in together if r.granted_now < r.total and r.escalate_to == "lead"]
        assert held  # the budgets did hold goodwill back
        assert together[-1] == together[1]  # the repeated ticket: stored once

    def test_a_repeat_of_a_held_back_decision_gives_the_held_back_one(
        self, tmp_path: Path, clock: Clock
    ) -> None:
        tickets = [(damaged(n, "300"), Customer("C", since=date(2020, 1, 1))) for n in range(4)]
        tickets.insert(3, tickets[2])  # by then the budget is spent: the third is held back
        with (
            Ledger(tmp_path / "one.db", clock=clock) as one,
            Ledger(tmp_path / "many.db", clock=clock) as many,
        ):
            singly = [resolve_and_record(i, c, TIGHT, one) for i, c in tickets]
            together = resolve_and_record_many(tickets, TIGHT, many)
            assert singly == together
            assert _dump(one) == _dump(many)
        assert together[3] == together[2]
        assert together[2].granted_now == together[2].owed  # no goodwill left to grant now
        assert together[2].escalate_to is not None

    def test_a_retry_gives_back_what_is_stored_and_adds_nothing(self, ledger: Ledger) -> None:
        resolutions = [_bare(issue, customer) for issue, customer in self._many(5)]
        first = ledger.record_many(resolutions, policy=BRL)
        before = _dump(ledger)
        assert first == ledger.record_many(resolutions, policy=BRL)
        assert before == _dump(ledger)
        assert 5 == len(ledger)

    def test_a_conflict_records_nothing_of_the_call(self, ledger: Ledger) -> None:
        resolutions = [_bare(issue, customer) for issue, customer in self._many(4)]
        ledger.record(resolutions[2], policy=BRL)
        changed = attrs.evolve(resolutions[2], role="lead")
        with pytest.raises(LedgerConflict, match=f"key {resolutions[2].key}"):
            ledger.record_many([*resolutions[:2], changed], policy=BRL)
        assert [resolutions[2].key] == ledger.keys()
        assert 1 == sum(ledger.outbox_counts().values())

    def test_inside_a_batch_it_is_part_of_the_batch(self, ledger: Ledger) -> None:
        resolutions = [_bare(issue, customer) for issue, customer in self._many(4)]

        def then_fail() -> None:
            with ledger.batch():
                ledger.record_many(resolutions[:2], policy=BRL)
                ledger.record(resolutions[3], policy=BRL)
                raise RuntimeError("the caller failed")

        with pytest.raises(RuntimeError):
            then_fail()
        assert 0 == len(ledger)
        with ledger.batch():
            ledger.record_many(resolutions[:2], policy=BRL)
        assert 2 == len(ledger)

    def test_bad_input_is_refused_before_anything_is_written(self, ledger: Ledger) -> None:
        resolution = _bare(damaged(1), Customer("C"))
        with pytest.raises(InvalidRecord, match="issues: 2 given for 1 resolutions"):
            ledger.record_many([resolution], issues=[damaged(1), damaged(2)])
        with pytest.raises(InvalidRecord, match="resolution: 'nope' is a str"):
            ledger.record_many([resolution, "nope"])  # type: ignore[list-item]
        with pytest.raises(InvalidRecord, match="issue: 'T-2' is not the resolution's issue"):
            ledger.record_many([resolution], issues=[damaged(2)])
        assert 0 == len(ledger)
        assert [] == ledger.record_many([])

    def test_resolve_and_record_many_is_resolve_and_record_for_each(
        self, tmp_path: Path, clock: Clock
    ) -> None:
        def counted() -> tuple[PluginManager, _Counting]:
            # Its goodwill grows with each call, so a second resolve would show.
            plugins = make_plugin_manager(load_entrypoints=False, builtins=False)
            counting = _Counting()
            plugins.register(counting)
            return plugins, counting

        (for_one, one_count), (for_many, many_count) = counted(), counted()
        tickets = self._many(9)
        with (
            Ledger(tmp_path / "one.db", clock=clock) as one,
            Ledger(tmp_path / "many.db", clock=clock) as many,
        ):
            singly = [
                resolve_and_record(issue, customer, BRL, one, plugins=for_one)
                for issue, customer in tickets
            ]
            together = resolve_and_record_many(tickets, BRL, many, plugins=for_many)
            assert singly == together
            assert _dump(one) == _dump(many)
            # As often as one by one: the repeated ticket is resolved once (and
            # customer-fault tickets never ask for plugin goodwill).
            asked = many_count.calls
            assert one_count.calls == asked == 7
            # Stored keys come back without resolving again: no plugin is asked.
            assert together == resolve_and_record_many(tickets, BRL, many, plugins=for_many)
            assert asked == many_count.calls

    def test_resolve_and_record_many_refuses_bad_input(self, ledger: Ledger) -> None:
        with pytest.raises(UnknownRole, match="role: 'intern'"):
            resolve_and_record_many([(damaged(1), Customer("C"))], BRL, ledger, role="intern")
        with pytest.raises(InvalidRecord, match="ledger: 'book' is not"):
            resolve_and_record_many([], BRL, "book")  # type: ignore[arg-type]
        assert 0 == len(ledger)

    # A consistency check, not a rule of the bias contract: 100 examples, each
    # two fresh ledgers, keep CI's time in bounds.
    @settings(max_examples=100)
    @given(st.lists(scenarios(st.just(TIGHT)), max_size=6), st.data())
    def test_many_equals_one_by_one_for_any_tickets(
        self, scenarios_: list[Any], data: st.DataObject
    ) -> None:
        tickets = [(issue, customer) for _, customer, issue, _ in scenarios_]
        if tickets:  # and some given twice
            tickets += data.draw(st.lists(st.sampled_from(tickets), max_size=2))
        clock = Clock()
        with Ledger(":memory:", clock=clock) as one, Ledger(":memory:", clock=clock) as many:
            singly = [resolve_and_record(i, c, TIGHT, one) for i, c in tickets]
            assert singly == resolve_and_record_many(tickets, TIGHT, many)
            assert _dump(one) == _dump(many)
            budget = TIGHT.budgets[0]
            assert one.budget_spent(budget) == many.budget_spent(budget)


class TestBudgetsWithoutThePolicyGiven:
    """Issue 15, defect 4: a budget skipped in silence when record() had no policy."""

    def test_recording_without_a_policy_the_ledger_does_not_hold_is_refused(
        self, ledger: Ledger
    ) -> None:
        budgeted = attrs.evolve(BRL, budgets=(Budget(Money(50, "BRL"), "month"),))
        with pytest.raises(InvalidRecord, match=r"^policy: the ledger does not hold the policy"):
            ledger.record(_bare(damaged(1), Customer("C"), budgeted))
        assert 0 == len(ledger)

    def test_once_stored_the_policy_and_its_budget_apply(self, ledger: Ledger) -> None:
        budget = Budget(Money(50, "BRL"), "month")
        budgeted = attrs.evolve(BRL, budgets=(budget,))
        ledger.record(_bare(damaged(0), Customer("C"), budgeted), policy=budgeted)
        for number in range(1, 20):
            ledger.record(_bare(damaged(number), Customer("C"), budgeted))  # no policy given
        assert Money(50, "BRL") >= ledger.budget_spent(budget)
        assert Money(0, "BRL") < ledger.budget_spent(budget)
