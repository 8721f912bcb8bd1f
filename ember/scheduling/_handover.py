"""Task writes a stopping process could not make durable, handed to the next process.

When a reload or stop reaches its deadline while the store is failing, the write-behind gives
back what it still holds (``WriteBehind.close``). Those writes travel as plain JSON values
(through the portal on a reload, a file in ``server/`` on a stop) and the next process applies
them with :func:`apply_unwritten` *before* it loads the stored tasks, so its restore sees the
newest state: a task that fired and was deleted does not fire again, and one made just before
the stop is not lost. Writes are whole-row upserts and deletions by id, so applying one twice
is harmless.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ember.layout import GameLayout
from ember.scheduling._durable import Unwritten
from ember.scheduling._task_store import TaskRow, TaskStore

__all__ = [
    "UNWRITTEN_FILE",
    "apply_unwritten",
    "decode_unwritten",
    "encode_unwritten",
    "load_unwritten_file",
]

#: Where a stop that gave up keeps the writes the store refused, relative to the game directory.
UNWRITTEN_FILE = GameLayout(Path()).unwritten_tasks
_ROW_LENGTH = 9


def encode_unwritten(unwritten: Unwritten) -> list[Any]:
    """Return ``unwritten`` as JSON-safe lists: ``[id, row]`` (``row`` None for a deletion)."""
    return [[task_id, list(row) if row is not None else None] for task_id, row in unwritten.items()]


def decode_unwritten(value: Any) -> Unwritten:
    """Read what :func:`encode_unwritten` made; raise ``ValueError`` naming a malformed entry."""
    if not isinstance(value, list):
        raise ValueError(f"unwritten task writes must be a list, not {type(value).__name__}")
    unwritten: Unwritten = {}
    for entry in value:
        if not (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], int)):
            raise ValueError(f"malformed unwritten task write {entry!r:.80}")
        task_id, row = entry
        if row is None:
            unwritten[task_id] = None
        elif isinstance(row, list) and len(row) == _ROW_LENGTH and row[0] == task_id:
            unwritten[task_id] = tuple(row)
        else:
            raise ValueError(f"malformed unwritten row for task {task_id}: {row!r:.80}")
    return unwritten


async def apply_unwritten(store: TaskStore, unwritten: Unwritten) -> None:
    """Write ``unwritten`` to ``store`` in one transaction (call before loading tasks)."""
    if unwritten:
        puts: list[TaskRow] = [row for row in unwritten.values() if row is not None]
        deletes = [task_id for task_id, row in unwritten.items() if row is None]
        await store.write(puts, deletes)


def load_unwritten_file(game_dir: Path) -> Unwritten:
    """Return the writes a previous stop left in :data:`UNWRITTEN_FILE` (empty if none)."""
    path = game_dir / UNWRITTEN_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    return decode_unwritten(json.loads(text))
