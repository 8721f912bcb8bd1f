"""An SQLite connection owned by one writer thread, so the event loop never blocks on disk.

Every store in an SQLite file (tasks, accounts, the world) runs its SQL through one of these:
the file is opened in WAL mode with a busy timeout, all SQL runs in one dedicated thread that
owns the only connection, and :func:`transaction` makes a batch all or nothing. Several of
them may share a file: each takes the write lock per transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from ember.errors import StoreError, StoreThreadError
from ember.storage._sqlite import describe_sqlite_error

__all__ = ["SqliteConnection", "transaction"]

_T = TypeVar("_T")
_SYNCHRONOUS = ("OFF", "NORMAL", "FULL", "EXTRA")


class SqliteConnection:
    """One SQLite connection to ``path``, used only by its own thread.

    ``what`` names the database in messages ("the task database"); ``synchronous`` is
    SQLite's ``PRAGMA synchronous`` (the default ``"FULL"`` makes every commit survive a power
    cut). Use it from the event loop that opened it::

        db = SqliteConnection("game/server/game.db", what="the task database")
        await db.open(lambda conn: upgrade_sqlite(conn, SCHEMA, db.path))
        rows = await db.run("load tasks from", lambda conn: conn.execute(SQL).fetchall())
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        what: str,
        synchronous: str = "FULL",
        thread_name: str = "ember-sqlite",
    ) -> None:
        if synchronous.upper() not in _SYNCHRONOUS:
            raise ValueError(f"synchronous must be one of {_SYNCHRONOUS}, not {synchronous!r}")
        self.path = os.path.abspath(os.fspath(path))
        self.url = f"sqlite://{self.path}"
        self.what = what
        self._synchronous = synchronous.upper()
        self._thread_name = thread_name
        self._executor: ThreadPoolExecutor | None = None
        self._conn: sqlite3.Connection | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False

    def __repr__(self) -> str:
        return f"<SqliteConnection {self.url}>"

    async def open(self, prepare: Callable[[sqlite3.Connection], object]) -> None:
        """Open the file (creating it if missing) and run ``prepare(connection)`` (the schema)
        in the writer thread. An SQLite error becomes a :class:`StoreError` saying what to do;
        other errors (e.g. a too-new schema) pass through."""
        if self._closed or self._executor is not None:
            raise StoreError(f"{self.what} {self.url} was already opened; open a new one instead")
        self._loop = asyncio.get_running_loop()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=self._thread_name)
        try:
            self._conn = await self._loop.run_in_executor(self._executor, self._connect, prepare)
        except BaseException as exc:
            self._executor.shutdown(wait=False)
            self._closed = True
            if isinstance(exc, sqlite3.Error):
                raise StoreError(describe_sqlite_error(self.what, self.path, exc)) from exc
            raise

    def _connect(self, prepare: Callable[[sqlite3.Connection], object]) -> sqlite3.Connection:
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so a batch is one transaction.
        conn = sqlite3.connect(self.path, timeout=10.0, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA synchronous={self._synchronous}")
            conn.execute("PRAGMA busy_timeout=10000")
            prepare(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    async def close(self) -> None:
        """Close the connection and stop the thread; closing twice is harmless."""
        conn, self._conn, self._closed = self._conn, None, True
        if conn is not None and self._executor is not None and self._loop is not None:
            # Queued behind any call already submitted, so that call completes first.
            await self._loop.run_in_executor(self._executor, conn.close)
            self._executor.shutdown(wait=True)

    async def run(self, what: str, fn: Callable[[sqlite3.Connection], _T]) -> _T:
        """Run ``fn(connection)`` in the writer thread; an SQLite error becomes
        :class:`StoreError` ``"cannot {what} {url}: ..."``."""
        if self._closed:
            raise StoreError(f"{self.what} {self.url} is closed")
        loop, conn = self._loop, self._conn
        if loop is None or conn is None or self._executor is None:
            raise StoreError(f"{self.what} {self.url} is not open; await store.open() first")
        if asyncio.get_running_loop() is not loop:
            raise StoreThreadError(
                f"{self.what} {self.url} used outside the event loop that opened it"
            )
        try:
            return await loop.run_in_executor(self._executor, fn, conn)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot {what} {self.url}: {exc}") from exc


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """``BEGIN IMMEDIATE`` … ``COMMIT``, rolling back on any error."""
    # IMMEDIATE takes the write lock up front, so another process cannot slip in between a
    # read and the write that depends on it (a reserved id counter, a schema version).
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            # A failed rollback must not hide the error that caused it.
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
        raise
