"""Once a second, the game's measurements into a ring buffer: what /admin plots and /metrics reads.

The sampler is the only thing that runs whether or not anybody watches: a loop-lag probe (a
timer every ``_PROBE`` seconds noting how late it woke) and one small record per second built
from the ``statistics()`` records that exist anyway. Fifteen minutes of records are kept
(``HISTORY``); the admin page and /metrics only read them.
"""

from __future__ import annotations

import asyncio
import bisect
import os
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["BUCKETS", "HISTORY", "Histogram", "Sample", "Sampler", "rss_bytes"]

HISTORY = 900  # one sample a second: fifteen minutes
_PROBE = 0.1  # seconds between two loop-lag probes
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
"""Upper bounds (seconds) of the lag and lateness histograms, as Prometheus expects them."""
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def rss_bytes() -> int:
    """Return this process's resident memory in bytes (0 where /proc is missing)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


@dataclass(slots=True)
class Histogram:
    """A cumulative histogram of seconds (Prometheus' kind): counts per bucket, sum, count."""

    counts: list[int] = field(default_factory=lambda: [0] * (len(BUCKETS) + 1))
    total: float = 0.0
    count: int = 0

    def observe(self, seconds: float) -> None:
        """Count one observation (O(log buckets): fine on the scheduler's firing path)."""
        self.counts[bisect.bisect_left(BUCKETS, seconds)] += 1
        self.total += seconds
        self.count += 1

    def as_dict(self) -> dict[str, Any]:
        """Cumulative counts per upper bound (``"+Inf"`` last), the sum and the count."""
        running, buckets = 0, []
        for bound, count in zip((*map(str, BUCKETS), "+Inf"), self.counts, strict=True):
            running += count
            buckets.append([bound, running])
        return {"buckets": buckets, "sum": self.total, "count": self.count}


@dataclass(frozen=True, slots=True)
class Sample:
    """One second of the game: the values the overview plots."""

    time: float
    sessions: int
    accounts: int
    commands_per_second: float
    lag_p50: float
    lag_p99: float
    lateness_p50: float
    lateness_p99: float
    pending_tasks: int
    rss: int
    #: Writes waiting for the task store and the world store, and their recent commit p99.
    task_writer_queue: int = 0
    task_commit_p99: float = 0.0
    world_writer_queue: int = 0
    world_commit_p99: float = 0.0


@dataclass(slots=True)
class Counters:
    """Totals since the game process started, read by /metrics."""

    commands: int = 0
    lag: Histogram = field(default_factory=Histogram)
    lateness: Histogram = field(default_factory=Histogram)


def _quantiles(values: list[float]) -> tuple[float, float]:
    if not values:
        return 0.0, 0.0
    values.sort()
    last = len(values) - 1
    return values[round(last * 0.5)], values[round(last * 0.99)]


class Sampler:
    """Samples the game once a second while :meth:`run` runs (the game's serve loop).

    ``read`` returns the current values of the :class:`Sample` fields the game knows by
    name (``sessions``, ``accounts``, ``pending_tasks``, ``lateness_p50``, ``lateness_p99``
    and optionally the writers'); commands are counted by :meth:`command`, loop lag by the
    probe.
    """

    def __init__(
        self,
        read: Callable[[], dict[str, Any]],
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._read = read
        self._clock = clock
        self.counters = Counters()
        self.samples: deque[Sample] = deque(maxlen=HISTORY)
        self.started = clock()
        self._lags: list[float] = []
        self._last_commands = 0

    def command(self) -> None:
        """Count one command line handled."""
        self.counters.commands += 1

    def since(self, after: float) -> list[dict[str, Any]]:
        """Return the samples newer than ``after`` (a sample's ``time``), oldest first."""
        return [asdict(sample) for sample in self.samples if sample.time > after]

    async def run(self) -> None:
        """Probe the loop's lag and take one sample a second, until cancelled."""
        loop = asyncio.get_running_loop()
        next_sample = loop.time() + 1.0
        while True:
            expected = loop.time() + _PROBE
            await asyncio.sleep(_PROBE)
            lag = max(0.0, loop.time() - expected)
            self._lags.append(lag)
            self.counters.lag.observe(lag)
            if loop.time() >= next_sample:
                next_sample += 1.0
                if next_sample < loop.time():  # a long stall: do not sample in a burst
                    next_sample = loop.time() + 1.0
                self.take()

    def take(self) -> Sample:
        """Take one sample now (the run loop calls it once a second; tests may too)."""
        reading = self._read()
        now = self._clock()
        previous = self.samples[-1].time if self.samples else self.started
        commands = self.counters.commands
        rate = (commands - self._last_commands) / max(now - previous, 1e-3)
        self._last_commands = commands
        lag50, lag99 = _quantiles(self._lags)
        self._lags = []
        sample = Sample(
            time=now,
            commands_per_second=round(rate, 3),
            lag_p50=lag50,
            lag_p99=lag99,
            rss=rss_bytes(),
            **reading,
        )
        self.samples.append(sample)
        return sample
