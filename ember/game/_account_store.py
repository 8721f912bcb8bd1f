"""Where accounts are kept: the ``ember_accounts`` table in SQLite or PostgreSQL."""

from __future__ import annotations

import abc
import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from ember.errors import EmberError, StoreError
from ember.scheduling import store_from_url
from ember.scheduling._postgres import PostgresTaskStore, qualify
from ember.scheduling._sqlite import SqliteTaskStore, transaction
from ember.storage import ConnectionStatistics, SupervisedConnection, describe_sqlite_error

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

_T = TypeVar("_T")

COLUMNS = "id, name, name_key, password_hash, permissions, created"
INSERT_COLUMNS = "name, name_key, password_hash, permissions, created"
SQLITE_CREATE = (
    "CREATE TABLE IF NOT EXISTS ember_accounts (id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " name TEXT NOT NULL, name_key TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL,"
    " permissions TEXT NOT NULL DEFAULT '', created REAL NOT NULL)"
)
POSTGRES_CREATE = """
CREATE SCHEMA IF NOT EXISTS {schema};
CREATE TABLE IF NOT EXISTS {schema}.ember_accounts (id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL, name_key TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL,
    permissions TEXT NOT NULL DEFAULT '', created DOUBLE PRECISION NOT NULL);
"""


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


def _record(row: Any) -> AccountRecord:
    rid, name, key, password_hash, permissions, created = tuple(row)
    perms = tuple(p for p in str(permissions).split(",") if p)
    return AccountRecord(int(rid), name, key, password_hash, perms, float(created))


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

    @abc.abstractmethod
    async def _insert_row(self, row: tuple[str, str, str, str, float]) -> int | None:
        """Insert ``row`` (the values of INSERT_COLUMNS); return its new id, or None if the
        name is taken."""

    @abc.abstractmethod
    async def _update(self, column: str, value: str, account_id: int) -> None:
        """Set one column of an account (a column name from this module, never user input)."""


class SqliteAccountStore(AccountStore):
    """Accounts in an SQLite file: one connection owned by one thread, WAL, a busy timeout.

    It can share the file with the SQLite task store; both take the write lock per statement.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.url = f"sqlite://{path}"
        self._executor: ThreadPoolExecutor | None = None
        self._conn: sqlite3.Connection | None = None

    async def open(self) -> None:
        """Open the file (creating it and the table if missing) in the store's thread."""
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ember-accounts")
        try:
            self._conn = await asyncio.get_running_loop().run_in_executor(
                self._executor, self._connect
            )
        except BaseException as exc:
            self._executor.shutdown(wait=False)
            self._executor = None
            if isinstance(exc, sqlite3.Error):
                what = describe_sqlite_error("the account database", self.path, exc)
                raise StoreError(what) from exc
            raise

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=10.0, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA busy_timeout=10000")
            conn.execute(SQLITE_CREATE)
        except BaseException:
            conn.close()
            raise
        return conn

    async def close(self) -> None:
        """Close the connection and stop the thread."""
        conn, executor, self._conn, self._executor = self._conn, self._executor, None, None
        if conn is not None and executor is not None:
            await asyncio.get_running_loop().run_in_executor(executor, conn.close)
            executor.shutdown(wait=True)

    async def _run(self, what: str, fn: Callable[[sqlite3.Connection], _T]) -> _T:
        conn, executor = self._conn, self._executor
        if conn is None or executor is None:
            raise StoreError(f"the account database {self.url} is not open")
        try:
            return await asyncio.get_running_loop().run_in_executor(executor, fn, conn)
        except sqlite3.IntegrityError:
            raise
        except sqlite3.Error as exc:
            raise StoreError(f"cannot {what} {self.url}: {exc}") from exc

    async def load_all(self) -> list[AccountRecord]:
        """Return every account in id order."""
        sql = f"SELECT {COLUMNS} FROM ember_accounts ORDER BY id"
        return await self._run("read accounts from", lambda c: [_record(r) for r in c.execute(sql)])

    async def find(self, name_key: str) -> AccountRecord | None:
        """Return the account with this case-folded name, or None."""
        sql = f"SELECT {COLUMNS} FROM ember_accounts WHERE name_key = ?"

        def find(conn: sqlite3.Connection) -> AccountRecord | None:
            row = conn.execute(sql, (name_key,)).fetchone()
            return _record(row) if row is not None else None

        return await self._run("read an account from", find)

    async def _insert_row(self, row: tuple[str, str, str, str, float]) -> int | None:
        sql = f"INSERT INTO ember_accounts ({INSERT_COLUMNS}) VALUES (?, ?, ?, ?, ?)"

        def insert(conn: sqlite3.Connection) -> int:
            with transaction(conn):
                cursor = conn.execute(sql, row)
            return int(cursor.lastrowid or 0)

        try:
            return await self._run("add an account to", insert)
        except sqlite3.IntegrityError:
            return None

    async def _update(self, column: str, value: str, account_id: int) -> None:
        sql = f"UPDATE ember_accounts SET {column} = ? WHERE id = ?"

        def update(conn: sqlite3.Connection) -> None:
            with transaction(conn):
                conn.execute(sql, (value, account_id))

        await self._run("update an account in", update)


class PostgresAccountStore(AccountStore):
    """Accounts in PostgreSQL via one supervised ``asyncpg`` connection that reconnects after
    it is lost (``ember.storage``; the ``ember[postgres]`` extra)."""

    def __init__(self, dsn: str, url: str, *, schema: str = "public") -> None:
        self.dsn, self.url, self.schema = dsn, url, schema
        self._table = qualify("{schema}.ember_accounts", schema)
        self._create = qualify(POSTGRES_CREATE, schema)
        self._conn = SupervisedConnection(dsn, url=url)

    async def open(self) -> None:
        """Connect and create the schema and table if missing."""

        async def prepare(conn: asyncpg.Connection[Any]) -> None:
            if not await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", self._table):
                await conn.execute(self._create)

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

    async def _update(self, column: str, value: str, account_id: int) -> None:
        sql = f"UPDATE {self._table} SET {column} = $1 WHERE id = $2"
        await self._conn.run("update an account in", lambda c: c.execute(sql, value, account_id))


def account_store_from_url(url: str) -> AccountStore:
    """Return an unopened account store for the database ``url`` (as the task store reads it).

    The URL is parsed exactly as :func:`ember.scheduling.store_from_url` does, so the
    accounts and the timed tasks always land in the same database.
    """
    tasks = store_from_url(url)
    if isinstance(tasks, SqliteTaskStore):
        return SqliteAccountStore(tasks.path)
    if isinstance(tasks, PostgresTaskStore):
        return PostgresAccountStore(tasks.dsn, tasks.url, schema=tasks.schema)
    raise ValueError(f"no account store for {type(tasks).__name__}")
