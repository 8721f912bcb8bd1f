"""Repeating timers in one process, on a virtual clock: the grid, the handle, bad input."""

from __future__ import annotations

import math
from typing import Any

import pytest

from ember import PersistenceUnavailableError, repeat
from ember.scheduling import RepeatState, get_scheduler, repeater_of
from ember.testing import VirtualClock, virtual_time


class Log:
    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self.calls: list[tuple[float, Any]] = []

    def __call__(self, tag: Any = None) -> None:
        self.calls.append((self.clock.monotonic(), tag))

    @property
    def times(self) -> list[float]:
        return [when for when, _ in self.calls]


async def test_ticks_stay_on_the_grid_and_count_ends_it() -> None:
    async with virtual_time() as clock:
        log = Log(clock)
        ticker = repeat(10, log, "a")
        limited = repeat(10, log, "b", count=2)
        assert ticker.next_due == pytest.approx(clock.wall() + 10)
        assert limited.count_left == 2
        await clock.advance(35)
        assert [tag for _, tag in log.calls] == ["a", "b", "a", "b", "a"]
        assert log.times == [10, 10, 20, 20, 30]
        assert limited.state is RepeatState.DONE and not limited.active()
        assert ticker.fired == 3 and ticker.next_tick == 4
        assert ticker.remaining == pytest.approx(5)
        ticker.cancel()
        await clock.advance(100)
        assert len(log.calls) == 5
        assert ticker.next_due is None and not ticker.cancel()


async def test_a_blocked_loop_gets_one_late_tick_then_the_grid() -> None:
    async with virtual_time() as clock:
        log = Log(clock)
        ticker = repeat(10, log)
        # The loop is blocked for 95 s: when it runs again, nine ticks are overdue.
        clock._now = 95.0
        clock.run_due()
        assert log.times == [95.0]  # one late tick, no burst of nine
        assert ticker.skipped == 8 and ticker.next_tick == 10
        await clock.advance(5)
        assert log.times == [95.0, 100.0]  # back on the grid (tick 10 at 100 s)


async def test_pause_unpause_change_interval() -> None:
    async with virtual_time() as clock:
        log = Log(clock)
        ticker = repeat(10, log)
        await clock.advance(14)
        assert ticker.pause() and ticker.paused and not ticker.pause()
        assert ticker.remaining == pytest.approx(6) and ticker.next_due is None
        await clock.advance(100)
        assert log.times == [10]
        assert ticker.unpause() and not ticker.unpause()
        await clock.advance(6)
        assert log.times == [10, 120]  # the grid moved by the 100 s paused
        await clock.advance(10)
        assert log.times == [10, 120, 130]
        ticker.change_interval(3)
        assert ticker.interval == 3 and ticker.remaining == pytest.approx(3)
        await clock.advance(7)
        # Ticks run at their grid time or less than one slot (interval / 64) later.
        assert log.times[3:] == pytest.approx([133, 136], abs=3 / 64)
        assert all(when >= grid for when, grid in zip(log.times[3:], [133, 136], strict=True))
        with pytest.raises(ValueError, match="finite number of seconds > 0"):
            ticker.change_interval(0)


async def test_many_subscribers_of_one_interval_share_one_timer() -> None:
    async with virtual_time() as clock:
        log = Log(clock)
        for index in range(1000):
            repeat(10, log, index)
        repeat(10, log, "later")  # same slot: started at the same moment
        repeater = repeater_of(get_scheduler())
        assert list(repeater.wheels) == [10.0]
        pending = [timer for _, _, timer in clock._timers if not timer.cancelled]
        assert len(pending) == 1  # one clock timer for 1001 subscribers
        await clock.advance(10)
        assert len(log.calls) == 1001
        pending = [timer for _, _, timer in clock._timers if not timer.cancelled]
        assert len(pending) == 1


async def test_jitter_spreads_ticks_but_keeps_the_grid() -> None:
    async with virtual_time() as clock:
        log = Log(clock)
        tickers = [repeat(10, log, index, jitter=4) for index in range(50)]
        await clock.advance(60)
        by_tag: dict[Any, list[float]] = {}
        for when, tag in log.calls:
            by_tag.setdefault(tag, []).append(when)
        offsets = set()
        for times in by_tag.values():
            assert len(times) == 5  # ticks 1..5 (tick 6 may fall after 60 s)
            for k, when in enumerate(times, start=1):
                offset = when - 10 * k
                assert 0 <= offset < 4 + 0.25  # within the jitter, plus one slot at most
                offsets.add(round(offset, 1))
        assert len(offsets) > 10  # really spread
        assert all(t.active() for t in tickers)


