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
from inspect import isawaitable
from typing import Any

from ember.errors import PersistenceUnavailableError, WrongThreadError
from ember.scheduling._clock import Clock, LoopClock, TimerHandle
from ember.scheduling._entity import EntityRegistry, entity_registry, owner_of_call
from ember.scheduling._held import DurableSide, HeldTasks, SchedulerStatistics
from ember.scheduling._task import Task
from ember.scheduling._task_store import TaskRow, TaskState

__all__ = ["DELAY_RESERVED_KEYWORDS", "Scheduler", "SchedulerStatistics"]

log = logging.getLogger("ember.scheduling")

#: Keyword names ``delay()`` keeps for itself; every other keyword goes to the callback.
DELAY_RESERVED_KEYWORDS = frozenset({"persistent"})

_SLICE = 2000  # tasks fired per loop iteration before yielding to I/O
_LATENESS_SAMPLES = 4096


class Scheduler(HeldTasks):
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
        super().__init__()
        self._thread = threading.get_ident()
        self._heap: list[tuple[float, int, Task]] = []
        self._stale = 0  # heap entries whose task was paused, cancelled or rescheduled
        self._timer: TimerHandle | None = None
        self._timer_when = math.inf
        self._next_id = 1
        self._refill_at: float = math.inf  # no store: ids only need to be unique in memory
        self._running: set[asyncio.Task[Any]] = set()
        self._restored_at = -math.inf
        self._lateness: deque[float] = deque(maxlen=_LATENESS_SAMPLES)
        self._lateness_max = 0.0
        self.lateness_observer: Callable[[float], None] | None = None  # e.g. /metrics' histogram
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
            if self._durable is None:
                raise PersistenceUnavailableError(
                    "delay(..., persistent=True) needs a task store: the server attaches one; "
                    "standalone code uses `async with ember.open_task_store(path):`"
                )
            persisted = self._durable.encode_call(callback, args, kwargs)
        when = self.clock.monotonic() + seconds
        task_id = self._take_id()
        if persisted is None:
            owner = owner_of_call(callback, args)
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

    def _take_id(self) -> int:
        task_id = self._next_id
        self._next_id = task_id + 1
        if self._next_id >= self._refill_at and self._durable is not None:
            self._durable.low_on_ids()
        return task_id

    # -- looking tasks up (get and tasks: see HeldTasks) --------------------------------------

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
            writer=self._durable.writer_statistics() if self._durable else None,
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
            if self.lateness_observer is not None:
                self.lateness_observer(lateness)
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
        assert self._durable is not None  # persistent tasks exist only with a store
        return self._durable.decode_call(persisted)

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
        if task._persisted is not None and self._durable is not None:
            self._durable.delete(task.id)
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

    # -- the durable seam: called by _durable.py only -------------------------------------

    def _attachable(self) -> None:
        """Raise unless a store may be attached now: once, before any task was scheduled."""
        if self._durable is not None:
            raise RuntimeError(f"a task store is already attached ({self._durable.url})")
        if self._next_id > 1:
            raise RuntimeError(
                "attach the task store before scheduling any task: "
                f"{self._next_id - 1} task ids were already handed out without one"
            )

    def _attach(self, durable: DurableSide) -> None:
        """Make persistent tasks possible: from now on rows go to ``durable``."""
        self._attachable()
        self._durable = durable

    def _next_free_id(self) -> int:
        """The id the next task gets."""
        return self._next_id

    def _use_ids(self, first: int, refill_at: int) -> None:
        """Continue ids at ``first`` or later (a reserved block); ask for more at ``refill_at``."""
        self._next_id = max(self._next_id, first)
        self._refill_at = refill_at

    def _adopt(self, tasks: list[Task], *, restored_at: float) -> None:
        """Take restored tasks in: scheduled and paused ones become active, failed and
        orphaned ones are kept aside; lateness is measured from ``restored_at`` at the
        earliest (the server was down before)."""
        self._restored_at = restored_at
        self._heap.extend((task._when, task.id, task) for task in self._hold_restored(tasks))
        heapq.heapify(self._heap)
        if self._heap and self._heap[0][0] < self._timer_when:
            self._arm(self._heap[0][0])

    # -- store life cycle (see _durable.py for loading) -----------------------------------

    async def flush(self) -> None:
        """Wait until every persistent change made so far is durable in the store."""
        if self._durable is not None:
            await self._durable.flush()

    async def close(self, give_up_after: float | None = None) -> dict[int, TaskRow | None]:
        """Stop firing, cancel running async callbacks, flush and stop the store's writer.

        The store itself stays attached and open: whoever opened it closes it.

        Non-persistent tasks end here; persistent ones stay in the store for the next start.
        When the store cannot take the final flush within ``give_up_after`` seconds, the writes left
        over are returned (task id -> row, None for a deletion) for the caller to hand to the
        next process or report; nothing is dropped here silently.
        """
        unwritten: dict[int, TaskRow | None] = {}
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
        if self._durable is not None:
            unwritten = await self._durable.close(give_up_after)
        for task in self._tasks.values():
            if task._waiter is not None and not task._waiter.done():
                task._waiter.cancel()
        return unwritten


def _as_seconds(seconds: Any) -> float:
    if isinstance(seconds, bool) or not isinstance(seconds, numbers.Real):
        raise TypeError(f"delay seconds must be a number, got {seconds!r}")
    return float(seconds)
