"""The narrow interface every part of the ledger writes and reads through.

The parts (recording, budgets, relay, escalations, report) hold the ledger's
logic and its SQL, written in the subset SQLite and PostgreSQL share, with
``?`` placeholders. A store holds everything that depends on the database
itself: opening and checking it, migrations, transactions, locking, and
turning the driver's errors into :class:`~favorpolicy.LedgerError`. SQLite
(:class:`~favorpolicy.ledger._sqlite.SqliteStore`) is one such store; another
database is another implementation of :class:`Store`, not a fork of the parts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

from ..exceptions import LedgerError

__all__ = ["Connection", "Cursor", "KeyTaken", "Store"]


class Cursor(Protocol):
    """The rows one statement gave."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    """What the parts may do inside a read or a write: run statements."""

    # The parameters are Any: each driver names the values it can bind in its own way.
    def execute(self, sql: str, parameters: Any = (), /) -> Cursor:
        """Run one statement with ``?`` (or ``:name``) placeholders."""
        ...

    def executemany(self, sql: str, rows: Iterable[Any], /) -> Cursor:
        """Run one statement once for each of *rows*."""
        ...


class Store(Protocol):
    """One ledger's database: the only part that knows which database it is."""

    #: where the ledger is, as the user named it
    path: str
    #: who this process is, for the relay's lease: host, process id and a random part
    owner: str

    def fail(self, problem: str) -> LedgerError:
        """A LedgerError that names the ledger, for *problem*."""
        ...

    def read(self) -> AbstractContextManager[Connection]:
        """Statements that only read, under the store's lock and error translation."""
        ...

    def write(self, *, savepoint: bool = True) -> AbstractContextManager[Connection]:
        """One atomic write: a transaction of its own, or a part of the open :meth:`batch`.

        Without *savepoint*, a write inside a batch may fail cleanly only with
        :class:`KeyTaken` raised before it wrote anything; any other failure
        spoils the batch, which then rolls back whole.
        """
        ...

    def batch(self) -> AbstractContextManager[None]:
        """Every write inside the block in one transaction, committed when it ends."""
        ...

    def insert_new(self, conn: Connection, sql: str, row: Sequence[object]) -> None:
        """Insert *row* by *sql*; :class:`KeyTaken` if its key (a UNIQUE column) is stored."""
        ...

    def on_rollback(self, forget: Callable[[], None]) -> None:
        """Call *forget* whenever a write is rolled back (caches of what was written)."""
        ...

    def schema_version(self) -> int:
        """The schema version of the open database."""
        ...

    def verify(self) -> None:
        """Check the whole database for damage; LedgerError if it is damaged."""
        ...

    def close(self) -> None:
        """Close the database; using the store afterwards raises LedgerError."""
        ...


class KeyTaken(Exception):  # an internal signal between a store and the recording
    """The decision key is already in the ledger; the write left nothing to undo."""
