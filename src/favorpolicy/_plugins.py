"""The plugin manager, isolated hook calls, and event delivery.

pluggy stops at the first implementation that raises and loses the results
already collected. favorpolicy therefore calls each implementation on its own
(``hook.get_hookimpls()``), times it, catches what it raises and checks what
it returns; every problem becomes a :class:`PluginFault`, never a crash or a
worse outcome for the customer.
"""

from __future__ import annotations

import atexit
import contextlib
import enum
import hashlib
import os
import queue
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, Final, NamedTuple, TypeVar

import attrs
import pluggy

from . import hookspecs
from ._model import (
    NO_VERDICT,
    Customer,
    Issue,
    Level,
    PluginFault,
    Remedy,
    Resolution,
    ScreenVerdict,
)
from ._money import Money
from ._policy import Policy
from .exceptions import UndeliveredEvents, _show

if TYPE_CHECKING:
    import logging

_T = TypeVar("_T")

__all__ = [
    "DISABLE_ENV",
    "ENTRY_POINT_GROUP",
    "Calls",
    "Event",
    "EventKind",
    "PluginManager",
    "default_manager",
    "events_for",
    "make_plugin_manager",
]


def _log() -> logging.Logger:
    from ._log import logger  # noqa: PLC0415  # logging loads when there is something to log

    return logger("favorpolicy.plugins")


#: The entry-point group plugins are published under.
ENTRY_POINT_GROUP: Final = "favorpolicy"
#: Comma-separated plugin names to block, built-ins included.
DISABLE_ENV: Final = "FAVORPOLICY_DISABLE_PLUGINS"


class EventKind(enum.StrEnum):
    """What a notification event is about."""

    RESOLVED = "resolved"
    ESCALATED = "escalated"
    ABUSE_FLAGGED = "abuse_flagged"
    PLUGIN_FAULT = "plugin_fault"


@attrs.frozen
class Event:
    """A notification for the sinks.

    ``id`` is unique and stable: the same resolution's same event always has
    the same id, so sinks can deduplicate retried deliveries.
    """

    kind: EventKind
    id: str
    key: str
    issue_id: str
    customer_id: str
    role: str | None = None
    verdict: ScreenVerdict | None = None
    fault: PluginFault | None = None
    resolution: Resolution | None = None
    policy: Policy | None = attrs.field(default=None, repr=False, eq=False)

    def summary(self) -> str:
        """One line for a person."""
        detail = {
            EventKind.RESOLVED: "resolved",
            EventKind.ESCALATED: f"needs {self.role!r} to approve",
            EventKind.ABUSE_FLAGGED: f"conduct {self.verdict.level if self.verdict else ''}: "
            f"{self.verdict.reason if self.verdict else ''}",
            EventKind.PLUGIN_FAULT: f"plugin fault {self.fault}",
        }[self.kind]
        return f"[{self.kind}] issue {self.issue_id} for customer {self.customer_id}: {detail}"


def _event_id(key: str, kind: EventKind, number: int) -> str:
    return hashlib.sha256(f"{key}/{kind}/{number}".encode()).hexdigest()[:32]


def events_for(resolution: Resolution, policy: Policy | None) -> tuple[Event, ...]:
    """The events one resolution sends: resolved, then escalation, abuse and faults."""
    base: dict[str, Any] = {
        "policy": policy,
        "key": resolution.key,
        "issue_id": resolution.issue_id,
        "customer_id": resolution.customer_id,
    }
    kind = EventKind.RESOLVED
    events = [Event(kind, _event_id(resolution.key, kind, 0), resolution=resolution, **base)]
    if resolution.escalate_to is not None:
        kind = EventKind.ESCALATED
        events.append(
            Event(
                kind,
                _event_id(resolution.key, kind, 0),
                role=resolution.escalate_to,
                resolution=resolution,
                **base,
            )
        )
    if resolution.screen.level >= Level.RESTRICT:
        kind = EventKind.ABUSE_FLAGGED
        events.append(
            Event(kind, _event_id(resolution.key, kind, 0), verdict=resolution.screen, **base)
        )
    kind = EventKind.PLUGIN_FAULT
    events.extend(
        Event(kind, _event_id(resolution.key, kind, number), fault=fault, **base)
        for number, fault in enumerate(resolution.faults)
    )
    return tuple(events)


