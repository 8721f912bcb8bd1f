"""The ``Repeat`` handle that ``repeat()`` returns: one subscriber of a shared interval timer.

A repeat ticks on a grid: tick *k* is due at ``anchor + k * interval`` (plus a per-tick jitter
that is a pure function of the repeat's id and *k*, so it is the same after a restart). The
wheel that fires it (``_wheel.py``) never moves the grid: a late tick does not push the next
one later, and ticks the loop or a stopped server missed are not replayed one by one; at most
one late tick runs, then the repeat is back on the grid (docs/repeating-timers.md).
"""

from __future__ import annotations

import enum
import math
import numbers
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from ember.scheduling._task import PersistedCall, ScheduledCall, TaskScheduler

if TYPE_CHECKING:
    import asyncio

__all__ = ["Repeat", "RepeatState", "check_repeat_arguments", "jitter_unit"]

_MASK = (1 << 64) - 1


class Repeater(Protocol):
    """What a :class:`Repeat` handle asks of the repeats that hold it (``_wheel.Repeater``)."""

    @property
    def scheduler(self) -> TaskScheduler: ...
    def cancel(self, rep: Repeat) -> bool: ...
    def remove(self, rep: Repeat) -> bool: ...
    def pause(self, rep: Repeat) -> bool: ...
    def unpause(self, rep: Repeat) -> bool: ...
    def change_interval(self, rep: Repeat, interval: float) -> None: ...


class RepeatState(enum.StrEnum):
    """The life of a repeat; persistent repeats keep it in their row."""

    SCHEDULED = "scheduled"
    PAUSED = "paused"
    DONE = "done"  # its count ran out
    CANCELLED = "cancelled"
    FAILED = "failed"  # its callback failed too often in a row
    ORPHANED = "orphaned"  # a stored repeat whose callback no longer resolves


