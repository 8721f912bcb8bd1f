"""The scheduler: one heap of timed tasks on the asyncio loop, one loop timer for the earliest."""

from __future__ import annotations

import asyncio
import heapq
import logging
import math
import numbers
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from inspect import isawaitable
from typing import Any

from ember.errors import PersistenceUnavailableError, WrongThreadError
from ember.scheduling import _refs
from ember.scheduling._clock import Clock, LoopClock, TimerHandle
from ember.scheduling._entity import EntityRegistry, entity_key, entity_registry
from ember.scheduling._store import TaskState, TaskStore
from ember.scheduling._task import PersistedCall, Task
from ember.scheduling._writer import Unwritten, WriteBehind, WriterStatistics

__all__ = ["DELAY_RESERVED_KEYWORDS", "Scheduler", "SchedulerStatistics", "error_text"]

log = logging.getLogger("ember.scheduling")

#: Keyword names ``delay()`` keeps for itself; every other keyword goes to the callback.
DELAY_RESERVED_KEYWORDS = frozenset({"persistent"})

_SLICE = 2000  # tasks fired per loop iteration before yielding to I/O
_KEEP_FAILED = 1000  # non-persistent failed tasks kept visible (persistent ones are all kept)
_ID_BLOCK = 100_000
_LATENESS_SAMPLES = 4096


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


