"""The plugin manager, and the isolation guarantee: no plugin can leave a customer worse off."""

from __future__ import annotations

import functools
import inspect
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pluggy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import InstallPlugin
from favorpolicy import (
    Customer,
    Event,
    EventKind,
    Fault,
    InvalidPlugins,
    InvalidVerdict,
    Issue,
    Level,
    Money,
    PluginManager,
    Policy,
    Remedy,
    RemedyKind,
    Resolution,
    ScreenVerdict,
    UndeliveredEvents,
    hookimpl,
    hookspecs,
    make_plugin_manager,
    resolve,
)
from favorpolicy.testing import ContractViolation, RecordingSink, Scenario, check_plugin, scenarios

HOOKS = sorted(name for name in vars(hookspecs) if name.startswith("favorpolicy_"))
DECIDING_HOOKS = [hook for hook in HOOKS if hook != "favorpolicy_notify"]
BUILTINS = [
    "cost_model",
    "conduct_filter",
    "logging_sink",
    "jsonl_sink",
    "webhook_sink",
    "smtp_sink",
]
USD = Policy.default("USD")
TIGHT = attrs.evolve(USD, hook_budget_ms=100)  # roomy: honest hooks never near it


def usd(amount: str | int) -> Money:
    return Money(amount, "USD")


DAMAGED = Issue("T-1", "damaged", Fault.BUSINESS, usd(100), severity=3)


@pytest.fixture
def pm() -> Iterator[PluginManager]:
    manager = make_plugin_manager(load_entrypoints=False)
    yield manager
    manager.close()


def decision(resolution: Resolution) -> tuple[object, ...]:
    """What the customer gets, without the record of faults."""
    return (
        resolution.remedies,
        resolution.owed,
        resolution.goodwill,
        resolution.total,
        resolution.granted_now,
        resolution.escalate_to,
        resolution.alternatives,
        resolution.screen.level,
    )


