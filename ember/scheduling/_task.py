"""The ``Task`` handle that ``delay()`` returns: one object per task, never re-pointed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, Protocol

from ember.errors import UnresolvableReferenceError
from ember.scheduling._clock import Clock
from ember.scheduling._refs import callback_name
from ember.scheduling._task_store import TaskState

__all__ = ["PersistedCall", "ScheduledCall", "Task", "TaskScheduler"]

_ACTIVE = (TaskState.SCHEDULED, TaskState.PAUSED)


@dataclass(frozen=True, slots=True)
class PersistedCall:
    """The stored form of a persistent task's call: JSON references, decoded when it fires."""

    callback: str
    args: str
    kwargs: str
    owner: str | None
    name: str


class ScheduledCall:
    """What a :class:`Task` and a ``Repeat`` share: the call they make (live, or its stored
    form when persistent), the entity they belong to, and how listings show them."""

    __slots__ = ("_args", "_callback", "_kwargs", "_owner", "_persisted", "id")

    id: int
    _callback: Callable[..., Any] | None
    _args: tuple[Any, ...]
    _kwargs: dict[str, Any] | None
    _persisted: PersistedCall | None
    _owner: str | None

    @property
    def persistent(self) -> bool:
        """Whether it survives reload, shutdown and crash."""
        return self._persisted is not None

    @property
    def callback_name(self) -> str:
        """The callback's ``module.qualname``, for listings and logs."""
        if self._persisted is not None:
            return self._persisted.name
        return callback_name(self._callback) if self._callback else "?"

    @property
    def owner(self) -> str | None:
        """The key (``"kind:id"``) of the entity it belongs to, if any."""
        return self._owner

    def describe_arguments(self) -> str:
        """The callback's arguments as text for listings (stored JSON when persistent)."""
        if self._persisted is not None:
            kwargs = self._persisted.kwargs
            return self._persisted.args + (f" {kwargs}" if kwargs != "{}" else "")
        return repr(list(self._args)) + (f" {self._kwargs!r}" if self._kwargs else "")


class TaskScheduler(Protocol):
    """What a :class:`Task` handle asks of the scheduler that owns it (``Scheduler``): its
    loop and clock, a lookup, and one method per handle operation. Nothing else of the
    scheduler is reachable from a handle."""

    @property
    def loop(self) -> asyncio.AbstractEventLoop: ...
    @property
    def clock(self) -> Clock: ...
    def get(self, task_id: int) -> Task | None: ...
    def wall_time_of(self, when: float) -> float: ...
    def delay(
        self,
        seconds: float,
        callback: Callable[..., Any],
        /,
        *args: Any,
        persistent: bool = False,
        **kwargs: Any,
    ) -> Task: ...
    def _resolve(
        self, task: Task
    ) -> tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]: ...
    def _cancel(self, task: Task) -> bool: ...
    def _remove(self, task: Task) -> bool: ...
    def _pause(self, task: Task) -> bool: ...
    def _unpause(self, task: Task) -> bool: ...
    def _do_task(self, task: Task) -> Any: ...
    def _call(self, task: Task) -> Any: ...