async def test_a_failing_callback_is_logged_and_stopped_after_three(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken() -> None:
        raise RuntimeError("boom")

    async with virtual_time() as clock:
        ticker = repeat(1, broken)
        await clock.advance(5)
        assert ticker.state is RepeatState.FAILED
        assert "boom" in str(ticker.error)
        failures = [r for r in caplog.records if "failed" in r.getMessage() and r.exc_info]
        assert len(failures) == 3  # each with its traceback, then it stops
        assert ticker in repeater_of(get_scheduler()).all()  # kept for `tasks`
        assert ticker.remove() and repeater_of(get_scheduler()).get(ticker.id) is None


async def test_async_callbacks_do_not_pile_up() -> None:
    import asyncio

    gate = asyncio.Event()
    started: list[float] = []

    async with virtual_time() as clock:

        async def slow() -> None:
            started.append(clock.monotonic())
            await gate.wait()

        ticker = repeat(1, slow)
        await clock.advance(5)
        assert started == [1]  # the first run is still going: ticks 2..5 are skipped
        assert ticker.skipped == 4
        gate.set()
        await clock.advance(1)
        assert started == [1, 6]


@pytest.mark.parametrize(
    ("kwargs", "error", "text"),
    [
        ({"interval": 0}, ValueError, "finite number of seconds > 0, got 0"),
        ({"interval": -5}, ValueError, "> 0, got -5"),
        ({"interval": math.nan}, ValueError, "got nan"),
        ({"interval": math.inf}, ValueError, "got inf"),
        ({"interval": "10"}, TypeError, "interval must be a number"),
        ({"interval": True}, TypeError, "interval must be a number"),
        ({"count": 0}, ValueError, "count must be at least 1"),
        ({"count": -2}, ValueError, "count must be at least 1"),
        ({"count": 2.5}, TypeError, "count must be an int"),
        ({"jitter": -1}, ValueError, "jitter must be >= 0 and below the interval"),
        ({"jitter": 10}, ValueError, "below the interval (10 s), got 10"),
        ({"jitter": math.nan}, ValueError, "jitter must be >= 0"),
    ],
)
async def test_bad_input_is_refused_clearly(kwargs: dict[str, Any], error: type, text: str) -> None:
    async with virtual_time():
        arguments: dict[str, Any] = {"interval": 10, **kwargs}
        interval = arguments.pop("interval")
        with pytest.raises(error, match=text.replace("(", r"\(").replace(")", r"\)")):
            repeat(interval, print, **arguments)
        assert repeater_of(get_scheduler()).all() == []  # nothing was scheduled


async def test_not_callable_and_persistent_without_store() -> None:
    async with virtual_time():
        with pytest.raises(TypeError, match="callback must be callable"):
            repeat(10, "print")  # type: ignore[arg-type]
        with pytest.raises(PersistenceUnavailableError, match="needs a task store"):
            repeat(10, print, persistent=True)


async def test_thousands_in_one_bucket_with_callbacks_that_cancel_and_pause() -> None:
    async with virtual_time() as clock:
        calls: list[int] = []
        tickers: list[Any] = []

        def note(index: int) -> None:
            calls.append(index)
            if index % 3 == 1:
                tickers[index].cancel()  # a callback may end its own repeat
            elif index % 3 == 2:
                tickers[index].pause()

        tickers.extend(repeat(10, note, index) for index in range(5000))  # one bucket, sliced
        await clock.advance(10)
        assert sorted(calls) == list(range(5000))  # every one once, over several loop turns
        calls.clear()
        await clock.advance(10)
        assert sorted(calls) == list(range(0, 5000, 3))  # cancelled and paused ones are out
        assert all(not tickers[i].active() for i in range(1, 5000, 3))
        assert all(tickers[i].paused for i in range(2, 5000, 3))
        for ticker in tickers:
            ticker.cancel()
        assert repeater_of(get_scheduler()).wheels == {}  # an empty wheel is dropped
