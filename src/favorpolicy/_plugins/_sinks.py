"""The one path from an event to a sink, shared by the in-memory delivery and the ledger's relay.

:func:`hand_over` owns every rule of giving events to sinks: which
implementations are skipped (hook wrappers, sinks that already took the
event), a built-in sink's ``wants()`` asked under guard, each sink's own
worker thread and timeout, the arguments pluggy would pass, and retries with
backoff. :func:`tell_others` sends the failure notice. Whoever calls them only
decides what a failure means for its own bookkeeping: the in-memory delivery
records a fault, the relay keeps the event for its next run.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Final, NamedTuple

import pluggy

from .._events import BuiltinSink, Event, EventKind, failure_notice
from .._model import PluginFault
from .._policy import Policy

if TYPE_CHECKING:
    import logging

__all__ = [
    "NOTIFY",
    "Patience",
    "SinkFailure",
    "SinkWorker",
    "arguments",
    "hand_over",
    "may_want",
    "notice_for",
    "tell_others",
]

#: The sinks' hook.
NOTIFY: Final = "favorpolicy_notify"


def _log() -> logging.Logger:
    from .._log import logger  # noqa: PLC0415  # logging loads when there is something to log

    return logger("favorpolicy.plugins")


def arguments(impl: pluggy.HookImpl, available: dict[str, Any]) -> list[Any]:
    """The arguments pluggy would pass *impl*: the ones it names, in its order."""
    return [available[name] for name in impl.argnames]


class Patience(NamedTuple):
    """How long one sink call may take, and how often a failed one is tried."""

    #: seconds a call may run before it is abandoned
    timeout: float
    #: tries of one event, the first included
    attempts: int = 1
    #: seconds before the second try; doubled before each one after it
    backoff: float = 0.0


class SinkFailure(NamedTuple):
    """A sink that did not accept an event, and why."""

    sink: str
    event: Event
    error: str

    @property
    def fault(self) -> PluginFault:
        return PluginFault(self.sink, NOTIFY, self.error)


def may_want(impl: pluggy.HookImpl, policy: Policy | None) -> bool:
    """Whether the sink *impl* could do anything with the events of *policy*'s resolutions."""
    return not isinstance(impl.plugin, BuiltinSink) or impl.plugin.active_for(policy)


def _wanted(sink: object, event: Event) -> bool:
    """Whether *sink* wants *event*; a sink that cannot tell gets the event."""
    if not isinstance(sink, BuiltinSink):
        return True  # a third-party sink is always called
    try:
        return sink.wants(event)
    except Exception:  # a bug, logged; delivering is the safe side
        _log().exception("favorpolicy: %s.wants() failed", type(sink).__name__)
        return True


def hand_over(
    sinks: Sequence[pluggy.HookImpl],
    events: Sequence[Event],
    workers: dict[str, SinkWorker],
    patience: Patience,
    *,
    skip: Callable[[str, Event], bool] | None = None,
    accepted: Callable[[str, Event], None] | None = None,
) -> list[SinkFailure]:
    """Give each of *events* to each sink in *sinks*; return the ones a sink did not accept.

    A hook wrapper is never a sink, *skip* (sink name, event) passes over a
    sink that already has the event, and a built-in sink gets only the events
    its ``wants()`` says it would use (a ``wants()`` that raises counts as
    wanting). Each sink gets its events in order, from its own worker in
    *workers*; a call that raises or runs past the *patience*'s timeout is
    tried again as the *patience* says, before the events after it.
    *accepted* hears of every event a sink took.
    """
    failures: list[SinkFailure] = []
    for impl in sinks:
        name = impl.plugin_name
        if impl.hookwrapper or impl.wrapper:
            continue
        wanted = [
            event
            for event in events
            if (skip is None or not skip(name, event)) and _wanted(impl.plugin, event)
        ]
        if not wanted:
            continue
        outcomes = _call_with_retries(impl, wanted, workers, patience)
        for event, error in zip(wanted, outcomes, strict=True):
            if error is not None:
                failures.append(SinkFailure(name, event, error))
            elif accepted is not None:
                accepted(name, event)
    return failures


def notice_for(failure: SinkFailure) -> Event | None:
    """The ``plugin_fault`` event that tells of *failure*; None for a failed notice itself."""
    if failure.event.kind is EventKind.PLUGIN_FAULT:
        return None
    return failure_notice(failure.event, failure.fault)


def tell_others(
    sinks: Sequence[pluggy.HookImpl],
    failure: SinkFailure,
    workers: dict[str, SinkWorker],
    patience: Patience,
) -> list[SinkFailure]:
    """Tell every sink but the failing one that *failure*'s sink failed its event for good.

    A notice that fails is returned, and not told of in turn: a failed
    ``plugin_fault`` event sends no notice of its own.
    """
    notice = notice_for(failure)
    if notice is None:
        return []
    return hand_over(sinks, [notice], workers, patience, skip=lambda name, _: name == failure.sink)


def _call_with_retries(
    impl: pluggy.HookImpl, events: list[Event], workers: dict[str, SinkWorker], patience: Patience
) -> list[str | None]:
    """Call *impl* once for each of *events*, in order; None for each delivered, else why not.

    The events are handed to the sink's worker in one go. The worker stops
    at a call that fails; that event is tried again after a backoff, up to
    the number of attempts, before the ones after it, so the sink still
    sees its events in order.
    """
    timeout, attempts, backoff = patience
    errors: list[str | None] = []
    attempt = 0
    while len(errors) < len(events):
        if attempt:
            time.sleep(backoff * 2 ** (attempt - 1))
        worker = SinkWorker.for_sink(workers, impl.plugin_name)
        calls = [arguments(impl, {"event": event}) for event in events[len(errors) :]]
        ran = worker.call_many(impl.function, calls, timeout)
        failed = ran[-1] if ran and ran[-1] is not None else None
        succeeded = len(ran) - (failed is not None)
        errors += [None] * succeeded
        if failed is None:
            attempt = 0
            continue
        # The attempts are the failing event's own: a run that got further failed anew.
        attempt = 1 if succeeded else attempt + 1
        if attempt >= attempts:
            errors.append(f"{failed} (after {attempt} attempts)" if attempts > 1 else failed)
            attempt = 0
    return errors


# A job for a sink's worker: the function, the arguments of each call, where each call's
# outcome goes, and the signal that all are done.
_Job = tuple[Any, list[list[Any]], list[str | None], "queue.SimpleQueue[bool]"]


class SinkWorker:
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
    def for_sink(cls, workers: dict[str, SinkWorker], name: str) -> SinkWorker:
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
            for call in calls:
                with self._lock:
                    if self.stuck:
                        break  # abandoned: the rest go to a fresh worker
                    self.progressed = time.monotonic()
                outcome: str | None = None
                try:
                    function(*call)
                except Exception as exc:  # any sink error is recorded, never raised
                    outcome = f"{type(exc).__name__}: {exc}"
                with self._lock:
                    outcomes.append(outcome)
                    self.progressed = time.monotonic()  # progress: the clock starts again
                if outcome is not None:
                    break  # the caller decides what happens to the rest
            done.put(True)

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
        """Let the worker's thread end once the call it runs, if any, returns."""
        self._inbox.put(None)

    @staticmethod
    def stop_all(workers: dict[str, SinkWorker]) -> None:
        """Stop every worker in *workers*, and forget them."""
        for worker in workers.values():
            worker.stop()
        workers.clear()
