"""The rows and SQL of persistent repeats, for the SQLite and PostgreSQL task stores.

Two tables join the task store in its schema version 2: ``ember_repeats`` (one row per
persistent repeat: its grid, count and call by reference) and ``ember_repeat_marks`` (per
interval, the wall time up to which every tick has run). A repeat's row is written when it
starts, pauses, changes or ends, not on every tick; the mark, one row per interval, is what
tells a restarted server which ticks already ran (docs/repeating-timers.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "MARK_COLUMNS",
    "REPEAT_COLUMNS",
    "MarkRow",
    "RepeatRow",
    "StoredRepeat",
    "postgres_sql",
    "split_batch",
    "sqlite_sql",
]

REPEAT_COLUMNS = (
    "id, state, every, anchor, next_tick, left_count, jitter, remaining,"
    " callback, args, kwargs, owner, error"
)
MARK_COLUMNS = "interval_key, through"

#: ``(id, state, every, anchor, next_tick, left_count, jitter, remaining, callback, args,
#: kwargs, owner, error)``: ``anchor`` is the wall time of grid point 0 (None while paused),
#: ``remaining`` the frozen seconds to the next tick of a paused repeat.
RepeatRow = tuple[
    int,
    str,
    float,
    float | None,
    int,
    int | None,
    float,
    float | None,
    str,
    str,
    str,
    str | None,
    str | None,
]
#: ``(interval key, through)``: every tick of that interval due by ``through`` (wall) ran.
MarkRow = tuple[str, float]


@dataclass(frozen=True, slots=True)
class StoredRepeat:
    """One persistent repeat as loaded."""

    id: int
    state: str
    interval: float
    anchor: float | None
    next_tick: int
    left: int | None
    jitter: float
    remaining: float | None
    callback: str
    args: str
    kwargs: str
    owner: str | None
    error: str | None


def split_batch(
    puts: Sequence[RepeatRow | MarkRow], deletes: Sequence[int | str]
) -> tuple[list[RepeatRow], list[MarkRow], list[tuple[int]]]:
    """Sort one write-behind batch into repeat rows, mark rows and repeat deletions."""
    repeats: list[RepeatRow] = []
    marks: list[MarkRow] = []
    for row in puts:
        if len(row) == 2:
            marks.append(row)
        else:
            repeats.append(row)
    return repeats, marks, [(key,) for key in deletes if isinstance(key, int)]


def to_stored(row: Sequence[Any]) -> StoredRepeat:
    """A selected ``ember_repeats`` row as a :class:`StoredRepeat`."""
    return StoredRepeat(*row)


def _create(repeats: str, marks: str, integer: str, real: str) -> str:
    return (
        f"CREATE TABLE IF NOT EXISTS {repeats} (id {integer} PRIMARY KEY, state TEXT NOT NULL,"
        f" every {real} NOT NULL, anchor {real}, next_tick {integer} NOT NULL,"
        f" left_count {integer}, jitter {real} NOT NULL, remaining {real},"
        " callback TEXT NOT NULL, args TEXT NOT NULL, kwargs TEXT NOT NULL, owner TEXT,"
        f" error TEXT); CREATE TABLE IF NOT EXISTS {marks} (interval_key TEXT PRIMARY KEY,"
        f" through {real} NOT NULL)"
    )


def _upsert(repeats: str, marks: str, params: list[str]) -> tuple[str, str]:
    updates = ", ".join(
        f"{column.strip()} = excluded.{column.strip()}" for column in REPEAT_COLUMNS.split(",")[1:]
    )
    upsert = (
        f"INSERT INTO {repeats} ({REPEAT_COLUMNS}) VALUES ({', '.join(params[:13])})"
        f" ON CONFLICT (id) DO UPDATE SET {updates}"
    )
    mark = (
        f"INSERT INTO {marks} ({MARK_COLUMNS}) VALUES ({params[0]}, {params[1]})"
        " ON CONFLICT (interval_key) DO UPDATE SET through = excluded.through"
    )
    return upsert, mark


def sqlite_sql() -> dict[str, str]:
    """The statements for SQLite (``create`` is the schema step to version 2)."""
    upsert, mark = _upsert("ember_repeats", "ember_repeat_marks", ["?"] * 13)
    return {
        "create": _create("ember_repeats", "ember_repeat_marks", "INTEGER", "REAL"),
        "upsert": upsert,
        "mark": mark,
        "delete": "DELETE FROM ember_repeats WHERE id = ?",
        "select": f"SELECT {REPEAT_COLUMNS} FROM ember_repeats ORDER BY id",
        "marks": f"SELECT {MARK_COLUMNS} FROM ember_repeat_marks",
    }


def postgres_sql(repeats: str, marks: str) -> dict[str, str]:
    """The statements for PostgreSQL, with the schema-qualified table names given."""
    upsert, mark = _upsert(repeats, marks, [f"${n}" for n in range(1, 14)])
    return {
        "create": _create(repeats, marks, "BIGINT", "DOUBLE PRECISION"),
        "upsert": upsert,
        "mark": mark,
        "delete": f"DELETE FROM {repeats} WHERE id = $1",
        "select": f"SELECT {REPEAT_COLUMNS} FROM {repeats} ORDER BY id",
        "marks": f"SELECT {MARK_COLUMNS} FROM {marks}",
    }
