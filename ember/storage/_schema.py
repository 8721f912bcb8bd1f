"""Schema versions: each store's tables carry a version number, upgraded in one step at start.

A store describes its tables as a :class:`Schema`: a component name (``"tasks"``,
``"accounts"``, ``"world"``) and the list of steps that build them, step *n* taking version
*n* to *n + 1* (the first step creates the tables). The version reached is kept per component
in the table ``ember_schema_versions``. At start an older schema is upgraded by running the
missing steps in one transaction (all or nothing); a schema newer than this Ember knows makes
the start fail with :class:`SchemaVersionError` naming both versions, so an old server never
writes into tables it does not understand. A database made before versions were kept (the
tables exist, no version row) counts as version 1.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ember.errors import StoreError
from ember.storage._postgres import qualify
from ember.storage._sqlite_connection import transaction

if TYPE_CHECKING:
    import asyncpg

__all__ = ["VERSIONS_TABLE", "Schema", "SchemaVersionError", "upgrade_postgres", "upgrade_sqlite"]

#: The table holding one row (component, version) per store sharing the database.
VERSIONS_TABLE = "ember_schema_versions"
_CREATE_VERSIONS = (
    "CREATE TABLE IF NOT EXISTS {table} (component TEXT PRIMARY KEY, version INTEGER NOT NULL)"
)


class SchemaVersionError(StoreError):
    """The stored schema is newer than this Ember understands; the store refuses to start."""


@dataclass(frozen=True, slots=True)
class Schema:
    """The versions of one component's tables.

    ``tables`` are the tables of version 1 (to recognise a database made before versions were
    kept); ``steps[n]`` is the SQL taking version *n* to *n + 1*: statements separated by
    ``;`` (none inside a literal), already naming the right schema on PostgreSQL.
    """

    component: str
    tables: tuple[str, ...]
    steps: tuple[str, ...]

    @property
    def version(self) -> int:
        """The version this Ember writes: the number of steps."""
        return len(self.steps)

    def too_new(self, found: int, where: str) -> SchemaVersionError:
        """The error for a stored version ``found`` above :attr:`version`."""
        return SchemaVersionError(
            f"the {self.component} tables in {where} are at schema version {found}, but this "
            f"Ember knows versions up to {self.version}: run the newer Ember that wrote them, "
            "or point DATABASE at another database"
        )


def _statements(sql: str) -> list[str]:
    return [part.strip() for part in sql.split(";") if part.strip()]


def upgrade_sqlite(conn: sqlite3.Connection, schema: Schema, where: str) -> int:
    """Bring ``schema`` in the SQLite ``conn`` to its current version in one transaction and
    return the version found; raise :class:`SchemaVersionError` if it is newer. Runs in the
    connection's thread (as the ``prepare`` of :meth:`SqliteConnection.open`).

    An up-to-date file is only read, so opening does not wait for another writer's lock.
    """
    found = _sqlite_version(conn, schema)
    if found > schema.version:
        raise schema.too_new(found, where)
    if found == schema.version:
        return found
    with transaction(conn):
        found = _sqlite_version(conn, schema)  # another process may have upgraded meanwhile
        if found > schema.version:
            raise schema.too_new(found, where)
        if found == schema.version:
            return found
        conn.execute(_CREATE_VERSIONS.format(table=VERSIONS_TABLE))
        for step in schema.steps[found:]:
            for statement in _statements(step):
                conn.execute(statement)
        conn.execute(
            f"INSERT INTO {VERSIONS_TABLE} (component, version) VALUES (?, ?)"
            " ON CONFLICT(component) DO UPDATE SET version = excluded.version",
            (schema.component, schema.version),
        )
    return found


def _sqlite_version(conn: sqlite3.Connection, schema: Schema) -> int:
    def exists(table: str) -> bool:
        sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
        return conn.execute(sql, (table,)).fetchone() is not None

    if exists(VERSIONS_TABLE):
        sql = f"SELECT version FROM {VERSIONS_TABLE} WHERE component = ?"
        row = conn.execute(sql, (schema.component,)).fetchone()
        if row is not None:
            return int(row[0])
    return 1 if all(exists(table) for table in schema.tables) else 0


async def upgrade_postgres(
    conn: asyncpg.Connection[Any], schema: Schema, pg_schema: str, where: str
) -> int:
    """Bring ``schema`` (its tables in the PostgreSQL schema ``pg_schema``) to its current
    version in one transaction and return the version found; raise
    :class:`SchemaVersionError` if it is newer.

    An up-to-date database is only read, so a role granted nothing but the use of existing
    tables can start; upgrades serialise on an advisory lock, so servers starting together
    upgrade once.
    """
    quoted = qualify("{schema}", pg_schema)
    found = await _postgres_version(conn, schema, quoted)
    if found > schema.version:
        raise schema.too_new(found, where)
    if found == schema.version:
        return found
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", VERSIONS_TABLE)
        await conn.execute(f"CREATE SCHEMA IF NOT EXISTS {quoted}")
        table = f"{quoted}.{VERSIONS_TABLE}"
        await conn.execute(_CREATE_VERSIONS.format(table=table))
        found = await _postgres_version(conn, schema, quoted)  # another server may have won
        if found > schema.version:
            raise schema.too_new(found, where)
        for step in schema.steps[found:]:
            await conn.execute(step)
        await conn.execute(
            f"INSERT INTO {table} (component, version) VALUES ($1, $2)"
            " ON CONFLICT (component) DO UPDATE SET version = excluded.version",
            schema.component,
            schema.version,
        )
    return found


async def _postgres_version(conn: asyncpg.Connection[Any], schema: Schema, quoted: str) -> int:
    async def exists(table: str) -> bool:
        return bool(await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", table))

    versions = f"{quoted}.{VERSIONS_TABLE}"
    if await exists(versions):
        sql = f"SELECT version FROM {versions} WHERE component = $1"
        version = await conn.fetchval(sql, schema.component)
        if version is not None:
            return int(version)
    for table in schema.tables:
        if not await exists(f"{quoted}.{table}"):
            return 0
    return 1