def jitter_unit(repeat_id: int, tick: int) -> float:
    """A number in [0, 1) fixed by ``(repeat_id, tick)``: the jitter of that tick.

    A stateless mix (splitmix64), so a restarted server computes the same due time for a
    tick as the process that scheduled it, and the missed-ticks rule stays exact with jitter.
    """
    z = (repeat_id * 0x9E3779B97F4A7C15 + tick * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return ((z ^ (z >> 31)) >> 11) / float(1 << 53)


def _number(value: Any, what: str) -> float:
    if type(value) is float or type(value) is int:  # the usual case, without the ABC check
        return float(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"repeat {what} must be a number, got {value!r}")
    return float(value)


def check_interval(interval: Any) -> float:
    """Return ``interval`` as a float, or raise ``ValueError``/``TypeError`` saying why not."""
    seconds = _number(interval, "interval")
    if not 0 < seconds < math.inf:  # also false for NaN
        raise ValueError(
            f"repeat interval must be a finite number of seconds > 0, got {interval!r}"
        )
    return seconds


def check_repeat_arguments(
    interval: Any, count: Any, jitter: Any
) -> tuple[float, int | None, float]:
    """Validate ``repeat()``'s own arguments; return them normalised.

    Raises ``ValueError`` for an interval that is zero, negative, NaN or infinite, a count
    below 1, or a jitter that is negative, NaN or not below the interval (a tick could then
    land after the next one); ``TypeError`` for values that are not numbers.
    """
    seconds = check_interval(interval)
    if count is not None:
        if isinstance(count, bool) or not isinstance(count, int):
            raise TypeError(f"repeat count must be an int or None, got {count!r}")
        if count <= 0:
            raise ValueError(f"repeat count must be at least 1 (or None for no end), got {count}")
    spread = _number(jitter, "jitter")
    if not 0 <= spread < seconds:
        raise ValueError(
            f"repeat jitter must be >= 0 and below the interval ({seconds:g} s), got {jitter!r}"
        )
    return seconds, count, spread


class Repeat(ScheduledCall):
    """A handle on one repeating timer: ``callback(*args, **kwargs)`` every ``interval``.

    Example::

        ticker = repeat(10, regenerate, character, persistent=True)
        ticker.pause(); ticker.unpause()
        ticker.change_interval(30)
        ticker.next_due, ticker.remaining, ticker.count_left
        ticker.cancel()
    """

    __slots__ = (
        "_anchor",
        "_due",
        "_failures",
        "_left",
        "_outcome",
        "_remaining",
        "_repeater",
        "_running",
        "_slot",
        "_state",
        "_tick",
        "fired",
        "interval",
        "jitter",
        "skipped",
    )

    def __init__(
        self,
        repeater: Repeater,
        repeat_id: int,
        interval: float,
        jitter: float,
        count: int | None,
        callback: Callable[..., Any] | None,
        args: tuple[Any, ...],
        kwargs: dict[str, Any] | None,
        persisted: PersistedCall | None,
        owner: str | None,
    ) -> None:
        self.id = repeat_id
        self.interval = interval
        self.jitter = jitter
        self._repeater = repeater
        self._callback = callback
        self._args = args
        self._kwargs = kwargs
        self._persisted = persisted
        self._owner = owner
        self._left = count
        self._anchor = 0.0  # monotonic time of grid point 0
        self._tick = 1  # index of the next tick on the grid
        self._due = 0.0  # monotonic time the next tick fires
        self._slot = -1  # the wheel slot it waits in (-1: none)
        self._state = RepeatState.SCHEDULED
        self._remaining: float | None = None
        self._failures = 0
        self._outcome: BaseException | None = None
        self._running: asyncio.Task[Any] | None = None
        self.fired = 0  # ticks run by this process
        self.skipped = 0  # ticks left out: missed while late, or an async run still going

    # -- the grid ------------------------------------------------------------------------------

    def grid_time(self, tick: int) -> float:
        """The monotonic time tick ``tick`` is due (jitter included)."""
        due = self._anchor + tick * self.interval
        if self.jitter:
            due += self.jitter * jitter_unit(self.id, tick)
        return due

    # -- what it is ----------------------------------------------------------------------------

    @property
    def state(self) -> RepeatState:
        """Where the repeat is in its life."""
        return self._state

    @property
    def paused(self) -> bool:
        """Whether it is paused."""
        return self._state is RepeatState.PAUSED

    @property
    def count_left(self) -> int | None:
        """Ticks still to run (``None``: no end)."""
        return self._left

    @property
    def next_tick(self) -> int:
        """The grid index of the next tick (tick *k* is due ``interval * k`` after the anchor)."""
        return self._tick

    @property
    def next_due(self) -> float | None:
        """When the next tick is due, in UTC epoch seconds; ``None`` unless scheduled."""
        if self._state is not RepeatState.SCHEDULED:
            return None
        return self._repeater.scheduler.wall_time_of(self._due)

    @property
    def anchor(self) -> float:
        """Grid point 0 in UTC epoch seconds: ticks are due ``anchor + k * interval``."""
        return self._repeater.scheduler.wall_time_of(self._anchor)

    @property
    def remaining(self) -> float:
        """Seconds until the next tick (frozen while paused, 0 once ended)."""
        if self._state is RepeatState.SCHEDULED:
            return max(0.0, self._due - self._repeater.scheduler.clock.monotonic())
        if self._state is RepeatState.PAUSED and self._remaining is not None:
            return self._remaining
        return 0.0

    @property
    def error(self) -> BaseException | None:
        """The error a failed or orphaned repeat ended with."""
        return self._outcome

    def active(self) -> bool:
        """Return whether it will still tick (scheduled or paused)."""
        return self._state in (RepeatState.SCHEDULED, RepeatState.PAUSED)

    # -- what it can do ------------------------------------------------------------------------

    def cancel(self) -> bool:
        """Stop it for good; return whether it was active. Persisted at once."""
        return self._repeater.cancel(self)

    def remove(self) -> bool:
        """Cancel it, or clear it away once failed or orphaned; return whether it was held."""
        return self._repeater.remove(self)

    def pause(self) -> bool:
        """Freeze the time to the next tick; return whether it was scheduled."""
        return self._repeater.pause(self)

    def unpause(self) -> bool:
        """Go on from the frozen time; the grid moves by the paused time. Return whether paused."""
        return self._repeater.unpause(self)

    def change_interval(self, interval: float) -> None:
        """Tick every ``interval`` seconds from now on: the grid restarts now, so the next
        tick comes ``interval`` from now (or from the unpause, when paused)."""
        self._repeater.change_interval(self, check_interval(interval))

    def __repr__(self) -> str:
        kind = "persistent " if self.persistent else ""
        return (
            f"<Repeat {self.id} {kind}every {self.interval:g}s {self._state.value} "
            f"{self.callback_name}>"
        )
