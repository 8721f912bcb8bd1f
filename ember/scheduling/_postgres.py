"""The PostgreSQL task store: the same rows as SQLite, over one supervised asyncpg connection."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ember.errors import StoreError, StoreThreadError
from ember.scheduling._journal import FLOW_COLUMNS, STEP_COLUMNS, FlowRow, StepRow, StoredJournal
from ember.scheduling._repeat_sql import (
    MarkRow,
    RepeatRow,
    StoredRepeat,
    postgres_sql,
    split_batch,
    to_stored,
)
from ember.scheduling._task_store import COLUMNS, StoredTask, TaskRow, row_to_task
from ember.storage import (
    ConnectionStatistics,
    Schema,
    SupervisedConnection,
    postgres_url,
    reserve_postgres,
    upgrade_postgres,
)
from ember.storage import qualify as _qualify

if TYPE_CHECKING:
    import asyncpg

__all__ = ["PostgresTaskStore", "qualify"]

# Templates: {tasks} and {meta} become the schema-qualified table names (see qualify()).
CREATE_SQL = """
CREATE TABLE IF NOT EXISTS {tasks} (id BIGINT PRIMARY KEY, state TEXT NOT NULL,
    deadline DOUBLE PRECISION, remaining DOUBLE PRECISION, callback TEXT NOT NULL,
    args TEXT NOT NULL, kwargs TEXT NOT NULL, owner TEXT, error TEXT);
CREATE TABLE IF NOT EXISTS {meta} (key TEXT PRIMARY KEY, value BIGINT NOT NULL);
"""
# The journal of durable flows (ember/scheduling/_journal.py): the "flows" schema component.
FLOWS_SQL = """
CREATE TABLE IF NOT EXISTS {flows} (id TEXT PRIMARY KEY, ref TEXT NOT NULL, args TEXT NOT NULL,
    kwargs TEXT NOT NULL, owner TEXT, name TEXT NOT NULL, started DOUBLE PRECISION NOT NULL);
CREATE TABLE IF NOT EXISTS {steps} (flow TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL,
    key TEXT NOT NULL, value TEXT, until DOUBLE PRECISION, PRIMARY KEY (flow, seq));
"""
UPSERT_FLOW_SQL = (
    f"INSERT INTO {{flows}} ({FLOW_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
    " ON CONFLICT (id) DO UPDATE SET ref = excluded.ref, args = excluded.args,"
    " kwargs = excluded.kwargs, owner = excluded.owner, name = excluded.name,"
    " started = excluded.started"
)
UPSERT_STEP_SQL = (
    f"INSERT INTO {{steps}} ({STEP_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"
    " ON CONFLICT (flow, seq) DO UPDATE SET kind = excluded.kind, key = excluded.key,"
    " value = excluded.value, until = excluded.until"
)
DELETE_FLOW_SQL = "DELETE FROM {flows} WHERE id = $1"
DELETE_STEPS_SQL = "DELETE FROM {steps} WHERE flow = $1"
SELECT_FLOWS_SQL = f"SELECT {FLOW_COLUMNS} FROM {{flows}} ORDER BY id"
SELECT_STEPS_SQL = f"SELECT {STEP_COLUMNS} FROM {{steps}} ORDER BY flow, seq"
UPSERT_SQL = (
    f"INSERT INTO {{tasks}} ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    " ON CONFLICT (id) DO UPDATE SET state = excluded.state, deadline = excluded.deadline,"
    " remaining = excluded.remaining, callback = excluded.callback, args = excluded.args,"
    " kwargs = excluded.kwargs, owner = excluded.owner, error = excluded.error"
)
DELETE_SQL = "DELETE FROM {tasks} WHERE id = $1"
SELECT_ALL_SQL = f"SELECT {COLUMNS} FROM {{tasks}} ORDER BY id"
MAX_ID_SQL = "SELECT max(id) FROM {tasks}"
# The row must exist for FOR UPDATE to lock it: that serialises servers sharing the schema.
INIT_META_SQL = "INSERT INTO {meta} (key, value) VALUES ('next_id', 1) ON CONFLICT DO NOTHING"
GET_NEXT_ID_SQL = "SELECT value FROM {meta} WHERE key = 'next_id' FOR UPDATE"
SET_NEXT_ID_SQL = (
    "INSERT INTO {meta} (key, value) VALUES ('next_id', $1)"
    " ON CONFLICT (key) DO UPDATE SET value = excluded.value"
)
# Compare-and-set: only a counter still at the end of our block moves back (release_ids).
RELEASE_IDS_SQL = "UPDATE {meta} SET value = $1 WHERE key = 'next_id' AND value = $2"


def qualify(sql: str, schema: str) -> str:
    """Fill one of this module's SQL templates with the tables of ``schema`` (an identifier)."""
    return _qualify(
        sql,
        schema,
        tasks="ember_tasks",
        meta="ember_meta",
        flows="ember_flows",
        steps="ember_flow_steps",
    )


