"""How long a write-behind's commits take: the last one, recent quantiles and a histogram.

A store that writes behind commits in batches on its own schedule, so nobody waits on one
commit and a slow disk or a distant PostgreSQL shows only as a queue that grows. Timing each
committed batch makes that visible before the queue does: :class:`CommitTimer` counts every
commit into fixed buckets (cumulative totals, as Prometheus' histograms want them) and keeps
the most recent few hundred durations for a p50 and p99 of now.
"""

from __future__ import annotations

import bisect
from collections import deque
from dataclasses import dataclass

__all__ = ["COMMIT_BUCKETS", "NO_COMMITS", "CommitTimer", "CommitTimes"]

COMMIT_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                  5.0, 10.0)  # fmt: skip
"""Upper bounds (seconds) of the commit-duration buckets; one more counts the slower ones."""
_RECENT = 256  # commits the quantiles are taken over


@dataclass(frozen=True, slots=True)
class CommitTimes:
    """A snapshot of commit durations (seconds).

    ``counts[i]`` is how many commits took at most ``COMMIT_BUCKETS[i]`` and more than the
    bound before (not cumulative); the last entry counts the ones slower than every bound.
    ``p50``/``p99`` are over the most recent commits, ``last`` is the latest one.
    """

    last: float = 0.0
    p50: float = 0.0
    p99: float = 0.0
    total: float = 0.0
    counts: tuple[int, ...] = (0,) * (len(COMMIT_BUCKETS) + 1)

    @property
    def count(self) -> int:
        """How many commits were timed."""
        return sum(self.counts)

    def cumulative(self) -> list[tuple[str, int]]:
        """``(upper bound, commits at most that long)`` pairs, ``"+Inf"`` last (Prometheus')."""
        running, pairs = 0, []
        for bound, count in zip((*map(str, COMMIT_BUCKETS), "+Inf"), self.counts, strict=True):
            running += count
            pairs.append((bound, running))
        return pairs


NO_COMMITS = CommitTimes()
"""The snapshot before any commit."""


class CommitTimer:
    """Counts commit durations; O(log buckets) per commit, a small sort per snapshot."""

    __slots__ = ("_counts", "_last", "_recent", "_total")

    def __init__(self) -> None:
        self._counts = [0] * (len(COMMIT_BUCKETS) + 1)
        self._recent: deque[float] = deque(maxlen=_RECENT)
        self._last = self._total = 0.0

    def observe(self, seconds: float) -> None:
        """Count one commit that took ``seconds``."""
        self._counts[bisect.bisect_left(COMMIT_BUCKETS, seconds)] += 1
        self._recent.append(seconds)
        self._last = seconds
        self._total += seconds

    def snapshot(self) -> CommitTimes:
        """The durations so far (quantiles of the recent ones)."""
        recent = sorted(self._recent)
        if not recent:
            return NO_COMMITS
        top = len(recent) - 1
        return CommitTimes(
            last=self._last,
            p50=recent[round(top * 0.5)],
            p99=recent[round(top * 0.99)],
            total=self._total,
            counts=tuple(self._counts),
        )
