"""The SQLite store: one file in WAL mode, checked before it is opened, migrated in place.

A damaged, truncated or foreign file is refused untouched, never reset; a file
shorter than its header says opens only when the write-ahead log beside it
holds every missing page (a checkpoint cut short by a crash). Writes take
SQLite's write lock up front (``BEGIN IMMEDIATE``), so writers in many threads
and processes are serialised by the file itself.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Final

from .. import _log
from ..exceptions import LedgerError
from ._schema import AFTER, APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION
from ._store import Connection, KeyTaken
from ._wal import committed_pages

__all__ = ["SqliteStore"]

log = _log.logger("favorpolicy.ledger")

_HEADER: Final = b"SQLite format 3\x00"


class SqliteStore:
    """A ledger in one SQLite file (or ``":memory:"``), as a :class:`~._store.Store`.

    One store may be shared by threads (its lock serialises them); several
    processes may open the same file.
    """

    def __init__(self, path: str, *, timeout: float) -> None:
        self.path = path
        self.owner = f"{socket.gethostname()}/{os.getpid()}/{uuid.uuid4().hex}"
        self._lock = threading.RLock()
        self._batch = 0
        self._broken = False  # a write in the open batch failed part-way
        self._forgetters: list[Callable[[], None]] = []
        self._timeout = timeout
        self._conn: sqlite3.Connection | None = self._open(timeout)

    def fail(self, problem: str) -> LedgerError:
        return LedgerError(f"ledger {self.path}: {problem}")

    # ---- opening -----------------------------------------------------------------------

    def _check_file(self) -> None:
        if self.path == ":memory:":
            return
        file = Path(self.path)
        if file.is_dir():
            raise self.fail("is a directory, not a ledger file")
        if not file.exists():
            return
        try:
            size = file.stat().st_size
            with file.open("rb") as stream:
                header = stream.read(100)
        except OSError as error:
            raise self.fail(f"cannot be read: {error.strerror}") from None
        if size == 0:
            return
        if not header.startswith(_HEADER):
            raise self.fail("is not a SQLite database, so not a favorpolicy ledger")
        if len(header) < 100:
            raise self.fail(f"is truncated: {size} bytes, less than a SQLite header")
        page_size = int.from_bytes(header[16:18], "big")
        page_size = 65536 if page_size == 1 else page_size
        pages = int.from_bytes(header[28:32], "big")
        # The page count in the header is valid when its "valid-for" number matches the
        # change counter; then a shorter file has lost pages, unless the write-ahead log
        # beside it holds them all: a checkpoint cut short (a crash, kill -9) copies
        # page 1, with the grown count, before the pages after it, and SQLite finishes
        # it from the log.
        if (
            header[92:96] == header[24:28]
            and size < pages * page_size
            and not self._logged(range(size // page_size + 1, pages + 1), page_size)
        ):
            raise self.fail(
                f"is truncated: {size} bytes, but its header promises {pages} pages "
                f"of {page_size} bytes; restore it from a backup"
            )

    def _logged(self, missing: range, page_size: int) -> bool:
        """Whether the committed write-ahead log beside the file holds every *missing* page."""
        # SQLite keeps the log beside the file a link leads to, not beside the link.
        try:
            wal = Path(f"{os.path.realpath(self.path)}-wal").read_bytes()
        except OSError:
            return False
        held = committed_pages(wal, page_size)
        never_used = 0x40000000 // page_size + 1  # the page holding the lock bytes at 1 GiB
        return all(page in held or page == never_used for page in missing)

    def _open(self, timeout: float) -> sqlite3.Connection:
        self._check_file()
        try:
            conn = sqlite3.connect(
                self.path, timeout=timeout, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as error:
            raise self.fail(f"cannot be opened: {error}") from None
        try:
            with self._errors():
                self._prepare(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def _prepare(self, conn: sqlite3.Connection) -> None:
        application_id, version = self._identity(conn)
        if application_id not in (0, APPLICATION_ID):
            raise self.fail("is a SQLite database of another application, not a ledger")
        if application_id == APPLICATION_ID and version > SCHEMA_VERSION:
            raise self.fail(
                f"was written by a newer favorpolicy (schema version {version}); this one "
                f"reads versions up to {SCHEMA_VERSION}: upgrade favorpolicy to read it"
            )
        if self.path != ":memory:":
            mode = self._wal(conn)
            if str(mode).lower() != "wal":
                raise self.fail(f"cannot use write-ahead logging (journal mode {mode!r})")
        # FULL: a record acknowledged to the caller survives a power cut, not just a crash.
        conn.execute("PRAGMA synchronous=FULL")
        if application_id == 0 or version < SCHEMA_VERSION:
            # What a file that is not yet a ledger holds is decided under the write lock.
            self._migrate(conn)

    def _wal(self, conn: sqlite3.Connection) -> object:
        """Switch the file to write-ahead logging, waiting while others are switching it.

        Changing the journal mode takes a lock that SQLite does not wait for with
        the busy timeout: processes opening a new file together would fail at once.
        """
        deadline = time.monotonic() + self._timeout
        while True:
            try:
                return conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)

    @staticmethod
    def _identity(conn: sqlite3.Connection) -> tuple[int, int]:
        application_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        return int(application_id), int(version)

    def _migrate(self, conn: sqlite3.Connection) -> None:
        """Bring the file to this version, deciding what it is under the write lock.

        Many processes may open a file that does not exist yet at the same
        moment: what the first one wrote is seen by the others only once they
        hold the lock, so a half-made ledger is never taken for a foreign file.
        """
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = self._claim(conn)
            for step in range(version + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[step]:
                    conn.execute(statement)
                if step in AFTER:
                    AFTER[step](conn)
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def _claim(self, conn: sqlite3.Connection) -> int:
        """Under the write lock: mark a new file as a ledger; refuse a foreign or newer one."""
        application_id, version = SqliteStore._identity(conn)
        if application_id == 0:
            if version or conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                raise self.fail("is a SQLite database of another application, not a ledger")
            conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
        if version > SCHEMA_VERSION:  # a newer favorpolicy migrated it meanwhile
            raise self.fail(
                f"was written by a newer favorpolicy (schema version {version}); this one "
                f"reads versions up to {SCHEMA_VERSION}: upgrade favorpolicy to read it"
            )
        return int(version)

    def schema_version(self) -> int:
        with self.read() as conn:
            return int(conn.execute("PRAGMA user_version").fetchone()[0])

    def verify(self) -> None:
        with self.read() as conn:
            found = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        if found != ["ok"]:
            raise self.fail(f"is damaged: {'; '.join(found[:5])}")

    # ---- reads and writes --------------------------------------------------------------

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.OperationalError as error:
            if "locked" in str(error) or "busy" in str(error):
                raise self.fail(f"stayed locked by another writer: {error}") from None
            raise self.fail(f"cannot be used: {error}") from None
        except sqlite3.DatabaseError as error:
            raise self.fail(
                f"is damaged ({error}); it was not changed: restore it from a backup"
            ) from None
        except sqlite3.Error as error:
            raise self.fail(f"failed: {error}") from None

    def connection(self) -> sqlite3.Connection:
        """The open connection (the tests reach the file through it); LedgerError once closed."""
        if self._conn is None:
            raise self.fail("is closed")
        return self._conn

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        with self._lock, self._errors():
            yield self.connection()

    @contextmanager
    def write(self, *, savepoint: bool = True) -> Iterator[sqlite3.Connection]:
        with self._lock, self._errors():
            conn = self.connection()
            if self._batch and self._broken:
                # Some SQLite errors end the transaction themselves; writing on would
                # commit statement by statement. The batch rolls back when it ends.
                raise self.fail(
                    "a record in this batch failed part-way; nothing more is written, and "
                    "the whole batch rolls back when it ends"
                )
            if self._batch and not savepoint:
                try:
                    yield conn
                except KeyTaken:
                    self._broken = not conn.in_transaction
                    raise
                except BaseException:
                    self._broken = True
                    raise
                return
            begin, commit, undo = (
                ("SAVEPOINT record", "RELEASE record", ("ROLLBACK TO record", "RELEASE record"))
                if self._batch
                else ("BEGIN IMMEDIATE", "COMMIT", ("ROLLBACK",))
            )
            conn.execute(begin)
            try:
                yield conn
                conn.execute(commit)
            except BaseException:
                for forget in self._forgetters:
                    forget()
                try:
                    for statement in undo:
                        conn.execute(statement)
                except sqlite3.Error:  # the original error matters more
                    log.exception("favorpolicy ledger: rolling back failed")
                if self._batch and not conn.in_transaction:
                    self._broken = True  # SQLite ended the batch's transaction itself
                raise

    @contextmanager
    def batch(self) -> Iterator[None]:
        with self._lock:
            if self._batch:
                self._batch += 1
                try:
                    yield
                finally:
                    self._batch -= 1
                return
            with self.write():
                self._batch, self._broken = 1, False
                try:
                    yield
                finally:
                    self._batch = 0
                if self._broken:
                    raise self.fail(
                        "a record in this batch failed part-way, so the whole batch was "
                        "rolled back; nothing in it was recorded"
                    )

    def insert_new(self, conn: Connection, sql: str, row: Sequence[object]) -> None:
        try:
            conn.execute(sql, row)
        except sqlite3.IntegrityError as error:
            if error.sqlite_errorname != "SQLITE_CONSTRAINT_UNIQUE":
                raise  # not the key: a real failure
            if "resolutions.key" not in str(error):
                raise
            raise KeyTaken from None

    def on_rollback(self, forget: Callable[[], None]) -> None:
        self._forgetters.append(forget)

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