#: At most this many waiting resolutions are delivered together.
_BATCH: Final = 500
#: How long the delivery thread lets resolutions gather once one arrives, in seconds.
_LINGER: Final = 0.02


class _Delivery:
    """Hands events to the sinks on a background thread.

    A bounded queue keeps memory flat; each sink call has a timeout and is
    retried with exponential backoff; a sink that still fails is recorded, and
    the other sinks hear of it. Events are lost only if the queue is full, if
    no thread can be started, or if the process ends before :meth:`flush` or
    :meth:`close`; each is counted and reported by ``close()``.

    Once a resolution arrives, the thread lets others gather for
    :data:`_LINGER` seconds, takes up to :data:`_BATCH` of them, and hands
    each sink its events of them in one go: waking a thread costs more than
    most sinks' work, so it is paid once a batch, not once an event. Each sink
    still sees its events in order, one call each.
    """

    def __init__(
        self,
        manager: PluginManager,
        *,
        maxsize: int = 10_000,
        sink_timeout: float = 5.0,
        attempts: int = 3,
        backoff: float = 0.05,
    ) -> None:
        # Weak, so that a manager nobody closed can still be collected; its thread then ends.
        self._manager_ref = weakref.ref(manager)
        # A resolution's events are made on the delivery thread, off the caller's path.
        self._queue: queue.Queue[tuple[Resolution, Policy] | None] = queue.Queue(maxsize)
        self._sink_timeout = sink_timeout
        self._attempts = attempts
        self._backoff = backoff
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._out_of_threads = False
        self._workers: dict[str, _SinkWorker] = {}
        self.dropped = 0
        self.delivered = 0
        self.faults: list[PluginFault] = []

    def emit_for(self, resolution: Resolution, policy: Policy) -> None:
        """Queue the events of one resolution (see :func:`events_for`)."""
        if not any(_may_want(impl, policy) for impl in self._manager().impls("favorpolicy_notify")):
            return  # nobody would do anything with it: no thread, no queue
        if not self._start():
            with self._lock:
                self.dropped += 1
            return
        try:
            self._queue.put_nowait((resolution, policy))
        except queue.Full:
            with self._lock:
                self.dropped += 1
            _log().error(
                "favorpolicy event queue is full; dropped the events of %s", resolution.key
            )

    def _manager(self) -> PluginManager:
        manager = self._manager_ref()
        if manager is None:
            raise ReferenceError("the plugin manager is gone")
        return manager

    def _start(self) -> bool:
        """Start the delivery thread unless it runs; False if no thread can be started.

        The process may be out of threads (a container's limit on them, say):
        resolve() still answers, and the events it cannot queue are counted
        as dropped, which :meth:`close` reports. The next resolve() tries again.
        """
        if self._thread is not None:
            return True
        with self._lock:
            if self._thread is None:
                thread = threading.Thread(
                    target=self._run, name="favorpolicy-delivery", daemon=True
                )
                try:
                    thread.start()
                except RuntimeError as error:  # "can't start new thread"
                    if not self._out_of_threads:  # said once, not on every resolve()
                        _log().error(
                            "favorpolicy: cannot start the delivery thread (%s); events are "
                            "dropped until it starts",
                            error,
                        )
                    self._out_of_threads = True
                    return False
                self._thread = thread
                self._out_of_threads = False
        return True

    def _run(self) -> None:
        while True:
            try:
                item = self._queue.get(timeout=1.0)
            except queue.Empty:
                if self._manager_ref() is None:
                    self._stop_workers()
                    return
                continue
            items = [item]
            if item is not None:
                time.sleep(_LINGER)  # let a batch gather, rather than wake for each resolution
            while item is not None and len(items) < _BATCH:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                items.append(item)
            try:
                self._deliver(self._events_of(items))
            except Exception:  # a bug here must not stop delivery for good
                _log().exception("favorpolicy: delivering events failed")
            finally:
                for _ in items:
                    self._queue.task_done()
            if items[-1] is None:
                return

    @staticmethod
    def _events_of(items: list[tuple[Resolution, Policy] | None]) -> list[Event]:
        """The events of a batch; a resolution whose events cannot be made costs only itself."""
        events: list[Event] = []
        for work in items:
            if work is None:
                continue
            try:
                events += events_for(*work)
            except Exception:  # a bug, logged; the rest of the batch is delivered
                _log().exception("favorpolicy: making the events of %s failed", work[0].issue_id)
        return events

    def _deliver(self, events: list[Event], skip: str | None = None) -> None:
        for impl in self._manager().impls("favorpolicy_notify"):
            if impl.plugin_name == skip or impl.hookwrapper or impl.wrapper:
                continue
            plugin = impl.plugin
            wanted = (
                [event for event in events if _wanted(plugin, event)]
                if isinstance(plugin, BuiltinSink)
                else events
            )
            if not wanted:
                continue
            errors = self._call_with_retries(impl, wanted)
            with self._lock:
                self.delivered += errors.count(None)
            for event, error in zip(wanted, errors, strict=True):
                if error is not None:
                    self._failed(impl.plugin_name, event, error)

    def _failed(self, plugin: str, event: Event, error: str) -> None:
        """Record a sink's failure, and tell the other sinks of it."""
        fault = PluginFault(plugin, "favorpolicy_notify", error)
        with self._lock:
            self.faults.append(fault)
        _log().warning("favorpolicy sink failed: %s", fault)
        if event.kind is not EventKind.PLUGIN_FAULT:
            kind = EventKind.PLUGIN_FAULT
            told = attrs.evolve(
                event,
                kind=kind,
                id=_event_id(event.id, kind, len(self.faults)),
                fault=fault,
                resolution=None,
                verdict=None,
                role=None,
            )
            self._deliver([told], skip=plugin)

    def _stop_workers(self) -> None:
        for worker in self._workers.values():
            worker.stop()
        self._workers.clear()

    def _call_with_retries(self, impl: pluggy.HookImpl, events: list[Event]) -> list[str | None]:
        """Call *impl* once for each of *events*, in order; None for each delivered, else why not.

        The events are handed to the sink's worker in one go. The worker stops
        at a call that fails; that event is tried again after a backoff, up to
        the number of attempts, before the ones after it, so the sink still
        sees its events in order.
        """
        errors: list[str | None] = []
        attempt = 0
        while len(errors) < len(events):
            if attempt:
                time.sleep(self._backoff * 2 ** (attempt - 1))
            worker = _SinkWorker.for_sink(self._workers, impl.plugin_name)
            calls = [_arguments(impl, {"event": event}) for event in events[len(errors) :]]
            ran = worker.call_many(impl.function, calls, self._sink_timeout)
            failed = ran[-1] if ran and ran[-1] is not None else None
            succeeded = len(ran) - (failed is not None)
            errors += [None] * succeeded
            if failed is None:
                attempt = 0
                continue
            # The attempts are the failing event's own: a run that got further failed anew.
            attempt = 1 if succeeded else attempt + 1
            if attempt >= self._attempts:
                errors.append(f"{failed} (after {attempt} attempts)")
                attempt = 0
        return errors

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every queued event was handed to the sinks; False on timeout."""
        if self._thread is None:
            return True
        deadline = None if timeout is None else time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if deadline is not None and time.monotonic() > deadline:
                return False
            time.sleep(0.005)
        return True

    def close(self, timeout: float = 10.0) -> None:
        flushed = self.flush(timeout)
        left = self._queue.unfinished_tasks
        if self._thread is not None and flushed:
            self._queue.put(None)
            self._thread.join(timeout)
        self._stop_workers()
        self._thread = None
        if left or self.dropped:
            raise UndeliveredEvents(
                f"events: {left} still queued and {self.dropped} dropped (the queue was full, "
                "or no thread could be started); they were not delivered",
                queued=left,
                dropped=self.dropped,
            )


class BuiltinSink:
    """The base of favorpolicy's own sinks, which say in advance whether an event concerns them.

    A fast path for the built-ins only: an unconfigured built-in sink costs no
    queue, thread or hand-off. Third-party sinks are always called.
    """

    def active_for(self, policy: Policy | None) -> bool:
        """Whether this sink could do anything with the events of *policy*'s resolutions."""
        raise NotImplementedError

    def wants(self, event: Event) -> bool:
        """Whether this sink would do anything with *event*."""
        return self.active_for(event.policy)


