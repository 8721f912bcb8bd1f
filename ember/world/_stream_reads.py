"""Reading an SQLite world's attribute rows for :mod:`ember.world._stream`: whole ranges at
once (a snapshot, a dump) or on the loop in slices of :data:`SLICE_SECONDS`, with turns of
the loop for players' commands in between. A statement stays open between its slices, so the
rows it returns are those of one moment of the database (WAL keeps the writer going)."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "SLICE_SECONDS",
    "connect_read_only",
    "read_log",
    "read_log_now",
    "read_range",
    "read_range_in_slices",
    "serve_others",
]

#: Loop time one slice of reading or applying may take before the loop serves others again.
#: A round trip passes the loop several times (the link's reader, the command, its output);
#: at 1.5 ms per slice the 99th percentile of a trivial command's round trip during the
#: stream was 3-3.5 ms, at 0.5 ms 1.4-1.5 ms (against 0.6-0.9 ms after), for the same total
#: stream time: the slices were never what bounded it.
SLICE_SECONDS = 0.0005
#: Turns of the loop given to others after each slice (see serve_others).
_TURNS = 8
#: Rows fetched between two looks at the clock (grouped: one object's attributes per row).
_FETCH = 64

_SELECT_RANGE_GROUPED = (
    "SELECT object_id, json_group_object(name, json(value)) FROM ember_attributes"
    " WHERE object_id BETWEEN ? AND ? GROUP BY object_id"
)
_SELECT_LOG = "SELECT object_id, name, value FROM ember_attribute_log ORDER BY seq"
_SELECT_RANGE = (
    "SELECT object_id, name, value FROM ember_attributes WHERE object_id BETWEEN ? AND ?"
)


def connect_read_only(path: str) -> sqlite3.Connection:
    """A read-only connection to the world database at ``path`` (it never writes)."""
    conn = sqlite3.connect(
        Path(path).as_uri() + "?mode=ro", uri=True, check_same_thread=False, isolation_level=None
    )
    conn.execute("PRAGMA query_only = ON")
    return conn


async def serve_others() -> None:
    """Players' input and output between two slices. One turn of the loop is not enough: a
    command passes several tasks (the link's reader, the command, the link's writer), each
    a turn; with one turn per slice each hop would wait a slice. Idle turns cost
    microseconds."""
    for _ in range(_TURNS):
        await asyncio.sleep(0)


async def _batches(cursor: sqlite3.Cursor) -> AsyncIterator[list[Any]]:
    """The rows of ``cursor`` in batches, with turns of the loop for others after each
    :data:`SLICE_SECONDS` of fetching (the statement, and so its snapshot of the database,
    stays open between them)."""
    started = time.perf_counter()
    while rows := cursor.fetchmany(_FETCH):
        yield rows
        if time.perf_counter() - started >= SLICE_SECONDS:
            await serve_others()
            started = time.perf_counter()


async def _fetch_in_slices(cursor: sqlite3.Cursor) -> list[Any]:
    return [row async for rows in _batches(cursor) for row in rows]


async def read_range_in_slices(conn: sqlite3.Connection, ids: Sequence[int]) -> list[Any]:
    """:func:`read_range`, fetched on the loop in slices of :data:`SLICE_SECONDS`."""
    try:
        return await _fetch_in_slices(conn.execute(_SELECT_RANGE_GROUPED, (ids[0], ids[-1])))
    except sqlite3.OperationalError:  # a value that is not JSON: the rows one by one
        return await _fetch_in_slices(conn.execute(_SELECT_RANGE, (ids[0], ids[-1])))


def read_range(conn: sqlite3.Connection, ids: Sequence[int]) -> list[Any]:
    """The table's attribute rows of the objects with ids from ``ids[0]`` to ``ids[-1]``:
    one JSON object per object, or (a value that is not JSON) the rows one by one."""
    if not ids:
        return []
    try:
        return conn.execute(_SELECT_RANGE_GROUPED, (ids[0], ids[-1])).fetchall()
    except sqlite3.OperationalError:
        return conn.execute(_SELECT_RANGE, (ids[0], ids[-1])).fetchall()


async def read_log(conn: sqlite3.Connection) -> dict[int, dict[str, str | None]]:
    """The attribute log's newest value of each attribute, ``{object id: {name: JSON text,
    or None if deleted}}``, not decoded, read on the loop in slices. Read in the log's own
    order and picked in Python: grouping it in SQL sorts it twice, several times slower.
    Rows of deleted objects come along and are never asked for."""
    newest: dict[int, dict[str, str | None]] = {}
    async for rows in _batches(conn.execute(_SELECT_LOG)):
        _newest_of(rows, newest)
    return newest


def read_log_now(conn: sqlite3.Connection) -> dict[int, dict[str, str | None]]:
    """:func:`read_log` at once (reads that cannot wait: a snapshot, a dump)."""
    return _newest_of(conn.execute(_SELECT_LOG), {})


def _newest_of(
    rows: Iterable[tuple[int, str, str | None]], newest: dict[int, dict[str, str | None]]
) -> dict[int, dict[str, str | None]]:
    for object_id, name, value in rows:
        found = newest.get(object_id)
        if found is None:
            newest[object_id] = {name: value}
        else:
            found[name] = value
    return newest