class Scheduler:
    """Runs callbacks later on the loop it belongs to; persistent ones survive restarts.

    Game code normally uses :func:`ember.delay`, which finds the scheduler of the running
    loop. A scheduler created without a clock uses the running loop's real time; tests pass an
    :class:`ember.testing.VirtualClock`. Persistence needs a store: see :meth:`attach_store`.
    """

    def __init__(
        self,
        clock: Clock | None = None,
        *,
        entities: EntityRegistry | None = None,
        trusted_modules: Iterable[str] | None = None,
    ) -> None:
        self.loop = asyncio.get_running_loop()
        self.clock: Clock = clock if clock is not None else LoopClock(self.loop)
        self.entities = entities if entities is not None else entity_registry
        self.trusted_modules = tuple(trusted_modules) if trusted_modules is not None else None
        self._thread = threading.get_ident()
        self._heap: list[tuple[float, int, Task]] = []
        self._stale = 0  # heap entries whose task was paused, cancelled or rescheduled
        self._tasks: dict[int, Task] = {}  # scheduled, paused or firing
        self._kept: dict[int, Task] = {}  # failed or orphaned, visible until removed
        self._kept_transient: deque[int] = deque()
        self._by_owner: dict[str, set[Task]] = {}
        self._timer: TimerHandle | None = None
        self._timer_when = math.inf
        self._next_id = 1
        self._id_limit: float = math.inf  # no store: ids only need to be unique in memory
        self._reserving: asyncio.Task[None] | None = None
        self._store: TaskStore | None = None
        self._writer: WriteBehind | None = None
        self._running: set[asyncio.Task[Any]] = set()
        self._restored_at = -math.inf
        self._persistent = self._paused = 0
        self._fired = self._failed = self._orphaned = self._cancelled = 0
        self._lateness: deque[float] = deque(maxlen=_LATENESS_SAMPLES)
        self._lateness_max = 0.0
        self.closed = False

    # -- creating tasks ------------------------------------------------------------------------

    def delay(
        self,
        seconds: float,
        callback: Callable[..., Any],
        /,
        *args: Any,
        persistent: bool = False,
        **kwargs: Any,
    ) -> Task:
        """Run ``callback(*args, **kwargs)`` after ``seconds``; see :func:`ember.delay`."""
        if threading.get_ident() != self._thread:
            raise WrongThreadError(
                "delay() was called from another thread; call it on the game loop "
                "(from worker code, hand the call back to the loop first)"
            )
        if self.closed:
            raise RuntimeError("this scheduler is closed")
        if type(seconds) is not float and type(seconds) is not int:
            seconds = _as_seconds(seconds)
        if not 0 <= seconds < math.inf:  # also false for NaN
            raise ValueError(f"delay seconds must be finite and >= 0, got {seconds!r}")
        if not callable(callback):
            raise TypeError(f"delay callback must be callable, got {callback!r}")
        persisted = None
        if persistent:
            persisted = self._persist_call(callback, args, kwargs)
        when = self.clock.monotonic() + seconds
        task_id = self._take_id()
        if persisted is None:
            owner = _owner_of_call(callback, args)
            task = Task(self, task_id, when, callback, args, kwargs or None, None, owner)
        else:
            owner = persisted.owner
            task = Task(self, task_id, when, None, (), None, persisted, owner)
            self._persistent += 1
        self._tasks[task_id] = task
        if owner is not None:
            self._by_owner.setdefault(owner, set()).add(task)
        heapq.heappush(self._heap, (when, task_id, task))
        if when < self._timer_when:
            self._arm(when)
        if persisted is not None:
            self._save(task)
        return task

    def _persist_call(
        self, callback: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> PersistedCall:
        if self._writer is None:
            raise PersistenceUnavailableError(
                "delay(..., persistent=True) needs a task store: the server attaches one; "
                "standalone code uses `async with ember.open_task_store(path):`"
            )
        callback_ref = _refs.encode_callback(callback, self.entities)
        args_json, kwargs_json = _refs.encode_arguments(args, kwargs, self.entities)
        return PersistedCall(
            callback_ref,
            args_json,
            kwargs_json,
            _owner_of_call(callback, args),
            _refs.callback_name(callback),
        )

    def _take_id(self) -> int:
        task_id = self._next_id
        self._next_id = task_id + 1
        if self._next_id >= self._id_limit - _ID_BLOCK // 2 and self._reserving is None:
            self._reserving = self.loop.create_task(self._reserve_more(), name="ember-task-ids")
        return task_id

    async def _reserve_more(self) -> None:
        assert self._store is not None
        try:
            first = await self._store.reserve_ids(
                int(max(self._id_limit, self._next_id)), _ID_BLOCK
            )
            self._next_id = max(self._next_id, first)
            self._id_limit = first + _ID_BLOCK
        except Exception:
            log.exception("reserving task ids failed; will retry on the next task")
        finally:
            self._reserving = None

    async def _release_ids(self) -> None:
        """Give the unused rest of the id block back on a clean close, so ids continue densely
        after a restart instead of jumping by up to a block. The store refuses when another
        server reserved after us; a crash never gets here, and its gap is harmless."""
        if self._store is None or not self._next_id < self._id_limit < math.inf:
            return
        try:
            await self._store.release_ids(self._next_id, int(self._id_limit))
        except Exception:
            log.exception("giving back unused task ids failed; the next ids will skip them")

    # -- looking tasks up ----------------------------------------------------------------------

    def get(self, task_id: int) -> Task | None:
        """Return the task with this id if the scheduler still holds it."""
        return self._tasks.get(task_id) or self._kept.get(task_id)

    def tasks(self, *, owner: str | None = None) -> list[Task]:
        """Return held tasks (active, firing, failed, orphaned) in id order, or one owner's."""
        if owner is not None:
            return sorted(self._by_owner.get(owner, ()), key=lambda task: task.id)
        return sorted([*self._tasks.values(), *self._kept.values()], key=lambda task: task.id)

    def wall_time_of(self, when: float) -> float:
        """Convert a monotonic time of this scheduler's clock to UTC epoch seconds."""
        return self.clock.wall() + (when - self.clock.monotonic())

    def statistics(self) -> SchedulerStatistics:
        """Return a snapshot of counts and recent firing lateness."""
        samples = sorted(self._lateness)

        def pick(fraction: float) -> float:
            return samples[min(len(samples) - 1, int(fraction * len(samples)))] if samples else 0.0

        return SchedulerStatistics(
            pending=len(self._tasks),
            paused=self._paused,
            persistent=self._persistent,
            fired=self._fired,
            failed=self._failed,
            orphaned=self._orphaned,
            cancelled=self._cancelled,
            lateness_p50=pick(0.50),
            lateness_p99=pick(0.99),
            lateness_max=self._lateness_max,
            heap_entries=len(self._heap),
            writer=self._writer.statistics() if self._writer else None,
        )

    # -- the timer -----------------------------------------------------------------------------

    def _arm(self, when: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer_when = when
        self._timer = self.clock.call_at(when, self._on_timer)

    def _on_timer(self) -> None:
        self._timer, self._timer_when = None, math.inf
        now = self.clock.monotonic()
        heap, budget = self._heap, _SLICE
        while heap and heap[0][0] <= now and budget:
            when, _, task = heapq.heappop(heap)
            if task._state is not TaskState.SCHEDULED or task._when != when:
                self._stale -= 1
                continue
            budget -= 1
            lateness = now - max(when, self._restored_at)
            self._lateness.append(lateness)
            if lateness > self._lateness_max:
                self._lateness_max = lateness
            self._fire(task)
        if heap:
            # Out of budget: continue on the next loop iteration so I/O gets a turn.
            self._arm(heap[0][0] if budget else now)

    def _compact(self) -> None:
        if self._stale > 1024 and self._stale * 2 > len(self._heap):
            self._heap = [
                entry
                for entry in self._heap
                if entry[2]._state is TaskState.SCHEDULED and entry[2]._when == entry[0]
            ]
            heapq.heapify(self._heap)
            self._stale = 0

    # -- running a task ------------------------------------------------------------------------

    def _fire(self, task: Task) -> Any:
        task._state = TaskState.FIRING
        if task._persisted is None:  # the hot path: no decoding, no store
            callback, args, kwargs = task._callback, task._args, task._kwargs
        else:
            try:
                callback, args, kwargs = self._resolve(task)
            except Exception as error:
                self._orphan(task, error)
                return None
            self._save(task)
        try:
            result = callback(*args, **kwargs) if kwargs else callback(*args)  # type: ignore[misc]
        except Exception as error:
            self._fail(task, error)
            return None
        if result is not None and isawaitable(result):
            runner = self.loop.create_task(self._finish_async(task, result))
            self._running.add(runner)
            runner.add_done_callback(self._running.discard)
            return runner
        self._finish(task, result)
        return result

    def _resolve(self, task: Task) -> tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]:
        persisted = task._persisted
        if persisted is None:
            assert task._callback is not None
            return task._callback, task._args, task._kwargs or {}
        callback = _refs.decode_callback(persisted.callback, self.entities, self.trusted_modules)
        args, kwargs = _refs.decode_arguments(persisted.args, persisted.kwargs, self.entities)
        return callback, args, kwargs

    async def _finish_async(self, task: Task, awaitable: Any) -> None:
        try:
            result = await awaitable
        except asyncio.CancelledError:
            # Shutdown: the row stays "firing", so a persistent task runs again after restart.
            task._outcome = asyncio.CancelledError()
            raise
        except Exception as error:
            self._fail(task, error)
        else:
            self._finish(task, result)

    def _finish(self, task: Task, result: Any) -> None:
        task._state, task._outcome = TaskState.DONE, result
        self._fired += 1
        self._forget(task)
        if task._waiter is not None:
            task._settle_waiter()

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
            if saved and self._writer is not None:
                self._writer.delete(task.id)

    # -- handle operations (called through Task) ----------------------------------------------

    def _check_thread(self) -> None:
        if threading.get_ident() != self._thread:
            raise WrongThreadError("a Task handle was used from another thread than the game loop")

    def _cancel(self, task: Task) -> bool:
        self._check_thread()
        if task._state not in (TaskState.SCHEDULED, TaskState.PAUSED):
            return False
        self._leave_schedule(task)
        task._state = TaskState.CANCELLED
        self._cancelled += 1
        self._forget(task)
        task._settle_waiter()
        return True

    def _remove(self, task: Task) -> bool:
        self._check_thread()
        if self._cancel(task):
            return True
        if self._kept.pop(task.id, None) is None:
            return False
        if task._persisted is not None and self._writer is not None:
            self._writer.delete(task.id)
        return True

    def _leave_schedule(self, task: Task) -> None:
        if task._state is TaskState.SCHEDULED:
            self._stale += 1
            self._compact()
        else:
            self._paused -= 1

    def _pause(self, task: Task) -> bool:
        self._check_thread()
        if task._state is not TaskState.SCHEDULED:
            return False
        self._leave_schedule(task)
        task._remaining = max(0.0, task._when - self.clock.monotonic())
        task._state = TaskState.PAUSED
        self._paused += 1
        self._save(task)
        return True

    def _unpause(self, task: Task) -> bool:
        self._check_thread()
        if task._state is not TaskState.PAUSED:
            return False
        self._paused -= 1
        self._schedule_at(task, self.clock.monotonic() + (task._remaining or 0.0))
        self._save(task)
        return True

    def _schedule_at(self, task: Task, when: float) -> None:
        task._when, task._remaining, task._state = when, None, TaskState.SCHEDULED
        heapq.heappush(self._heap, (when, task.id, task))
        if when < self._timer_when:
            self._arm(when)

    def _do_task(self, task: Task) -> Any:
        self._check_thread()
        if task._state not in (TaskState.SCHEDULED, TaskState.PAUSED):
            return False
        self._leave_schedule(task)
        return self._fire(task)

    def _call(self, task: Task) -> Any:
        self._check_thread()
        # A handle kept after the task fired or was removed must not run the callback again
        # (issue 11): only a task that will still fire can be called early.
        if task._state not in (TaskState.SCHEDULED, TaskState.PAUSED):
            return False
        callback, args, kwargs = self._resolve(task)
        return callback(*args, **kwargs)

    def _save(self, task: Task) -> None:
        persisted = task._persisted
        if persisted is None or self._writer is None:
            return
        state = task._state
        error = None
        if state in (TaskState.FAILED, TaskState.ORPHANED):
            error = error_text(task._outcome)
        frozen = task._remaining  # set while paused (also kept by an orphan that was paused)
        self._writer.put(
            (
                task.id,
                state.value,
                self.wall_time_of(task._when) if frozen is None else None,
                frozen,
                persisted.callback,
                persisted.args,
                persisted.kwargs,
                persisted.owner,
                error,
            )
        )

    # -- store life cycle (see _restore.py for loading) ---------------------------------------

    async def flush(self) -> None:
        """Wait until every persistent change made so far is durable in the store."""
        if self._writer is not None:
            await self._writer.flush()

    async def close(self, give_up_after: float | None = None) -> Unwritten:
        """Stop firing, cancel running async callbacks, flush and stop the store's writer.

        The store itself stays attached and open: whoever opened it closes it.

        Non-persistent tasks end here; persistent ones stay in the store for the next start.
        When the store cannot take the final flush within ``give_up_after`` seconds, the writes left
        over are returned (task id -> row, None for a deletion) for the caller to hand to the
        next process or report; nothing is dropped here silently.
        """
        unwritten: Unwritten = {}
        if self.closed:
            return unwritten
        self.closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for runner in list(self._running):
            runner.cancel()
        if self._running:
            await asyncio.gather(*self._running, return_exceptions=True)
        if self._reserving is not None:
            await asyncio.gather(self._reserving, return_exceptions=True)
        if self._writer is not None:
            unwritten = await self._writer.close(give_up_after)
            if not unwritten:  # a failing store keeps its counter; the ids just skip ahead
                await self._release_ids()
        for task in self._tasks.values():
            if task._waiter is not None and not task._waiter.done():
                task._waiter.cancel()
        return unwritten


def _owner_of_call(callback: Callable[..., Any], args: tuple[Any, ...]) -> str | None:
    """The entity a call belongs to: the one the callback is bound to, else the first arg."""
    owner = entity_key(getattr(callback, "__self__", None))
    if owner is None and args:
        owner = entity_key(args[0])
    return owner


def error_text(error: BaseException) -> str:
    """How an error is stored in a task row: ``"TypeName: message"``."""
    return f"{type(error).__name__}: {error}"


def _as_seconds(seconds: Any) -> float:
    if isinstance(seconds, bool) or not isinstance(seconds, numbers.Real):
        raise TypeError(f"delay seconds must be a number, got {seconds!r}")
    return float(seconds)