class TestMakePluginManager:
    def test_registers_the_builtins_by_name_and_is_fresh_each_time(self) -> None:
        first = make_plugin_manager(load_entrypoints=False)
        second = make_plugin_manager(load_entrypoints=False)
        assert first is not second
        assert BUILTINS == [name for name, _ in first.list_name_plugin()]
        assert first.get_plugin("cost_model") is not second.get_plugin("cost_model")

    def test_without_builtins_there_are_hookspecs_and_no_plugins(self) -> None:
        bare = make_plugin_manager(builtins=False, load_entrypoints=False)
        assert [] == bare.list_name_plugin()
        assert set(HOOKS) <= {name for name in dir(bare.hook) if name.startswith("favorpolicy_")}
        resolution = resolve(DAMAGED, Customer("c"), USD, plugins=bare)
        assert resolve(DAMAGED, Customer("c"), USD).total == resolution.total

    def test_honours_the_disable_variable(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("FAVORPOLICY_DISABLE_PLUGINS", "conduct_filter, smtp_sink")
        manager = make_plugin_manager(load_entrypoints=False)
        names = [name for name, plugin in manager.list_name_plugin() if plugin is not None]
        assert "conduct_filter" not in names
        assert "smtp_sink" not in names
        assert "cost_model" in names
        assert manager.is_blocked("conduct_filter")

    def test_loads_entry_points_and_checks_pending(
        self, install_plugin: InstallPlugin, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # A plugin that misspells a hook.
        source = "from favorpolicy import hookimpl\n@hookimpl\ndef favorpolicy_screem(issue): ...\n"
        install_plugin("typo_plugin", source, "typo")
        with pytest.raises(pluggy.PluginValidationError, match="favorpolicy_screem"):
            make_plugin_manager()
        monkeypatch.setenv("FAVORPOLICY_DISABLE_PLUGINS", "typo")
        assert not make_plugin_manager().has_plugin("typo")

    def test_no_manager_is_made_at_import(self) -> None:
        code = "import favorpolicy, favorpolicy._plugins._manager as m; print(m._default is None)"
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert "True" == done.stdout.strip()

    @pytest.mark.parametrize("plugins", ["builtins", object(), pluggy.PluginManager("favorpolicy")])
    def test_resolve_refuses_other_managers(self, plugins: object) -> None:
        with pytest.raises(InvalidPlugins, match="plugins: "):
            resolve(DAMAGED, Customer("c"), USD, plugins=plugins)  # type: ignore[arg-type]


# ---- fault injection --------------------------------------------------------------------------

MODES = ["raise", "garbage", "negative", "wrong_currency", "short", "slow"]
SLOW = 0.3  # seconds; well past TIGHT's budget of 100 ms, even on a busy machine


def _bad_value(mode: str, currency: str) -> Any:
    other = "JPY" if currency != "JPY" else "USD"
    return {
        "garbage": "lots",
        "negative": Money(-5, currency),
        "wrong_currency": Money(5, other),
        "short": Money(0, currency),
    }[mode]


def faulty_plugin(hook: str, mode: str) -> object:
    """A plugin whose *hook* misbehaves in one way. Slow ones return an answer that would matter."""

    def misbehave(currency: str, generous: object) -> object:
        if mode == "raise":
            raise RuntimeError("boom")
        if mode == "slow":
            time.sleep(SLOW)
            return generous
        return _bad_value(mode, currency)

    class Faulty:
        @hookimpl
        def favorpolicy_screen(self, issue: Issue) -> object:
            if mode in {"negative", "wrong_currency", "short"}:
                return ScreenVerdict.__new__(ScreenVerdict)  # not a valid verdict object
            return misbehave(issue.loss.currency, ScreenVerdict(Level.REFUSE, "slow filter"))

        @hookimpl
        def favorpolicy_goodwill(self, issue: Issue) -> object:
            if mode == "short":
                return [Money(1, issue.loss.currency)]
            return misbehave(issue.loss.currency, Money(10**6, issue.loss.currency))

        @hookimpl
        def favorpolicy_cost(self, remedy: Remedy) -> object:
            if mode == "short":
                return Decimal_like()
            return misbehave(remedy.value.currency, Money(0, remedy.value.currency))

        @hookimpl
        def favorpolicy_candidates(self, total: Money) -> object:
            currency = total.currency
            gift = [
                Remedy(RemedyKind.STORE_CREDIT, total + Money(10**6, currency), Money(0, currency))
            ]
            if mode == "raise":
                raise RuntimeError("boom")
            if mode == "slow":
                time.sleep(SLOW)
                return [gift]
            if mode == "garbage":
                return [["a", "package"], 42]
            if mode == "negative":
                return [[Remedy(RemedyKind.REFUND, Money(0, currency))]] if total.amount else [7]
            if mode == "wrong_currency":
                other = "JPY" if currency != "JPY" else "USD"
                return [[Remedy(RemedyKind.REFUND, Money(10**6, other))]]
            short = total.amount - Money.minor(currency).amount
            return (
                [[Remedy(RemedyKind.REFUND, Money(max(short, 0), currency))]] if total.amount else 3
            )

    keep = {hook}
    for name in DECIDING_HOOKS:
        if name not in keep:
            delattr(Faulty, name)
    return Faulty()


class Decimal_like:  # noqa: N801  # named for what it imitates
    amount = 5
    currency = "USD"


@functools.cache
def _pair(hook: str, mode: str) -> tuple[PluginManager, PluginManager]:
    """A manager with the built-ins only, and one with a faulty plugin on *hook* too.

    Made once per hook and mode, not once per example: each manager's delivery
    runs a thread while the logging sink hears pytest's log capture.
    """
    dirty = make_plugin_manager(load_entrypoints=False)
    dirty.register(faulty_plugin(hook, mode), name="faulty")
    return make_plugin_manager(load_entrypoints=False), dirty


def _compare(scenario: Scenario, hook: str, mode: str) -> None:
    policy, customer, issue, role = scenario
    clean, dirty = _pair(hook, mode)
    without = resolve(issue, customer, policy, role=role, plugins=clean)
    with_faulty = resolve(issue, customer, policy, role=role, plugins=dirty)
    assert decision(without) == decision(with_faulty)
    assert with_faulty.owed >= without.owed
    assert with_faulty.total >= without.total
    assert with_faulty.granted_now >= without.granted_now
    assert all((f.plugin, f.hook) == ("faulty", hook) for f in with_faulty.faults)
    if hook in {"favorpolicy_screen", "favorpolicy_cost"}:
        assert with_faulty.faults, "this hook is consulted on every resolution"


class TestIsolation:
    """The guarantee, by fault injection on every hook that decides."""

    @pytest.mark.parametrize("mode", [m for m in MODES if m != "slow"])
    @pytest.mark.parametrize("hook", DECIDING_HOOKS)
    @settings(max_examples=40)
    @given(scenario=scenarios())
    def test_a_faulty_plugin_changes_nothing_for_the_customer(
        self, hook: str, mode: str, scenario: Scenario
    ) -> None:
        _compare(scenario, hook, mode)

    @pytest.mark.parametrize("hook", DECIDING_HOOKS)
    def test_a_slow_plugin_is_ignored(self, hook: str) -> None:
        scenario = (TIGHT, Customer("c"), DAMAGED, "agent")
        _compare(scenario, hook, "slow")
        resolution = resolve(
            DAMAGED, Customer("c"), TIGHT, plugins=_with(faulty_plugin(hook, "slow"))
        )
        assert any("over the budget of 100 ms" in fault.error for fault in resolution.faults)

    def test_faults_are_sent_to_the_sinks(self, pm: PluginManager) -> None:
        sink = RecordingSink()
        pm.register(sink)
        pm.register(faulty_plugin("favorpolicy_screen", "raise"), name="faulty")
        resolution = resolve(DAMAGED, Customer("c"), USD, plugins=pm)
        assert pm.flush(timeout=10)
        (event,) = sink.of_kind(EventKind.PLUGIN_FAULT)
        assert resolution.faults[0] == event.fault
        assert "raised RuntimeError: boom" in event.fault.error

    def test_every_deciding_hook_has_fault_injection(self) -> None:
        plugin = faulty_plugin(DECIDING_HOOKS[0], "raise")
        source = inspect.getsource(type(plugin))
        for hook in DECIDING_HOOKS:
            assert f"def {hook}(" in source


def _with(*plugins: object) -> PluginManager:
    manager = make_plugin_manager(load_entrypoints=False)
    for plugin in plugins:
        manager.register(plugin)
    return manager


def _resolve_numbered(manager: PluginManager, count: int) -> None:
    """Resolve tickets T-0, T-1, ... T-{count - 1} with *manager*."""
    for number in range(count):
        resolve(attrs.evolve(DAMAGED, id=f"T-{number}"), Customer("c"), USD, plugins=manager)


def _tuned(
    *,
    sink_timeout: float | None = None,
    attempts: int | None = None,
    backoff: float = 0.001,
    **plugins: object,
) -> PluginManager:
    """A manager with *plugins* registered by name, whose delivery gives up or retries quickly.

    The backoff defaults to 1 ms, to keep the tests quick (the default is 50 ms).
    """
    manager = make_plugin_manager(load_entrypoints=False)
    manager.delivery.backoff = backoff
    if sink_timeout is not None:
        manager.delivery.sink_timeout = sink_timeout
    if attempts is not None:
        manager.delivery.attempts = attempts
    for name, plugin in plugins.items():
        manager.register(plugin, name=name)
    return manager


# Run in a child process: from out_of_threads() on, no thread can start, for real. Each
# asks for a 1 GiB stack, more than the process may map; threads_again() undoes it.
_OUT_OF_THREADS = """
import resource, sys, threading
from favorpolicy import Customer, Fault, Issue, Money, Policy, make_plugin_manager, resolve
from favorpolicy import EventKind, UndeliveredEvents
from favorpolicy.ledger import Ledger, resolve_and_record
from favorpolicy.testing import RecordingSink

LIMIT = resource.getrlimit(resource.RLIMIT_AS)

def out_of_threads():
    with open("/proc/self/status") as status:
        size = next(int(line.split()[1]) for line in status if line.startswith("VmSize:"))
    resource.setrlimit(resource.RLIMIT_AS, (size * 1024 + 2**29, LIMIT[1]))
    threading.stack_size(2**30)

def threads_again():
    threading.stack_size(0)
    resource.setrlimit(resource.RLIMIT_AS, LIMIT)

policy = Policy.default("USD")

def ticket(number):
    issue = Issue(f"T-{number}", "damaged", Fault.BUSINESS, Money("30", "USD"), severity=2)
    return issue, Customer("c")

def resolved(sink):
    return [event.issue_id for event in sink.of_kind(EventKind.RESOLVED)]
"""


def _without_threads(script: str) -> list[str]:
    """Run *script* after :data:`_OUT_OF_THREADS`; the lines it prints."""
    done = subprocess.run(
        [sys.executable, "-c", _OUT_OF_THREADS + textwrap.dedent(script)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert 0 == done.returncode, done.stderr
    return done.stdout.splitlines()


def _can_run_out_of_threads() -> bool:
    """Whether a child can cap its address space: Linux, and no hard cap already set."""
    if not Path("/proc/self/status").exists():
        return False
    import resource  # noqa: PLC0415  # POSIX only

    return resource.getrlimit(resource.RLIMIT_AS)[1] == resource.RLIM_INFINITY


@pytest.mark.skipif(
    not _can_run_out_of_threads(), reason="needs Linux's /proc and an uncapped RLIMIT_AS"
)
class TestOutOfThreads:
    """A process that cannot start a thread still gets its answers; the events say so."""

    def test_resolve_answers_and_counts_the_events_it_could_not_queue(self) -> None:
        lines = _without_threads(
            """
            manager = make_plugin_manager(load_entrypoints=False)
            sink = RecordingSink()
            manager.register(sink)
            bare = make_plugin_manager(builtins=False, load_entrypoints=False)
            import logging
            logged = []
            handler = logging.Handler(logging.ERROR)
            handler.emit = logged.append
            logging.getLogger("favorpolicy.plugins").addHandler(handler)
            out_of_threads()
            first = resolve(*ticket(1), policy, plugins=manager)
            print(first.remedies == resolve(*ticket(1), policy, plugins=bare).remedies)
            print(first.total)
            resolve(*ticket(1), policy, plugins=manager)  # still out of threads
            print(len(logged), "cannot start the delivery thread" in logged[0].getMessage())
            threads_again()
            resolve(*ticket(2), policy, plugins=manager)
            print(manager.flush(timeout=10), resolved(sink))
            try:
                manager.close()
            except UndeliveredEvents as error:
                print("dropped", error.dropped)
            """
        )
        assert ["True", "35.00 USD", "1 True", "True ['T-2']", "dropped 2"] == lines

    def test_a_sink_whose_thread_cannot_start_fails_and_is_retried(self) -> None:
        lines = _without_threads(
            """
            manager = make_plugin_manager(load_entrypoints=False)
            manager.delivery.backoff = 0.001
            first, late = RecordingSink(), RecordingSink()
            manager.register(first, name="first")
            resolve(*ticket(1), policy, plugins=manager)
            print(manager.flush(timeout=10))  # the delivery thread and first's worker run
            out_of_threads()
            manager.register(late, name="late")
            resolve(*ticket(2), policy, plugins=manager)
            print(manager.flush(timeout=10), resolved(first), resolved(late))
            for fault in manager.sink_faults:
                print(fault.plugin, fault.error)
            threads_again()
            resolve(*ticket(3), policy, plugins=manager)
            print(manager.flush(timeout=10), resolved(late))
            manager.close()
            """
        )
        assert "True" == lines[0]
        assert "True ['T-1', 'T-2'] []" == lines[1]
        assert lines[2].startswith(
            "late cannot start a thread for the sink: can't start new thread"
        )
        assert lines[2].endswith("(after 3 attempts)")
        assert "True ['T-3']" == lines[3]
        assert 4 == len(lines)

    def test_the_relay_keeps_the_event_until_a_thread_can_start(self, tmp_path: Path) -> None:
        lines = _without_threads(
            f"""
            manager = make_plugin_manager(load_entrypoints=False)
            sink = RecordingSink()
            manager.register(sink, name="sink")
            with Ledger({str(tmp_path / "book.db")!r}) as book:
                resolve_and_record(*ticket(1), policy, book, plugins=manager)
                out_of_threads()
                report = book.deliver(manager, backoff=0)
                print(report.delivered, report.failed, book.outbox_counts()["pending"])
                threads_again()
                report = book.deliver(manager, backoff=0)
                print(report.delivered, report.failed, book.outbox_counts()["delivered"])
            print(resolved(sink))
            manager.close()
            """
        )
        assert ["0 1 1", "1 0 1", "['T-1']"] == lines


class TestSinkIsolation:
    """favorpolicy_notify: sinks never block or break resolve()."""

    def test_a_raising_sink_is_retried_recorded_and_reported_to_the_others(self) -> None:
        calls: list[str] = []

        class Broken:
            @hookimpl
            def favorpolicy_notify(self, event: object) -> None:
                calls.append("called")
                raise RuntimeError("sink down")

        sink = RecordingSink()
        manager = _tuned(broken=Broken(), recording=sink)
        resolve(DAMAGED, Customer("c"), USD, plugins=manager)
        assert manager.flush(timeout=10)
        assert 3 == len(calls)  # three attempts
        (fault,) = manager.sink_faults
        assert ("broken", "favorpolicy_notify") == (fault.plugin, fault.hook)
        assert "sink down (after 3 attempts)" in fault.error
        assert [EventKind.RESOLVED, EventKind.PLUGIN_FAULT] == sink.kinds()
        manager.close()

    def test_a_blocked_sink_does_not_block_resolve(self) -> None:
        release = threading.Event()
        entered = threading.Event()

        class Blocking:
            @hookimpl
            def favorpolicy_notify(self, event: object) -> None:
                entered.set()
                release.wait(30)

        manager = _with(Blocking())
        first = resolve(DAMAGED, Customer("c"), USD, plugins=manager)
        assert entered.wait(10)
        # The sink is still inside its call, and resolve() answers anyway.
        second = resolve(DAMAGED, Customer("c"), USD, plugins=manager)
        assert not release.is_set()
        assert decision(first) == decision(second)
        release.set()
        assert manager.flush(timeout=10)
        manager.close()

    def test_a_sink_past_its_timeout_is_abandoned_and_recorded(self) -> None:
        release = threading.Event()

        class Hanging:
            @hookimpl
            def favorpolicy_notify(self, event: object) -> None:
                release.wait(30)

        manager = _tuned(sink_timeout=0.05, attempts=1, hanging=Hanging())
        resolve(DAMAGED, Customer("c"), USD, plugins=manager)
        assert manager.flush(timeout=10)
        assert ["hanging"] == [fault.plugin for fault in manager.sink_faults]
        assert "timed out after 0.05s" in manager.sink_faults[0].error
        release.set()
        manager.close()

    def test_one_hanging_event_costs_only_itself_and_order_is_kept(self) -> None:
        """Events go to a sink's worker in batches; one that hangs does not take the rest."""
        release = threading.Event()
        seen: list[str] = []

        class HangsOnThree:
            @hookimpl
            def favorpolicy_notify(self, event: Event) -> None:
                if event.issue_id == "T-3":
                    release.wait(30)
                    return
                seen.append(event.issue_id)

        manager = _tuned(sink_timeout=0.05, hangs=HangsOnThree())
        _resolve_numbered(manager, 8)  # within the delivery's linger: most arrive as one batch
        assert manager.flush(timeout=10)
        delivered = [f"T-{number}" for number in range(8) if number != 3]
        assert delivered == seen
        (fault,) = manager.sink_faults
        assert ("hangs", "timed out after 0.05s (after 3 attempts)") == (fault.plugin, fault.error)
        release.set()  # the abandoned workers return from T-3...
        time.sleep(0.3)
        assert delivered == seen  # ...and start nothing more: no event is delivered twice
        manager.close()

    def test_a_resolution_whose_events_cannot_be_made_costs_only_itself(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        sink = RecordingSink()
        manager = make_plugin_manager(load_entrypoints=False)
        manager.register(sink)
        bare = make_plugin_manager(builtins=False, load_entrypoints=False)
        made = [
            resolve(attrs.evolve(DAMAGED, id=f"T-{number}"), Customer("c"), USD, plugins=bare)
            for number in range(3)
        ]
        broken = attrs.evolve(made[1], screen=None)  # events_for() cannot read its verdict
        for resolution in (made[0], broken, made[2]):  # queued together: one batch
            manager.delivery.emit_for(resolution, USD)
        assert manager.flush(timeout=10)
        assert ["T-0", "T-2"] == [event.issue_id for event in sink.events]
        assert "making the events of T-1 failed" in caplog.text
        manager.close()

    def test_each_event_has_its_own_attempts(self) -> None:
        calls: list[str] = []

        class OneFlakyOneDown:
            @hookimpl
            def favorpolicy_notify(self, event: Event) -> None:
                calls.append(event.issue_id)
                if event.issue_id == "T-1" and calls.count("T-1") == 1:
                    raise ConnectionError("flaky")
                if event.issue_id == "T-2":
                    raise ConnectionError("down")

        manager = _tuned(attempts=2, sink=OneFlakyOneDown())
        _resolve_numbered(manager, 4)
        assert manager.flush(timeout=10)
        assert ["T-0", "T-1", "T-1", "T-2", "T-2", "T-3"] == calls
        (fault,) = manager.sink_faults
        assert "ConnectionError: down (after 2 attempts)" == fault.error
        manager.close()

    def test_a_failing_event_is_retried_before_the_next(self) -> None:
        calls: list[str] = []

        class FailsTwiceOnOne:
            @hookimpl
            def favorpolicy_notify(self, event: Event) -> None:
                calls.append(event.issue_id)
                if event.issue_id == "T-1" and calls.count("T-1") <= 2:
                    raise ConnectionError("flaky")

        manager = _tuned(flaky=FailsTwiceOnOne())
        _resolve_numbered(manager, 4)
        assert manager.flush(timeout=10)
        assert ["T-0", "T-1", "T-1", "T-1", "T-2", "T-3"] == calls
        assert () == manager.sink_faults
        assert 4 == manager.delivery.delivered
        manager.close()

    def test_close_reports_dropped_events(self) -> None:
        release = threading.Event()

        class Blocking:
            @hookimpl
            def favorpolicy_notify(self, event: object) -> None:
                release.wait(30)

        manager = PluginManager()
        manager.delivery = type(manager.delivery)(manager, maxsize=1)
        manager.register(Blocking())
        _resolve_numbered(manager, 5)
        release.set()
        with pytest.raises(UndeliveredEvents, match="dropped") as info:
            manager.close()
        assert info.value.dropped >= 1


class TestHooksAtWork:
    def test_cost_plugin_overrides_the_default_model(self, pm: PluginManager) -> None:
        class CreditIsExpensive:
            @hookimpl
            def favorpolicy_cost(self, remedy: Remedy) -> Money | None:
                if remedy.kind is RemedyKind.STORE_CREDIT:
                    return remedy.value * 2
                return None  # let the built-in model answer

        before = resolve(DAMAGED, Customer("c"), USD, plugins=pm)
        assert [RemedyKind.STORE_CREDIT] == [r.kind for r in before.remedies]
        pm.register(CreditIsExpensive())
        after = resolve(DAMAGED, Customer("c"), USD, plugins=pm)
        # All-credit now costs twice its face, out of the close calls; the replacement wins.
        assert [RemedyKind.REPLACEMENT, RemedyKind.STORE_CREDIT] == [r.kind for r in after.remedies]
        assert usd(44) == after.remedies[1].cost
        assert before.total == after.total

    def test_goodwill_plugins_raise_never_lower_and_respect_the_cap(
        self, pm: PluginManager
    ) -> None:
        class Suggest:
            def __init__(self, amount: int) -> None:
                self.amount = amount

            @hookimpl
            def favorpolicy_goodwill(self) -> Money:
                return usd(self.amount)

        base = resolve(DAMAGED, Customer("c"), USD, plugins=pm).goodwill
        pm.register(Suggest(1))
        assert base == resolve(DAMAGED, Customer("c"), USD, plugins=pm).goodwill
        pm.register(Suggest(40))
        raised = resolve(DAMAGED, Customer("c"), USD, plugins=pm)
        assert usd(40) == raised.goodwill
        assert "plugin_goodwill" in [reason.code for reason in raised.reasons]
        pm.register(Suggest(10**6))
        assert usd(500) == resolve(DAMAGED, Customer("c"), USD, plugins=pm).goodwill

    def test_candidates_are_considered_with_the_policys_own(self, pm: PluginManager) -> None:
        class GiftCard:
            @hookimpl
            def favorpolicy_candidates(self, total: Money) -> list[list[Remedy]]:
                return [[Remedy(RemedyKind.DISCOUNT, total * 2, total * 0, note="gift card")]]

        pm.register(GiftCard())
        resolution = resolve(DAMAGED, Customer("c"), USD, plugins=pm)
        assert ("gift card",) == tuple(remedy.note for remedy in resolution.remedies)
        assert resolution.total * 2 == resolution.value

    def test_screens_combine_and_the_most_severe_wins(self, pm: PluginManager) -> None:
        class Says:
            def __init__(self, level: str) -> None:
                self.level = level

            @hookimpl
            def favorpolicy_screen(self) -> ScreenVerdict:
                return ScreenVerdict(self.level, f"said {self.level}")

        for level in ("warn", "restrict", "none"):
            pm.register(Says(level))
        resolution = resolve(DAMAGED, Customer("c"), USD, plugins=pm)
        assert Level.RESTRICT == resolution.screen.level
        assert "said restrict" == resolution.screen.reason


class TestVerdicts:
    @pytest.mark.parametrize(
        ("level", "kinds", "code"),
        [
            ("warn", None, "conduct_warn"),
            ("restrict", {RemedyKind.REFUND, RemedyKind.REPLACEMENT}, "conduct_restrict"),
            ("refuse", {RemedyKind.REFUND}, "conduct_refuse"),
        ],
    )
    def test_each_level(self, level: str, kinds: set[RemedyKind] | None, code: str) -> None:
        class Screen:
            @hookimpl
            def favorpolicy_screen(self) -> ScreenVerdict:
                return ScreenVerdict(level, "rude")

        sink = RecordingSink()
        manager = _with(Screen(), sink)
        plain = resolve(DAMAGED, Customer("c"), USD)
        judged = resolve(DAMAGED, Customer("c"), USD, plugins=manager)
        assert plain.owed == judged.owed
        assert code in [reason.code for reason in judged.reasons]
        if kinds is None:
            assert decision(plain)[:-1] == decision(judged)[:-1]
        else:
            assert usd(0) == judged.goodwill
            assert judged.total == judged.owed == judged.granted_now
            offered = {
                r.kind for package in (judged.remedies, *judged.alternatives) for r in package
            }
            assert offered <= kinds
        assert manager.flush(timeout=10)
        flagged = sink.of_kind(EventKind.ABUSE_FLAGGED)
        assert (level in {"restrict", "refuse"}) == bool(flagged)
        manager.close()

    @pytest.mark.parametrize("level", ["warn", "restrict", "refuse"])
    def test_a_verdict_above_none_needs_a_reason(self, level: str) -> None:
        with pytest.raises(InvalidVerdict, match="needs one"):
            ScreenVerdict(level, "  ")

    def test_escalation_sends_an_event_naming_the_role(self) -> None:
        sink = RecordingSink()
        manager = _with(sink)
        resolve(attrs.evolve(DAMAGED, loss=usd(3000)), Customer("c"), USD, plugins=manager)
        assert manager.flush(timeout=10)
        (event,) = sink.of_kind(EventKind.ESCALATED)
        assert "owner" == event.role
        manager.close()


class TestAbuseContract:
    """Two more rules of the bias contract, for conduct screens."""

    @given(scenarios(), st.sampled_from(list(Level)))
    def test_abuse_never_reduces_owed(self, scenario: Scenario, level: Level) -> None:
        policy, customer, issue, role = scenario

        class Screen:
            @hookimpl
            def favorpolicy_screen(self) -> ScreenVerdict:
                return ScreenVerdict(level, "generated")

        plain = resolve(issue, customer, policy, role=role, plugins=_BARE)
        judged = resolve(issue, customer, policy, role=role, plugins=_with_bare(Screen()))
        assert plain.owed == judged.owed
        assert judged.owed <= judged.granted_now <= judged.total
        assert judged.value >= judged.total

    @given(scenarios(), st.sampled_from(MODES[:4]))
    def test_a_failing_filter_never_refuses(self, scenario: Scenario, mode: str) -> None:
        policy, customer, issue, role = scenario
        manager = _with_bare(faulty_plugin("favorpolicy_screen", mode))
        resolution = resolve(issue, customer, policy, role=role, plugins=manager)
        assert Level.NONE == resolution.screen.level
        assert decision(resolve(issue, customer, policy, role=role, plugins=_BARE)) == decision(
            resolution
        )


_BARE = make_plugin_manager(builtins=False, load_entrypoints=False)


def _with_bare(*plugins: object) -> PluginManager:
    manager = make_plugin_manager(builtins=False, load_entrypoints=False)
    for plugin in plugins:
        manager.register(plugin)
    return manager


class TestCheckPlugin:
    def test_passes_a_well_behaved_plugin(self) -> None:
        class Generous:
            @hookimpl
            def favorpolicy_goodwill(self, issue: Issue) -> Money:
                return issue.loss * 0  # never less than the policy's own: harmless

        check_plugin(Generous(), max_examples=15)

    def test_finds_a_plugin_that_breaks_monotonicity(self) -> None:
        class KinderToSmallProblems:
            @hookimpl
            def favorpolicy_goodwill(self, issue: Issue, policy: Policy) -> Money:
                return Money(10 ** (6 - issue.severity), policy.currency)

        with pytest.raises(ContractViolation, match="monotone"):
            check_plugin(KinderToSmallProblems(), policy=USD, max_examples=100)

    def test_finds_a_plugin_that_faults(self) -> None:
        with pytest.raises(ContractViolation, match="the plugin faulted"):
            check_plugin(faulty_plugin("favorpolicy_cost", "garbage"), max_examples=5)
