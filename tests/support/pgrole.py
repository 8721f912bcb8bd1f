"""A PostgreSQL role of its own for a test, so that its connections (and only they) can be cut.

``pg_terminate_backend`` on every backend of the role is what a server restart or a failover
does to a client; ``NOLOGIN`` on top keeps it out until ``restore()``, as a server that is down.
Other tests share the database, so nothing here touches connections of other roles.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

ADMIN_DSN = os.environ.get("EMBER_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")
CONNECT_TIMEOUT = 10.0  # seconds; past it PostgreSQL counts as not there


@dataclass
class PgRole:
    """A login role with its own schema; ``dsn`` connects as it (trust authentication)."""

    admin: Any  # asyncpg connection as the administrator
    name: str
    dsn: str

    @property
    def url(self) -> str:
        """The game's DATABASE setting for this role and its schema."""
        return f"{self.dsn}?schema={self.name}"

    async def terminate(self) -> int:
        """End every connection of the role; return how many were ended."""
        ended = await self.admin.fetchval(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE usename = $1) AS t",
            self.name,
        )
        return int(ended)

    async def outage(self) -> None:
        """The server is 'down' for this role: no new connections, the current ones cut."""
        await self.admin.execute(f'ALTER ROLE "{self.name}" NOLOGIN')
        await self.terminate()

    async def restore(self) -> None:
        """The server is back."""
        await self.admin.execute(f'ALTER ROLE "{self.name}" LOGIN')


async def connect_admin() -> Any:
    """An asyncpg connection to ADMIN_DSN as the administrator; without one the test is
    skipped (failed under ``EMBER_REQUIRE_POSTGRES=1``)."""
    try:
        import asyncpg

        return await asyncpg.connect(ADMIN_DSN, timeout=CONNECT_TIMEOUT)
    except Exception as error:
        reason = f"PostgreSQL not available at {ADMIN_DSN}: {type(error).__name__}: {error}"
        if os.environ.get("EMBER_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


@asynccontextmanager
async def role_for_test() -> AsyncIterator[PgRole]:
    """Create a role (and its schema) for one test; drop both afterwards."""
    admin = await connect_admin()
    name = f"ember_t_{uuid.uuid4().hex[:10]}"
    database = urlsplit(ADMIN_DSN).path.lstrip("/")
    await admin.execute(f'CREATE ROLE "{name}" LOGIN')
    await admin.execute(f'GRANT CREATE ON DATABASE "{database}" TO "{name}"')
    await admin.execute(f'CREATE SCHEMA "{name}" AUTHORIZATION "{name}"')
    parts = urlsplit(ADMIN_DSN)
    host = parts.netloc.rpartition("@")[2]
    dsn = urlunsplit(parts._replace(netloc=f"{name}@{host}", query=""))
    role = PgRole(admin, name, dsn)
    try:
        yield role
    finally:
        await role.restore()
        await role.terminate()
        await admin.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        await admin.execute(f'DROP OWNED BY "{name}"')
        await admin.execute(f'DROP ROLE IF EXISTS "{name}"')
        await admin.close()
