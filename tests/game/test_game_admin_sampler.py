"""The admin sampler on its own: the ring buffer's bound, commands/s, quantiles of loop lag,
the cumulative histograms /metrics reports, and the loop-lag probe seeing a real stall."""

from __future__ import annotations

import asyncio
import time

from ember.game.admin import HISTORY, Sampler
from ember.game.admin._sampler import BUCKETS, Histogram


def test_the_ring_buffer_keeps_fifteen_minutes_and_counts_commands_per_second() -> None:
    now = [1000.0]
    reading = {"sessions": 3, "accounts": 2, "pending_tasks": 7, "lateness_p50": 0.001,
               "lateness_p99": 0.02, "task_writer_queue": 4, "world_commit_p99": 0.03}  # fmt: skip
    sampler = Sampler(lambda: reading, clock=lambda: now[0])
    for second in range(HISTORY + 100):
        for _ in range(second % 5):
            sampler.command()
        now[0] += 1.0
        sample = sampler.take()
        assert sample.commands_per_second == second % 5
    assert len(sampler.samples) == HISTORY == 900
    assert sampler.samples[0].time == 1000.0 + 101  # the oldest hundred are gone
    assert (sample.sessions, sample.accounts, sample.pending_tasks) == (3, 2, 7)
    assert (sample.task_writer_queue, sample.world_commit_p99) == (4, 0.03)
    assert sample.world_writer_queue == 0  # a game without a world store
    assert sample.rss > 0
    newer = sampler.since(now[0] - 3)
    assert [row["time"] for row in newer] == [now[0] - 2, now[0] - 1, now[0]]


def test_histograms_are_cumulative_with_an_infinite_bucket() -> None:
    histogram = Histogram()
    for seconds in (0.0005, 0.003, 0.003, 0.2, 99.0):
        histogram.observe(seconds)
    data = histogram.as_dict()
    counts = dict(data["buckets"])
    assert counts["0.001"] == 1
    assert counts["0.005"] == 3
    assert counts["0.25"] == 4
    assert counts[str(BUCKETS[-1])] == 4
    assert counts["+Inf"] == data["count"] == 5
    assert abs(data["sum"] - 99.2065) < 1e-9


async def test_the_probe_sees_a_stalled_loop() -> None:
    observed = asyncio.Event()

    class Watched(Histogram):
        def observe(self, seconds: float) -> None:
            super().observe(seconds)
            observed.set()

    sampler = Sampler(
        lambda: {
            "sessions": 0,
            "accounts": 0,
            "pending_tasks": 0,
            "lateness_p50": 0.0,
            "lateness_p99": 0.0,
        }
    )
    sampler.counters.lag = Watched()
    runner = asyncio.create_task(sampler.run())
    await asyncio.sleep(0)  # let the probe arm its first timer
    time.sleep(0.3)  # noqa: ASYNC251 -- the game loop stalls, as a blocking command would
    await observed.wait()
    runner.cancel()
    sample = sampler.take()
    # Woken 0.3 s after it went to sleep for 0.1 s: 0.2 s late (less a little slack).
    assert sample.lag_p99 >= 0.15
    assert dict(sampler.counters.lag.as_dict()["buckets"])["0.1"] == 0
