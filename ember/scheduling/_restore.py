"""Start-up: attach a store to a scheduler and bring its stored tasks back to life."""

from __future__ import annotations

import gc
import heapq
import json
import logging
from dataclasses import dataclass

from ember.errors import UnresolvableReferenceError
from ember.scheduling import _refs
from ember.scheduling._scheduler import _ID_BLOCK, Scheduler, error_text
from ember.scheduling._store import StoredTask, TaskState, TaskStore
from ember.scheduling._task import PersistedCall, Task
from ember.scheduling._writer import WriteBehind

__all__ = ["RestoreReport", "attach_store"]

log = logging.getLogger("ember.scheduling")


@dataclass(frozen=True, slots=True)
class RestoreReport:
    """What start-up found in the store."""

    scheduled: int
    overdue: int
    paused: int
    rerun: int
    failed: int
    orphaned: int


async def attach_store(scheduler: Scheduler, store: TaskStore) -> RestoreReport:
    """Open ``store`` for ``scheduler`` and restore every stored task.

    Order matters: ids are reserved first, so a ``delay()`` made while the rows load (even a
    persistent one) can neither collide with nor overwrite a stored task. Overdue tasks are
    due at once, oldest deadline first; paused ones stay paused; tasks whose callback no
    longer resolves are logged and kept aside as orphaned.
    """
    if scheduler._store is not None:
        raise RuntimeError(f"a task store is already attached ({scheduler._store.url})")
    if scheduler._next_id > 1:
        raise RuntimeError(
            "attach the task store before scheduling any task: "
            f"{scheduler._next_id - 1} task ids were already handed out without one"
        )
    first = await store.reserve_ids(1, _ID_BLOCK)
    scheduler._next_id, scheduler._id_limit = first, first + _ID_BLOCK
    scheduler._store = store
    scheduler._writer = WriteBehind(store)
    scheduler._writer.start()
    rows = await store.load()
    # A bulk load of long-lived objects: collecting in the middle of it only costs time.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _restore(scheduler, rows, store.url)
    finally:
        if collecting:
            gc.enable()


def _restore(scheduler: Scheduler, rows: list[StoredTask], url: str) -> RestoreReport:
    now, wall = scheduler.clock.monotonic(), scheduler.clock.wall()
    scheduler._restored_at = now
    counts = dict.fromkeys(("scheduled", "overdue", "paused", "rerun", "failed", "orphaned"), 0)
    entries = []
    # Rows share a handful of callbacks: resolve each distinct reference once.
    checked: dict[str, tuple[str, UnresolvableReferenceError | None]] = {}
    for row in rows:
        if row.id in scheduler._tasks:
            continue  # created by a delay() made while we were loading
        check = checked.get(row.callback)
        if check is None:
            check = checked[row.callback] = _check_callback(scheduler, row.callback)
        name, unresolvable = check
        persisted = PersistedCall(row.callback, row.args, row.kwargs, row.owner, name)
        when = now + (row.deadline - wall) if row.deadline is not None else now
        task = Task(scheduler, row.id, when, None, (), None, persisted, row.owner)
        task._remaining = row.remaining if row.deadline is None else None
        if row.state is TaskState.FAILED:
            _keep_aside(scheduler, task, TaskState.FAILED, RuntimeError(row.error or "failed"))
            counts["failed"] += 1
            continue
        error = unresolvable
        if error is None and row.deadline is None and row.remaining is None:
            error = UnresolvableReferenceError("the row has neither a deadline nor a remaining")
        if error is not None:
            log.error(
                "stored task %d (%s) cannot be restored and is kept aside: %s",
                row.id,
                persisted.name,
                error,
            )
            _keep_aside(scheduler, task, TaskState.ORPHANED, error)
            if row.state is not TaskState.ORPHANED or row.error != error_text(error):
                scheduler._save(task)
            counts["orphaned"] += 1
            continue
        if row.state is TaskState.FIRING:
            log.warning(
                "task %d (%s) was running when the server stopped; running it again",
                row.id,
                persisted.name,
            )
            counts["rerun"] += 1
        scheduler._tasks[row.id] = task
        scheduler._persistent += 1
        if row.owner is not None:
            scheduler._by_owner.setdefault(row.owner, set()).add(task)
        if row.deadline is None:  # paused (or orphaned while paused)
            task._state = TaskState.PAUSED
            scheduler._paused += 1
            counts["paused"] += 1
            if row.state is not TaskState.PAUSED:
                scheduler._save(task)
            continue
        counts["overdue" if task._when <= now else "scheduled"] += 1
        entries.append((task._when, task.id, task))
        if row.state is not TaskState.SCHEDULED:
            scheduler._save(task)
    scheduler._heap.extend(entries)
    heapq.heapify(scheduler._heap)
    if scheduler._heap and scheduler._heap[0][0] < scheduler._timer_when:
        scheduler._arm(scheduler._heap[0][0])
    report = RestoreReport(**counts)
    log.info("restored persistent tasks from %s: %s", url, report)
    return report


def _keep_aside(scheduler: Scheduler, task: Task, state: TaskState, error: Exception) -> None:
    task._state = state
    task._outcome = error
    scheduler._kept[task.id] = task
    if state is TaskState.ORPHANED:
        scheduler._orphaned += 1


def _check_callback(
    scheduler: Scheduler, callback_json: str
) -> tuple[str, UnresolvableReferenceError | None]:
    """Return a readable name for a stored callback and why it does not resolve, if it doesn't."""
    try:
        _refs.decode_callback(callback_json, scheduler.entities, scheduler.trusted_modules)
        error = None
    except UnresolvableReferenceError as unresolvable:
        error = unresolvable
    return _readable_name(callback_json), error


def _readable_name(callback_json: str) -> str:
    """``{"function": "a.b:f"}`` -> ``a.b.f``; an entity method -> ``account:7.msg``."""
    try:
        ref = json.loads(callback_json)
        if isinstance(ref, dict) and "function" in ref:
            return str(ref["function"]).replace(":", ".")
        if isinstance(ref, dict) and "method" in ref:
            kind, entity_id = ref["entity"]
            return f"{kind}:{entity_id}.{ref['method']}"
    except Exception:
        pass
    return callback_json[:60]
