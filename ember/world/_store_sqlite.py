"""The SQLite world store: object and attribute rows on one writer-thread connection."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

from ember.storage import Schema, SqliteConnection, reserve_sqlite, transaction, upgrade_sqlite
from ember.world._store_rows import ATTRIBUTE_COLUMNS, OBJECT_COLUMNS, RowKey, WorldRow

__all__ = ["CACHE_KIB", "FOLD_AT_LEAST", "SCHEMA", "SqliteWorldStore"]

log = logging.getLogger("ember.world")

CREATE_SQL = (
    "CREATE TABLE IF NOT EXISTS ember_objects (id INTEGER PRIMARY KEY, class TEXT NOT NULL,"
    " key TEXT NOT NULL, location INTEGER, home INTEGER, destination INTEGER,"
    " aliases TEXT NOT NULL, tags TEXT NOT NULL, locks TEXT NOT NULL);"
    # WITHOUT ROWID: the rows live in the (object_id, name) tree itself, one lookup per write
    " CREATE TABLE IF NOT EXISTS ember_attributes (object_id INTEGER NOT NULL,"
    " name TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (object_id, name)) WITHOUT ROWID;"
    " CREATE TABLE IF NOT EXISTS ember_world_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
)
# Version 2: attribute writes are appended to a log and folded into ember_attributes in
# bulk (see SqliteWorldStore); a database of version 1 simply starts with an empty log.
LOG_SQL = (
    "CREATE TABLE IF NOT EXISTS ember_attribute_log (seq INTEGER PRIMARY KEY,"
    " object_id INTEGER NOT NULL, name TEXT NOT NULL, value TEXT)"
)
#: The world tables' versions (see ember.storage.Schema); a change appends a step.
SCHEMA = Schema(
    "world", ("ember_objects", "ember_attributes", "ember_world_meta"), (CREATE_SQL, LOG_SQL)
)
#: Fold the log into ember_attributes once it holds this many rows, or as many as
#: ember_attributes if that is more: the fold then rewrites the table at most once per as
#: many writes as it holds, so its cost per write stays the same however large the world.
FOLD_AT_LEAST = 100_000
APPEND_SQL = "INSERT INTO ember_attribute_log (object_id, name, value) VALUES (?,?,?)"
# The newest log row of each attribute (SQLite takes the bare columns from the max() row).
_NEWEST = (
    "(SELECT object_id, name, value, max(seq) FROM ember_attribute_log GROUP BY object_id, name)"
)
FOLD_SQL = (
    f"INSERT INTO ember_attributes ({ATTRIBUTE_COLUMNS}) SELECT object_id, name, value"
    f" FROM {_NEWEST} WHERE value IS NOT NULL AND object_id IN (SELECT id FROM ember_objects)"
    " ON CONFLICT (object_id, name) DO UPDATE SET value = excluded.value"
)
# Only when the log may hold deletions: it groups the whole log a second time.
FOLD_DELETIONS_SQL = (
    "DELETE FROM ember_attributes WHERE (object_id, name) IN"
    f" (SELECT object_id, name FROM {_NEWEST} WHERE value IS NULL)"
)
# Rows of deleted objects stay in the log until the next fold; loading skips them.
SELECT_LOG_SQL = (
    "SELECT object_id, name, value FROM ember_attribute_log"
    " WHERE object_id IN (SELECT id FROM ember_objects) ORDER BY seq"
)
# The log's newest values grouped per object in C, as SELECT_GROUPED_SQL does for the table
# (a 2-tuple from the log updates the object's attributes), then its newest deletions.
SELECT_LOG_GROUPED_SQL = (
    f"SELECT object_id, json_group_object(name, json(value)) FROM {_NEWEST}"
    " WHERE value IS NOT NULL AND object_id IN (SELECT id FROM ember_objects)"
    " GROUP BY object_id"
)
SELECT_LOG_DELETED_SQL = (
    f"SELECT object_id, name, value FROM {_NEWEST}"
    " WHERE value IS NULL AND object_id IN (SELECT id FROM ember_objects)"
)
COUNT_LOG_SQL = "SELECT count(*) FROM ember_attribute_log"
COUNT_TABLE_SQL = "SELECT count(*) FROM ember_attributes"
COUNT_SQL = (
    "SELECT (SELECT count(*) FROM ember_attributes), (SELECT count(*) FROM ember_attribute_log)"
)
UPSERT_OBJECT_SQL = (
    f"INSERT OR REPLACE INTO ember_objects ({OBJECT_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?)"
)
UPSERT_ATTRIBUTE_SQL = (
    f"INSERT INTO ember_attributes ({ATTRIBUTE_COLUMNS}) VALUES (?,?,?)"
    " ON CONFLICT (object_id, name) DO UPDATE SET value = excluded.value"
)
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


#: Object rows handed to the loop at a time while loading (it builds them meanwhile).
OBJECT_BATCH = 10_000

#: SQLite's page cache for the world connection, in KiB (``PRAGMA cache_size``). Durable
#: writes land on random attribute rows; with SQLite's default 2 MiB cache a world of a
#: million attributes (about 40 MiB of B-tree) misses on almost every write. 64 MiB holds
#: the interior pages of far larger worlds and costs memory only as pages are used.
CACHE_KIB = 65_536


def split(
    puts: Sequence[WorldRow], deletes: Sequence[RowKey], *, ordered: bool = True
) -> tuple[list[Any], list[Any], list[RowKey], list[tuple[int]]]:
    """Object puts, attribute puts, attribute deletes, object deletes (shared with PostgreSQL).

    ``ordered`` sorts each by key: a batch of upserts then walks the B-tree from left to
    right instead of jumping about it, which makes a large one about twice as cheap (a batch
    holds each key once, so the order changes nothing else). Appends to SQLite's attribute
    log gain nothing from it."""
    objects: list[Any] = []
    attributes: list[Any] = []
    for row in puts:
        (attributes if len(row) == 3 else objects).append(row)
    gone_attributes = [key for key in deletes if key[1]]
    gone_objects = [(key[0],) for key in deletes if not key[1]]
    if ordered:
        for rows in (objects, attributes, gone_attributes, gone_objects):
            rows.sort()
    return objects, attributes, gone_attributes, gone_objects


class SqliteWorldStore:
    """The world's rows in an SQLite file (WAL), all SQL in one writer thread.

    ``write`` is one transaction: a batch of the write-behind, which covers a prefix of the
    world's journal, so the file always holds the world as of one moment. ``synchronous`` is
    SQLite's ``PRAGMA synchronous`` (``"FULL"``: a committed batch survives a power cut).

    Attribute writes are appended to ``ember_attribute_log`` (``NULL`` value: deleted)
    instead of updating ``ember_attributes`` in place: an append touches the last pages of
    one table whatever the size of the world, where an in-place update lands on a random
    page of a tree that grows with it. An attribute's value is its newest log row, else its
    row in ``ember_attributes``. Once the log holds :data:`FOLD_AT_LEAST` rows or as many as
    the table, the writer thread folds it into the table in one transaction (which changes
    no value, so any moment a crash picks still reads as the same world).
    """

    def __init__(self, path: str | os.PathLike[str], *, synchronous: str = "FULL") -> None:
        self._db = SqliteConnection(
            path, what="the world database", synchronous=synchronous, thread_name="ember-world"
        )
        self.path, self.url = self._db.path, self._db.url
        self._log_rows = 0  # counted at open, kept up to date by the writer
        # Counted by the first write, not at open: counting a million rows is a scan of the
        # whole table, and start-up waits for open (writes are behind anyway).
        self._table_rows: int | None = None
        self._deletions_logged = False  # whether the log may hold deletions

    def __repr__(self) -> str:
        return f"<SqliteWorldStore {self.url}>"

    async def open(self) -> None:
        """Open the file (creating it and the tables if missing); a newer schema is refused."""

        def prepare(conn: sqlite3.Connection) -> None:
            conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
            upgrade_sqlite(conn, SCHEMA, self.path)
            (self._log_rows,) = conn.execute(COUNT_LOG_SQL).fetchone()
            self._deletions_logged = self._log_rows > 0  # not counted: assume some

        await self._db.open(prepare)

    async def close(self) -> None:
        """Close the connection and stop the thread; closing twice is harmless."""
        await self._db.close()

    async def write(self, puts: Sequence[WorldRow], deletes: Sequence[RowKey]) -> None:
        """Apply one batch in one transaction: puts first, then deletions (an object's
        deletion takes its attribute rows with it; ids are never reused)."""

        def apply(conn: sqlite3.Connection) -> None:
            # Split here, in the writer thread, not on the event loop.
            objects, attributes, gone_attributes, gone_objects = split(puts, deletes, ordered=False)
            with transaction(conn):
                conn.executemany(UPSERT_OBJECT_SQL, objects)
                conn.executemany(APPEND_SQL, attributes)
                conn.executemany(APPEND_SQL, [(*key, None) for key in gone_attributes])
                conn.executemany(DELETE_OBJECT_ATTRIBUTES_SQL, gone_objects)
                conn.executemany(DELETE_OBJECT_SQL, gone_objects)
            self._log_rows += len(attributes) + len(gone_attributes)
            self._deletions_logged = self._deletions_logged or bool(gone_attributes)
            if self._log_rows < FOLD_AT_LEAST:
                return
            if self._table_rows is None:
                (self._table_rows,) = conn.execute(COUNT_TABLE_SQL).fetchone()
            if self._log_rows >= max(FOLD_AT_LEAST, self._table_rows):
                self._fold(conn)

        await self._db.run(f"write {len(puts) + len(deletes)} world rows to", apply)

    def _fold(self, conn: sqlite3.Connection) -> None:
        """Fold the attribute log into ember_attributes (writer thread). A failure is only
        logged: the log stays valid as it is, and the next batch tries again."""
        try:
            with transaction(conn):
                conn.execute(FOLD_SQL)
                if self._deletions_logged:
                    conn.execute(FOLD_DELETIONS_SQL)
                conn.execute("DELETE FROM ember_attribute_log")
            self._deletions_logged = False
            self._table_rows, self._log_rows = conn.execute(COUNT_SQL).fetchone()
        except sqlite3.Error:
            log.exception("cannot fold the attribute log of %s; it is tried again", self.url)

    async def fold(self) -> None:
        """Fold the attribute log into the attribute table now (tests, maintenance)."""
        await self._db.run("fold the attribute log of", self._fold)

    async def load(
        self, objects_ready: Callable[[list[tuple[Any, ...]]], None] | None = None
    ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        """Every object row, and the attributes: ``(object id, JSON object)`` per object, or
        (when a stored value is not JSON) every ``(object id, name, value)`` row as stored;
        then the log's newest values the same way (which override), or its rows in order
        (``(object id, name, value or None)``). One read transaction, so all of it comes
        from the same moment.

        ``objects_ready`` is called on the event loop with the object rows as soon as they
        are read, while this thread goes on reading the attributes: the loop can build the
        objects meanwhile (SQLite lets go of the GIL while it works). It runs before this
        returns.
        """
        loop = asyncio.get_running_loop()

        def load(conn: sqlite3.Connection) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
            conn.execute("BEGIN")
            try:
                objects = conn.execute(SELECT_OBJECTS_SQL).fetchall()
                if objects_ready is not None:
                    loop.call_soon_threadsafe(objects_ready, objects)
                try:
                    attributes = conn.execute(SELECT_GROUPED_SQL).fetchall()
                except sqlite3.OperationalError:  # a malformed value: row by row, to set it aside
                    attributes = conn.execute(SELECT_ATTRIBUTES_SQL).fetchall()
                if self._log_rows:
                    try:
                        attributes += conn.execute(SELECT_LOG_GROUPED_SQL).fetchall()
                        if self._deletions_logged:
                            attributes += conn.execute(SELECT_LOG_DELETED_SQL).fetchall()
                    except sqlite3.OperationalError:  # a malformed value, as above
                        attributes += conn.execute(SELECT_LOG_SQL).fetchall()
            finally:
                conn.execute("COMMIT")
            return objects, attributes

        return await self._db.run("load the world from", load)

    async def load_objects(self, objects_ready: Callable[[list[tuple[Any, ...]]], None]) -> bool:
        """Every object row, handed to ``objects_ready`` on the loop in batches as they are
        read (every batch before this returns; the loop builds objects while the next rows
        are read); not the attributes, which :class:`~ember.world._stream.AttributeStream`
        reads after the game opened. Returns whether the attribute log may hold rows."""
        loop = asyncio.get_running_loop()

        def load(conn: sqlite3.Connection) -> bool:
            cursor = conn.execute(SELECT_OBJECTS_SQL)
            while objects := cursor.fetchmany(OBJECT_BATCH):
                loop.call_soon_threadsafe(objects_ready, objects)
            return self._log_rows > 0

        return await self._db.run("load the world's objects from", load)

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
                conn.execute("DELETE FROM ember_attribute_log")
                conn.execute("DELETE FROM ember_attributes")
                conn.execute("DELETE FROM ember_objects")
                conn.executemany(UPSERT_OBJECT_SQL, objects)
                conn.executemany(UPSERT_ATTRIBUTE_SQL, attributes)
            self._table_rows, self._log_rows, self._deletions_logged = len(attributes), 0, False

        await self._db.run("replace the world in", replace)
