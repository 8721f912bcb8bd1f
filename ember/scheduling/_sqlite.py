"""The SQLite task store: the task SQL, run on one writer-thread connection (ember.storage)."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence

from ember.scheduling._journal import FLOW_COLUMNS, STEP_COLUMNS, FlowRow, StepRow, StoredJournal
from ember.scheduling._repeat_sql import (
    MarkRow,
    RepeatRow,
    StoredRepeat,
    split_batch,
    sqlite_sql,
    to_stored,
)
from ember.scheduling._task_store import COLUMNS, StoredTask, TaskRow, row_to_task
from ember.storage import Schema, SqliteConnection, reserve_sqlite, transaction, upgrade_sqlite

__all__ = ["FLOWS_SCHEMA", "SCHEMA", "SqliteTaskStore"]

CREATE_SQL = (
    "CREATE TABLE IF NOT EXISTS ember_tasks (id INTEGER PRIMARY KEY, state TEXT NOT NULL,"
    " deadline REAL, remaining REAL, callback TEXT NOT NULL, args TEXT NOT NULL,"
    " kwargs TEXT NOT NULL, owner TEXT, error TEXT);"
    " CREATE TABLE IF NOT EXISTS ember_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
)
REPEAT_SQL = sqlite_sql()
#: The task tables' versions (see ember.storage.Schema); a change appends a step.
#: Version 2 adds the persistent repeats (ember.scheduling._repeat_sql).
SCHEMA = Schema("tasks", ("ember_tasks", "ember_meta"), (CREATE_SQL, REPEAT_SQL["create"]))
# The journal of durable flows (ember/scheduling/_journal.py).
FLOWS_SQL = (
    "CREATE TABLE IF NOT EXISTS ember_flows (id TEXT PRIMARY KEY, ref TEXT NOT NULL,"
    " args TEXT NOT NULL, kwargs TEXT NOT NULL, owner TEXT, name TEXT NOT NULL,"
    " started REAL NOT NULL);"
    " CREATE TABLE IF NOT EXISTS ember_flow_steps (flow TEXT NOT NULL, seq INTEGER NOT NULL,"
    " kind TEXT NOT NULL, key TEXT NOT NULL, value TEXT, until REAL, PRIMARY KEY (flow, seq))"
)
#: The flow journal's own component, so task databases of any age gain it by itself.
FLOWS_SCHEMA = Schema("flows", ("ember_flows", "ember_flow_steps"), (FLOWS_SQL,))
UPSERT_FLOW_SQL = (
    f"INSERT INTO ember_flows ({FLOW_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT(id) DO UPDATE SET ref = excluded.ref, args = excluded.args,"
    " kwargs = excluded.kwargs, owner = excluded.owner, name = excluded.name,"
    " started = excluded.started"
)
UPSERT_STEP_SQL = (
    f"INSERT INTO ember_flow_steps ({STEP_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)"
    " ON CONFLICT(flow, seq) DO UPDATE SET kind = excluded.kind, key = excluded.key,"
    " value = excluded.value, until = excluded.until"
)
DELETE_FLOW_SQL = "DELETE FROM ember_flows WHERE id = ?"
DELETE_STEPS_SQL = "DELETE FROM ember_flow_steps WHERE flow = ?"
SELECT_FLOWS_SQL = f"SELECT {FLOW_COLUMNS} FROM ember_flows ORDER BY id"
SELECT_STEPS_SQL = f"SELECT {STEP_COLUMNS} FROM ember_flow_steps ORDER BY flow, seq"
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
_ID_SQL = (GET_NEXT_ID_SQL, MAX_ID_SQL, SET_NEXT_ID_SQL)
# Compare-and-set: only a counter still at the end of our block moves back (release_ids).
RELEASE_IDS_SQL = "UPDATE ember_meta SET value = ? WHERE key = 'next_id' AND value = ?"


class SqliteTaskStore:
    """A :class:`~ember.scheduling.TaskStore` in an SQLite file (WAL mode).

    All SQL runs in one dedicated thread that owns the only connection, so the event loop never
    blocks on disk. ``synchronous`` is SQLite's ``PRAGMA synchronous``; the default ``"FULL"``
    makes every committed batch survive a power cut. Use it from the event loop that opened it::

        store = SqliteTaskStore("game/tasks.db")
        await store.open()
    """

    def __init__(self, path: str | os.PathLike[str], *, synchronous: str = "FULL") -> None:
        self._db = SqliteConnection(path, what="the task database", synchronous=synchronous)
        self.path, self.url = self._db.path, self._db.url

    def __repr__(self) -> str:
        return f"<SqliteTaskStore {self.url}>"

    async def open(self) -> None:
        """Open the file (creating it and the schema if missing) in the writer thread."""

        def prepare(conn: sqlite3.Connection) -> None:
            upgrade_sqlite(conn, SCHEMA, self.path)
            upgrade_sqlite(conn, FLOWS_SCHEMA, self.path)

        await self._db.open(prepare)

    async def close(self) -> None:
        """Close the connection and stop the writer thread; closing twice is harmless."""
        await self._db.close()

    async def write(self, puts: Sequence[TaskRow], deletes: Sequence[int]) -> None:
        """Upsert ``puts`` and delete ``deletes`` in one durable transaction (all or nothing)."""
        delete_params = [(task_id,) for task_id in deletes]

        def apply(conn: sqlite3.Connection) -> None:
            with transaction(conn):
                conn.executemany(UPSERT_SQL, puts)
                conn.executemany(DELETE_SQL, delete_params)

        await self._db.run(f"write {len(puts) + len(deletes)} task changes to", apply)

    async def reserve_ids(self, at_least: int, count: int) -> int:
        """Reserve ``count`` ids (durably) above every id handed out or stored; return the first."""
        if count < 0:
            raise ValueError(f"count must be >= 0, not {count}")

        def reserve(conn: sqlite3.Connection) -> int:
            return reserve_sqlite(conn, _ID_SQL, at_least, count)

        return await self._db.run("reserve task ids in", reserve)

    async def release_ids(self, first_unused: int, limit: int) -> bool:
        """Move the counter back to ``first_unused`` if it still stands at ``limit``."""
        if not 1 <= first_unused <= limit:
            raise ValueError(f"cannot release ids {first_unused}..{limit}")

        def release(conn: sqlite3.Connection) -> bool:
            with transaction(conn):
                return conn.execute(RELEASE_IDS_SQL, (first_unused, limit)).rowcount == 1

        return await self._db.run("release task ids in", release)

    async def load(self) -> list[StoredTask]:
        """Return every stored task in id order (unknown states come back ``ORPHANED``)."""

        def load(conn: sqlite3.Connection) -> list[StoredTask]:
            return [row_to_task(row) for row in conn.execute(SELECT_ALL_SQL)]

        return await self._db.run("load tasks from", load)

    async def write_repeats(
        self, puts: Sequence[RepeatRow | MarkRow], deletes: Sequence[int | str]
    ) -> None:
        """Write a batch of repeat rows, interval marks and repeat deletions in one transaction."""
        repeats, marks, delete_params = split_batch(puts, deletes)

        def apply(conn: sqlite3.Connection) -> None:
            with transaction(conn):
                conn.executemany(REPEAT_SQL["upsert"], repeats)
                conn.executemany(REPEAT_SQL["mark"], marks)
                conn.executemany(REPEAT_SQL["delete"], delete_params)

        await self._db.run(f"write {len(puts) + len(deletes)} repeat changes to", apply)

    async def load_repeats(self) -> tuple[list[StoredRepeat], dict[str, float]]:
        """Return every stored repeat (id order) and the interval marks."""

        def load(conn: sqlite3.Connection) -> tuple[list[StoredRepeat], dict[str, float]]:
            rows = [to_stored(row) for row in conn.execute(REPEAT_SQL["select"])]
            return rows, dict(conn.execute(REPEAT_SQL["marks"]).fetchall())

        return await self._db.run("load repeats from", load)

    async def write_journal(
        self, flows: Sequence[FlowRow], steps: Sequence[StepRow], deletes: Sequence[str]
    ) -> None:
        """Upsert flow and step rows, then delete whole flows, in one durable transaction."""
        gone = [(flow_id,) for flow_id in deletes]

        def apply(conn: sqlite3.Connection) -> None:
            with transaction(conn):
                conn.executemany(UPSERT_FLOW_SQL, flows)
                conn.executemany(UPSERT_STEP_SQL, steps)
                conn.executemany(DELETE_STEPS_SQL, gone)
                conn.executemany(DELETE_FLOW_SQL, gone)

        await self._db.run(f"write {len(flows) + len(steps) + len(gone)} journal rows to", apply)

    async def load_journal(self) -> StoredJournal:
        """Return every stored flow and step (steps in flow, seq order)."""

        def load(conn: sqlite3.Connection) -> StoredJournal:
            flows = conn.execute(SELECT_FLOWS_SQL).fetchall()  # rows are tuples already
            steps = conn.execute(SELECT_STEPS_SQL).fetchall()
            return StoredJournal(flows, steps)

        return await self._db.run("load the flow journal from", load)
