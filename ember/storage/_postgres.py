"""A supervised PostgreSQL connection: one asyncpg connection that comes back after it is lost.

A PostgreSQL restart, a failover or ``pg_terminate_backend`` ends a connection for good; every
store that holds one must notice and connect again, without hammering a server that is down.
:class:`SupervisedConnection` owns that: callers hand it a coroutine function to run on the
connection; a lost connection is dropped, and the next call connects again, at once the first
time and then after a growing back-off. Calls never retry by themselves (a write whose answer
was lost may have committed); the write-behind above retries whole idempotent batches.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from ember.errors import StoreError

if TYPE_CHECKING:
    import asyncpg

__all__ = ["ConnectionStatistics", "SupervisedConnection", "describe_open_error", "qualify"]

log = logging.getLogger("ember.storage")

_T = TypeVar("_T")
_INSTALL = "pip install 'ember[postgres]'"
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")


def qualify(sql: str, schema: str, **tables: str) -> str:
    """Fill an SQL template: ``{schema}`` becomes the quoted ``schema`` (an identifier) and
    each ``{name}`` of ``tables`` its table in that schema::

        qualify("DELETE FROM {tasks} WHERE id = $1", "game", tasks="ember_tasks")
        # 'DELETE FROM "game".ember_tasks WHERE id = $1'
    """
    if not _IDENTIFIER.fullmatch(schema):
        raise ValueError(f"schema must be an identifier like 'ember_game', not {schema!r}")
    quoted = f'"{schema}"'
    return sql.format(schema=quoted, **{name: f"{quoted}.{t}" for name, t in tables.items()})


@dataclass(frozen=True, slots=True)
class ConnectionStatistics:
    """A snapshot of a supervised connection: whether it works, and how often it was lost."""

    connected: bool
    failing: bool
    connects: int
    losses: int
    last_error: str | None


class SupervisedConnection:
    """One asyncpg connection to ``dsn``, reconnected with back-off after it is lost.

    ``url`` (password masked) names it in messages. :meth:`run` serialises calls (a connection
    runs one statement at a time). After a loss the first reconnect is immediate; further
    failed attempts wait ``retry_first`` seconds, doubling up to ``retry_max``; a call made
    while waiting fails at once with :class:`~ember.errors.StoreError` naming the last error::

        conn = SupervisedConnection(dsn, url=masked)
        await conn.open()
        rows = await conn.run("read tasks from", lambda c: c.fetch("SELECT 1"))
    """

    def __init__(
        self,
        dsn: str,
        *,
        url: str,
        retry_first: float = 0.1,
        retry_max: float = 5.0,
        connect_timeout: float = 5.0,
    ) -> None:
        self.dsn, self.url = dsn, url
        self._retry_first, self._retry_max = retry_first, retry_max
        self._connect_timeout = connect_timeout
        self._conn: asyncpg.Connection[Any] | None = None
        self._lock = asyncio.Lock()
        self._errors: tuple[type[BaseException], ...] = ()
        self._lost: tuple[type[BaseException], ...] = ()
        self._delay = 0.0
        self._next_attempt = 0.0
        self._connects = self._losses = 0
        self._failing = False
        self._last_error: str | None = None
        self._closed = False
        self._opened = False

    @property
    def errors(self) -> tuple[type[BaseException], ...]:
        """The exception types a database call may raise (valid after :meth:`open`)."""
        return self._errors

    async def open(self, prepare: Callable[[asyncpg.Connection[Any]], Awaitable[None]]) -> None:
        """Connect for the first time and run ``prepare`` (schema creation) on it.

        ``prepare`` runs once: the schema outlives connections, so a reconnect needs none.
        Raises :class:`~ember.errors.StoreError` with a one-line cause and what to do.
        """
        try:
            import asyncpg  # an optional extra, so imported only when used
        except ImportError as exc:
            raise StoreError(f"PostgreSQL needs asyncpg: {_INSTALL}") from exc
        self._errors = (
            asyncpg.PostgresError,
            asyncpg.InterfaceError,
            asyncpg.InternalClientError,  # a call on a connection cut in mid-operation
            OSError,
            TimeoutError,
        )
        # What says the connection itself is gone (not just one statement failing).
        self._lost = (
            asyncpg.PostgresConnectionError,
            asyncpg.InterfaceError,
            asyncpg.InternalClientError,
            asyncpg.exceptions.OperatorInterventionError,  # admin shutdown, terminated backend
            OSError,
            TimeoutError,
        )
        try:
            conn = await asyncpg.connect(self.dsn, timeout=self._connect_timeout)
        except (*self._errors, ValueError) as exc:
            raise StoreError(describe_open_error(self.url, exc)) from exc
        try:
            await prepare(conn)
        except (*self._errors, ValueError) as exc:
            with contextlib.suppress(*self._errors):
                await conn.close()
            raise StoreError(describe_open_error(self.url, exc)) from exc
        self._conn, self._opened = conn, True
        self._connects += 1

    async def close(self) -> None:
        """Close the connection after the calls already waiting; closing twice is harmless."""
        async with self._lock:
            conn, self._conn, self._closed = self._conn, None, True
            if conn is not None:
                with contextlib.suppress(*self._errors):
                    await conn.close()

    async def run(self, what: str, call: Callable[[asyncpg.Connection[Any]], Awaitable[_T]]) -> _T:
        """Run ``call(connection)``; raise :class:`StoreError` ``"cannot {what} {url}: ..."``.

        A lost connection is dropped so that the next call connects again.
        """
        async with self._lock:
            conn = await self._connection(what)
            try:
                result = await call(conn)
            except self._errors as exc:
                if isinstance(exc, self._lost) or conn.is_closed():
                    self._drop(conn, exc)
                raise StoreError(f"cannot {what} {self.url}: {_one_line(exc)}") from exc
        return result

    def statistics(self) -> ConnectionStatistics:
        """Return whether the connection works now, and counts of connects and losses."""
        connected = self._conn is not None and not self._conn.is_closed()
        return ConnectionStatistics(
            connected, self._failing, self._connects, self._losses, self._last_error
        )

    async def _connection(self, what: str) -> asyncpg.Connection[Any]:
        if self._closed:
            raise StoreError(f"the database connection to {self.url} is closed")
        if not self._opened:
            raise StoreError(f"the database connection to {self.url} is not open")
        if self._conn is not None and not self._conn.is_closed():
            return self._conn
        if self._conn is not None:
            self._drop(self._conn, None)
        now = time.monotonic()
        if now < self._next_attempt:
            raise StoreError(
                f"cannot {what} {self.url}: the database is unreachable (reconnecting in "
                f"{self._next_attempt - now:.1f} s; last error: {self._last_error})"
            )
        import asyncpg

        failures: tuple[type[BaseException], ...] = (*self._errors, ValueError)
        try:
            conn = await asyncpg.connect(self.dsn, timeout=self._connect_timeout)
        except failures as exc:
            self._delay = min(max(self._delay * 2, self._retry_first), self._retry_max)
            self._next_attempt = time.monotonic() + self._delay
            self._failing, self._last_error = True, _one_line(exc)
            raise StoreError(f"cannot {what} {self.url}: reconnecting failed: {exc}") from exc
        self._conn, self._delay, self._next_attempt = conn, 0.0, 0.0
        self._connects += 1
        if self._failing:
            log.warning("reconnected to %s", self.url)
        self._failing = False
        return conn

    def _drop(self, conn: asyncpg.Connection[Any], error: BaseException | None) -> None:
        if self._conn is conn:
            self._conn = None
            self._losses += 1
            self._failing = True
            if error is not None:
                self._last_error = _one_line(error)
            log.warning("lost the connection to %s (%s); reconnecting", self.url, error)
        conn.terminate()


def _one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}".rstrip(": ")


def describe_open_error(url: str, error: BaseException) -> str:
    """Say in one line why the database at ``url`` cannot be opened, and what to do."""
    name = type(error).__name__
    database = urlsplit(url).path.lstrip("/") or "(default)"
    if name == "InvalidCatalogNameError":
        return (
            f"the PostgreSQL database {database!r} does not exist ({url}): create it "
            f"(`createdb {database}`) or fix DATABASE in settings.py"
        )
    if name in ("InvalidPasswordError", "InvalidAuthorizationSpecificationError"):
        return f"PostgreSQL refused the login for {url}: {_one_line(error)}; check DATABASE"
    if isinstance(error, OSError | TimeoutError):
        return (
            f"cannot reach the PostgreSQL server of {url} ({_one_line(error)}): is it running? "
            "Check the host and port in DATABASE"
        )
    return f"cannot open the database {url}: {_one_line(error)}"
