"""Where accounts are kept: the ``ember_accounts`` table in SQLite or PostgreSQL."""

from __future__ import annotations

import abc
import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ember.errors import EmberError
from ember.storage import (
    ConnectionStatistics,
    Schema,
    SqliteConnection,
    SupervisedConnection,
    parse_database_url,
    qualify,
    transaction,
    upgrade_postgres,
    upgrade_sqlite,
)

if TYPE_CHECKING:
    import asyncpg

__all__ = [
    "AccountRecord",
    "AccountStore",
    "DuplicateAccountError",
    "PostgresAccountStore",
    "SqliteAccountStore",
    "account_store_from_url",
]

COLUMNS = "id, name, name_key, password_hash, permissions, created, disabled"
INSERT_COLUMNS = "name, name_key, password_hash, permissions, created"
SQLITE_CREATE = (
    "CREATE TABLE IF NOT EXISTS ember_accounts (id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " name TEXT NOT NULL, name_key TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL,"
    " permissions TEXT NOT NULL DEFAULT '', created REAL NOT NULL)"
)
POSTGRES_CREATE = """
CREATE TABLE IF NOT EXISTS {accounts} (id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL, name_key TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL,
    permissions TEXT NOT NULL DEFAULT '', created DOUBLE PRECISION NOT NULL);
"""
#: Version 2: accounts can be disabled (``ember account disable``); existing ones are not.
SQLITE_DISABLED = "ALTER TABLE ember_accounts ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0"
POSTGRES_DISABLED = "ALTER TABLE {accounts} ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;"
#: The account table's versions (ember.storage.Schema); a change appends a step to both.
SQLITE_SCHEMA = Schema("accounts", ("ember_accounts",), (SQLITE_CREATE, SQLITE_DISABLED))


class DuplicateAccountError(EmberError, ValueError):
    """An account with that name (compared case-insensitively) already exists."""


@dataclass(frozen=True, slots=True)
class AccountRecord:
    """One row of ``ember_accounts``; ``permissions`` is a tuple such as ``("Developer",)``."""

    id: int
    name: str
    name_key: str
    password_hash: str
    permissions: tuple[str, ...]
    created: float
    #: A disabled account cannot log in (``ember account disable``).
    disabled: bool = False


def _record(row: Any) -> AccountRecord:
    rid, name, key, password_hash, permissions, created, disabled = tuple(row)
    perms = tuple(p for p in str(permissions).split(",") if p)
    return AccountRecord(int(rid), name, key, password_hash, perms, float(created), bool(disabled))


class AccountStore(abc.ABC):
    """The few operations accounts need from a database.

    A store supplies connecting, reading, and the SQL to insert one row and change one
    column; the writes accounts make are built on those two here.
    """

    url: str

    @abc.abstractmethod
    async def open(self) -> None:
        """Connect and create the table if it is missing."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Disconnect; closing twice is harmless."""

    @abc.abstractmethod
    async def load_all(self) -> list[AccountRecord]:
        """Return every account in id order."""

    @abc.abstractmethod
    async def find(self, name_key: str) -> AccountRecord | None:
        """Return the account with this case-folded name, or None."""

    async def insert(
        self,
        name: str,
        name_key: str,
        password_hash: str,
        permissions: tuple[str, ...],
        created: float,
    ) -> AccountRecord:
        """Add an account; raise :class:`DuplicateAccountError` if ``name_key`` is taken."""
        row = (name, name_key, password_hash, ",".join(permissions), created)
        new_id = await self._insert_row(row)
        if new_id is None:
            raise DuplicateAccountError(f"an account named {name!r} already exists")
        return AccountRecord(new_id, name, name_key, password_hash, permissions, created)

    async def set_password_hash(self, account_id: int, password_hash: str) -> None:
        """Replace an account's password hash (after a rehash)."""
        await self._update("password_hash", password_hash, account_id)

    async def set_permissions(self, account_id: int, permissions: tuple[str, ...]) -> None:
        """Replace an account's permissions."""
        await self._update("permissions", ",".join(permissions), account_id)

    async def set_disabled(self, account_id: int, disabled: bool) -> None:
        """Disable an account (it cannot log in) or enable it again."""
        await self._update("disabled", int(disabled), account_id)

    @abc.abstractmethod
    async def _insert_row(self, row: tuple[str, str, str, str, float]) -> int | None:
        """Insert ``row`` (the values of INSERT_COLUMNS); return its new id, or None if the
        name is taken."""

    @abc.abstractmethod
    async def _update(self, column: str, value: str | int, account_id: int) -> None:
        """Set one column of an account (a column name from this module, never user input)."""


