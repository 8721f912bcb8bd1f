"""The wheel of one interval: fixed phase buckets, one clock timer for the whole wheel.

The interval is cut into ``slots`` buckets of ``width`` seconds (64, or more so that a bucket
is at most a quarter second). Bucket *p* fires at ``c * interval + p * width`` for every cycle
*c*, and holds the repeats whose next tick falls just before that (within one width). A repeat
on time stays in its bucket from tick to tick, since its grid moves by whole intervals, so a
firing is a plain loop over the bucket: check, call, step the grid. Nothing is re-queued, and
100,000 repeats of one interval cost at most ``slots`` clock timers per interval.
"""

from __future__ import annotations

import bisect
import math
from typing import Any, Protocol

from ember.scheduling._clock import Clock, TimerHandle
from ember.scheduling._repeat import Repeat, RepeatState


class Clocked(Protocol):
    """The scheduler as a wheel sees it: its clock, and whether it has closed."""

    @property
    def clock(self) -> Clock: ...
    @property
    def closed(self) -> bool: ...


class Marks(Protocol):
    """Where a wheel records how far its ticks have run (the repeats' durable side)."""

    def mark(self, interval: float, through: float) -> None: ...


class Repeater(Protocol):
    """What a wheel asks of the repeats that own it (``_wheel.Repeater``)."""

    @property
    def scheduler(self) -> Clocked: ...
    @property
    def durable(self) -> Marks | None: ...
    def tick(self, rep: Repeat, now: float) -> None: ...
    def _failed(self, rep: Repeat, error: Exception) -> None: ...
    def _ran(self, rep: Repeat, result: Any) -> None: ...
    def wheel_empty(self, wheel: Wheel) -> None: ...


__all__ = ["MAX_SLOT_WIDTH", "MIN_SLOTS", "Wheel"]

#: Buckets per interval at least, and the widest bucket (seconds): how late a tick may run.
MIN_SLOTS = 64
MAX_SLOT_WIDTH = 0.25
_SLICE = 2000  # ticks run per loop iteration before I/O gets a turn
_EPSILON = 1e-6  # float rounding of grid times must not push a tick to the next cycle


