"""Clocks the scheduler reads time from: the real asyncio loop, or a virtual one in tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Protocol

__all__ = ["Clock", "LoopClock", "TimerHandle"]


class TimerHandle(Protocol):
    """What :meth:`Clock.call_at` returns: something that can be cancelled."""

    def cancel(self) -> None:
        """Stop the timer if it has not fired yet."""
        ...


class Clock(Protocol):
    """The scheduler's view of time.

    ``monotonic()`` is the clock waits are measured on (never jumps); ``wall()`` is UTC epoch
    seconds, used for what is persisted; ``call_at(when, fn)`` runs ``fn`` once the monotonic
    time reaches ``when``.
    """

    def monotonic(self) -> float:
        """Return the current monotonic time in seconds."""
        ...

    def wall(self) -> float:
        """Return the current UTC epoch time in seconds."""
        ...

    def call_at(self, when: float, callback: Callable[[], object]) -> TimerHandle:
        """Run ``callback`` when ``monotonic()`` reaches ``when``."""
        ...


class LoopClock:
    """The real clock: the running asyncio loop's monotonic time and ``time.time()``."""

    __slots__ = ("loop",)

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop

    def monotonic(self) -> float:
        """Return the loop's monotonic time."""
        return self.loop.time()

    def wall(self) -> float:
        """Return UTC epoch seconds."""
        return time.time()

    def call_at(self, when: float, callback: Callable[[], object]) -> TimerHandle:
        """Arm a loop timer."""
        return self.loop.call_at(when, callback)
