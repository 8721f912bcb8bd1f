"""Persistent tasks across restarts, against every store (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import logging
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import taskbook
from support.task_stores import StoreFactory
from taskbook import FIRED, Gadget, Room, Spells, explode, hang_then_record, record

from ember import NotPersistableError, PersistenceUnavailableError, TaskState, entity_registry
from ember.scheduling import RestoreReport, Scheduler, TaskStore, attach_store
from ember.testing import VirtualClock

START = 1_800_000_000.0


@pytest.fixture(autouse=True)
def _fresh_book() -> Iterator[None]:
    FIRED.clear()
    taskbook.ROOMS.clear()
    entity_registry.register("testroom", taskbook.ROOMS.get)
    yield
    entity_registry.unregister("testroom")


@dataclass
class Run:
    """One life of a game process: a scheduler on a virtual clock over a fresh store handle."""

    scheduler: Scheduler
    clock: VirtualClock
    store: TaskStore
    report: RestoreReport

    async def stop(self) -> None:
        await self.scheduler.close()
        await self.store.close()


async def boot(factory: StoreFactory, wall: float = START) -> Run:
    clock = VirtualClock(wall)
    scheduler = Scheduler(clock)
    store = await factory()
    report = await attach_store(scheduler, store)
    return Run(scheduler, clock, store, report)


def fired_args() -> list[tuple[Any, ...]]:
    return [args for args, _ in FIRED]


async def test_tasks_survive_a_restart_with_their_state(store_factory: StoreFactory) -> None:
    run = await boot(store_factory)
    s = run.scheduler
    due10 = s.delay(10, record, "due10", persistent=True)
    due20 = s.delay(20, record, "due20", persistent=True)
    paused = s.delay(30, record, "paused", persistent=True)
    cancelled = s.delay(5, record, "cancelled", persistent=True)
    removed = s.delay(5, record, "removed", persistent=True)
    fired = s.delay(1, record, "fired", persistent=True)
    s.delay(1, record, "transient")
    await run.clock.advance(2)
    assert fired_args() == [("fired",), ("transient",)]
    paused.pause()
    cancelled.cancel()
    removed.remove()
    await run.stop()

    # Back 13 seconds of wall time later: due10 is overdue, due20 has 5 s left.
    FIRED.clear()
    run = await boot(store_factory, START + 2 + 13)
    assert run.report.overdue == 1 and run.report.scheduled == 1 and run.report.paused == 1
    held = {task.id: task for task in run.scheduler.tasks()}
    assert set(held) == {due10.id, due20.id, paused.id}
    assert fired.id not in held and cancelled.id not in held and removed.id not in held
    assert held[paused.id].paused and held[paused.id].remaining == pytest.approx(28)
    assert held[due20.id].remaining == pytest.approx(5)
    await run.clock.advance(0)
    assert fired_args() == [("due10",)]
    await run.clock.advance(5)
    assert fired_args() == [("due10",), ("due20",)]
    await run.stop()

    # A third start: what fired after the previous restart never fires again.
    FIRED.clear()
    run = await boot(store_factory, START + 1000)
    assert [task.id for task in run.scheduler.tasks()] == [paused.id]
    await run.clock.advance(27)
    assert FIRED == []
    assert run.scheduler.get(paused.id) is not None
    run.scheduler.get(paused.id).unpause()  # type: ignore[union-attr]
    await run.clock.advance(28)
    assert fired_args() == [("paused",)]
    await run.stop()


async def test_overdue_tasks_run_at_once_oldest_deadline_first(store_factory: StoreFactory) -> None:
    run = await boot(store_factory)
    deadlines = [7, 3, 9, 1, 5]
    for seconds in deadlines:
        run.scheduler.delay(seconds, record, seconds, persistent=True)
    await run.stop()
    run = await boot(store_factory, START + 100)
    assert run.report.overdue == 5
    await run.clock.advance(0)
    assert fired_args() == [(1,), (3,), (5,), (7,), (9,)]
    await run.stop()


async def test_arguments_come_back_exactly(store_factory: StoreFactory) -> None:
    args = (
        "ünïcode ✓",
        2**70,
        -0.5,
        None,
        True,
        (1, (2, "three")),
        [1, [2, {"k": (3,)}]],
        {"$tuple": "not a tag", "$entity": 1},
        {"$dict": {"nested": True}},
        {},
        [],
    )
    kwargs = {"mode": {"a": [1.25, None]}, "flag": False}
    run = await boot(store_factory)
    run.scheduler.delay(1, record, *args, persistent=True, **kwargs)
    await run.stop()
    run = await boot(store_factory, START + 5)
    await run.clock.advance(0)
    assert [(args, kwargs)] == FIRED
    for got, want in zip(FIRED[0][0], args, strict=True):
        assert type(got) is type(want)
    await run.stop()


async def test_methods_static_class_and_entity_persist_by_reference(
    store_factory: StoreFactory,
) -> None:
    hall = Room(7)
    run = await boot(store_factory)
    run.scheduler.delay(1, Spells.static, 1, persistent=True)
    run.scheduler.delay(2, Spells.klass, 2, persistent=True)
    task = run.scheduler.delay(3, hall.announce, "welcome", persistent=True)
    run.scheduler.delay(4, record, hall, persistent=True)
    assert task.owner == "testroom:7"
    assert run.scheduler.tasks(owner="testroom:7") == [task, run.scheduler.tasks()[-1]]
    await run.stop()

    taskbook.ROOMS.clear()
    new_hall = Room(7)  # the entity is a new object after the restart, found by id
    run = await boot(store_factory, START + 10)
    assert [t.id for t in run.scheduler.tasks(owner="testroom:7")] == [task.id, task.id + 1]
    await run.clock.advance(0)
    assert fired_args() == [
        ("static", 1),
        ("class", "Spells", 2),
        ("announce", 7, "welcome"),
        (new_hall,),
    ]
    assert new_hall.heard == ["welcome"] and hall.heard == []
    await run.stop()


@pytest.mark.parametrize(
    ("make_call", "piece"),
    [
        (lambda: (lambda: None, (), {}), "is a lambda"),
        (lambda: (_closure(), (), {}), "defined inside a function"),
        (lambda: (Gadget().use, (), {}), "Gadget.use is bound to a Gadget object"),
        (lambda: (record, (1, {2, 3}), {}), "argument args[1] is a set"),
        (lambda: (record, (), {"x": {"ok": [1, object()]}}), "kwargs['x']['ok'][1] is a object"),
        (lambda: (record, ({1: "a"},), {}), "args[0] has the key 1 of type int"),
        (lambda: (record, (math.nan,), {}), "args[0] is nan"),
        (lambda: (record, (b"raw",), {}), "args[0] is a bytes"),
        (lambda: (record, (_Unregistered(),), {}), "no finder is registered for entity kind"),
    ],
)
async def test_not_persistable_raises_at_the_call_and_registers_nothing(
    store_factory: StoreFactory, make_call: Any, piece: str
) -> None:
    run = await boot(store_factory)
    callback, args, kwargs = make_call()
    with pytest.raises(NotPersistableError, match=_escape(piece)) as caught:
        run.scheduler.delay(1, callback, *args, persistent=True, **kwargs)
    assert isinstance(caught.value, TypeError)
    assert run.scheduler.tasks() == []
    # The same call without persistence is fine: anything callable can wait in memory.
    run.scheduler.delay(1, callback, *args, **kwargs).cancel()
    await run.scheduler.flush()
    assert await run.store.load() == []
    await run.stop()


def _closure() -> Any:
    def inner() -> None:
        pass

    return inner


class _Unregistered:
    entity_kind = "nobody-registered-this"
    entity_id = 1


def _escape(text: str) -> str:
    import re

    return re.escape(text)


async def test_persistent_without_a_store_is_a_clear_error() -> None:
    scheduler = Scheduler(VirtualClock())
    with pytest.raises(PersistenceUnavailableError, match="needs a task store"):
        scheduler.delay(1, record, persistent=True)
    assert scheduler.tasks() == []
    await scheduler.close()


class GatedStore:
    """A real store whose load() waits for a gate, to hold start-up half way."""

    def __init__(self, store: TaskStore) -> None:
        self._store = store
        self.url = store.url
        self.loading = asyncio.Event()
        self.gate = asyncio.Event()

    async def load(self) -> Any:
        self.loading.set()
        await self.gate.wait()
        return await self._store.load()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


async def test_delays_made_during_startup_neither_collide_nor_overwrite(
    store_factory: StoreFactory,
) -> None:
    run = await boot(store_factory)
    stored = [run.scheduler.delay(10 + i, record, "stored", i, persistent=True) for i in range(5)]
    await run.stop()

    clock = VirtualClock(START + 1)
    scheduler = Scheduler(clock)
    gated = GatedStore(await store_factory())
    starting = asyncio.create_task(attach_store(scheduler, gated))  # type: ignore[arg-type]
    await gated.loading.wait()
    early_persistent = scheduler.delay(1, record, "early", persistent=True)
    early_transient = scheduler.delay(1, record, "early-transient")
    await scheduler.flush()  # the early row is durable before the stored rows are read
    gated.gate.set()
    report = await starting
    assert report.scheduled == 5
    assert early_persistent.id not in {task.id for task in stored}
    assert early_transient.id not in {task.id for task in stored}
    held = {task.id: task for task in scheduler.tasks()}
    assert held[early_persistent.id] is early_persistent
    assert held[early_transient.id] is early_transient and not early_transient.persistent
    assert len(held) == 7
    await clock.advance(20)
    assert sorted(fired_args()) == sorted(
        [("early",), ("early-transient",)] + [("stored", i) for i in range(5)]
    )
    await scheduler.close()
    await gated._store.close()
    rows = await (await store_factory()).load()
    assert rows == []  # everything ran exactly once; nothing transient was ever stored


async def test_a_renamed_callback_is_kept_aside_and_the_rest_load(
    store_factory: StoreFactory, caplog: pytest.LogCaptureFixture
) -> None:
    run = await boot(store_factory)
    before = run.scheduler.delay(5, record, "before", persistent=True)
    after = run.scheduler.delay(6, record, "after", persistent=True)
    await run.stop()
    gone = after.id + 1
    await store_factory.raw_insert(
        gone, "scheduled", START + 5, None, '{"function":"taskbook:renamed_away"}', "[]", "{}",
        None, None,
    )  # fmt: skip
    await store_factory.raw_insert(
        gone + 1, "scheduled", START + 5, None, "{not json", "[]", "{}", None, None
    )
    with caplog.at_level(logging.ERROR, logger="ember.scheduling"):
        run = await boot(store_factory, START + 1)
    assert run.report.orphaned == 2 and run.report.scheduled == 2
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert f"stored task {gone}" in messages and "renamed_away" in messages
    assert "not valid JSON" in messages
    orphan = run.scheduler.get(gone)
    assert orphan is not None and orphan.state is TaskState.ORPHANED and orphan.exists()
    await run.clock.advance(10)
    assert fired_args() == [("before",), ("after",)]
    assert before.id != gone
    await run.stop()

    # Still there (visible, not silently dropped) at the next start; removable.
    run = await boot(store_factory, START + 20)
    orphan = run.scheduler.get(gone)
    assert orphan is not None and orphan.state is TaskState.ORPHANED
    assert orphan.remove() is True
    await run.stop()
    run = await boot(store_factory, START + 30)
    assert run.scheduler.get(gone) is None and run.scheduler.get(gone + 1) is not None
    await run.stop()


async def test_a_failed_task_stays_visible_and_never_reruns(
    store_factory: StoreFactory, caplog: pytest.LogCaptureFixture
) -> None:
    run = await boot(store_factory)
    task = run.scheduler.delay(1, explode, "boom", persistent=True)
    with caplog.at_level(logging.ERROR, logger="ember.scheduling"):
        await run.clock.advance(1)
    assert any(f"timed task {task.id}" in r.getMessage() for r in caplog.records)
    assert task.state is TaskState.FAILED
    await run.stop()
    run = await boot(store_factory, START + 100)
    kept = run.scheduler.get(task.id)
    assert kept is not None and kept.state is TaskState.FAILED
    assert "RuntimeError: boom" in str(kept.error)
    assert run.report.failed == 1
    await run.stop()


async def test_an_async_callback_interrupted_by_shutdown_runs_again(
    store_factory: StoreFactory,
) -> None:
    run = await boot(store_factory)
    run.scheduler.delay(1, hang_then_record, "job", persistent=True)
    await run.clock.advance(1)
    assert fired_args() == [("started", "job")]
    await run.stop()
    run = await boot(store_factory, START + 5)
    assert run.report.rerun == 1
    await run.clock.advance(0)
    assert fired_args() == [("started", "job"), ("started", "job")]
    await run.stop()


async def test_graceful_restarts_fire_every_task_exactly_once(store_factory: StoreFactory) -> None:
    rng = random.Random(20261124)
    wall, expected = START, set()
    run = await boot(store_factory, wall)
    for round_no in range(6):
        for i in range(40):
            label = f"r{round_no}-{i}"
            run.scheduler.delay(rng.uniform(0, 30), record, label, persistent=True)
            expected.add(label)
        step = rng.uniform(0, 15)
        await run.clock.advance(step)
        wall += step
        await run.stop()
        wall += rng.uniform(0, 10)  # downtime
        run = await boot(store_factory, wall)
    await run.clock.advance(60)
    await run.stop()
    labels = [args[0] for args in fired_args()]
    assert sorted(labels) == sorted(expected)  # each exactly once


async def test_ids_continue_densely_after_a_clean_restart(store_factory: StoreFactory) -> None:
    # Issue 11, item 9: each start reserves a block of 100,000 ids; a clean stop now gives the
    # unused rest back, so ids no longer jump by up to a block per restart.
    ids = []
    for _ in range(3):
        run = await boot(store_factory)
        ids.append(run.scheduler.delay(60, record, "kept", persistent=True).id)
        ids.append(run.scheduler.delay(60, record, "in memory").id)
        await run.stop()
    first = ids[0]
    assert ids == list(range(first, first + 6))
    # A crash (no clean close) keeps the gap: the ids it had are never handed out again.
    run = await boot(store_factory)
    crashed = run.scheduler.delay(60, record, "lost").id
    await run.scheduler.flush()
    await run.store.close()  # the process dies: the scheduler is never closed
    run = await boot(store_factory)
    assert run.scheduler.delay(60, record, "after").id > crashed
    await run.stop()


async def test_ids_are_not_given_back_after_another_server_reserved(
    store_factory: StoreFactory,
) -> None:
    run = await boot(store_factory)
    mine = run.scheduler.delay(60, record, "mine", persistent=True).id
    other = await store_factory()  # another server sharing the store reserves after us
    theirs = await other.reserve_ids(1, 10)
    await run.stop()
    run = await boot(store_factory)
    later = run.scheduler.delay(60, record, "later", persistent=True).id
    assert mine < theirs and later >= theirs + 10  # ours were not handed back over theirs
    await run.stop()
    await other.close()


async def test_standalone_open_task_store(tmp_path: Any) -> None:
    from ember import delay, open_task_store

    path = tmp_path / "standalone.db"
    async with open_task_store(str(path)):
        delay(0.01, record, "standalone", persistent=True)
    assert FIRED == []
    async with open_task_store(f"sqlite://{path}") as scheduler:
        assert len(scheduler.tasks()) == 1
        await scheduler.tasks()[0]
    assert fired_args() == [("standalone",)]


async def test_an_entity_gone_at_fire_time_is_kept_aside_until_it_returns(
    store_factory: StoreFactory,
) -> None:
    hall = Room(3)
    run = await boot(store_factory)
    task = run.scheduler.delay(2, hall.announce, "hello", persistent=True)
    taskbook.ROOMS.clear()  # the room is gone when the task fires
    await run.clock.advance(2)
    assert task.state is TaskState.ORPHANED and task.exists()
    assert "testroom:3 no longer exists" in str(task.error)
    await run.stop()

    Room(3)  # back again (say, loaded later): the next start restores and runs it
    run = await boot(store_factory, START + 10)
    assert run.report.overdue == 1 and run.report.orphaned == 0
    await run.clock.advance(0)
    assert fired_args() == [("announce", 3, "hello")]
    await run.stop()


async def test_trusted_modules_refuse_other_references(store_factory: StoreFactory) -> None:
    await (await store_factory()).reserve_ids(1, 1)
    await store_factory.raw_insert(
        50, "scheduled", START, None, '{"function":"os:system"}', '["echo hacked"]', "{}",
        None, None,
    )  # fmt: skip
    clock = VirtualClock(START + 1)
    scheduler = Scheduler(clock, trusted_modules=["taskbook"])
    report = await attach_store(scheduler, await store_factory())
    assert report.orphaned == 1
    orphan = scheduler.get(50)
    assert orphan is not None and "not in the trusted modules" in str(orphan.error)
    await clock.advance(1)
    await scheduler.close()
