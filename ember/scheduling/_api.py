"""The game-facing entry points: ``delay()`` on the running loop's scheduler, and stores."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from ember.errors import WrongThreadError
from ember.scheduling._durable import attach_store
from ember.scheduling._postgres import PostgresTaskStore
from ember.scheduling._scheduler import Scheduler
from ember.scheduling._sqlite import SqliteTaskStore
from ember.scheduling._task import Task
from ember.scheduling._task_store import TaskStore
from ember.storage import parse_database_url

__all__ = ["delay", "get_scheduler", "install_scheduler", "open_task_store", "store_from_url"]

_schedulers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Scheduler] = (
    weakref.WeakKeyDictionary()
)


def get_scheduler() -> Scheduler:
    """Return the scheduler of the running loop, creating a real-time one on first use."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        raise WrongThreadError(
            "timed tasks need the game's running asyncio loop: call delay() from game code "
            "(a command, a callback) or from async code, not from a worker thread"
        ) from None
    scheduler = _schedulers.get(loop)
    if scheduler is None or scheduler.closed:
        scheduler = _schedulers[loop] = Scheduler()
    return scheduler


def install_scheduler(scheduler: Scheduler) -> Scheduler:
    """Make ``scheduler`` the one ``delay()`` uses on its loop (the server and tests do this)."""
    _schedulers[scheduler.loop] = scheduler
    return scheduler


def delay(
    seconds: float,
    callback: Callable[..., Any],
    /,
    *args: Any,
    persistent: bool = False,
    **kwargs: Any,
) -> Task:
    """Run ``callback(*args, **kwargs)`` after ``seconds`` without blocking anyone.

    Returns at once with a :class:`Task` handle (cancel, pause, unpause, do_task, call, await
    it for the result). The callback may be a plain function or an ``async def``; it runs on
    the game loop, so it may touch game state. ``seconds`` may be 0 or a fraction; a negative,
    NaN or infinite value is a ``ValueError``.

    With ``persistent=True`` the task survives reload, shutdown and crash. The callback must
    then be findable by reference (a module-level function, a static or class method, or a
    method of a persistent entity) and the arguments JSON values or entities; anything else
    raises ``TypeError`` (:class:`~ember.errors.NotPersistableError`) here, naming the piece,
    and nothing is scheduled. Every keyword other than ``persistent`` goes to the callback.

    Example::

        def callback(obj):
            obj.msg("Returning!")

        delay(10, callback, self.caller)
    """
    return get_scheduler().delay(seconds, callback, *args, persistent=persistent, **kwargs)


@asynccontextmanager
async def open_task_store(
    url: str, *, scheduler: Scheduler | None = None
) -> AsyncIterator[Scheduler]:
    """Open a task store for standalone code, so ``persistent=True`` works without the server.

    ``url`` is a SQLite file path (or ``sqlite:///path``) or a ``postgresql://`` DSN (extra
    ``ember[postgres]``). Stored tasks are restored on entry (overdue ones run at once); on exit
    the scheduler is closed, every write flushed and the store closed.

    Example::

        async with open_task_store("tasks.db"):
            delay(60, heal, "bob", persistent=True)
            ...
    """
    scheduler = scheduler if scheduler is not None else get_scheduler()
    store = store_from_url(url)
    await store.open()
    try:
        await attach_store(scheduler, store)
        yield scheduler
    finally:
        try:
            await scheduler.close()
        finally:
            await store.close()


def store_from_url(url: str) -> TaskStore:
    """Return an unopened task store for ``url``; ``await store.open()`` before use.

    The URL is read by :func:`ember.storage.parse_database_url`: ``sqlite://`` and a path, or a
    plain path, gives a :class:`SqliteTaskStore`; ``postgresql://`` or ``postgres://`` (an
    optional ``schema=NAME``) a :class:`PostgresTaskStore`. Raises ``ValueError`` for an
    empty URL, an empty path or an unknown scheme::

        store = store_from_url("postgresql://ember@db/game?schema=ember")
    """
    parsed = parse_database_url(url)
    if parsed.kind == "sqlite":
        return SqliteTaskStore(parsed.path)
    return PostgresTaskStore(parsed.dsn, schema=parsed.schema)
