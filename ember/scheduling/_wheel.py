"""The repeats of a scheduler: creating them, the tick rules, and the handle operations.

Every repeat of one interval waits in a bucket of that interval's wheel (``_buckets.py``);
a tick runs at its due time or less than one bucket width later, never early. This module
holds what is not the hot loop: the full tick (counts, jitter, async callbacks, late ticks),
failures, pause, unpause, change of interval, cancel.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from inspect import isawaitable
from typing import Any, Protocol

from ember.errors import PersistenceUnavailableError
from ember.scheduling._buckets import Wheel
from ember.scheduling._entity import owner_of_call
from ember.scheduling._repeat import Repeat, RepeatState, check_repeat_arguments
from ember.scheduling._scheduler import Scheduler
from ember.storage import WriterStatistics

__all__ = ["REPEAT_FAILURES_MAX", "RepeatDurableSide", "Repeater", "Wheel", "repeater_of"]

log = logging.getLogger("ember.scheduling")

#: A callback failing this many ticks in a row stops its repeat (kept in ``tasks`` as failed).
REPEAT_FAILURES_MAX = 3
_ACTIVE = (RepeatState.SCHEDULED, RepeatState.PAUSED)

_ATTRIBUTE = "_ember_repeats"  # where a scheduler keeps its repeats (it has no slot for them)


def repeater_of(scheduler: Scheduler) -> Repeater:
    """Return the repeats of ``scheduler`` (made on first use).

    Kept on the scheduler itself, not in a map keyed by it: the repeats refer to their
    scheduler, so a map would keep every scheduler ever made alive.
    """
    repeater: Repeater | None = getattr(scheduler, _ATTRIBUTE, None)
    if repeater is None:
        repeater = Repeater(scheduler)
        setattr(scheduler, _ATTRIBUTE, repeater)
    return repeater


class RepeatDurableSide(Protocol):
    """What the repeats ask of their store side (``_repeat_store.RepeatDurability``)."""

    def save(self, repeat: Repeat) -> None:
        """Queue the row of a persistent repeat as it stands now."""
        ...

    def delete(self, repeat_id: int) -> None:
        """Queue the deletion of a repeat's row."""
        ...

    def mark(self, interval: float, through: float) -> None:
        """Record that every tick of ``interval`` due up to monotonic ``through`` has run."""
        ...

    def writer_statistics(self) -> WriterStatistics:
        """The repeat rows' write-behind queue (pending, batches, commit times)."""
        ...


