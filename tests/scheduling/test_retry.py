"""``Task.retry()``: a failed or orphaned task's call scheduled again, in memory and stored."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
import taskbook
from support.task_stores import StoreFactory
from taskbook import BROKEN, FIRED, flaky, record

from ember import TaskState, UnresolvableReferenceError, delay, get_scheduler
from ember.scheduling import Scheduler, TaskStore, attach_store
from ember.testing import VirtualClock, virtual_time

START = 1_800_000_000.0


@pytest.fixture(autouse=True)
def _fresh_book() -> Iterator[None]:
    FIRED.clear()
    BROKEN.clear()
    yield
    BROKEN.clear()


async def test_a_failed_task_retries_as_a_new_task_and_the_old_one_goes() -> None:
    async with virtual_time() as clock:
        BROKEN.add("once")
        task = delay(2, flaky, "once")
        await clock.advance(2)
        with pytest.raises(RuntimeError, match="once is broken"):
            await task
        assert task.state is TaskState.FAILED
        BROKEN.clear()
        again = task.retry(5)
        assert again.id > task.id and again.state is TaskState.SCHEDULED
        assert not task.exists() and get_scheduler().get(task.id) is None
        assert again.remaining == pytest.approx(5)
        await clock.advance(5)
        assert await again == "once"
        assert FIRED == [(("once",), {})]


@pytest.mark.parametrize("state", ["scheduled", "paused", "done", "cancelled"])
async def test_only_a_failed_or_orphaned_task_retries(state: str) -> None:
    async with virtual_time() as clock:
        task = delay(3, record, "x")
        if state == "paused":
            task.pause()
        elif state == "done":
            await clock.advance(3)
        elif state == "cancelled":
            task.cancel()
        before = len(get_scheduler().tasks())
        with pytest.raises(ValueError, match=f"task {task.id} is {state}; only failed"):
            task.retry()
        assert task.state.value == state
        assert len(get_scheduler().tasks()) == before  # nothing was scheduled


async def boot(factory: StoreFactory, wall: float) -> tuple[Scheduler, VirtualClock, TaskStore]:
    clock = VirtualClock(wall)
    scheduler = Scheduler(clock)
    store = await factory()
    await attach_store(scheduler, store)
    return scheduler, clock, store


async def stop(scheduler: Scheduler, store: TaskStore) -> None:
    await scheduler.close()
    await store.close()


async def test_a_stored_failed_task_retried_is_stored_again_and_its_row_goes(
    store_factory: StoreFactory, caplog: pytest.LogCaptureFixture
) -> None:
    scheduler, clock, store = await boot(store_factory, START)
    BROKEN.add("stored")
    with caplog.at_level(logging.ERROR, logger="ember.scheduling"):
        failed = scheduler.delay(1, flaky, "stored", persistent=True)
        await clock.advance(1)
    assert failed.state is TaskState.FAILED
    await stop(scheduler, store)

    # The next process holds it as failed, from its row; the fault is fixed meanwhile.
    BROKEN.clear()
    scheduler, clock, store = await boot(store_factory, START + 60)
    kept = scheduler.get(failed.id)
    assert kept is not None and kept.state is TaskState.FAILED
    again = kept.retry(10)
    assert again.persistent
    await stop(scheduler, store)  # before it fires: the new row must carry it over

    scheduler, clock, store = await boot(store_factory, START + 65)
    assert scheduler.get(failed.id) is None
    restored = scheduler.get(again.id)
    assert restored is not None and restored.state is TaskState.SCHEDULED
    await clock.advance(5)
    assert FIRED == [(("stored",), {})]
    await stop(scheduler, store)
    assert [row.id for row in await (await store_factory()).load()] == []


async def test_an_orphan_retries_once_its_code_is_back(
    store_factory: StoreFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    scheduler, clock, store = await boot(store_factory, START)
    first = scheduler.delay(1, record, "warm-up", persistent=True)
    await clock.advance(1)
    await stop(scheduler, store)
    gone = first.id + 1000
    await store_factory.raw_insert(
        gone, "scheduled", START + 5, None, '{"function":"taskbook:renamed_away"}',
        '["back"]', "{}", None, None,
    )  # fmt: skip
    FIRED.clear()
    scheduler, clock, store = await boot(store_factory, START + 10)
    orphan = scheduler.get(gone)
    assert orphan is not None and orphan.state is TaskState.ORPHANED

    with pytest.raises(UnresolvableReferenceError, match=f"task {gone} .* still cannot run"):
        orphan.retry()
    assert scheduler.get(gone) is orphan and orphan.state is TaskState.ORPHANED

    monkeypatch.setattr(taskbook, "renamed_away", record, raising=False)
    again = orphan.retry()
    assert scheduler.get(gone) is None and again.persistent
    await clock.advance(0)
    assert FIRED == [(("back",), {})]
    await stop(scheduler, store)
    assert await (await store_factory()).load() == []
