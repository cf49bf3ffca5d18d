"""RecordingSink: a sink that keeps what it receives, for tests. No Hypothesis needed."""

from __future__ import annotations

import threading
import time

from ._events import Event, EventKind
from .hookspecs import hookimpl

__all__ = ["RecordingSink"]


class RecordingSink:
    """Record every event delivered to it, in order, thread-safely.

    Register it in a plugin manager, resolve, then ``pm.flush()`` (or
    :meth:`wait_for`) before looking at :attr:`events`.
    """

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._events: list[Event] = []

    @hookimpl
    def favorpolicy_notify(self, event: Event) -> None:
        with self._lock:
            self._events.append(event)
            self._lock.notify_all()

    @property
    def events(self) -> list[Event]:
        """A copy of the events received so far."""
        with self._lock:
            return list(self._events)

    def kinds(self) -> list[EventKind]:
        """The kinds of the events received so far, in order."""
        return [event.kind for event in self.events]

    def of_kind(self, kind: EventKind | str) -> list[Event]:
        """The events of one kind."""
        return [event for event in self.events if event.kind == kind]

    def wait_for(self, count: int, timeout: float = 10.0) -> bool:
        """Wait until at least *count* events arrived; False if *timeout* passed first."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self._events) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._lock.wait(remaining)
            return True

    def clear(self) -> None:
        """Forget the events received so far."""
        with self._lock:
            self._events.clear()
