"""Task stores for tests: a factory that opens SQLite or PostgreSQL stores on one database, and
the test PostgreSQL (skipped, or failed when required, if it is unreachable)."""

from __future__ import annotations

import os
import sqlite3
import uuid
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from ember.scheduling._postgres import PostgresTaskStore, qualify
from ember.scheduling._sqlite import SqliteTaskStore
from ember.scheduling._task_store import TaskStore
from ember.storage import mask_password

POSTGRES_DSN = os.environ.get(
    "EMBER_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test"
)
RAW_INSERT_SQLITE = "INSERT INTO ember_tasks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
RAW_INSERT_POSTGRES = "INSERT INTO {tasks} VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"


class StoreFactory:
    """Opens store instances on one database: an SQLite file or a fresh PostgreSQL schema.

    Calling it opens a new instance, so closing one and calling again simulates a restart.
    ``raw_insert`` writes a row behind the store's back, as a hand edit or an older server would.
    """

    def __init__(self, kind: str, *, path: Path | None = None, admin: Any = None) -> None:
        self.kind = kind
        self.path = path
        self.admin = admin  # an asyncpg connection for raw SQL, PostgreSQL only
        self.schema = f"ember_test_{uuid.uuid4().hex[:12]}"
        self.opened: list[TaskStore] = []

    def new(self) -> TaskStore:
        """Return a store on this database that is not opened yet."""
        if self.kind == "sqlite":
            assert self.path is not None
            return SqliteTaskStore(self.path)
        return PostgresTaskStore(POSTGRES_DSN, schema=self.schema)

    async def __call__(self) -> TaskStore:
        store = self.new()
        self.opened.append(store)
        await store.open()
        return store

    async def raw_insert(self, *row: object) -> None:
        """Insert one ``ember_tasks`` row (all nine columns) directly, bypassing the store."""
        if self.kind == "sqlite":
            with closing(sqlite3.connect(self.path)) as conn, conn:
                conn.execute(RAW_INSERT_SQLITE, row)
        else:
            await self.admin.execute(qualify(RAW_INSERT_POSTGRES, self.schema), *row)


_unreachable: str | None = None


async def connect_postgres() -> Any:
    """Connect to the test PostgreSQL, or skip (fail if it is required) saying why not."""
    global _unreachable
    if _unreachable is None:
        try:
            import asyncpg

            return await asyncpg.connect(POSTGRES_DSN, timeout=10)
        except Exception as exc:  # asyncpg missing, refused, timed out, no such database...
            _unreachable = f"{type(exc).__name__}: {exc}"
    reason = f"PostgreSQL not reachable at {mask_password(POSTGRES_DSN)}: {_unreachable}"
    if os.environ.get("EMBER_REQUIRE_POSTGRES") == "1":
        pytest.fail(reason)
    pytest.skip(reason)
