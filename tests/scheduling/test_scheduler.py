"""The scheduler on a virtual clock: ordering, handles, errors, statistics."""

from __future__ import annotations

import asyncio
import logging
import math
from typing import Any

import pytest

from ember import Task, TaskState, delay, get_scheduler
from ember.testing import VirtualClock, virtual_time


class Recorder:
    """Collects calls so tests can assert exactly what ran, with which arguments."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def __call__(self, *args: Any, **kwargs: Any) -> str:
        self.calls.append((args, kwargs))
        return f"ran {len(self.calls)}"


@pytest.fixture
async def clock() -> Any:
    async with virtual_time() as clock:
        yield clock


async def test_fires_at_its_time_with_exact_arguments(clock: VirtualClock) -> None:
    rec = Recorder()
    task = delay(10, rec, 1, None, [2, 3], key="value", persistent_like=True)
    await clock.advance(9.999)
    assert rec.calls == []
    assert task.active() and not task.called
    await clock.advance(0.001)
    assert rec.calls == [((1, None, [2, 3]), {"key": "value", "persistent_like": True})]
    assert task.called and not task.active() and not task.exists()
    assert task.state is TaskState.DONE
    assert await task == "ran 1"


async def test_order_is_by_deadline_then_creation(clock: VirtualClock) -> None:
    order: list[str] = []
    delay(2, order.append, "b")
    delay(1, order.append, "a")
    delay(2, order.append, "c")
    delay(0, order.append, "now")
    await clock.advance(5)
    assert order == ["now", "a", "b", "c"]


async def test_pause_freezes_and_unpause_resumes_remaining(clock: VirtualClock) -> None:
    rec = Recorder()
    task = delay(10, rec)
    await clock.advance(4)
    assert task.pause() is True
    assert task.paused and task.remaining == pytest.approx(6)
    assert task.deadline is None
    await clock.advance(100)
    assert rec.calls == [] and task.remaining == pytest.approx(6)
    assert task.unpause() is True
    assert task.deadline == pytest.approx(clock.wall() + 6)
    await clock.advance(5.9)
    assert rec.calls == []
    await clock.advance(0.1)
    assert len(rec.calls) == 1


async def test_pause_unpause_at_the_same_instant_fires_once(clock: VirtualClock) -> None:
    rec = Recorder()
    task = delay(3, rec)
    for _ in range(5):
        task.pause()
        task.unpause()
    await clock.advance(3)
    assert len(rec.calls) == 1


async def test_cancel_and_remove(clock: VirtualClock) -> None:
    rec = Recorder()
    first, second = delay(1, rec, "first"), delay(1, rec, "second")
    assert first.cancel() is True
    assert first.cancel() is False
    assert second.remove() is True
    await clock.advance(2)
    assert rec.calls == []
    assert not first.exists() and not second.exists()
    with pytest.raises(asyncio.CancelledError):
        await first


async def test_do_task_runs_now_and_ends_it(clock: VirtualClock) -> None:
    rec = Recorder()
    task = delay(50, rec, "x")
    assert task.do_task() == "ran 1"
    assert task.called and not task.exists()
    await clock.advance(60)
    assert len(rec.calls) == 1


async def test_call_runs_now_and_keeps_the_schedule(clock: VirtualClock) -> None:
    rec = Recorder()
    task = delay(5, rec, "x")
    assert task.call() == "ran 1"
    assert task.active() and not task.called
    await clock.advance(5)
    assert len(rec.calls) == 2 and task.called


async def test_async_callback_result_and_error(clock: VirtualClock) -> None:
    async def later(value: int) -> int:
        await asyncio.sleep(0)
        return value * 2

    async def broken() -> None:
        raise KeyError("gone")

    good, bad = delay(1, later, 21), delay(1, broken)
    await clock.advance(1)
    assert await good == 42
    with pytest.raises(KeyError):
        await bad
    assert bad.state is TaskState.FAILED


async def test_callback_error_is_logged_at_once_and_leaves_a_visible_failed_task(
    clock: VirtualClock, caplog: pytest.LogCaptureFixture
) -> None:
    def explode(who: str) -> None:
        raise ValueError(f"bad {who}")

    rec = Recorder()
    task = delay(1, explode, "bob")
    other = delay(1, rec)
    with caplog.at_level(logging.ERROR, logger="ember.scheduling"):
        await clock.advance(1)
    record = next(r for r in caplog.records if "raised ValueError" in r.getMessage())
    assert f"timed task {task.id}" in record.getMessage()
    assert "explode" in record.getMessage()
    assert record.exc_info is not None
    assert len(rec.calls) == 1  # the other task was unaffected
    assert other.state is TaskState.DONE
    assert task.state is TaskState.FAILED and task.exists()
    assert isinstance(task.error, ValueError)
    assert get_scheduler().get(task.id) is task
    assert get_scheduler().statistics().failed == 1
    assert task.remove() is True and not task.exists()
    with pytest.raises(ValueError, match="bad bob"):
        await task


@pytest.mark.parametrize("seconds", [-1, -0.001, math.nan, math.inf, -math.inf])
async def test_invalid_seconds_raise_and_leave_no_ghost(
    clock: VirtualClock, seconds: float
) -> None:
    scheduler = get_scheduler()
    with pytest.raises(ValueError, match="finite and >= 0"):
        delay(seconds, print)
    assert scheduler.tasks() == [] and scheduler.statistics().heap_entries == 0


@pytest.mark.parametrize("bad", [None, "print", 3])
async def test_non_callable_raises_and_leaves_no_ghost(clock: VirtualClock, bad: Any) -> None:
    with pytest.raises(TypeError, match="callable"):
        delay(1, bad)
    assert get_scheduler().tasks() == []


@pytest.mark.parametrize("bad", [True, "5", None, [1]])
async def test_non_numeric_seconds_raise(clock: VirtualClock, bad: Any) -> None:
    with pytest.raises(TypeError, match="number"):
        delay(bad, print)
    assert get_scheduler().tasks() == []


async def test_ids_are_never_reused_and_handles_never_repointed(clock: VirtualClock) -> None:
    seen: set[int] = set()
    first = delay(1, print)
    first.cancel()
    for _ in range(200):
        task = delay(0, Recorder())
        assert task.id not in seen
        seen.add(task.id)
    assert first.id not in seen
    await clock.advance(1)
    # The old handle acts on nothing now, even though many tasks came and went since.
    assert first.pause() is False and first.unpause() is False
    assert first.do_task() is False and first.cancel() is False
    assert first.call() is False
    assert get_scheduler().get(first.id) is None


@pytest.mark.parametrize("ended_by", ["firing", "remove", "do_task", "cancel"])
async def test_a_stale_handle_refuses_every_operation(clock: VirtualClock, ended_by: str) -> None:
    # Issue 11, item 1: after a task fired or was removed, every operation on a kept handle
    # returns False and does nothing; above all call() must not run the callback again.
    rec = Recorder()
    task = delay(5, rec, "x")
    if ended_by == "firing":
        await clock.advance(5)
    else:
        getattr(task, ended_by)()
    expected_runs = 1 if ended_by in ("firing", "do_task") else 0
    assert len(rec.calls) == expected_runs
    for operation in ("call", "do_task", "cancel", "remove", "pause", "unpause"):
        assert getattr(task, operation)() is False, operation
    await clock.advance(10)
    assert len(rec.calls) == expected_runs
    assert not task.active() and not task.exists()


async def test_lookup_by_id_and_owner(clock: VirtualClock) -> None:
    from ember import entity_registry

    class Player:
        entity_kind = "testplayer"

        def __init__(self, name: str) -> None:
            self.entity_id = name
            self.heard: list[str] = []

        def msg(self, text: str) -> None:
            self.heard.append(text)

    entity_registry.register("testplayer", lambda _id: None)
    try:
        ann, bob = Player("ann"), Player("bob")
        a1 = delay(5, ann.msg, "one")
        a2 = delay(6, print, ann)
        b1 = delay(5, bob.msg, "two")
        scheduler = get_scheduler()
        assert scheduler.tasks(owner="testplayer:ann") == [a1, a2]
        assert scheduler.tasks(owner="testplayer:bob") == [b1]
        assert scheduler.get(b1.id) is b1
        assert a1.owner == "testplayer:ann"
        b1.cancel()
        assert scheduler.tasks(owner="testplayer:bob") == []
        await clock.advance(5)
        assert ann.heard == ["one"]
        assert scheduler.tasks(owner="testplayer:ann") == [a2]
    finally:
        entity_registry.unregister("testplayer")


async def test_statistics_count_and_lateness(clock: VirtualClock) -> None:
    for i in range(10):
        delay(i, Recorder())
    paused = delay(100, Recorder())
    paused.pause()
    stats = get_scheduler().statistics()
    assert (stats.pending, stats.paused, stats.fired) == (11, 1, 0)
    await clock.advance(20)
    stats = get_scheduler().statistics()
    assert (stats.pending, stats.paused, stats.fired) == (1, 1, 10)
    assert stats.lateness_max == 0.0  # the virtual clock fires exactly on time


async def test_many_tasks_fire_in_slices_without_losing_any(clock: VirtualClock) -> None:
    fired: list[int] = []
    for i in range(5000):
        delay(1, fired.append, i)
    await clock.advance(1)
    assert fired == list(range(5000))


async def test_cancelled_entries_are_compacted(clock: VirtualClock) -> None:
    tasks = [delay(10 + i, print) for i in range(4000)]
    for task in tasks[:3000]:
        task.cancel()
    assert get_scheduler().statistics().heap_entries < 4000
    assert get_scheduler().statistics().pending == 1000


async def test_task_repr_and_familiar_accessors(clock: VirtualClock) -> None:
    task: Task = delay(1, print, "x")
    assert task.get_id() == task.id
    assert "builtins.print" in repr(task) and "scheduled" in repr(task)
    future = task.get_deferred()
    await clock.advance(1)
    assert future.done() and future.result() is None
