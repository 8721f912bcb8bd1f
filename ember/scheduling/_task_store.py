"""The task store interface and its rows: what a backend (SQLite, PostgreSQL) must offer."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = [
    "COLUMNS",
    "StoredTask",
    "TaskRow",
    "TaskState",
    "TaskStore",
    "row_to_task",
]


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

    @property
    def row(self) -> TaskRow:
        """This task as the tuple stores write (see :data:`TaskRow`)."""
        return (
            self.id,
            self.state.value,
            self.deadline,
            self.remaining,
            self.callback,
            self.args,
            self.kwargs,
            self.owner,
            self.error,
        )


#: A task as the stores write it: the values of :data:`COLUMNS` in order, the state as its
#: text. Plain atomic values on purpose: the cyclic collector stops tracking such tuples, so
#: a burst of thousands of queued writes does not make every full collection longer.
TaskRow = tuple[int, str, float | None, float | None, str, str, str, str | None, str | None]

#: The columns of a task row, in the order every backend selects and binds them.
COLUMNS = "id, state, deadline, remaining, callback, args, kwargs, owner, error"
# A dict lookup is much cheaper than TaskState(value) when loading 100,000 rows.
_STATES = {state.value: state for state in TaskState}


def row_to_task(row: tuple[Any, ...]) -> StoredTask:
    """Turn a row of ``SELECT_ALL_SQL`` into a task, setting aside a row with an unknown state.

    An unknown state (a newer server's, or a hand edit) must not stop the other tasks from
    loading, so such a row comes back ``ORPHANED`` with an error naming the bad value.
    """
    id_, raw_state, deadline, remaining, callback, args, kwargs, owner, error = row
    state = _STATES.get(raw_state)
    if state is None:
        state = TaskState.ORPHANED
        reason = f"invalid stored state {raw_state!r}"
        error = reason if error is None else f"{reason}; previous error: {error}"
    return StoredTask(id_, state, deadline, remaining, callback, args, kwargs, owner, error)


class TaskStore(Protocol):
    """Durable storage for persistent tasks.

    The scheduler batches writes and hands each batch to :meth:`write`, which must apply it in
    one transaction (all or nothing) and return only once it is durable. A batch holds at most
    one write (an upsert or a deletion) per task id. Every method is called from the event
    loop; implementations keep blocking work off it.
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

    async def release_ids(self, first_unused: int, limit: int) -> bool:
        """Give back the unused end ``first_unused`` .. ``limit - 1`` of this server's last
        reservation, so the next start continues from ``first_unused`` (a clean shutdown).

        Only if nothing was reserved since, that is if the stored counter still stands at
        ``limit``: otherwise another server sharing the store reserved after us and nothing
        changes. Return whether the ids were given back.
        """
        ...

    async def load(self) -> list[StoredTask]:
        """Return every stored task, in id order."""
        ...

    async def write(self, puts: Sequence[TaskRow], deletes: Sequence[int]) -> None:
        """Upsert ``puts`` and delete the ids in ``deletes``, in one durable transaction."""
        ...
