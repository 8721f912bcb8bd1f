"""Group commit: collects row writes on the loop and hands them to a store in batches.

Generic over the key and the row, so every store that writes behind (timed tasks, the world)
shares one queue with the same guarantees: the newest write per key wins, batches commit one
at a time, a failing store is retried with back-off and nothing is dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from ember.storage._commit_times import NO_COMMITS, CommitTimer, CommitTimes

__all__ = ["BatchStore", "WriteBehind", "WriterStatistics"]

_K = TypeVar("_K", bound=Hashable)
_R = TypeVar("_R")
_K_contra = TypeVar("_K_contra", contravariant=True)
_R_contra = TypeVar("_R_contra", contravariant=True)

_RETRY_FIRST, _RETRY_MAX = 0.05, 5.0
# While the store fails, one warning with the count of waiting writes at most this often
# (seconds): enough to see an outage in the log without one traceback per retry.
_REPORT_EVERY = 10.0


class BatchStore(Protocol[_R_contra, _K_contra]):
    """What a write-behind writes to: a name for messages and one durable batch write."""

    @property
    def url(self) -> str:
        """The database, password masked, for log lines."""
        ...

    async def write(self, puts: Sequence[_R_contra], deletes: Sequence[_K_contra]) -> None:
        """Upsert ``puts`` and delete the keys ``deletes`` in one durable transaction."""
        ...


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
    #: How long committed batches took (last, recent p50/p99, a histogram).
    commit_times: CommitTimes = NO_COMMITS


class WriteBehind(Generic[_K, _R]):
    """Queues the latest write per key and commits them in batches, one at a time.

    ``put()`` is synchronous and O(1), so scheduling never waits for the disk. Whatever
    accumulates while one batch commits becomes the next batch (group commit), and a later
    write for the same id replaces an earlier one not yet written. A failed batch is logged,
    kept and retried with back-off; nothing is dropped. ``flush()`` waits until everything
    queued before the call is durable.

    ``key(row)`` gives a row's key; ``what`` names the rows in log lines (``"task"``) and
    ``log`` is the logger of the package that owns them::

        writer = WriteBehind(store, key=operator.itemgetter(0), what="task", log=log)
        writer.start(); writer.put(row); await writer.flush()
    """

    def __init__(
        self,
        store: BatchStore[_R, _K],
        *,
        key: Callable[[_R], _K],
        what: str,
        log: logging.Logger,
    ) -> None:
        self._store = store
        self._key = key
        self._what = what
        self._log = log
        self._pending: dict[_K, _R | None] = {}  # None: delete the row
        self._wakeup = asyncio.Event()
        self._queued = 0  # writes ever queued
        self._durable = 0  # writes ever queued whose batch has committed
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []
        self._runner: asyncio.Task[None] | None = None
        self._batches = self._rows = self._failures = self._largest = 0
        self._inflight: dict[_K, _R | None] = {}  # the batch being written right now
        self._failing = False
        self._last_error: str | None = None
        self._reported = -_REPORT_EVERY
        self._timer = CommitTimer()

    def start(self) -> None:
        """Start the background committer (owned by this object, ended by :meth:`close`)."""
        if self._runner is None:
            self._runner = asyncio.get_running_loop().create_task(
                self._run(), name=f"ember-{self._what}-writer"
            )

    def put(self, row: _R) -> None:
        """Queue an upsert of ``row``, replacing any queued write for the same key."""
        self._pending[self._key(row)] = row
        self._queued += 1
        self._wakeup.set()

    def delete(self, key: _K) -> None:
        """Queue the deletion of the row of ``key``, replacing any queued write for it."""
        self._pending[key] = None
        self._queued += 1
        self._wakeup.set()

    def queue(self, writes: dict[_K, _R | None]) -> None:
        """Queue many writes at once (``{key: row}``, ``None`` deletes the row), newest
        last: the same as :meth:`put`/:meth:`delete` for each, in one dict update."""
        if writes:
            self._pending.update(writes)
            self._queued += len(writes)
            self._wakeup.set()

    async def flush(self) -> None:
        """Return once every write queued before this call is durable."""
        target = self._queued
        if self._durable >= target:
            return
        if self._runner is None or self._runner.done():
            raise RuntimeError(f"the {self._what} writer is not running")
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append((target, waiter))
        await waiter

    async def close(self, give_up_after: float | None = None) -> dict[_K, _R | None]:
        """Flush, then stop the committer; return what could not be written in ``give_up_after`` s.

        With no timeout this waits for the store however long it fails. When that time
        passes first, the committer is stopped and every write not known durable comes back
        (the batch in flight too: rows are whole-row upserts and deletions by id, so writing
        one again later is harmless), for the caller to hand on or report.
        """
        if self._runner is None:
            return {}
        unwritten: dict[_K, _R | None] = {}
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
        """Return counts of queued and written rows, and how long commits took."""
        return WriterStatistics(
            len(self._pending) + len(self._inflight),
            self._batches,
            self._rows,
            self._failures,
            self._largest,
            self._failing,
            self._last_error,
            self._timer.snapshot(),
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
                deletes = [key for key, row in batch.items() if row is None]
                started = time.perf_counter()
                await self._store.write(puts, deletes)
                # Successful commits only: a failure's time says nothing of the store's speed.
                self._timer.observe(time.perf_counter() - started)
            except Exception as error:
                self._inflight = {}
                for key, write in batch.items():
                    self._pending.setdefault(key, write)  # newer writes win
                self._failed(error, delay)
                self._wakeup.set()
                await asyncio.sleep(delay)
                delay = min(delay * 2, _RETRY_MAX)
                continue
            self._inflight = {}
            if self._failing:
                self._log.warning(
                    "%s store %s works again; waiting writes are written", self._what, self._url
                )
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
            self._log.error(
                "writing %s rows to %s failed; %d writes wait and are retried in order "
                "(nothing is dropped)",
                self._what,
                self._url,
                len(self._pending),
                exc_info=error,
            )
            self._reported = now
        elif now - self._reported >= _REPORT_EVERY:
            self._log.warning(
                "%s store %s still failing (%s); %d writes wait, retrying every %.1f s",
                self._what,
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
