"""The PostgreSQL world store: the same rows as SQLite, over one supervised connection."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ember.errors import StoreError
from ember.storage import (
    Schema,
    SupervisedConnection,
    postgres_url,
    qualify,
    reserve_postgres,
    upgrade_postgres,
)
from ember.world._store_rows import ATTRIBUTE_COLUMNS, OBJECT_COLUMNS, RowKey, WorldRow
from ember.world._store_sqlite import split

if TYPE_CHECKING:
    import asyncpg

__all__ = ["PostgresWorldStore"]

_TABLES = {"objects": "ember_objects", "attributes": "ember_attributes", "meta": "ember_world_meta"}
_SQL = {
    "create": """
CREATE TABLE IF NOT EXISTS {objects} (id BIGINT PRIMARY KEY, class TEXT NOT NULL,
    key TEXT NOT NULL, location BIGINT, home BIGINT, destination BIGINT,
    aliases TEXT NOT NULL, tags TEXT NOT NULL, locks TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS {attributes} (object_id BIGINT NOT NULL, name TEXT NOT NULL,
    value TEXT NOT NULL, PRIMARY KEY (object_id, name));
CREATE TABLE IF NOT EXISTS {meta} (key TEXT PRIMARY KEY, value BIGINT NOT NULL);
""",
    "upsert_object": f"INSERT INTO {{objects}} ({OBJECT_COLUMNS})"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO UPDATE SET"
    " class = excluded.class, key = excluded.key, location = excluded.location,"
    " home = excluded.home, destination = excluded.destination, aliases = excluded.aliases,"
    " tags = excluded.tags, locks = excluded.locks",
    # One statement per batch: unnest() of three arrays beats a round trip per row.
    "upsert_attributes": f"INSERT INTO {{attributes}} ({ATTRIBUTE_COLUMNS})"
    " SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[])"
    " ON CONFLICT (object_id, name) DO UPDATE SET value = excluded.value",
    "delete_attribute": "DELETE FROM {attributes} WHERE object_id = $1 AND name = $2",
    "delete_object_attributes": "DELETE FROM {attributes} WHERE object_id = ANY($1::bigint[])",
    "delete_objects": "DELETE FROM {objects} WHERE id = ANY($1::bigint[])",
    "select_objects": f"SELECT {OBJECT_COLUMNS} FROM {{objects}}",
    "select_attributes": f"SELECT {ATTRIBUTE_COLUMNS} FROM {{attributes}}",
    "select_grouped": "SELECT object_id, json_object_agg(name, value::json)::text"
    " FROM {attributes} GROUP BY object_id",
    "max_id": "SELECT max(id) FROM {objects}",
    "init_meta": "INSERT INTO {meta} (key, value) VALUES ('next_id', 1) ON CONFLICT DO NOTHING",
    "get_next_id": "SELECT value FROM {meta} WHERE key = 'next_id' FOR UPDATE",
    "set_next_id": "UPDATE {meta} SET value = $1 WHERE key = 'next_id'",
    "clear": "DELETE FROM {attributes}; DELETE FROM {objects}",
}


class PostgresWorldStore:
    """The world's rows in PostgreSQL (tables in ``schema``), via ``asyncpg``.

    Needs the extra ``ember[postgres]``. Every batch is one transaction, as on SQLite.
    """

    def __init__(self, dsn: str, *, schema: str = "public") -> None:
        self._sql = {name: qualify(sql, schema, **_TABLES) for name, sql in _SQL.items()}
        self._schema = Schema("world", tuple(_TABLES.values()), (self._sql["create"],))
        self.dsn, self.schema = dsn, schema
        self.url = postgres_url(dsn, schema).url
        self._conn = SupervisedConnection(dsn, url=self.url)
        self._opened = False

    def __repr__(self) -> str:
        return f"<PostgresWorldStore {self.url}>"

    async def open(self) -> None:
        """Connect and create (or upgrade) the tables; a newer schema is refused."""
        if self._opened:
            raise StoreError(f"{self!r} was already opened; create a new store instead")
        self._opened = True

        async def prepare(conn: asyncpg.Connection[Any]) -> None:
            await upgrade_postgres(conn, self._schema, self.schema, self.url)
            await conn.execute(self._sql["init_meta"])

        await self._conn.open(prepare)

    async def close(self) -> None:
        """Close the connection; closing twice is harmless."""
        await self._conn.close()

    async def write(self, puts: Sequence[WorldRow], deletes: Sequence[RowKey]) -> None:
        """Apply one batch in one transaction: puts first, then deletions."""
        objects, attributes, gone_attributes, gone_objects = split(puts, deletes)
        object_ids = [key[0] for key in gone_objects]
        columns = (
            [row[0] for row in attributes],
            [row[1] for row in attributes],
            [row[2] for row in attributes],
        )

        async def write(conn: asyncpg.Connection[Any]) -> None:
            async with conn.transaction():
                if objects:
                    await conn.executemany(self._sql["upsert_object"], objects)
                if attributes:
                    await conn.execute(self._sql["upsert_attributes"], *columns)
                if gone_attributes:
                    await conn.executemany(self._sql["delete_attribute"], gone_attributes)
                if object_ids:
                    await conn.execute(self._sql["delete_object_attributes"], object_ids)
                    await conn.execute(self._sql["delete_objects"], object_ids)

        await self._conn.run(f"write {len(puts) + len(deletes)} world rows to", write)

    async def load(
        self, objects_ready: Callable[[list[tuple[Any, ...]]], None] | None = None
    ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        """Every object row, and the attributes grouped per object (or, when a stored value
        is not JSON, row by row), from one moment (as on SQLite). ``objects_ready`` is
        called with the object rows once, before this returns (here: once all is read, as
        a lost connection makes the reads start again)."""
        import asyncpg

        async def load(
            conn: asyncpg.Connection[Any],
        ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
            async with conn.transaction(isolation="repeatable_read", readonly=True):
                objects = await conn.fetch(self._sql["select_objects"])
                try:
                    async with conn.transaction():  # a savepoint: the fallback may follow
                        attributes = await conn.fetch(self._sql["select_grouped"])
                except asyncpg.DataError:  # a malformed value: row by row, to set it aside
                    attributes = await conn.fetch(self._sql["select_attributes"])
            return [tuple(r) for r in objects], [tuple(r) for r in attributes]

        objects, attributes = await self._conn.run("load the world from", load)
        if objects_ready is not None:
            objects_ready(objects)
        return objects, attributes

    async def reserve_ids(self, at_least: int, count: int) -> int:
        """Reserve ``count`` object ids durably, above every id stored or reserved before."""
        if count <= 0:
            raise ValueError(f"count must be > 0, not {count}")

        async def reserve(conn: asyncpg.Connection[Any]) -> int:
            ids = (self._sql["get_next_id"], self._sql["max_id"], self._sql["set_next_id"])
            return await reserve_postgres(conn, ids, at_least, count)

        return await self._conn.run("reserve object ids in", reserve)

    async def replace(self, puts: Sequence[WorldRow]) -> None:
        """Make ``puts`` the whole stored world, in one transaction (``ember world load``)."""
        objects, attributes, _, _ = split(puts, ())
        columns = [[row[i] for row in attributes] for i in range(3)]

        async def replace(conn: asyncpg.Connection[Any]) -> None:
            async with conn.transaction():
                await conn.execute(self._sql["clear"])
                if objects:
                    await conn.executemany(self._sql["upsert_object"], objects)
                if attributes:
                    await conn.execute(self._sql["upsert_attributes"], *columns)

        await self._conn.run("replace the world in", replace)
