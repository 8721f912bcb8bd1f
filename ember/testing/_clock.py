"""A virtual clock: time moves only when the test says so, and due timers run in order."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from ember.scheduling import Scheduler, get_scheduler, install_scheduler

__all__ = ["VirtualClock", "virtual_time"]

_SETTLE_ROUNDS = 1000


class _VirtualTimer:
    __slots__ = ("callback", "cancelled", "when")

    def __init__(self, when: float, callback: Callable[[], object]) -> None:
        self.when, self.callback, self.cancelled = when, callback, False

    def cancel(self) -> None:
        self.cancelled = True


class VirtualClock:
    """A :class:`~ember.scheduling.Clock` whose time stands still until advanced.

    ``await clock.advance(10)`` moves time forward in steps, running every timer that falls
    due (in due order, at its due time) and letting the loop settle after each, so callbacks,
    ``async`` callbacks and tasks they start get to run. Wall time starts at ``start_wall``
    (UTC epoch seconds) and moves with it.
    """

    def __init__(self, start_wall: float = 1_800_000_000.0) -> None:
        self._now = 0.0
        self._start_wall = start_wall
        self._timers: list[tuple[float, int, _VirtualTimer]] = []
        self._order = itertools.count()

    def monotonic(self) -> float:
        """Return the virtual monotonic time."""
        return self._now

    def wall(self) -> float:
        """Return the virtual UTC epoch time."""
        return self._start_wall + self._now

    def call_at(self, when: float, callback: Callable[[], object]) -> _VirtualTimer:
        """Run ``callback`` once virtual time reaches ``when``."""
        timer = _VirtualTimer(when, callback)
        heapq.heappush(self._timers, (when, next(self._order), timer))
        return timer

    def next_due(self) -> float | None:
        """Return the time of the earliest pending timer, if any."""
        self._drop_cancelled()
        return self._timers[0][0] if self._timers else None

    def run_due(self) -> int:
        """Run every timer due at the current time (also ones they add); return how many."""
        ran = 0
        while True:
            self._drop_cancelled()
            if not self._timers or self._timers[0][0] > self._now:
                return ran
            _, _, timer = heapq.heappop(self._timers)
            ran += 1
            timer.callback()

    async def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds``, running due timers on the way."""
        if seconds < 0:
            raise ValueError(f"time cannot go backwards (advance by {seconds!r})")
        target = self._now + seconds
        await settle()
        while (due := self.next_due()) is not None and due <= target:
            self._now = max(self._now, due)
            self.run_due()
            await settle()
        self._now = target
        self.run_due()
        await settle()

    def _drop_cancelled(self) -> None:
        while self._timers and self._timers[0][2].cancelled:
            heapq.heappop(self._timers)


async def settle() -> None:
    """Let the loop run everything that is ready, without letting real time matter."""
    loop = asyncio.get_running_loop()
    ready = getattr(loop, "_ready", None)  # the stdlib loop's queue of ready callbacks
    for _ in range(_SETTLE_ROUNDS):
        await asyncio.sleep(0)
        if ready is not None and not ready:
            return


@asynccontextmanager
async def virtual_time(start_wall: float = 1_800_000_000.0) -> AsyncIterator[VirtualClock]:
    """Make ``delay()`` on the running loop use a fresh scheduler on a :class:`VirtualClock`.

    Example::

        async with virtual_time() as clock:
            task = delay(10, caller.msg, "hi")
            await clock.advance(10)
            assert task.called
    """
    clock = VirtualClock(start_wall)
    previous = get_scheduler()
    scheduler = install_scheduler(Scheduler(clock))
    try:
        yield clock
    finally:
        await scheduler.close()
        install_scheduler(previous)