class Task(ScheduledCall):
    """A handle on one timed task.

    The handle is the task itself, so a kept handle can never act on another task, and ids
    are never reused. Awaiting it gives the callback's return value (or raises its error, or
    ``asyncio.CancelledError`` once cancelled).

    Example::

        task = delay(10, caller.msg, "Returning!")
        task.pause(); ...; task.unpause()
        result = await task
    """

    __slots__ = ("_outcome", "_remaining", "_scheduler", "_state", "_waiter", "_when")

    def __init__(
        self,
        scheduler: TaskScheduler,
        task_id: int,
        when: float,
        callback: Callable[..., Any] | None,
        args: tuple[Any, ...],
        kwargs: dict[str, Any] | None,
        persisted: PersistedCall | None = None,
        owner: str | None = None,
    ) -> None:
        self.id = task_id
        self._scheduler = scheduler
        self._when = when
        self._callback = callback
        self._args = args
        self._kwargs = kwargs
        self._persisted = persisted
        self._owner = owner
        self._state = TaskState.SCHEDULED
        self._remaining: float | None = None
        self._outcome: Any = None
        self._waiter: asyncio.Future[Any] | None = None

    # -- what it is ----------------------------------------------------------------------------

    @property
    def state(self) -> TaskState:
        """Where the task is in its life (scheduled, paused, firing, done, ...)."""
        return self._state

    @property
    def paused(self) -> bool:
        """Whether the task is paused (its remaining time frozen)."""
        return self._state is TaskState.PAUSED

    @property
    def called(self) -> bool:
        """Whether the callback has run (by firing or ``do_task()``)."""
        return self._state in (TaskState.FIRING, TaskState.DONE, TaskState.FAILED)

    @property
    def deadline(self) -> float | None:
        """When it fires, in UTC epoch seconds; ``None`` while paused or once it has ended."""
        if self._state is not TaskState.SCHEDULED:
            return None
        return self._scheduler.wall_time_of(self._when)

    @property
    def remaining(self) -> float:
        """Seconds left until it fires (frozen while paused, 0 once it has fired or ended)."""
        if self._state is TaskState.SCHEDULED:
            return max(0.0, self._when - self._scheduler.clock.monotonic())
        if self._state is TaskState.PAUSED and self._remaining is not None:
            return self._remaining
        return 0.0

    @property
    def error(self) -> BaseException | None:
        """The exception a failed or orphaned task ended with."""
        return self._outcome if isinstance(self._outcome, BaseException) else None

    def get_id(self) -> int:
        """Return :attr:`id` (the familiar accessor)."""
        return self.id

    def active(self) -> bool:
        """Return whether the task will still fire (scheduled or paused)."""
        return self._state in _ACTIVE

    def exists(self) -> bool:
        """Return whether the scheduler still holds it (active, firing, failed or orphaned)."""
        return self._scheduler.get(self.id) is self

    # -- what it can do ------------------------------------------------------------------------

    def cancel(self) -> bool:
        """Stop it from firing; return whether it was active. Persisted at once."""
        return self._scheduler._cancel(self)

    def remove(self) -> bool:
        """Cancel it, or clear it away once failed or orphaned; return whether it was held."""
        return self._scheduler._remove(self)

    def pause(self) -> bool:
        """Freeze the remaining time; return whether it was scheduled."""
        return self._scheduler._pause(self)

    def unpause(self) -> bool:
        """Resume counting down from the frozen remaining time; return whether it was paused."""
        return self._scheduler._unpause(self)

    def do_task(self) -> Any:
        """Run it now and end it, as if its time had come; return what the callback returned.

        An error is logged and leaves the task failed, as when it fires by itself. Returns
        ``False`` and does nothing once the task has fired, ended or been removed.
        """
        return self._scheduler._do_task(self)

    def call(self) -> Any:
        """Run the callback now and leave the schedule as it is; errors reach the caller.

        Only a task that will still fire (scheduled or paused) can be called; once it has
        fired, ended or been removed this returns ``False`` and does nothing, so a kept handle
        never runs its callback twice.
        """
        return self._scheduler._call(self)

    def retry(self, seconds: float = 0.0) -> Task:
        """Run a failed or orphaned task's call again after ``seconds``; return the new task.

        The call is scheduled as a new task (a new id, the same persistence) and this one is
        cleared away, so the failure stays in the log, not in listings. A persistent task's
        call is decoded from its stored reference again, so an orphan whose code is back (a
        renamed function restored, a module trusted again) can run. Raises ``ValueError``
        for a task that has not failed and :class:`~ember.errors.UnresolvableReferenceError`
        when its callback or an argument still cannot be found; either way nothing changes.

        Example::

            for task in get_scheduler().tasks():
                if task.state is TaskState.FAILED:
                    task.retry()
        """
        if self._state not in (TaskState.FAILED, TaskState.ORPHANED):
            raise ValueError(
                f"task {self.id} is {self._state.value}; only failed or orphaned tasks retry"
            )
        scheduler = self._scheduler
        try:
            callback, args, kwargs = scheduler._resolve(self)
        except Exception as error:
            raise UnresolvableReferenceError(
                f"task {self.id} ({self.callback_name}) still cannot run: {error}"
            ) from error
        again = scheduler.delay(seconds, callback, *args, persistent=self.persistent, **kwargs)
        scheduler._remove(self)
        return again

    def get_deferred(self) -> asyncio.Future[Any]:
        """Return a future that resolves with the callback's result (the familiar accessor)."""
        if self._waiter is None:
            self._waiter = self._scheduler.loop.create_future()
            self._settle_waiter()
        return self._waiter

    def __await__(self) -> Generator[Any, None, Any]:
        return self.get_deferred().__await__()

    def _settle_waiter(self) -> None:
        waiter = self._waiter
        if waiter is None or waiter.done():
            return
        if self._state is TaskState.DONE:
            waiter.set_result(self._outcome)
        elif self._state in (TaskState.FAILED, TaskState.ORPHANED):
            waiter.set_exception(self._outcome)
        elif self._state is TaskState.CANCELLED:
            waiter.cancel()

    def __repr__(self) -> str:
        kind = "persistent " if self.persistent else ""
        return f"<Task {self.id} {kind}{self._state.value} {self.callback_name}>"
