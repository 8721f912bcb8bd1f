"""Commit timing in the write-behind: every committed batch is timed (a real SQLite store
and a store that holds a commit open), failed attempts are not, and the histogram is
cumulative as Prometheus reads it."""

from __future__ import annotations

import asyncio
import itertools
import logging
import operator
import time
from collections.abc import Sequence
from pathlib import Path

from support.thing_store import Thing, ThingStore

from ember.storage import (
    COMMIT_BUCKETS,
    CommitTimer,
    WriteBehind,
)

LOG = logging.getLogger("test.commit_times")


async def test_each_committed_batch_of_a_real_store_is_timed(tmp_path: Path) -> None:
    store = ThingStore(tmp_path / "things.db")
    await store.open()
    writer: WriteBehind[str, Thing] = WriteBehind(
        store, key=operator.itemgetter(0), what="thing", log=LOG
    )
    assert writer.statistics().commit_times.count == 0
    writer.start()
    try:
        for number in range(3):
            writer.put((f"thing{number}", "grey"))
            await writer.flush()  # one batch each
        stats = writer.statistics()
    finally:
        await writer.close()
        await store.db.close()
    times = stats.commit_times
    assert stats.batches == times.count == 3
    assert times.total > 0 and 0 < times.last <= times.total
    assert times.p50 <= times.p99 <= times.total
    cumulative = times.cumulative()
    assert cumulative[-1] == ("+Inf", 3)
    assert [bound for bound, _ in cumulative[:-1]] == [str(b) for b in COMMIT_BUCKETS]
    assert all(a[1] <= b[1] for a, b in itertools.pairwise(cumulative))


class SlowThenFailingStore:
    """A store whose first commit takes at least 50 ms and whose next one fails once."""

    url = "memory://slow"

    def __init__(self) -> None:
        self.calls = 0
        self.written: list[Thing] = []

    async def write(self, puts: Sequence[Thing], deletes: Sequence[str]) -> None:
        self.calls += 1
        if self.calls == 1:
            time.sleep(0.05)  # noqa: ASYNC251 -- the commit itself is slow (a blocking disk)
        elif self.calls == 2:
            raise OSError("disk full")
        self.written.extend(puts)


async def test_a_slow_commit_shows_and_a_failed_attempt_is_not_counted() -> None:
    store = SlowThenFailingStore()
    writer: WriteBehind[str, Thing] = WriteBehind(
        store, key=operator.itemgetter(0), what="thing", log=LOG
    )
    writer.start()
    try:
        writer.put(("slow", "red"))
        await writer.flush()
        slow = writer.statistics().commit_times
        assert slow.count == 1 and slow.last >= 0.05 and slow.p99 >= 0.05
        assert dict(slow.cumulative())["0.025"] == 0  # counted above 25 ms
        writer.put(("retried", "blue"))
        await asyncio.wait_for(writer.flush(), 30)  # fails once, then is retried
        stats = writer.statistics()
    finally:
        await writer.close()
    assert stats.failures == 1 and stats.batches == 2
    assert stats.commit_times.count == 2  # the failed attempt was not timed
    assert [name for name, _ in store.written] == ["slow", "retried"]


def test_quantiles_follow_the_recent_commits_and_the_histogram_keeps_all() -> None:
    timer = CommitTimer()
    for _ in range(1000):
        timer.observe(2.0)  # an old slow patch
    for _ in range(256):
        timer.observe(0.002)
    times = timer.snapshot()
    assert times.p50 == times.p99 == times.last == 0.002  # the recent 256 are fast
    assert times.count == 1256
    assert dict(times.cumulative())["0.0025"] == 256
    assert dict(times.cumulative())["2.5"] == 1256
