"""What ``ember doctor`` checks: does the game's database open, and is an SQLite file whole."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from ember.storage._postgres import describe_open_error
from ember.storage._sqlite import check_sqlite_file
from ember.storage._url import parse_database_url

__all__ = ["Diagnosis", "diagnose"]


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """The outcome of a check: ``problems`` empty means healthy; ``path`` is the SQLite file
    (None for PostgreSQL), which ``ember doctor --set-aside`` may move away."""

    url: str
    problems: tuple[str, ...]
    path: Path | None = None


def diagnose(url: str) -> Diagnosis:
    """Check the database ``url`` as the game would open it (the ``DATABASE`` setting, with a
    relative path already made absolute); never changes anything."""
    try:
        parsed = parse_database_url(url, what="database")
    except ValueError as error:
        return Diagnosis(url, (str(error),))
    if parsed.kind == "postgresql":
        return Diagnosis(url, tuple(asyncio.run(_check_postgres(url, parsed.dsn))))
    path = Path(parsed.path)
    return Diagnosis(url, tuple(check_sqlite_file(path)), path)


async def _check_postgres(url: str, dsn: str) -> list[str]:
    try:
        import asyncpg
    except ImportError:
        return ["PostgreSQL needs asyncpg: pip install 'ember[postgres]'"]
    try:
        conn = await asyncpg.connect(dsn, timeout=10.0)
    except (asyncpg.PostgresError, OSError, TimeoutError, ValueError) as error:
        return [describe_open_error(url, error)]
    try:
        await conn.fetchval("SELECT 1")
    finally:
        await conn.close()
    return []