class PostgresTaskStore:
    """A :class:`~ember.scheduling.TaskStore` in PostgreSQL, via ``asyncpg``.

    ``dsn`` is an asyncpg connection URL; the tables live in ``schema``, created if missing, so
    several games can share one database. Needs the extra: ``pip install 'ember[postgres]'``::

        store = PostgresTaskStore("postgresql://ember@db/game", schema="ember")
        await store.open()
    """

    def __init__(self, dsn: str, *, schema: str = "public") -> None:
        self._sql = {name: qualify(sql, schema) for name, sql in _TEMPLATES.items()}
        self._repeat_sql = postgres_sql(
            _qualify("{t}", schema, t="ember_repeats"),
            _qualify("{t}", schema, t="ember_repeat_marks"),
        )
        # Version 2 adds the persistent repeats (ember.scheduling._repeat_sql).
        steps = (self._sql["create"], self._repeat_sql["create"])
        self._schema = Schema("tasks", ("ember_tasks", "ember_meta"), steps)
        flow_tables = ("ember_flows", "ember_flow_steps")
        self._flows_schema = Schema("flows", flow_tables, (self._sql["flows"],))
        self.dsn, self.schema = dsn, schema
        self.url = postgres_url(dsn, schema).url
        # Reconnects by itself after a restart or a terminated backend (ember.storage).
        self._conn = SupervisedConnection(dsn, url=self.url)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False

    def __repr__(self) -> str:
        return f"<PostgresTaskStore {self.url}>"

    async def open(self) -> None:
        """Connect and create (or upgrade) the schema and tables if they are missing."""
        if self._closed or self._loop is not None:
            raise StoreError(f"{self!r} was already opened; create a new store instead")
        self._loop = asyncio.get_running_loop()

        async def prepare(conn: asyncpg.Connection[Any]) -> None:
            await upgrade_postgres(conn, self._schema, self.schema, self.url)
            await upgrade_postgres(conn, self._flows_schema, self.schema, self.url)
            await conn.execute(self._sql["init_meta"])

        try:
            await self._conn.open(prepare)
        except StoreError as exc:
            self._closed = True
            raise StoreError(f"cannot open task store: {exc}") from exc

    async def close(self) -> None:
        """Close the connection after the calls already waiting; closing twice is harmless."""
        self._closed = True
        await self._conn.close()

    def connection_statistics(self) -> ConnectionStatistics:
        """Whether the connection works now, and how often it was lost (``ember status``)."""
        return self._conn.statistics()

    def _check(self) -> None:
        if self._closed:
            raise StoreError(f"{self!r} is closed")
        if self._loop is None:
            raise StoreError(f"{self!r} is not open; await store.open() first")
        if asyncio.get_running_loop() is not self._loop:
            raise StoreThreadError(f"{self!r} used outside the event loop that opened it")

    async def write(self, puts: Sequence[TaskRow], deletes: Sequence[int]) -> None:
        """Upsert ``puts`` and delete ``deletes`` in one durable transaction (all or nothing)."""
        self._check()
        delete_params = [(task_id,) for task_id in deletes]

        async def write(conn: asyncpg.Connection[Any]) -> None:
            async with conn.transaction():
                await conn.executemany(self._sql["upsert"], puts)
                await conn.executemany(self._sql["delete"], delete_params)

        await self._conn.run(f"write {len(puts) + len(deletes)} task changes to", write)

    async def reserve_ids(self, at_least: int, count: int) -> int:
        """Reserve ``count`` ids (durably) above every id handed out or stored; return the first."""
        if count < 0:
            raise ValueError(f"count must be >= 0, not {count}")
        self._check()

        async def reserve(conn: asyncpg.Connection[Any]) -> int:
            ids = (self._sql["get_next_id"], self._sql["max_id"], self._sql["set_next_id"])
            return await reserve_postgres(conn, ids, at_least, count)

        return await self._conn.run("reserve task ids in", reserve)

    async def release_ids(self, first_unused: int, limit: int) -> bool:
        """Move the counter back to ``first_unused`` if it still stands at ``limit``."""
        if not 1 <= first_unused <= limit:
            raise ValueError(f"cannot release ids {first_unused}..{limit}")
        self._check()
        status = await self._conn.run(
            "release task ids in",
            lambda conn: conn.execute(self._sql["release_ids"], first_unused, limit),
        )
        return bool(status == "UPDATE 1")

    async def load(self) -> list[StoredTask]:
        """Return every stored task in id order (unknown states come back ``ORPHANED``)."""
        self._check()
        rows = await self._conn.run(
            "load tasks from", lambda conn: conn.fetch(self._sql["select_all"])
        )
        return [row_to_task(tuple(row)) for row in rows]

    async def write_repeats(
        self, puts: Sequence[RepeatRow | MarkRow], deletes: Sequence[int | str]
    ) -> None:
        """Write a batch of repeat rows, interval marks and repeat deletions in one transaction."""
        self._check()
        repeats, marks, delete_params = split_batch(puts, deletes)
        sql = self._repeat_sql

        async def write(conn: asyncpg.Connection[Any]) -> None:
            async with conn.transaction():
                await conn.executemany(sql["upsert"], repeats)
                await conn.executemany(sql["mark"], marks)
                await conn.executemany(sql["delete"], delete_params)

        await self._conn.run(f"write {len(puts) + len(deletes)} repeat changes to", write)

    async def load_repeats(self) -> tuple[list[StoredRepeat], dict[str, float]]:
        """Return every stored repeat (id order) and the interval marks."""
        self._check()
        sql = self._repeat_sql

        async def load(
            conn: asyncpg.Connection[Any],
        ) -> tuple[list[StoredRepeat], dict[str, float]]:
            rows = [to_stored(tuple(row)) for row in await conn.fetch(sql["select"])]
            marks = {str(row[0]): float(row[1]) for row in await conn.fetch(sql["marks"])}
            return rows, marks

        return await self._conn.run("load repeats from", load)

    async def write_journal(
        self, flows: Sequence[FlowRow], steps: Sequence[StepRow], deletes: Sequence[str]
    ) -> None:
        """Upsert flow and step rows, then delete whole flows, in one durable transaction."""
        self._check()
        gone = [(flow_id,) for flow_id in deletes]
        sql = self._sql

        async def write(conn: asyncpg.Connection[Any]) -> None:
            async with conn.transaction():
                await conn.executemany(sql["upsert_flow"], flows)
                await conn.executemany(sql["upsert_step"], steps)
                await conn.executemany(sql["delete_steps"], gone)
                await conn.executemany(sql["delete_flow"], gone)

        await self._conn.run(f"write {len(flows) + len(steps) + len(gone)} journal rows to", write)

    async def load_journal(self) -> StoredJournal:
        """Return every stored flow and step (steps in flow, seq order)."""
        self._check()
        sql = self._sql

        async def load(conn: asyncpg.Connection[Any]) -> StoredJournal:
            flows = [tuple(row) for row in await conn.fetch(sql["select_flows"])]
            steps = [tuple(row) for row in await conn.fetch(sql["select_steps"])]
            return StoredJournal(flows, steps)

        return await self._conn.run("load the flow journal from", load)


_TEMPLATES = {
    "flows": FLOWS_SQL,
    "upsert_flow": UPSERT_FLOW_SQL,
    "upsert_step": UPSERT_STEP_SQL,
    "delete_flow": DELETE_FLOW_SQL,
    "delete_steps": DELETE_STEPS_SQL,
    "select_flows": SELECT_FLOWS_SQL,
    "select_steps": SELECT_STEPS_SQL,
    "create": CREATE_SQL,
    "upsert": UPSERT_SQL,
    "delete": DELETE_SQL,
    "select_all": SELECT_ALL_SQL,
    "max_id": MAX_ID_SQL,
    "init_meta": INIT_META_SQL,
    "get_next_id": GET_NEXT_ID_SQL,
    "set_next_id": SET_NEXT_ID_SQL,
    "release_ids": RELEASE_IDS_SQL,
}
