"""Group commit: collects task writes on the loop and hands them to the store in batches."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from ember.scheduling._store import TaskRow, TaskStore

__all__ = ["WriteBehind", "WriterStatistics"]

log = logging.getLogger("ember.scheduling")

_RETRY_FIRST, _RETRY_MAX = 0.05, 5.0


@dataclass(frozen=True, slots=True)
class WriterStatistics:
    """A snapshot of the write-behind queue."""

    pending: int
    batches: int
    rows_written: int
    failures: int
    largest_batch: int


class WriteBehind:
    """Queues the latest write per task id and commits them in batches, one at a time.

    ``put()`` is synchronous and O(1), so scheduling never waits for the disk. Whatever
    accumulates while one batch commits becomes the next batch (group commit), and a later
    write for the same id replaces an earlier one not yet written. A failed batch is logged,
    kept and retried with back-off; nothing is dropped. ``flush()`` waits until everything
    queued before the call is durable.
    """

    def __init__(self, store: TaskStore) -> None:
        self._store = store
        self._pending: dict[int, TaskRow | None] = {}  # None: delete the row
        self._wakeup = asyncio.Event()
        self._queued = 0  # writes ever queued
        self._durable = 0  # writes ever queued whose batch has committed
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []
        self._runner: asyncio.Task[None] | None = None
        self._batches = self._rows = self._failures = self._largest = 0

    def start(self) -> None:
        """Start the background committer (owned by this object, ended by :meth:`close`)."""
        if self._runner is None:
            self._runner = asyncio.get_running_loop().create_task(
                self._run(), name="ember-task-writer"
            )

    def put(self, row: TaskRow) -> None:
        """Queue an upsert of ``row``, replacing any queued write for the same task id."""
        self._pending[row[0]] = row
        self._queued += 1
        self._wakeup.set()

    def delete(self, task_id: int) -> None:
        """Queue the deletion of task ``task_id``'s row, replacing any queued write for it."""
        self._pending[task_id] = None
        self._queued += 1
        self._wakeup.set()

    async def flush(self) -> None:
        """Return once every write queued before this call is durable."""
        target = self._queued
        if self._durable >= target:
            return
        if self._runner is None or self._runner.done():
            raise RuntimeError("the task writer is not running")
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append((target, waiter))
        await waiter

    async def close(self) -> None:
        """Flush, then stop the committer."""
        if self._runner is None:
            return
        if not self._runner.done():
            await self.flush()
        self._runner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._runner
        self._runner = None

    def statistics(self) -> WriterStatistics:
        """Return counts of queued and written rows."""
        return WriterStatistics(
            len(self._pending), self._batches, self._rows, self._failures, self._largest
        )

    async def _run(self) -> None:
        delay = _RETRY_FIRST
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            if not self._pending:
                continue
            batch, self._pending = self._pending, {}
            reached = self._queued
            try:
                puts = [row for row in batch.values() if row is not None]
                deletes = [task_id for task_id, row in batch.items() if row is None]
                await self._store.write(puts, deletes)
            except Exception:
                self._failures += 1
                log.exception(
                    "writing %d task rows to %s failed; retrying in %.2f s (nothing is dropped)",
                    len(batch),
                    self._store.url,
                    delay,
                )
                for task_id, write in batch.items():
                    self._pending.setdefault(task_id, write)  # newer writes win
                self._wakeup.set()
                await asyncio.sleep(delay)
                delay = min(delay * 2, _RETRY_MAX)
                continue
            delay = _RETRY_FIRST
            self._batches += 1
            self._rows += len(batch)
            self._largest = max(self._largest, len(batch))
            self._durable = reached
            self._release_waiters()

    def _release_waiters(self) -> None:
        still_waiting = []
        for target, waiter in self._waiters:
            if target <= self._durable:
                if not waiter.done():
                    waiter.set_result(None)
            else:
                still_waiting.append((target, waiter))
        self._waiters = still_waiting
