"""The task store's health as ``ember status`` and the ``tasks`` command show it."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from typing import Any

from ember.scheduling import Scheduler, TaskStore

__all__ = ["game_status", "store_health", "watch_store"]

_STORE_WATCH = 1.0  # seconds between looks at the store's health, for the status file


def store_health(scheduler: Scheduler | None, store: TaskStore | None) -> dict[str, Any]:
    """Whether the task store takes writes (``failing``), how many writes wait, the last
    error, and for PostgreSQL how often it reconnected."""
    writer = scheduler.statistics().writer if scheduler is not None else None
    health: dict[str, Any] = {
        "url": store.url if store is not None else None,
        "failing": bool(writer and writer.failing),
        "waiting_writes": writer.pending if writer else 0,
        "last_error": writer.last_error if writer else None,
    }
    connection = getattr(store, "connection_statistics", None)
    if connection is not None:
        stats = connection()
        health["failing"] = health["failing"] or stats.failing
        health["reconnects"] = max(stats.connects - 1, 0)
        health["last_error"] = health["last_error"] or stats.last_error
    return health


async def watch_store(health: Callable[[], dict[str, Any]], changed: Callable[[], None]) -> None:
    """Call ``changed`` soon after the store starts or stops failing (runs until cancelled)."""
    failing = False
    while True:
        await asyncio.sleep(_STORE_WATCH)
        now = bool(health()["failing"])
        if now != failing:
            failing = now
            changed()


def game_status(
    sessions: int,
    online: list[str],
    scheduler: Scheduler | None,
    store: TaskStore | None,
    world_loading: tuple[int, int] | None = None,
) -> dict[str, Any]:
    """Return what ``ember status`` shows: pid, sessions, accounts online, pending tasks, the
    store's health and, while stored attributes stream in, ``world_loading`` ``[n, N]``."""
    pending = scheduler.statistics().pending if scheduler is not None else 0
    status = {
        "pid": os.getpid(),
        "sessions": sessions,
        "accounts": online,
        "pending_tasks": pending,
        "store": store_health(scheduler, store),
        "updated": time.time(),
    }
    if world_loading is not None:
        status["world_loading"] = list(world_loading)
    return status
