"""The scheduler's durable side: the task store, its write-behind, id blocks, saving, restore.

The in-memory scheduler (``_scheduler.py``) knows this side only through the small
:class:`~ember.scheduling._held.DurableSide` protocol, and this side changes the
scheduler only through its named restore and id methods (``_attachable``, ``_attach``,
``_next_free_id``, ``_use_ids``, ``_adopt``). Nothing here runs for a non-persistent task.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ember.errors import UnresolvableReferenceError
from ember.scheduling import _refs
from ember.scheduling._entity import owner_of_call
from ember.scheduling._repeat_store import attach_repeats
from ember.scheduling._scheduler import Scheduler
from ember.scheduling._task import PersistedCall, Task
from ember.scheduling._task_store import StoredTask, TaskRow, TaskState, TaskStore
from ember.storage import WriteBehind, WriterStatistics

__all__ = ["ID_BLOCK", "RestoreReport", "TaskDurability", "Unwritten", "attach_store"]

log = logging.getLogger("ember.scheduling")

#: Task ids reserved in the store at a time; a new block is reserved when half is used.
ID_BLOCK = 100_000

#: Writes not made durable when a close gave up: task id -> row, or None for a deletion.
Unwritten = dict[int, TaskRow | None]


@dataclass(frozen=True, slots=True)
class RestoreReport:
    """What start-up found in the store."""

    scheduled: int
    overdue: int
    paused: int
    rerun: int
    failed: int
    orphaned: int


def task_writer(store: TaskStore) -> WriteBehind[int, TaskRow]:
    """The group-commit write-behind for task rows (keyed by task id) into ``store``."""
    return WriteBehind(store, key=operator.itemgetter(0), what="task", log=log)


def error_text(error: BaseException) -> str:
    """How an error is stored in a task row: ``"TypeName: message"``."""
    return f"{type(error).__name__}: {error}"


class TaskDurability:
    """What makes a scheduler's persistent tasks durable: one per attached store."""

    def __init__(self, scheduler: Scheduler, store: TaskStore, id_limit: int) -> None:
        self.scheduler = scheduler
        self.store = store
        self.url = store.url
        self.writer = task_writer(store)
        self._id_limit = id_limit
        self._first_id = id_limit - ID_BLOCK  # rows from here on were made by this process
        self._reserving: asyncio.Task[None] | None = None
        #: Other writers into the same store, flushed and closed with this one (the repeats).
        self.companions: list[Any] = []

    # -- the DurableSide protocol ----------------------------------------------------------

    def encode_call(
        self, callback: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> PersistedCall:
        """Encode a persistent call by reference; ``TypeError`` names what cannot be stored."""
        entities = self.scheduler.entities
        callback_ref = _refs.encode_callback(callback, entities)
        args_json, kwargs_json = _refs.encode_arguments(args, kwargs, entities)
        owner = owner_of_call(callback, args)
        return PersistedCall(
            callback_ref, args_json, kwargs_json, owner, _refs.callback_name(callback)
        )

    def decode_call(
        self, persisted: PersistedCall
    ) -> tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]:
        """Resolve a stored call; ``UnresolvableReferenceError`` if its code is gone."""
        scheduler = self.scheduler
        callback = _refs.decode_callback(
            persisted.callback, scheduler.entities, scheduler.trusted_modules
        )
        args, kwargs = _refs.decode_arguments(persisted.args, persisted.kwargs, scheduler.entities)
        return callback, args, kwargs

    def save(self, task: Task) -> None:
        """Queue the row of persistent ``task`` as it stands now."""
        persisted = task._persisted
        assert persisted is not None
        state = task._state
        error = None
        if state in (TaskState.FAILED, TaskState.ORPHANED):
            error = error_text(task._outcome)
        frozen = task._remaining  # set while paused (also kept by an orphan that was paused)
        self.writer.put(
            (
                task.id,
                state.value,
                self.scheduler.wall_time_of(task._when) if frozen is None else None,
                frozen,
                persisted.callback,
                persisted.args,
                persisted.kwargs,
                persisted.owner,
                error,
            )
        )

    def delete(self, task_id: int) -> None:
        """Queue the deletion of a task's row."""
        self.writer.delete(task_id)

    def low_on_ids(self) -> None:
        """Reserve the next id block in the background (the scheduler passed half its block)."""
        if self._reserving is None:
            self._reserving = asyncio.get_running_loop().create_task(
                self._reserve_more(), name="ember-task-ids"
            )

    async def _reserve_more(self) -> None:
        try:
            at_least = max(self._id_limit, self.scheduler._next_free_id())
            first = await self.store.reserve_ids(at_least, ID_BLOCK)
            self._id_limit = first + ID_BLOCK
            self.scheduler._use_ids(first, self._id_limit - ID_BLOCK // 2)
        except Exception:
            log.exception("reserving task ids failed; will retry on the next task")
        finally:
            self._reserving = None

    async def flush(self) -> None:
        """Return once every write queued so far is durable."""
        await self.writer.flush()
        for companion in self.companions:
            await companion.flush()

    async def close(self, give_up_after: float | None) -> Unwritten:
        """Flush and stop the writer; give unused ids back; return the writes left over."""
        if self._reserving is not None:
            await asyncio.gather(self._reserving, return_exceptions=True)
        # The repeats' writer (_repeat_store.py) closes alongside, within the same deadline.
        closing = [companion.close(give_up_after) for companion in self.companions]
        unwritten: Unwritten = (await asyncio.gather(self.writer.close(give_up_after), *closing))[0]
        if not unwritten:  # a failing store keeps its counter; the ids just skip ahead
            await self._release_ids(self.scheduler._next_free_id())
        return unwritten

    async def _release_ids(self, next_id: int) -> None:
        """Give the unused rest of the id block back on a clean close, so ids continue densely
        after a restart instead of jumping by up to a block. The store refuses when another
        server reserved after us; a crash never gets here, and its gap is harmless."""
        if not next_id < self._id_limit < math.inf:
            return
        try:
            await self.store.release_ids(next_id, self._id_limit)
        except Exception:
            log.exception("giving back unused task ids failed; the next ids will skip them")

    def writer_statistics(self) -> WriterStatistics:
        """Counts of queued and written rows."""
        return self.writer.statistics()

    # -- restore ---------------------------------------------------------------------------

    def restore(self, rows: list[StoredTask]) -> RestoreReport:
        """Bring stored ``rows`` back as tasks of the scheduler (see :func:`attach_store`)."""
        scheduler = self.scheduler
        now, wall = scheduler.clock.monotonic(), scheduler.clock.wall()
        counts = dict.fromkeys(("scheduled", "overdue", "paused", "rerun", "failed", "orphaned"), 0)
        tasks, first = [], self._first_id
        # Rows share a handful of callbacks: resolve each distinct reference once.
        checked: dict[str, tuple[str, UnresolvableReferenceError | None]] = {}
        for row in rows:
            if row.id >= first and scheduler.get(row.id) is not None:
                continue  # created by a delay() made while we were loading
            check = checked.get(row.callback)
            if check is None:
                check = checked[row.callback] = self._check_callback(row.callback)
            name, unresolvable = check
            persisted = PersistedCall(row.callback, row.args, row.kwargs, row.owner, name)
            when = now + (row.deadline - wall) if row.deadline is not None else now
            task = Task(scheduler, row.id, when, None, (), None, persisted, row.owner)
            task._remaining = row.remaining if row.deadline is None else None
            tasks.append(task)
            if row.state is TaskState.FAILED:
                task._state, task._outcome = TaskState.FAILED, RuntimeError(row.error or "failed")
                counts["failed"] += 1
                continue
            error = unresolvable
            if error is None and row.deadline is None and row.remaining is None:
                error = UnresolvableReferenceError("the row has neither a deadline nor a remaining")
            if error is not None:
                log.error(
                    "stored task %d (%s) cannot be restored and is kept aside: %s",
                    row.id,
                    name,
                    error,
                )
                task._state, task._outcome = TaskState.ORPHANED, error
                if row.state is not TaskState.ORPHANED or row.error != error_text(error):
                    self.save(task)
                counts["orphaned"] += 1
                continue
            if row.state is TaskState.FIRING:
                log.warning(
                    "task %d (%s) was running when the server stopped; running it again",
                    row.id,
                    name,
                )
                counts["rerun"] += 1
            if row.deadline is None:  # paused (or orphaned while paused)
                task._state = TaskState.PAUSED
                counts["paused"] += 1
                if row.state is not TaskState.PAUSED:
                    self.save(task)
                continue
            counts["overdue" if task._when <= now else "scheduled"] += 1
            if row.state is not TaskState.SCHEDULED:
                self.save(task)
        scheduler._adopt(tasks, restored_at=now)
        report = RestoreReport(**counts)
        log.info("restored persistent tasks from %s: %s", self.url, report)
        return report

    def _check_callback(self, callback_json: str) -> tuple[str, UnresolvableReferenceError | None]:
        """A readable name for a stored callback, and why it does not resolve if it doesn't."""
        scheduler = self.scheduler
        try:
            _refs.decode_callback(callback_json, scheduler.entities, scheduler.trusted_modules)
            error = None
        except UnresolvableReferenceError as unresolvable:
            error = unresolvable
        return _refs.readable_name(callback_json), error


async def attach_store(scheduler: Scheduler, store: TaskStore) -> RestoreReport:
    """Open ``store`` for ``scheduler`` and restore every stored task.

    Order matters: ids are reserved first, so a ``delay()`` made while the rows load (even a
    persistent one) can neither collide with nor overwrite a stored task. Overdue tasks are
    due at once, oldest deadline first; paused ones stay paused; tasks whose callback no
    longer resolves are logged and kept aside as orphaned.
    """
    scheduler._attachable()
    first = await store.reserve_ids(1, ID_BLOCK)
    durable = TaskDurability(scheduler, store, first + ID_BLOCK)
    scheduler._attach(durable)
    scheduler._use_ids(first, first + ID_BLOCK - ID_BLOCK // 2)
    durable.writer.start()
    rows = await store.load()
    repeats = await attach_repeats(scheduler, store)  # loads; restores below
    # A bulk load of long-lived objects: collecting in the middle of it only costs time.
    collecting = gc.isenabled()
    gc.disable()
    try:
        report = durable.restore(rows)
        if repeats is not None:
            repeats.restore_loaded()
            durable.companions.append(repeats)
    finally:
        if collecting:
            gc.enable()
    return report