def _wanted(sink: BuiltinSink, event: Event) -> bool:
    """Whether a built-in sink wants *event*; if it cannot tell, it gets the event."""
    try:
        return sink.wants(event)
    except Exception:  # a bug, logged; delivering is the safe side
        _log().exception("favorpolicy: %s.wants() failed", type(sink).__name__)
        return True


def _may_want(impl: pluggy.HookImpl, policy: Policy | None) -> bool:
    return not isinstance(impl.plugin, BuiltinSink) or impl.plugin.active_for(policy)


# A job for a sink's worker: the function, the arguments of each call, where each call's
# outcome goes, and the signal that all are done.
_Job = tuple[Any, list[list[Any]], list[str | None], "queue.SimpleQueue[bool]"]


class _SinkWorker:
    """One sink's own daemon thread, so a call can be abandoned when it overruns its timeout."""

    def __init__(self, name: str) -> None:
        self._inbox: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        # Guards stuck, progressed and each job's outcomes: the waiter gives up on a call, and
        # the worker starts the next one, one at a time, so an abandoned worker starts none.
        self._lock = threading.Lock()
        self.stuck = False
        #: When the worker last began a call or finished one (time.monotonic()).
        self.progressed = time.monotonic()
        #: Why the worker's thread did not start, if it did not; then every call fails so.
        self.unstarted: str | None = None
        thread = threading.Thread(target=self._loop, name=f"favorpolicy-sink-{name}", daemon=True)
        try:
            thread.start()
        except RuntimeError as error:  # out of threads: the calls fail, and are retried
            self.unstarted = f"cannot start a thread for the sink: {error}"
            self.stuck = True  # the next attempt makes a fresh worker, which tries again

    @classmethod
    def for_sink(cls, workers: dict[str, _SinkWorker], name: str) -> _SinkWorker:
        """The worker of sink *name* in *workers*: a fresh one if it has none or it is stuck.

        A stuck worker is abandoned (a daemon thread), and so is one whose thread
        did not start: the fresh one tries again.
        """
        worker = workers.get(name)
        if worker is None or worker.stuck:
            worker = workers[name] = cls(name)
        return worker

    def _loop(self) -> None:
        while (job := self._inbox.get()) is not None:
            function, calls, outcomes, done = job
            for arguments in calls:
                with self._lock:
                    if self.stuck:
                        break  # abandoned: the rest go to a fresh worker
                    self.progressed = time.monotonic()
                outcome: str | None = None
                try:
                    function(*arguments)
                except Exception as exc:  # any sink error is recorded, never raised
                    outcome = f"{type(exc).__name__}: {exc}"
                with self._lock:
                    outcomes.append(outcome)
                    self.progressed = time.monotonic()  # progress: the clock starts again
                if outcome is not None:
                    break  # the caller decides what happens to the rest
            done.put(True)

    def call(self, function: Any, arguments: list[Any], timeout: float) -> str | None:
        """Run one call; return None on success, else what went wrong."""
        return self.call_many(function, [arguments], timeout)[0]

    def call_many(self, function: Any, calls: list[list[Any]], timeout: float) -> list[str | None]:
        """Run one call per arguments in *calls*, in order, handed over at once.

        Returns None for each call that succeeded, up to and including the
        first that did not: what went wrong with it ends the list, and the
        calls after it are not made. A call still running *timeout* seconds
        after it began is abandoned, and the worker is marked stuck.
        """
        if self.unstarted is not None:
            return [self.unstarted]
        outcomes: list[str | None] = []
        done: queue.SimpleQueue[bool] = queue.SimpleQueue()
        with self._lock:
            self.progressed = time.monotonic()
        self._inbox.put((function, calls, outcomes, done))
        while True:
            with self._lock:
                finished = list(outcomes)
                if len(finished) == len(calls) or (finished and finished[-1] is not None):
                    return finished  # all made, or stopped at the first that failed
                if time.monotonic() - self.progressed >= timeout:
                    # No progress for that long: the call running now overran, and
                    # nothing more starts on this worker.
                    self.stuck = True
                    return [*finished, f"timed out after {timeout}s"]
                left = self.progressed + timeout - time.monotonic()
            with contextlib.suppress(queue.Empty):
                done.get(timeout=max(left, 0.001))

    def stop(self) -> None:
        self._inbox.put(None)