class SqliteAccountStore(AccountStore):
    """Accounts in an SQLite file, on one writer-thread connection (``ember.storage``).

    It can share the file with the SQLite task store; both take the write lock per statement.
    """

    def __init__(self, path: str) -> None:
        self._db = SqliteConnection(path, what="the account database", thread_name="ember-accounts")
        self.path, self.url = self._db.path, self._db.url

    async def open(self) -> None:
        """Open the file (creating it and the table if missing) in the store's thread."""
        await self._db.open(lambda conn: upgrade_sqlite(conn, SQLITE_SCHEMA, self.path))

    async def close(self) -> None:
        """Close the connection and stop the thread."""
        await self._db.close()

    async def load_all(self) -> list[AccountRecord]:
        """Return every account in id order."""
        sql = f"SELECT {COLUMNS} FROM ember_accounts ORDER BY id"
        return await self._db.run(
            "read accounts from", lambda c: [_record(r) for r in c.execute(sql)]
        )

    async def find(self, name_key: str) -> AccountRecord | None:
        """Return the account with this case-folded name, or None."""
        sql = f"SELECT {COLUMNS} FROM ember_accounts WHERE name_key = ?"

        def find(conn: sqlite3.Connection) -> AccountRecord | None:
            row = conn.execute(sql, (name_key,)).fetchone()
            return _record(row) if row is not None else None

        return await self._db.run("read an account from", find)

    async def _insert_row(self, row: tuple[str, str, str, str, float]) -> int | None:
        sql = f"INSERT INTO ember_accounts ({INSERT_COLUMNS}) VALUES (?, ?, ?, ?, ?)"

        def insert(conn: sqlite3.Connection) -> int | None:
            try:
                with transaction(conn):
                    cursor = conn.execute(sql, row)
            except sqlite3.IntegrityError:  # the name is taken
                return None
            return int(cursor.lastrowid or 0)

        return await self._db.run("add an account to", insert)

    async def _update(self, column: str, value: str | int, account_id: int) -> None:
        sql = f"UPDATE ember_accounts SET {column} = ? WHERE id = ?"

        def update(conn: sqlite3.Connection) -> None:
            with transaction(conn):
                conn.execute(sql, (value, account_id))

        await self._db.run("update an account in", update)


class PostgresAccountStore(AccountStore):
    """Accounts in PostgreSQL via one supervised ``asyncpg`` connection that reconnects after
    it is lost (``ember.storage``; the ``ember[postgres]`` extra)."""

    def __init__(self, dsn: str, url: str, *, schema: str = "public") -> None:
        self.dsn, self.url, self.schema = dsn, url, schema
        self._table = qualify("{accounts}", schema, accounts="ember_accounts")
        create = qualify(POSTGRES_CREATE, schema, accounts="ember_accounts")
        disabled = qualify(POSTGRES_DISABLED, schema, accounts="ember_accounts")
        self._schema = Schema("accounts", ("ember_accounts",), (create, disabled))
        self._conn = SupervisedConnection(dsn, url=url)

    async def open(self) -> None:
        """Connect and create (or upgrade) the schema and table if missing."""

        async def prepare(conn: asyncpg.Connection[Any]) -> None:
            await upgrade_postgres(conn, self._schema, self.schema, self.url)

        await self._conn.open(prepare)

    async def close(self) -> None:
        """Close the connection."""
        await self._conn.close()

    def connection_statistics(self) -> ConnectionStatistics:
        """Whether the connection works now, and how often it was lost."""
        return self._conn.statistics()

    async def load_all(self) -> list[AccountRecord]:
        """Return every account in id order."""
        sql = f"SELECT {COLUMNS} FROM {self._table} ORDER BY id"
        rows = await self._conn.run("read accounts from", lambda conn: conn.fetch(sql))
        return [_record(row) for row in rows]

    async def find(self, name_key: str) -> AccountRecord | None:
        """Return the account with this case-folded name, or None."""
        sql = f"SELECT {COLUMNS} FROM {self._table} WHERE name_key = $1"
        row = await self._conn.run("read an account from", lambda c: c.fetchrow(sql, name_key))
        return _record(row) if row is not None else None

    async def _insert_row(self, row: tuple[str, str, str, str, float]) -> int | None:
        import asyncpg

        values = "$1, $2, $3, $4, $5"
        sql = f"INSERT INTO {self._table} ({INSERT_COLUMNS}) VALUES ({values}) RETURNING id"

        async def insert(conn: asyncpg.Connection[Any]) -> int | None:
            try:
                return int(await conn.fetchval(sql, *row))
            except asyncpg.UniqueViolationError:
                return None

        return await self._conn.run("add an account to", insert)

    async def _update(self, column: str, value: str | int, account_id: int) -> None:
        sql = f"UPDATE {self._table} SET {column} = $1 WHERE id = $2"
        await self._conn.run("update an account in", lambda c: c.execute(sql, value, account_id))


def account_store_from_url(url: str) -> AccountStore:
    """Return an unopened account store for the database ``url``.

    The URL is read by :func:`ember.storage.parse_database_url`, as the task store reads it,
    so the accounts and the timed tasks always land in the same database.
    """
    parsed = parse_database_url(url)
    if parsed.kind == "sqlite":
        return SqliteAccountStore(parsed.path)
    return PostgresAccountStore(parsed.dsn, parsed.url, schema=parsed.schema)
