"""The SQLite task store: one WAL file, one connection owned by one writer thread."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from ember.errors import StoreError, StoreThreadError
from ember.scheduling._store import (
    COLUMNS,
    StoredTask,
    TaskRow,
    row_to_task,
)
from ember.storage import describe_sqlite_error

__all__ = ["SqliteTaskStore", "transaction"]

_T = TypeVar("_T")

CREATE_SQL = (
    "CREATE TABLE IF NOT EXISTS ember_tasks (id INTEGER PRIMARY KEY, state TEXT NOT NULL,"
    " deadline REAL, remaining REAL, callback TEXT NOT NULL, args TEXT NOT NULL,"
    " kwargs TEXT NOT NULL, owner TEXT, error TEXT);"
    " CREATE TABLE IF NOT EXISTS ember_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
)
UPSERT_SQL = (
    f"INSERT INTO ember_tasks ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT(id) DO UPDATE SET state = excluded.state, deadline = excluded.deadline,"
    " remaining = excluded.remaining, callback = excluded.callback, args = excluded.args,"
    " kwargs = excluded.kwargs, owner = excluded.owner, error = excluded.error"
)
DELETE_SQL = "DELETE FROM ember_tasks WHERE id = ?"
SELECT_ALL_SQL = f"SELECT {COLUMNS} FROM ember_tasks ORDER BY id"
MAX_ID_SQL = "SELECT max(id) FROM ember_tasks"
GET_NEXT_ID_SQL = "SELECT value FROM ember_meta WHERE key = 'next_id'"
SET_NEXT_ID_SQL = (
    "INSERT INTO ember_meta (key, value) VALUES ('next_id', ?)"
    " ON CONFLICT(key) DO UPDATE SET value = excluded.value"
)
# Compare-and-set: only a counter still at the end of our block moves back (release_ids).
RELEASE_IDS_SQL = "UPDATE ember_meta SET value = ? WHERE key = 'next_id' AND value = ?"

_SYNCHRONOUS = ("OFF", "NORMAL", "FULL", "EXTRA")


class SqliteTaskStore:
    """A :class:`~ember.scheduling._store.TaskStore` in an SQLite file (WAL mode).

    All SQL runs in one dedicated thread that owns the only connection, so the event loop never
    blocks on disk. ``synchronous`` is SQLite's ``PRAGMA synchronous``; the default ``"FULL"``
    makes every committed batch survive a power cut. Use it from the event loop that opened it::

        store = SqliteTaskStore("game/tasks.db")
        await store.open()
    """

    def __init__(self, path: str | os.PathLike[str], *, synchronous: str = "FULL") -> None:
        if synchronous.upper() not in _SYNCHRONOUS:
            raise ValueError(f"synchronous must be one of {_SYNCHRONOUS}, not {synchronous!r}")
        self.path = os.path.abspath(os.fspath(path))
        self.url = f"sqlite://{self.path}"
        self._synchronous = synchronous.upper()
        self._executor: ThreadPoolExecutor | None = None
        self._conn: sqlite3.Connection | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False

    def __repr__(self) -> str:
        return f"<SqliteTaskStore {self.url}>"

    async def open(self) -> None:
        """Open the file (creating it and the schema if missing) in the writer thread."""
        if self._closed or self._executor is not None:
            raise StoreError(f"{self!r} was already opened; create a new store instead")
        self._loop = asyncio.get_running_loop()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ember-sqlite")
        try:
            self._conn = await self._loop.run_in_executor(self._executor, self._connect)
        except BaseException as exc:
            self._executor.shutdown(wait=False)
            self._closed = True
            if isinstance(exc, sqlite3.Error):
                what = describe_sqlite_error("the task database", self.path, exc)
                raise StoreError(what) from exc
            raise

    def _connect(self) -> sqlite3.Connection:
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so a batch is one transaction.
        conn = sqlite3.connect(self.path, timeout=10.0, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA synchronous={self._synchronous}")
            conn.execute("PRAGMA busy_timeout=10000")
            conn.executescript(f"BEGIN IMMEDIATE; {CREATE_SQL} COMMIT;")
        except BaseException:
            conn.close()
            raise
        return conn

    async def close(self) -> None:
        """Close the connection and stop the writer thread; closing twice is harmless."""
        conn, self._conn, self._closed = self._conn, None, True
        if conn is not None and self._executor is not None and self._loop is not None:
            # Queued behind any call already submitted, so that call completes first.
            await self._loop.run_in_executor(self._executor, conn.close)
            self._executor.shutdown(wait=True)

    async def _run(self, what: str, fn: Callable[[sqlite3.Connection], _T]) -> _T:
        """Run ``fn(connection)`` in the writer thread; SQLite errors become StoreError."""
        if self._closed:
            raise StoreError(f"{self!r} is closed")
        loop, conn = self._loop, self._conn
        if loop is None or conn is None or self._executor is None:
            raise StoreError(f"{self!r} is not open; await store.open() first")
        if asyncio.get_running_loop() is not loop:
            raise StoreThreadError(f"{self!r} used outside the event loop that opened it")
        try:
            return await loop.run_in_executor(self._executor, fn, conn)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot {what} {self.url}: {exc}") from exc

    async def write(self, puts: Sequence[TaskRow], deletes: Sequence[int]) -> None:
        """Upsert ``puts`` and delete ``deletes`` in one durable transaction (all or nothing)."""
        delete_params = [(task_id,) for task_id in deletes]
        changes = len(puts) + len(deletes)

        def apply(conn: sqlite3.Connection) -> None:
            with transaction(conn):
                conn.executemany(UPSERT_SQL, puts)
                conn.executemany(DELETE_SQL, delete_params)

        await self._run(f"write {changes} task changes to", apply)

    async def reserve_ids(self, at_least: int, count: int) -> int:
        """Reserve ``count`` ids (durably) above every id handed out or stored; return the first."""
        if count < 0:
            raise ValueError(f"count must be >= 0, not {count}")

        def reserve(conn: sqlite3.Connection) -> int:
            with transaction(conn):
                # No meta row yet (a fresh file) reads as next_id 1.
                next_id = conn.execute(GET_NEXT_ID_SQL).fetchone() or (1,)
                (max_id,) = conn.execute(MAX_ID_SQL).fetchone()
                first = max(int(next_id[0]), at_least, (max_id or 0) + 1, 1)
                conn.execute(SET_NEXT_ID_SQL, (first + count,))
            return first

        return await self._run("reserve task ids in", reserve)

    async def release_ids(self, first_unused: int, limit: int) -> bool:
        """Move the counter back to ``first_unused`` if it still stands at ``limit``."""
        if not 1 <= first_unused <= limit:
            raise ValueError(f"cannot release ids {first_unused}..{limit}")

        def release(conn: sqlite3.Connection) -> bool:
            with transaction(conn):
                return conn.execute(RELEASE_IDS_SQL, (first_unused, limit)).rowcount == 1

        return await self._run("release task ids in", release)

    async def load(self) -> list[StoredTask]:
        """Return every stored task in id order (unknown states come back ``ORPHANED``)."""

        def load(conn: sqlite3.Connection) -> list[StoredTask]:
            return [row_to_task(row) for row in conn.execute(SELECT_ALL_SQL)]

        return await self._run("load tasks from", load)


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """``BEGIN IMMEDIATE`` … ``COMMIT``, rolling back on any error."""
    # IMMEDIATE takes the write lock up front, so another process cannot slip in between our
    # read of next_id and our update of it.
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
