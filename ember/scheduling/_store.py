"""The task store interface: what a backend (SQLite, PostgreSQL) must offer the scheduler."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

__all__ = ["StoredTask", "TaskDeletion", "TaskState", "TaskStore", "TaskWrite"]


class TaskState(enum.StrEnum):
    """The life of a task; persistent tasks store it in their row, so recovery is a query.

    ``done`` and ``cancelled`` tasks are deleted from the store rather than kept as rows.
    """

    SCHEDULED = "scheduled"
    PAUSED = "paused"
    FIRING = "firing"
    DONE = "done"
    CANCELLED = "cancelled"
    FAILED = "failed"
    ORPHANED = "orphaned"


@dataclass(frozen=True, slots=True)
class StoredTask:
    """One persistent task as a row.

    ``deadline`` is UTC epoch seconds (``None`` while paused); ``remaining`` is the frozen
    time left of a paused task. ``callback``, ``args`` and ``kwargs`` are JSON text produced by
    the reference codec; ``owner`` is an entity key such as ``"account:7"``. ``error`` holds the
    reason of a failed or orphaned task.
    """

    id: int
    state: TaskState
    deadline: float | None
    remaining: float | None
    callback: str
    args: str
    kwargs: str
    owner: str | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class TaskDeletion:
    """A request to delete the row of task ``id`` (it ran, was cancelled or removed)."""

    id: int


TaskWrite = StoredTask | TaskDeletion


class TaskStore(Protocol):
    """Durable storage for persistent tasks.

    The scheduler batches writes and hands each batch to :meth:`write`, which must apply it in
    one transaction (all or nothing) and return only once it is durable. A batch holds at most
    one write per task id. Every method is called from the event loop; implementations keep
    blocking work off it.
    """

    url: str

    async def open(self) -> None:
        """Connect and create the schema if it is missing."""
        ...

    async def close(self) -> None:
        """Release the connection; pending writes must have been written before."""
        ...

    async def reserve_ids(self, at_least: int, count: int) -> int:
        """Reserve ``count`` fresh task ids and return the first one.

        The first id is greater than every id this store ever handed out or holds, and not less
        than ``at_least``. The reservation is durable before this returns, so ids are never
        reused, not even after a crash.
        """
        ...

    async def load(self) -> list[StoredTask]:
        """Return every stored task, in id order."""
        ...

    async def write(self, batch: Sequence[TaskWrite]) -> None:
        """Apply ``batch`` in one durable transaction."""
        ...
