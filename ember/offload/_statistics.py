"""The offloader's statistics: one frozen record per executor kind and one for the offloader.

Records rather than dicts, as every other ``statistics()`` in Ember returns, so a reader (the
``tasks`` command, a benchmark, a test) gets named, typed fields and a typo fails loudly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "ClusterStatistics",
    "ExecutorStatistics",
    "LoopStatistics",
    "OffloadStatistics",
    "ProcessStatistics",
    "ThreadStatistics",
]


@dataclass(frozen=True, slots=True)
class LoopStatistics:
    """The game-loop executor: jobs started."""

    started: int


@dataclass(frozen=True, slots=True)
class ThreadStatistics:
    """The thread executor: its limit, jobs started and jobs running now."""

    size: int
    started: int
    running: int


@dataclass(frozen=True, slots=True)
class ProcessStatistics:
    """The process pool: its size and start method, live workers (busy, idle), workers
    started and workers killed (cancelled jobs or lost processes)."""

    size: int
    start_method: str
    busy: int
    idle: int
    started: int
    killed: int


@dataclass(frozen=True, slots=True)
class ClusterStatistics:
    """The Dask cluster executor: the scheduler address, whether connected, jobs started and
    running."""

    address: str
    connected: bool
    started: int
    running: int


ExecutorStatistics = LoopStatistics | ThreadStatistics | ProcessStatistics | ClusterStatistics
"""The statistics of any one executor."""


@dataclass(frozen=True, slots=True)
class OffloadStatistics:
    """The offloader: jobs running, finished and failed, the default executor, and each
    started executor's statistics by name."""

    running: int
    finished: int
    failed: int
    default: str
    executors: Mapping[str, ExecutorStatistics]