class Repeater:
    """The repeats of one scheduler: their wheels, lookups and the tick itself."""

    def __init__(self, scheduler: Scheduler) -> None:
        self.scheduler = scheduler
        self.wheels: dict[float, Wheel] = {}
        self.repeats: dict[int, Repeat] = {}
        self.durable: RepeatDurableSide | None = None

    # -- creating ------------------------------------------------------------------------------

    def repeat(
        self,
        interval: float,
        callback: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        *,
        persistent: bool = False,
        count: int | None = None,
        jitter: float = 0,
    ) -> Repeat:
        """Start a repeat; see :func:`ember.repeat`."""
        scheduler = self.scheduler
        scheduler._check_thread()
        if scheduler.closed:
            raise RuntimeError("this scheduler is closed")
        seconds, count, spread = check_repeat_arguments(interval, count, jitter)
        if not callable(callback):
            raise TypeError(f"repeat callback must be callable, got {callback!r}")
        persisted = None
        if persistent:
            durable = scheduler._durable
            if durable is None or self.durable is None:
                raise PersistenceUnavailableError(
                    "repeat(..., persistent=True) needs a task store: the server attaches one; "
                    "standalone code uses `async with ember.open_task_store(path):`"
                )
            persisted = durable.encode_call(callback, args, kwargs)
        owner = persisted.owner if persisted else owner_of_call(callback, args)
        rep = Repeat(
            self,
            scheduler._take_id(),
            seconds,
            spread,
            count,
            callback,
            args,
            kwargs or None,
            persisted,
            owner,
        )
        self.repeats[rep.id] = rep
        now = scheduler.clock.monotonic()
        self.place(rep, anchor=now, tick=1, due=None)
        self.save(rep)
        return rep

    def place(self, rep: Repeat, *, anchor: float, tick: int, due: float | None) -> None:
        """Schedule ``rep``'s tick ``tick`` on the grid at ``anchor`` (or at ``due``)."""
        rep._anchor, rep._tick, rep._remaining = anchor, tick, None
        rep._state = RepeatState.SCHEDULED
        rep._due = rep.grid_time(tick) if due is None else due
        self.wheel(rep.interval).add(rep)

    def wheel(self, interval: float) -> Wheel:
        """The wheel of ``interval`` (made on first use)."""
        wheel = self.wheels.get(interval)
        if wheel is None:
            wheel = self.wheels[interval] = Wheel(self, interval)
        return wheel

    def wheel_empty(self, wheel: Wheel) -> None:
        """Forget a wheel with nothing queued, so odd intervals do not pile up."""
        if self.wheels.get(wheel.interval) is wheel:
            del self.wheels[wheel.interval]

    def save(self, rep: Repeat) -> None:
        """Queue the row of a persistent ``rep``."""
        if rep._persisted is not None and self.durable is not None:
            self.durable.save(rep)

    # -- looking up ----------------------------------------------------------------------------

    def get(self, repeat_id: int) -> Repeat | None:
        """The repeat with ``repeat_id`` (active, failed or orphaned), or None."""
        return self.repeats.get(repeat_id)

    def all(self, owner: str | None = None) -> list[Repeat]:
        """The repeats held (of ``owner``, when given), in id order."""
        found = [rep for rep in self.repeats.values() if owner is None or rep._owner == owner]
        return sorted(found, key=lambda rep: rep.id)

    # -- the tick ------------------------------------------------------------------------------

    def tick(self, rep: Repeat, now: float) -> None:
        """Run one tick of ``rep`` and queue its next one on the grid."""
        this = rep._tick
        following = this + 1
        if rep._anchor + following * rep.interval <= now:
            # Late by more than an interval (a blocked loop): skip to the grid, no burst.
            following = math.floor((now - rep._anchor) / rep.interval) + 1
            rep.skipped += following - this - 1
            late = True
        else:
            late = False
        rep._tick = following
        rep._due = rep.grid_time(following)
        last = False
        if rep._left is not None:
            rep._left -= 1
            last = rep._left <= 0
        if rep._running is not None and not rep._running.done():
            rep.skipped += 1  # the previous async run is still going: no pile-up
        else:
            self._run(rep)
        if rep._state is not RepeatState.SCHEDULED:
            return  # the callback paused, cancelled or failed it
        if last:
            rep._state = RepeatState.DONE
            self._forget(rep)
            return
        self.wheel(rep.interval).move(rep)  # its bucket for the next due time
        if rep._persisted is not None and (late or rep._left is not None):
            self.save(rep)

    def _run(self, rep: Repeat) -> None:
        callback, args, kwargs = rep._callback, rep._args, rep._kwargs
        try:
            assert callback is not None
            result = callback(*args, **kwargs) if kwargs else callback(*args)
        except Exception as error:
            self._failed(rep, error)
            return
        rep.fired += 1
        self._ran(rep, result)

    def _ran(self, rep: Repeat, result: Any) -> None:
        """After a callback returned: follow an awaitable it gave, or clear its failures."""
        if result is not None and isawaitable(result):
            rep._running = self.scheduler.loop.create_task(self._finish(rep, result))
        elif rep._failures:
            rep._failures = 0

    async def _finish(self, rep: Repeat, awaitable: Any) -> None:
        try:
            await awaitable
        except Exception as error:
            self._failed(rep, error)
        else:
            rep._failures = 0

    def _failed(self, rep: Repeat, error: Exception) -> None:
        rep._failures += 1
        log.error(
            "repeating task %d (%s) failed (%d in a row)",
            rep.id,
            rep.callback_name,
            rep._failures,
            exc_info=error,
        )
        if rep._failures >= REPEAT_FAILURES_MAX and rep.active():
            log.error(
                "repeating task %d (%s) is stopped after %d failures in a row; "
                "it stays listed in `tasks` until removed",
                rep.id,
                rep.callback_name,
                rep._failures,
            )
            self._unqueue(rep)
            rep._state, rep._outcome = RepeatState.FAILED, error
            self.save(rep)

    def _unqueue(self, rep: Repeat) -> None:
        """Take ``rep`` out of its wheel's bucket, if it is in one."""
        if rep._slot != -1:
            wheel = self.wheels.get(rep.interval)
            if wheel is not None:
                wheel.remove(rep)
            rep._slot = -1

    def _forget(self, rep: Repeat) -> None:
        self._unqueue(rep)
        self.repeats.pop(rep.id, None)
        if rep._persisted is not None and self.durable is not None:
            self.durable.delete(rep.id)

    # -- handle operations ---------------------------------------------------------------------

    def cancel(self, rep: Repeat) -> bool:
        """Stop ``rep`` for good; see :meth:`Repeat.cancel`."""
        self.scheduler._check_thread()
        if rep._state not in _ACTIVE:
            return False
        rep._state = RepeatState.CANCELLED
        self._forget(rep)
        return True

    def remove(self, rep: Repeat) -> bool:
        """Cancel ``rep`` or clear it away once failed or orphaned."""
        if self.cancel(rep):
            return True
        if self.repeats.get(rep.id) is not rep:
            return False
        self._forget(rep)
        return True

    def pause(self, rep: Repeat) -> bool:
        """Freeze ``rep``; see :meth:`Repeat.pause`."""
        self.scheduler._check_thread()
        if rep._state is not RepeatState.SCHEDULED:
            return False
        self._unqueue(rep)
        rep._remaining = max(0.0, rep._due - self.scheduler.clock.monotonic())
        rep._state = RepeatState.PAUSED
        self.save(rep)
        return True

    def unpause(self, rep: Repeat) -> bool:
        """Go on from the frozen time; the grid moves by the time spent paused."""
        self.scheduler._check_thread()
        if rep._state is not RepeatState.PAUSED:
            return False
        due = self.scheduler.clock.monotonic() + (rep._remaining or 0.0)
        jitter = rep.grid_time(rep._tick) - (rep._anchor + rep._tick * rep.interval)
        self.place(rep, anchor=due - jitter - rep._tick * rep.interval, tick=rep._tick, due=due)
        self.save(rep)
        return True

    def change_interval(self, rep: Repeat, interval: float) -> None:
        """Restart ``rep``'s grid now with ``interval`` (checked by the handle)."""
        self.scheduler._check_thread()
        if not rep.active():
            raise ValueError(f"repeat {rep.id} is {rep._state.value}; its interval is final")
        if rep.jitter >= interval:
            raise ValueError(
                f"repeat {rep.id} has a jitter of {rep.jitter:g} s; the interval must be "
                f"above it, got {interval:g}"
            )
        self._unqueue(rep)  # from the old interval's wheel
        rep.interval = interval
        if rep._state is RepeatState.PAUSED:
            rep._remaining, rep._tick = interval, 1
        else:
            self.place(rep, anchor=self.scheduler.clock.monotonic(), tick=1, due=None)
        self.save(rep)

    def stop(self) -> None:
        """Stop every wheel's timer (the scheduler closes)."""
        for wheel in self.wheels.values():
            wheel.stop()
        for rep in self.repeats.values():
            if rep._running is not None:
                rep._running.cancel()