class Wheel:
    """The buckets of one interval and the one clock timer for the next non-empty one."""

    def __init__(self, repeater: Repeater, interval: float) -> None:
        self.repeater = repeater
        self.interval = interval
        self.slots = max(MIN_SLOTS, math.ceil(interval / MAX_SLOT_WIDTH))
        self.width = interval / self.slots
        self._buckets: dict[int, dict[int, Repeat]] = {}
        self._phases: list[int] = []  # the non-empty buckets, in order
        # Buckets fired up to this time (a bucket due right now has not fired yet).
        self._last = repeater.scheduler.clock.monotonic() - self.width
        self._timer: TimerHandle | None = None
        self._timer_at = math.inf
        self._resume: tuple[float, int, list[Repeat], int] | None = None  # a bucket cut short

    def __len__(self) -> int:
        return sum(len(bucket) for bucket in self._buckets.values())

    # -- membership ----------------------------------------------------------------------------

    def phase(self, due: float) -> int:
        """The bucket of a tick due at monotonic ``due``: the first that fires at or after it."""
        return math.ceil((due % self.interval) / self.width - 1e-9) % self.slots

    def add(self, rep: Repeat) -> None:
        """Put ``rep`` (not in any wheel) in the bucket of its next due time."""
        phase = self.phase(rep._due)
        bucket = self._buckets.get(phase)
        if bucket is None:
            bucket = self._buckets[phase] = {}
            bisect.insort(self._phases, phase)
        bucket[rep.id] = rep
        rep._slot = phase
        when = self._next_time(phase, self._last)
        if when < self._timer_at:
            self._arm(when)

    def remove(self, rep: Repeat) -> None:
        """Take ``rep`` out of its bucket (it ended, paused or moves to another wheel)."""
        phase, rep._slot = rep._slot, -1
        bucket = self._buckets.get(phase)
        if bucket is None or bucket.pop(rep.id, None) is None or bucket:
            return
        del self._buckets[phase]
        del self._phases[bisect.bisect_left(self._phases, phase)]
        if not self._buckets and self._resume is None:
            self.stop()
            self.repeater.wheel_empty(self)

    def move(self, rep: Repeat) -> None:
        """Re-bucket ``rep`` after its due time changed (jitter, a late tick, an unpause)."""
        if rep._slot != self.phase(rep._due):
            self.remove(rep)
            self.add(rep)

    # -- time ----------------------------------------------------------------------------------

    def _next_time(self, phase: int, after: float) -> float:
        """The first firing time of bucket ``phase`` later than ``after``."""
        offset = phase * self.width
        cycle = math.floor((after - offset) / self.interval) + 1
        return cycle * self.interval + offset

    def _next_firing(self, after: float) -> tuple[float, int] | None:
        """The next (time, phase) of a non-empty bucket later than ``after``."""
        if not self._phases:
            return None
        cycle = math.floor(after / self.interval)
        into = (after - cycle * self.interval) / self.width
        index = bisect.bisect_right(self._phases, into + 1e-9)
        if index < len(self._phases):
            phase = self._phases[index]
            return cycle * self.interval + phase * self.width, phase
        phase = self._phases[0]
        return (cycle + 1) * self.interval + phase * self.width, phase

    def _arm(self, when: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer_at = when
        self._timer = self.repeater.scheduler.clock.call_at(when, self._on_timer)

    def stop(self) -> None:
        """Cancel the clock timer (the wheel is empty or the scheduler closes)."""
        if self._timer is not None:
            self._timer.cancel()
        self._timer, self._timer_at = None, math.inf

    # -- firing --------------------------------------------------------------------------------

    def _on_timer(self) -> None:
        self._timer, self._timer_at = None, math.inf
        repeater = self.repeater
        if repeater.scheduler.closed:
            return
        now = repeater.scheduler.clock.monotonic()
        budget, fired_through = _SLICE, None
        while budget:
            if self._resume is not None:
                when, phase, items, start = self._resume
                self._resume = None
            else:
                found = self._next_firing(self._last)
                if found is None or found[0] > now + _EPSILON:
                    break
                when, phase = found
                bucket = self._buckets.get(phase)
                items, start = (list(bucket.values()) if bucket else []), 0
            budget, stopped_at = self._fire(items, start, phase, now, budget)
            if stopped_at < len(items):
                self._resume = (when, phase, items, stopped_at)
                break
            self._last = max(self._last, when)
            fired_through = when
        if fired_through is not None and repeater.durable is not None:
            repeater.durable.mark(self.interval, fired_through)
        if self._resume is not None:
            self._arm(now)  # the rest of the bucket on the next loop iteration: I/O first
        elif (found := self._next_firing(self._last)) is not None:
            self._arm(found[0])
        elif not self._buckets:
            repeater.wheel_empty(self)

    def _fire(
        self, items: list[Repeat], start: int, phase: int, now: float, budget: int
    ) -> tuple[int, int]:
        """Run the due ticks of ``items[start:]``; return the budget left and where it stopped."""
        repeater, interval, scheduled = self.repeater, self.interval, RepeatState.SCHEDULED
        tick, failed, ran = repeater.tick, repeater._failed, repeater._ran
        soon = now + _EPSILON
        index, end = start, len(items)
        while index < end and budget:
            rep = items[index]
            index += 1
            if rep._slot != phase or rep._state is not scheduled or rep._due > soon:
                continue  # moved, paused or ended meanwhile, or due a cycle later
            budget -= 1
            this, anchor = rep._tick, rep._anchor
            following = this + 1
            due = anchor + following * interval
            if (
                rep._left is not None
                or rep.jitter
                or rep._running
                or due <= now
                or rep._due != anchor + this * interval  # off the grid (catch-up, unpause)
            ):
                tick(rep, now)  # counted, jittered, async, late or off-grid: the full rules
                continue
            # The common case, inline: an endless plain repeat on time stays in this bucket.
            rep._tick, rep._due = following, due
            callback: Any = rep._callback
            try:
                kwargs = rep._kwargs
                result = callback(*rep._args, **kwargs) if kwargs else callback(*rep._args)
            except Exception as error:
                failed(rep, error)
                continue
            rep.fired += 1
            if result is not None or rep._failures:
                ran(rep, result)
        return budget, index
