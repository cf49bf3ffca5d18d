"""The in-memory delivery: a resolution's events handed to the sinks on a background thread.

:func:`~favorpolicy.resolve` queues each resolution here and returns; the
thread makes its events and gives them to the sinks through
:func:`~favorpolicy._plugins._sinks.hand_over`, the same path the ledger's
relay takes.
"""

from __future__ import annotations

import queue
import threading
import time
import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final, Protocol

import pluggy

from .._events import Event, events_for
from .._model import PluginFault, Resolution
from .._policy import Policy
from ..exceptions import UndeliveredEvents
from ._sinks import NOTIFY, Patience, SinkFailure, SinkWorker, hand_over, may_want, tell_others

if TYPE_CHECKING:
    import logging

__all__ = ["Delivery", "HasSinks"]


def _log() -> logging.Logger:
    from .._log import logger  # noqa: PLC0415  # logging loads when there is something to log

    return logger("favorpolicy.plugins")


class HasSinks(Protocol):
    """What the delivery needs of its plugin manager: the implementations of a hook."""

    def impls(self, hook_name: str) -> Sequence[pluggy.HookImpl]: ...


#: At most this many waiting resolutions are delivered together.
_BATCH: Final = 500
#: How long the delivery thread lets resolutions gather once one arrives, in seconds.
_LINGER: Final = 0.02


class Delivery:
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
        manager: HasSinks,
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
        self.sink_timeout = sink_timeout
        self.attempts = attempts
        self.backoff = backoff
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._out_of_threads = False
        self._workers: dict[str, SinkWorker] = {}
        self.dropped = 0
        self.delivered = 0
        self.faults: list[PluginFault] = []

    def emit_for(self, resolution: Resolution, policy: Policy) -> bool:
        """Queue the events of one resolution (see :func:`events_for`); whether they were."""
        if not any(may_want(impl, policy) for impl in self._manager().impls(NOTIFY)):
            return False  # nobody would do anything with it: no thread, no queue
        if not self._start():
            with self._lock:
                self.dropped += 1
            return False
        try:
            self._queue.put_nowait((resolution, policy))
        except queue.Full:
            with self._lock:
                self.dropped += 1
            _log().error(
                "favorpolicy event queue is full; dropped the events of %s", resolution.key
            )
            return False
        return True

    def _manager(self) -> HasSinks:
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

    def _deliver(self, events: list[Event]) -> None:
        sinks = self._manager().impls(NOTIFY)
        patience = Patience(self.sink_timeout, self.attempts, self.backoff)
        for failure in hand_over(sinks, events, self._workers, patience, accepted=self._accepted):
            self._failed(failure)
            # The notice goes out at once; one that fails is recorded, and told of no further.
            for unheard in tell_others(sinks, failure, self._workers, patience):
                self._failed(unheard)

    def _accepted(self, sink: str, event: Event) -> None:
        with self._lock:
            self.delivered += 1

    def _failed(self, failure: SinkFailure) -> None:
        """Record a sink's failure."""
        fault = failure.fault
        with self._lock:
            self.faults.append(fault)
        _log().warning("favorpolicy sink failed: %s", fault)

    def _stop_workers(self) -> None:
        SinkWorker.stop_all(self._workers)

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
