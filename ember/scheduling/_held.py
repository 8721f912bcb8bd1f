"""The tasks a scheduler holds: by id, by owner, kept aside after failing, and their counts.

The bookkeeping half of :class:`~ember.scheduling._scheduler.Scheduler` (its base class):
what is held and how a task leaves, including the rows that go to the durable side when it
does. The timer, firing and handle operations stay in ``_scheduler.py``.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from ember.scheduling._task import PersistedCall, Task
from ember.scheduling._task_store import TaskRow, TaskState
from ember.storage import WriterStatistics

__all__ = ["DurableSide", "HeldTasks", "SchedulerStatistics"]

log = logging.getLogger("ember.scheduling")

_KEEP_FAILED = 1000  # non-persistent failed tasks kept visible (persistent ones are all kept)


class DurableSide(Protocol):
    """What the scheduler asks of its durable side (``_durable.TaskDurability``), which exists
    once a task store is attached: persistent calls, rows, id blocks and the final flush."""

    url: str

    def encode_call(
        self, callback: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> PersistedCall:
        """Store a call by reference; ``TypeError`` names what cannot be stored."""
        ...

    def decode_call(
        self, persisted: PersistedCall
    ) -> tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]:
        """Resolve a stored call into the callback and its arguments."""
        ...

    def save(self, task: Task) -> None:
        """Queue the row of a persistent task as it stands now."""
        ...

    def delete(self, task_id: int) -> None:
        """Queue the deletion of a task's row."""
        ...

    def low_on_ids(self) -> None:
        """Half the reserved id block is used: reserve the next one in the background."""
        ...

    async def flush(self) -> None:
        """Return once every row queued so far is durable."""
        ...

    async def close(self, give_up_after: float | None) -> dict[int, TaskRow | None]:
        """Flush, stop writing, give unused ids back; return the writes left over."""
        ...

    def writer_statistics(self) -> WriterStatistics:
        """Counts of the write-behind queue."""
        ...


@dataclass(frozen=True, slots=True)
class SchedulerStatistics:
    """A snapshot of the scheduler, for the ``tasks`` command and ``bench/``.

    Lateness is how long after its due time a task started, over the most recent firings.
    """

    pending: int
    paused: int
    persistent: int
    fired: int
    failed: int
    orphaned: int
    cancelled: int
    lateness_p50: float
    lateness_p99: float
    lateness_max: float
    heap_entries: int
    writer: WriterStatistics | None


class HeldTasks:
    """Active tasks by id and by owner, failed and orphaned ones kept aside, and counts."""

    def __init__(self) -> None:
        self._tasks: dict[int, Task] = {}  # scheduled, paused or firing
        self._kept: dict[int, Task] = {}  # failed or orphaned, visible until removed
        self._kept_transient: deque[int] = deque()
        self._by_owner: dict[str, set[Task]] = {}
        self._durable: DurableSide | None = None  # set by attach_store (_durable.py)
        self._persistent = self._paused = 0
        self._fired = self._failed = self._orphaned = self._cancelled = 0

    def get(self, task_id: int) -> Task | None:
        """Return the task with this id if the scheduler still holds it."""
        return self._tasks.get(task_id) or self._kept.get(task_id)

    def tasks(self, *, owner: str | None = None) -> list[Task]:
        """Return held tasks (active, firing, failed, orphaned) in id order, or one owner's."""
        if owner is not None:
            return sorted(self._by_owner.get(owner, ()), key=lambda task: task.id)
        return sorted([*self._tasks.values(), *self._kept.values()], key=lambda task: task.id)

    def _fail(self, task: Task, error: Exception) -> None:
        log.error(
            "timed task %d (%s) raised %s: %s",
            task.id,
            task.callback_name,
            type(error).__name__,
            error,
            exc_info=error,
        )
        self._failed += 1
        self._keep(task, TaskState.FAILED, error)

    def _orphan(self, task: Task, error: Exception) -> None:
        log.error(
            "timed task %d (%s) cannot run and is kept aside: %s",
            task.id,
            task.callback_name,
            error,
        )
        self._orphaned += 1
        self._keep(task, TaskState.ORPHANED, error)

    def _keep(self, task: Task, state: TaskState, error: Exception) -> None:
        self._forget(task, saved=False)
        task._state, task._outcome = state, error
        self._kept[task.id] = task
        if task._persisted is not None:
            self._save(task)
        else:
            self._kept_transient.append(task.id)
            if len(self._kept_transient) > _KEEP_FAILED:
                self._kept.pop(self._kept_transient.popleft(), None)
        task._settle_waiter()

    def _forget(self, task: Task, *, saved: bool = True) -> None:
        """Drop ``task`` from the active set (and from the store when ``saved``)."""
        if self._tasks.pop(task.id, None) is None:
            return
        owner = task._owner
        if owner is not None:
            holders = self._by_owner.get(owner)
            if holders is not None:
                holders.discard(task)
                if not holders:
                    del self._by_owner[owner]
        if task._persisted is not None:
            self._persistent -= 1
            if saved and self._durable is not None:
                self._durable.delete(task.id)

    def _save(self, task: Task) -> None:
        if task._persisted is not None and self._durable is not None:
            self._durable.save(task)

    def _hold_restored(self, tasks: list[Task]) -> list[Task]:
        """Hold restored tasks (failed and orphaned ones kept aside); return the scheduled."""
        scheduled = []
        for task in tasks:
            state = task._state
            if state in (TaskState.FAILED, TaskState.ORPHANED):
                self._kept[task.id] = task
                self._orphaned += state is TaskState.ORPHANED
                continue
            self._tasks[task.id] = task
            self._persistent += 1
            if task._owner is not None:
                self._by_owner.setdefault(task._owner, set()).add(task)
            if state is TaskState.PAUSED:
                self._paused += 1
            else:
                scheduled.append(task)
        return scheduled
