"""Durable id blocks: the one rule every store uses to hand out ids that are never reused.

A store keeps a counter (``next_id``) beside its rows. Reserving a block moves the counter past
the block, inside one transaction, starting above everything handed out or stored (so a hand
edit or an older server's rows cannot collide) and at least at what the caller asks for.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from ember.storage._sqlite_connection import transaction

__all__ = ["first_free_id", "reserve_postgres", "reserve_sqlite"]


def first_free_id(next_id: Any, max_id: Any, at_least: int) -> int:
    """The first id of a new block: above the counter, the largest stored id and ``at_least``
    (a missing counter or an empty table reads as nothing handed out yet)."""
    return max(int(next_id or 1), at_least, int(max_id or 0) + 1, 1)


def reserve_sqlite(
    conn: sqlite3.Connection, sql: tuple[str, str, str], at_least: int, count: int
) -> int:
    """Reserve ``count`` ids in one transaction; ``sql`` is (get counter, max id, set counter)."""
    get_next, get_max, set_next = sql
    with transaction(conn):
        row = conn.execute(get_next).fetchone()
        (max_id,) = conn.execute(get_max).fetchone()
        first = first_free_id(row[0] if row else None, max_id, at_least)
        conn.execute(set_next, (first + count,))
    return first


async def reserve_postgres(conn: Any, sql: tuple[str, str, str], at_least: int, count: int) -> int:
    """The same on an asyncpg connection (``$1`` placeholders)."""
    get_next, get_max, set_next = sql
    async with conn.transaction():
        next_id = await conn.fetchval(get_next)
        max_id = await conn.fetchval(get_max)
        first = first_free_id(next_id, max_id, at_least)
        await conn.execute(set_next, first + count)
    return int(first)
