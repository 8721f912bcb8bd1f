"""The SQLite world store: object and attribute rows on one writer-thread connection."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from typing import Any

from ember.storage import Schema, SqliteConnection, reserve_sqlite, transaction, upgrade_sqlite
from ember.world._store_rows import ATTRIBUTE_COLUMNS, OBJECT_COLUMNS, RowKey, WorldRow

__all__ = ["CACHE_KIB", "SCHEMA", "SqliteWorldStore"]

CREATE_SQL = (
    "CREATE TABLE IF NOT EXISTS ember_objects (id INTEGER PRIMARY KEY, class TEXT NOT NULL,"
    " key TEXT NOT NULL, location INTEGER, home INTEGER, destination INTEGER,"
    " aliases TEXT NOT NULL, tags TEXT NOT NULL, locks TEXT NOT NULL);"
    # WITHOUT ROWID: the rows live in the (object_id, name) tree itself, one lookup per write
    " CREATE TABLE IF NOT EXISTS ember_attributes (object_id INTEGER NOT NULL,"
    " name TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (object_id, name)) WITHOUT ROWID;"
    " CREATE TABLE IF NOT EXISTS ember_world_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
)
#: The world tables' versions (see ember.storage.Schema); a change appends a step.
SCHEMA = Schema("world", ("ember_objects", "ember_attributes", "ember_world_meta"), (CREATE_SQL,))
UPSERT_OBJECT_SQL = (
    f"INSERT OR REPLACE INTO ember_objects ({OBJECT_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?)"
)
UPSERT_ATTRIBUTE_SQL = (
    f"INSERT INTO ember_attributes ({ATTRIBUTE_COLUMNS}) VALUES (?,?,?)"
    " ON CONFLICT (object_id, name) DO UPDATE SET value = excluded.value"
)
DELETE_ATTRIBUTE_SQL = "DELETE FROM ember_attributes WHERE object_id = ? AND name = ?"
DELETE_OBJECT_SQL = "DELETE FROM ember_objects WHERE id = ?"
DELETE_OBJECT_ATTRIBUTES_SQL = "DELETE FROM ember_attributes WHERE object_id = ?"
SELECT_OBJECTS_SQL = f"SELECT {OBJECT_COLUMNS} FROM ember_objects"
SELECT_ATTRIBUTES_SQL = f"SELECT {ATTRIBUTE_COLUMNS} FROM ember_attributes"
# One row per object, its attributes as one JSON object built in C: a million small rows
# cost more to fetch into Python than a hundred thousand larger ones. json() refuses a
# corrupt value, and the load then falls back to the rows one by one.
SELECT_GROUPED_SQL = (
    "SELECT object_id, json_group_object(name, json(value)) FROM ember_attributes"
    " GROUP BY object_id"
)
GET_NEXT_ID_SQL = "SELECT value FROM ember_world_meta WHERE key = 'next_id'"
SET_NEXT_ID_SQL = (
    "INSERT INTO ember_world_meta (key, value) VALUES ('next_id', ?)"
    " ON CONFLICT(key) DO UPDATE SET value = excluded.value"
)
_ID_SQL = (GET_NEXT_ID_SQL, "SELECT max(id) FROM ember_objects", SET_NEXT_ID_SQL)


#: SQLite's page cache for the world connection, in KiB (``PRAGMA cache_size``). Durable
#: writes land on random attribute rows; with SQLite's default 2 MiB cache a world of a
#: million attributes (about 40 MiB of B-tree) misses on almost every write. 64 MiB holds
#: the interior pages of far larger worlds and costs memory only as pages are used.
CACHE_KIB = 65_536


def split(
    puts: Sequence[WorldRow], deletes: Sequence[RowKey]
) -> tuple[list[Any], list[Any], list[RowKey], list[tuple[int]]]:
    """Object puts, attribute puts, attribute deletes, object deletes (shared with PostgreSQL)."""
    objects = [row for row in puts if len(row) != 3]
    attributes = [row for row in puts if len(row) == 3]
    gone_attributes = [key for key in deletes if key[1]]
    gone_objects = [(key[0],) for key in deletes if not key[1]]
    return objects, attributes, gone_attributes, gone_objects


class SqliteWorldStore:
    """The world's rows in an SQLite file (WAL), all SQL in one writer thread.

    ``write`` is one transaction: a batch of the write-behind, which covers a prefix of the
    world's journal, so the file always holds the world as of one moment. ``synchronous`` is
    SQLite's ``PRAGMA synchronous`` (``"FULL"``: a committed batch survives a power cut).
    """

    def __init__(self, path: str | os.PathLike[str], *, synchronous: str = "FULL") -> None:
        self._db = SqliteConnection(
            path, what="the world database", synchronous=synchronous, thread_name="ember-world"
        )
        self.path, self.url = self._db.path, self._db.url

    def __repr__(self) -> str:
        return f"<SqliteWorldStore {self.url}>"

    async def open(self) -> None:
        """Open the file (creating it and the tables if missing); a newer schema is refused."""

        def prepare(conn: sqlite3.Connection) -> None:
            conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
            upgrade_sqlite(conn, SCHEMA, self.path)

        await self._db.open(prepare)

    async def close(self) -> None:
        """Close the connection and stop the thread; closing twice is harmless."""
        await self._db.close()

    async def write(self, puts: Sequence[WorldRow], deletes: Sequence[RowKey]) -> None:
        """Apply one batch in one transaction: puts first, then deletions (an object's
        deletion takes its attribute rows with it; ids are never reused)."""
        objects, attributes, gone_attributes, gone_objects = split(puts, deletes)

        def apply(conn: sqlite3.Connection) -> None:
            with transaction(conn):
                conn.executemany(UPSERT_OBJECT_SQL, objects)
                conn.executemany(UPSERT_ATTRIBUTE_SQL, attributes)
                conn.executemany(DELETE_ATTRIBUTE_SQL, gone_attributes)
                conn.executemany(DELETE_OBJECT_ATTRIBUTES_SQL, gone_objects)
                conn.executemany(DELETE_OBJECT_SQL, gone_objects)

        await self._db.run(f"write {len(puts) + len(deletes)} world rows to", apply)

    async def load(self) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        """Every object row, and the attributes: ``(object id, JSON object)`` per object, or
        (when a stored value is not JSON) every ``(object id, name, value)`` row as stored.
        One read transaction, so both come from the same moment."""

        def load(conn: sqlite3.Connection) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
            conn.execute("BEGIN")
            try:
                objects = conn.execute(SELECT_OBJECTS_SQL).fetchall()
                try:
                    attributes = conn.execute(SELECT_GROUPED_SQL).fetchall()
                except sqlite3.OperationalError:  # a malformed value: row by row, to set it aside
                    attributes = conn.execute(SELECT_ATTRIBUTES_SQL).fetchall()
            finally:
                conn.execute("COMMIT")
            return objects, attributes

        return await self._db.run("load the world from", load)

    async def reserve_ids(self, at_least: int, count: int) -> int:
        """Reserve ``count`` object ids durably, above every id stored or reserved before."""
        if count <= 0:
            raise ValueError(f"count must be > 0, not {count}")

        def reserve(conn: sqlite3.Connection) -> int:
            return reserve_sqlite(conn, _ID_SQL, at_least, count)

        return await self._db.run("reserve object ids in", reserve)

    async def replace(self, puts: Sequence[WorldRow]) -> None:
        """Make ``puts`` the whole stored world, in one transaction (``ember world load``)."""
        objects, attributes, _, _ = split(puts, ())

        def replace(conn: sqlite3.Connection) -> None:
            with transaction(conn):
                conn.execute("DELETE FROM ember_attributes")
                conn.execute("DELETE FROM ember_objects")
                conn.executemany(UPSERT_OBJECT_SQL, objects)
                conn.executemany(UPSERT_ATTRIBUTE_SQL, attributes)

        await self._db.run("replace the world in", replace)
