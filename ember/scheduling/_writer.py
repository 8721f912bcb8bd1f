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
# While the store fails, one warning with the count of waiting writes at most this often
# (seconds): enough to see an outage in the log without one traceback per retry.
_REPORT_EVERY = 10.0

#: Writes not made durable when a close gave up: task id -> row, or None for a deletion.
Unwritten = dict[int, TaskRow | None]


@dataclass(frozen=True, slots=True)
class WriterStatistics:
    """A snapshot of the write-behind queue."""

    pending: int
    batches: int
    rows_written: int
    failures: int
    largest_batch: int
    #: Whether the last attempt to write failed (the store is failing; writes wait).
    failing: bool = False
    #: The last write error, one line, while failing.
    last_error: str | None = None


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
        self._inflight: Unwritten = {}  # the batch being written right now
        self._failing = False
        self._last_error: str | None = None
        self._reported = -_REPORT_EVERY

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

    async def close(self, give_up_after: float | None = None) -> Unwritten:
        """Flush, then stop the committer; return what could not be written in ``give_up_after`` s.

        With no timeout this waits for the store however long it fails. When that time
        passes first, the committer is stopped and every write not known durable comes back
        (the batch in flight too: rows are whole-row upserts and deletions by id, so writing
        one again later is harmless), for the caller to hand on or report.
        """
        if self._runner is None:
            return {}
        unwritten: Unwritten = {}
        if not self._runner.done():
            try:
                async with asyncio.timeout(give_up_after):
                    await self.flush()
            except TimeoutError:
                unwritten = dict(self._inflight)
                unwritten.update(self._pending)  # newer writes win
        self._runner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._runner
        self._runner = None
        if unwritten:
            self._pending = {}
            for _, waiter in self._waiters:
                if not waiter.done():
                    waiter.cancel()
            self._waiters = []
        return unwritten

    def statistics(self) -> WriterStatistics:
        """Return counts of queued and written rows."""
        return WriterStatistics(
            len(self._pending) + len(self._inflight),
            self._batches,
            self._rows,
            self._failures,
            self._largest,
            self._failing,
            self._last_error,
        )

    async def _run(self) -> None:
        delay = _RETRY_FIRST
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            if not self._pending:
                continue
            batch, self._pending = self._pending, {}
            self._inflight = batch
            reached = self._queued
            try:
                puts = [row for row in batch.values() if row is not None]
                deletes = [task_id for task_id, row in batch.items() if row is None]
                await self._store.write(puts, deletes)
            except Exception as error:
                self._inflight = {}
                for task_id, write in batch.items():
                    self._pending.setdefault(task_id, write)  # newer writes win
                self._failed(error, delay)
                self._wakeup.set()
                await asyncio.sleep(delay)
                delay = min(delay * 2, _RETRY_MAX)
                continue
            self._inflight = {}
            if self._failing:
                log.warning("task store %s works again; waiting writes are written", self._url)
            self._failing, self._last_error = False, None
            delay = _RETRY_FIRST
            self._batches += 1
            self._rows += len(batch)
            self._largest = max(self._largest, len(batch))
            self._durable = reached
            self._release_waiters()

    @property
    def _url(self) -> str:
        return self._store.url

    def _failed(self, error: Exception, delay: float) -> None:
        """Count a failed batch; log the first with its traceback, then a line now and then."""
        self._failures += 1
        first = not self._failing
        self._failing, self._last_error = (
            True,
            str(error).splitlines()[0] if str(error) else repr(error),
        )
        now = asyncio.get_running_loop().time()
        if first:
            log.error(
                "writing task rows to %s failed; %d writes wait and are retried in order "
                "(nothing is dropped)",
                self._url,
                len(self._pending),
                exc_info=error,
            )
            self._reported = now
        elif now - self._reported >= _REPORT_EVERY:
            log.warning(
                "task store %s still failing (%s); %d writes wait, retrying every %.1f s",
                self._url,
                self._last_error,
                len(self._pending),
                delay,
            )
            self._reported = now

    def _release_waiters(self) -> None:
        still_waiting = []
        for target, waiter in self._waiters:
            if target <= self._durable:
                if not waiter.done():
                    waiter.set_result(None)
            else:
                still_waiting.append((target, waiter))
        self._waiters = still_waiting
