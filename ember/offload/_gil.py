"""Keeping the game loop responsive while thread jobs run pure Python (they share one GIL).

Every time the loop thread makes a blocking call (``epoll_wait`` at the start of each loop
iteration, ``send``/``recv`` on a socket) it releases the GIL, and a thread job running pure
Python takes it at once. Getting it back costs the loop up to one *switch interval* (5 ms by
default): the loop asks, waits that long, and only then makes the job hand it over. A command
that takes a few loop iterations and a few socket calls thus waits tens of milliseconds, and
under load the loop falls further and further behind. :class:`ThreadJobGuard` lowers the
switch interval while thread jobs run (restoring it after the last one), and warns once per
function when a job that burns CPU in its thread still makes the loop late.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from dataclasses import dataclass

__all__ = ["THREAD_LAG_WARNING", "THREAD_SWITCH_INTERVAL", "ThreadJobGuard"]

log = logging.getLogger("ember.offload")

#: The GIL switch interval (seconds) while thread jobs run; 0 keeps Python's (5 ms).
THREAD_SWITCH_INTERVAL = 0.0005
#: How late (seconds) a loop timer may fire while a thread job burns CPU before the warning.
THREAD_LAG_WARNING = 0.1
#: Seconds between two checks of the loop's lateness while thread jobs run.
_CHECK_EVERY = 0.05
#: Share of the wall time a job's thread must have spent on the CPU to be blamed.
_CPU_SHARE = 0.5

# The switch interval is process-wide: one count across every guard (tests run several loops).
_holders = 0
_saved_interval: float | None = None


@dataclass(slots=True)
class _Running:
    """One thread job being watched: its function's name and its thread's CPU clock."""

    name: str
    clock: int | None
    cpu_at: float = 0.0


def _thread_clock(ident: int | None) -> int | None:
    """Return the CPU-time clock of thread ``ident``, or None where that is not available."""
    getter = getattr(time, "pthread_getcpuclockid", None)
    if getter is None or ident is None:
        return None
    try:
        clock: int = getter(ident)
    except OSError:
        return None
    return clock


def _cpu_seconds(clock: int | None) -> float | None:
    if clock is None:
        return None
    try:
        return time.clock_gettime(clock)
    except OSError:  # the thread has ended
        return None


class ThreadJobGuard:
    """Loop-side bookkeeping of running thread jobs: the switch interval and the lag warning.

    ``switch_interval`` (seconds, 0: leave Python's) applies from the first job's start to the
    last one's end. ``lag_warning`` (seconds, 0: never) is how late a timer on the loop may be,
    while a job's thread spent at least half that time on the CPU, before one warning naming
    the job's function and suggesting ``executor="process"`` is logged for that function.
    """

    def __init__(
        self,
        *,
        switch_interval: float = THREAD_SWITCH_INTERVAL,
        lag_warning: float = THREAD_LAG_WARNING,
    ) -> None:
        self.switch_interval = switch_interval
        self.lag_warning = lag_warning
        self.warned: set[str] = set()
        self.worst_lag = 0.0
        self._jobs: dict[int, _Running] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._expected = 0.0

    def started(self, key: int, name: str, thread_ident: int | None) -> None:
        """Note that job ``key`` (function ``name``) started in thread ``thread_ident``."""
        global _holders, _saved_interval
        if not self._jobs and self.switch_interval > 0:
            if _holders == 0:
                _saved_interval = sys.getswitchinterval()
                sys.setswitchinterval(min(self.switch_interval, _saved_interval))
            _holders += 1
        running = _Running(name, _thread_clock(thread_ident))
        running.cpu_at = _cpu_seconds(running.clock) or 0.0
        self._jobs[key] = running
        if self.lag_warning > 0 and self._timer is None:
            self._arm()

    def ended(self, key: int) -> None:
        """Note that job ``key`` ended (or was abandoned after a cancel)."""
        global _holders, _saved_interval
        if self._jobs.pop(key, None) is None or self._jobs:
            return
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self.switch_interval > 0:
            _holders -= 1
            if _holders == 0 and _saved_interval is not None:
                sys.setswitchinterval(_saved_interval)
                _saved_interval = None

    def _arm(self) -> None:
        loop = asyncio.get_running_loop()
        self._expected = loop.time() + _CHECK_EVERY
        self._timer = loop.call_at(self._expected, self._check)

    def _check(self) -> None:
        lag = asyncio.get_running_loop().time() - self._expected
        self.worst_lag = max(self.worst_lag, lag)
        wall = _CHECK_EVERY + lag
        for running in self._jobs.values():
            cpu = _cpu_seconds(running.clock)
            used = None if cpu is None else cpu - running.cpu_at
            running.cpu_at = cpu if cpu is not None else running.cpu_at
            busy = used is None or used >= _CPU_SHARE * wall
            if lag >= self.lag_warning and busy and running.name not in self.warned:
                self.warned.add(running.name)
                log.warning(
                    "background job %s runs in a thread and holds the game loop back (a %.0f ms "
                    "timer fired %.0f ms late while it used the CPU): pure-Python work shares "
                    'the GIL with the game; use run_async(..., executor="process") for it',
                    running.name,
                    _CHECK_EVERY * 1e3,
                    lag * 1e3,
                )
        self._arm()
