"""A store that is its SQL and nothing else (named things in a real SQLite file, keyed by a
string), for tests of the generic write-behind in ember.storage."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from ember.storage import Schema, SqliteConnection, transaction, upgrade_sqlite

THINGS = Schema(
    "things", ("things",), ("CREATE TABLE things (name TEXT PRIMARY KEY, colour TEXT)",)
)
Thing = tuple[str, str]


class ThingStore:
    """Named things, written in one transaction per batch, as a world store would be."""

    def __init__(self, path: Path) -> None:
        self.db = SqliteConnection(path, what="the thing database")
        self.url = self.db.url

    async def open(self) -> None:
        await self.db.open(lambda conn: upgrade_sqlite(conn, THINGS, self.db.path))

    async def write(self, puts: Sequence[Thing], deletes: Sequence[str]) -> None:
        def apply(conn: sqlite3.Connection) -> None:
            with transaction(conn):
                conn.executemany("INSERT OR REPLACE INTO things VALUES (?, ?)", puts)
                conn.executemany("DELETE FROM things WHERE name = ?", [(k,) for k in deletes])

        await self.db.run("write things to", apply)