def _arguments(impl: pluggy.HookImpl, available: dict[str, Any]) -> list[Any]:
    return [available[name] for name in impl.argnames]


class Plan(NamedTuple):
    """Which deciding hooks have implementations; ``own_cost``: a cost model not the policy's."""

    screen: bool
    #: the only screen is the built-in conduct filter, which passes an issue with no conduct
    conduct_only: bool
    goodwill: bool
    candidates: bool
    own_cost: bool


class PluginManager(pluggy.PluginManager):
    """A pluggy manager with favorpolicy's hooks and a background event delivery.

    Make one with :func:`make_plugin_manager`. Call :meth:`flush` to wait for
    the sinks, and :meth:`close` when done: it raises
    :class:`~favorpolicy.exceptions.UndeliveredEvents` if any event was
    dropped or could not be delivered in time.
    """

    def __init__(self) -> None:
        super().__init__(ENTRY_POINT_GROUP)
        self._impls: dict[str, tuple[pluggy.HookImpl, ...]] = {}
        self._plan: Plan | None = None
        self.add_hookspecs(hookspecs)
        self.delivery = _Delivery(self)

    def register(self, plugin: object, name: str | None = None) -> str | None:
        self._forget()
        return super().register(plugin, name)

    def unregister(self, plugin: object | None = None, name: str | None = None) -> Any:
        self._forget()
        return super().unregister(plugin, name)

    def _forget(self) -> None:
        self._impls.clear()
        self._plan = None

    def plan(self) -> Plan:
        """Which deciding hooks resolve() must call, worked out once per set of plugins."""
        if self._plan is None:
            from .builtin.conduct import ConductFilter  # noqa: PLC0415  # they import this module
            from .builtin.cost import CostModel  # noqa: PLC0415

            screens = self.impls("favorpolicy_screen")
            self._plan = Plan(
                screen=bool(screens),
                conduct_only=all(type(impl.plugin) is ConductFilter for impl in screens),
                goodwill=bool(self.impls("favorpolicy_goodwill")),
                candidates=bool(self.impls("favorpolicy_candidates")),
                own_cost=any(
                    not isinstance(impl.plugin, CostModel)
                    for impl in self.impls("favorpolicy_cost")
                ),
            )
        return self._plan

    def impls(self, hook_name: str) -> tuple[pluggy.HookImpl, ...]:
        """The implementations of one hook in pluggy's call order (last registered first).

        Cached until a plugin is registered or unregistered, so that a hook
        nobody implements costs resolve() one dictionary lookup.
        """
        found = self._impls.get(hook_name)
        if found is None:
            hook = getattr(self.hook, hook_name)
            found = self._impls[hook_name] = tuple(reversed(hook.get_hookimpls()))
        return found

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every queued event was handed to the sinks; False on timeout."""
        return self.delivery.flush(timeout)

    def close(self, timeout: float = 10.0) -> None:
        """Flush, stop the delivery thread, and report undelivered events."""
        self.delivery.close(timeout)

    @property
    def sink_faults(self) -> tuple[PluginFault, ...]:
        """Sink calls that failed after their retries, since the manager was made."""
        return tuple(self.delivery.faults)


def make_plugin_manager(*, load_entrypoints: bool = True, builtins: bool = True) -> PluginManager:
    """Build a fresh plugin manager.

    It registers the built-in plugins as ordinary plugins (unless *builtins*
    is False, which gives a manager with the hook specs and no plugins at
    all), loads the ``favorpolicy`` entry points (unless *load_entrypoints* is
    False), blocks every plugin named in ``FAVORPOLICY_DISABLE_PLUGINS``, and
    calls ``check_pending()`` so that a misspelled hook fails loudly.
    """
    manager = PluginManager()
    for name in os.environ.get(DISABLE_ENV, "").split(","):
        if name.strip():
            manager.set_blocked(name.strip())
    if builtins:
        from .builtin import BUILTIN_PLUGINS  # noqa: PLC0415  # keeps sinks' imports off start-up

        for name, plugin in BUILTIN_PLUGINS():
            if not manager.is_blocked(name):
                manager.register(plugin, name=name)
    if load_entrypoints:
        manager.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    manager.check_pending()
    return manager


_default: PluginManager | None = None
_default_lock = threading.Lock()


def default_manager() -> PluginManager:
    """The built-in plugins only, made on first use (``resolve(..., plugins=None)``)."""
    global _default  # noqa: PLW0603  # one lazily built, read-only default, like functools.cache
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = make_plugin_manager(load_entrypoints=False)
                atexit.register(_flush_default)
    return _default


def _flush_default() -> None:
    if _default is not None and not _default.flush(timeout=5.0):
        _log().error("favorpolicy: exiting with undelivered events")


# ---- isolated hook calls -------------------------------------------------------------------


class Calls:
    """One resolve()'s isolated hook calls, collecting faults as it goes."""

    def __init__(self, manager: PluginManager, policy: Policy) -> None:
        self.manager = manager
        self.policy = policy
        self.budget = policy.hook_budget_ms / 1000
        self.faults: list[PluginFault] = []

    def _results(self, hook_name: str, available: dict[str, Any]) -> Iterator[tuple[str, Any]]:
        for impl in self.manager.impls(hook_name):
            if impl.hookwrapper or impl.wrapper:
                self._fault(impl.plugin_name, hook_name, "hook wrappers are not supported")
                continue
            start = time.perf_counter()
            try:
                result = impl.function(*_arguments(impl, available))
            except Exception as exc:  # a plugin's error is recorded, never raised
                self._fault(impl.plugin_name, hook_name, f"raised {type(exc).__name__}: {exc}")
                continue
            elapsed = time.perf_counter() - start
            if elapsed > self.budget:
                self._fault(
                    impl.plugin_name,
                    hook_name,
                    f"took {elapsed * 1000:.1f} ms, over the budget of "
                    f"{self.policy.hook_budget_ms} ms; its result is ignored",
                )
                continue
            if result is not None:
                yield impl.plugin_name, result

    def has(self, hook_name: str) -> bool:
        return bool(self.manager.impls(hook_name))

    def _fault(self, plugin: str, hook: str, error: str) -> None:
        self.faults.append(PluginFault(plugin, hook, error))

    def _money(self, plugin: str, hook: str, value: object) -> Money | None:
        if not isinstance(value, Money):
            self._fault(plugin, hook, f"returned {_show(value)}, not Money")
            return None
        value = Money(value.amount, value.currency)  # rebuilt, so its checks run
        if value.currency != self.policy.currency:
            self._fault(plugin, hook, f"returned {value}, not in {self.policy.currency}")
            return None
        if value.amount < 0:
            self._fault(plugin, hook, f"returned a negative amount, {value}")
            return None
        return value

    def _safely(
        self, plugin: str, hook: str, check: Callable[[Any], _T | None], result: object
    ) -> _T | None:
        """Validate *result* with *check*; a malformed object is a fault, not a crash."""
        try:
            return check(result)
        except Exception as exc:  # a half-built object can fail in any way
            self._fault(plugin, hook, f"returned a malformed {type(result).__name__}: {exc!r:.80}")
            return None

    def screen(self, issue: Issue, customer: Customer) -> ScreenVerdict:
        hook = "favorpolicy_screen"
        verdict = NO_VERDICT
        available = {"issue": issue, "customer": customer, "policy": self.policy}
        for plugin, result in self._results(hook, available):

            def check(result: object, plugin: str = plugin) -> ScreenVerdict | None:
                if not isinstance(result, ScreenVerdict):
                    self._fault(plugin, hook, f"returned {_show(result)}, not a ScreenVerdict")
                    return None
                # Rebuilt, so that a verdict that skipped its own checks is checked now.
                return ScreenVerdict(result.level, result.reason, result.plugin or plugin)

            found = self._safely(plugin, hook, check, result)
            if found is not None and found.level > verdict.level:
                verdict = found
        return verdict

    def goodwill(self, issue: Issue, customer: Customer) -> list[tuple[str, Money]]:
        hook = "favorpolicy_goodwill"
        available = {"issue": issue, "customer": customer, "policy": self.policy}
        found = []
        for plugin, result in self._results(hook, available):
            amount = self._safely(plugin, hook, partial(self._money, plugin, hook), result)
            if amount is not None:
                found.append((plugin, amount))
        return found

    def cost(self, remedy: Remedy, issue: Issue, customer: Customer) -> Money | None:
        hook = "favorpolicy_cost"
        available = {"remedy": remedy, "issue": issue, "customer": customer, "policy": self.policy}
        for plugin, result in self._results(hook, available):
            amount = self._safely(plugin, hook, partial(self._money, plugin, hook), result)
            if amount is not None:
                return amount
        return None

    def candidates(
        self, issue: Issue, customer: Customer, total: Money
    ) -> list[tuple[str, tuple[Remedy, ...]]]:
        hook = "favorpolicy_candidates"
        available = {"issue": issue, "customer": customer, "policy": self.policy, "total": total}
        found: list[tuple[str, tuple[Remedy, ...]]] = []
        for plugin, result in self._results(hook, available):
            for offered in _packages_of(result):

                def check(offered: object, plugin: str = plugin) -> tuple[Remedy, ...] | None:
                    package, problem = self._package_problem(offered, total)
                    if problem is not None:
                        self._fault(plugin, hook, problem)
                        return None
                    return package

                package = self._safely(plugin, hook, check, offered)
                if package is not None:
                    found.append((plugin, package))
        return found

    def _package_problem(
        self, offered: object, total: Money
    ) -> tuple[tuple[Remedy, ...], str | None]:
        if isinstance(offered, str | bytes) or not isinstance(offered, Sequence) or not offered:
            return (), f"offered {_show(offered)}, not a sequence of Remedy"
        package = tuple(offered)
        value = Money(0, self.policy.currency)
        for remedy in package:
            if not isinstance(remedy, Remedy):
                return (), f"offered {_show(remedy)} in a package, not a Remedy"
            # Rebuilt, so that a remedy that skipped its own checks is checked now.
            checked = Remedy(remedy.kind, remedy.value, remedy.cost, remedy.note)
            for amount in (checked.value, checked.cost):
                if amount is not None and amount.currency != self.policy.currency:
                    return (), f"offered {checked}, not in {self.policy.currency}"
                if amount is not None and not amount.is_whole():
                    return (), f"offered {checked}, not a whole number of minor units"
            value = value + checked.value
        if value < total:
            return (), f"offered a package worth {value}, short of the total {total}"
        return package, None


def _packages_of(result: object) -> Iterable[object]:
    if isinstance(result, str | bytes) or not isinstance(result, Iterable):
        return [result]
    try:
        return list(result)
    except Exception as exc:  # a broken generator is one bad package
        return [f"<iterating raised {type(exc).__name__}>"]
