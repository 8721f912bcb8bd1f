"""A database world stores open in tests: an SQLite file or a fresh PostgreSQL schema."""

from __future__ import annotations

import sqlite3
import uuid
from contextlib import closing
from pathlib import Path
from typing import Any

from support.task_stores import POSTGRES_DSN

from ember.storage import qualify
from ember.world import PostgresWorldStore, SqliteWorldStore, StoredWorld, WorldStore, open_world

TABLES = {"objects": "ember_objects", "attributes": "ember_attributes", "meta": "ember_world_meta"}


class WorldDatabase:
    """One database (an SQLite file or a fresh PostgreSQL schema) that world stores open.

    ``open()`` opens a new stored world on it, so closing one and opening again is a restart;
    ``raw()`` runs SQL behind the store's back, as a hand edit or another server would.
    """

    def __init__(
        self, kind: str, *, path: Path | None = None, admin: Any = None, stream: bool = False
    ) -> None:
        self.kind, self.path, self.admin = kind, path, admin
        #: SQLite only: open with the attributes streamed in after the objects (as the game).
        self.stream = stream
        self.schema = f"ember_test_{uuid.uuid4().hex[:12]}"
        self.opened: list[StoredWorld] = []

    @property
    def url(self) -> str:
        if self.kind == "sqlite":
            return str(self.path)
        return f"{POSTGRES_DSN}?schema={self.schema}"

    def new_store(self) -> WorldStore:
        if self.kind == "sqlite":
            assert self.path is not None
            return SqliteWorldStore(self.path)
        return PostgresWorldStore(POSTGRES_DSN, schema=self.schema)

    async def open(self, **options: Any) -> StoredWorld:
        if self.stream:
            options.setdefault("stream", True)
        stored = await open_world(self.new_store(), **options)
        self.opened.append(stored)
        return stored

    async def raw(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        """Run ``sql`` (``?`` placeholders, ``{objects}``-style table names) directly."""
        if self.kind == "sqlite":
            with closing(sqlite3.connect(self.path)) as conn, conn:
                return conn.execute(sql.format(**TABLES), args).fetchall()
        numbered, n = "", 0
        for char in sql:
            if char == "?":
                n += 1
                numbered += f"${n}"
            else:
                numbered += char
        rows = await self.admin.fetch(qualify(numbered, self.schema, **TABLES), *args)
        return [tuple(row) for row in rows]
