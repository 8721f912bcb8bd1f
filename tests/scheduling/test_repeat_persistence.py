"""Persistent repeats across restarts, against SQLite and PostgreSQL: the missed-ticks rule."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import taskbook
from support.task_stores import StoreFactory
from taskbook import FIRED, Room, record

from ember import NotPersistableError, entity_registry
from ember.scheduling import Repeat, RepeatState, Scheduler, TaskStore, attach_store, repeater_of
from ember.scheduling._repeat_store import RepeatRestoreReport
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
class Life:
    """One process: a scheduler on a virtual clock whose wall time starts at ``wall``."""

    scheduler: Scheduler
    clock: VirtualClock
    store: TaskStore

    @property
    def report(self) -> RepeatRestoreReport:
        durable = repeater_of(self.scheduler).durable
        assert durable is not None
        report = durable.report  # type: ignore[attr-defined]
        assert isinstance(report, RepeatRestoreReport)
        return report

    def repeats(self) -> dict[int, Repeat]:
        return {rep.id: rep for rep in repeater_of(self.scheduler).all()}

    def repeat(self, *args: object, **kwargs: object) -> Repeat:
        return repeater_of(
            self.scheduler
        ).repeat(
            args[0],  # type: ignore[arg-type]
            args[1],  # type: ignore[arg-type]
            args[2:],
            {},
            persistent=True,
            **kwargs,  # type: ignore[arg-type]
        )

    async def stop(self) -> None:
        await self.scheduler.close()
        await self.store.close()


async def boot(factory: StoreFactory, wall: float = START) -> Life:
    clock = VirtualClock(wall)
    scheduler = Scheduler(clock)
    store = await factory()
    await attach_store(scheduler, store)
    return Life(scheduler, clock, store)


async def test_a_stop_of_30_s_gives_one_catch_up_tick_then_the_grid(
    store_factory: StoreFactory,
) -> None:
    life = await boot(store_factory)
    ticker = life.repeat(10, record, "tick")
    await life.clock.advance(25)
    assert len(FIRED) == 2  # ticks 1 and 2, at 10 and 20 s
    await life.stop()

    # Down for 30 s (wall 25 -> 55): ticks 3, 4 and 5 (30, 40, 50 s) were missed.
    FIRED.clear()
    life = await boot(store_factory, START + 55)
    assert life.report.caught_up == 1 and life.report.missed == 2
    back = life.repeats()[ticker.id]
    assert back.next_tick == 5  # the catch-up tick stands for the latest missed one
    await life.clock.advance(0.25)
    assert len(FIRED) == 1  # one catch-up tick at once, no burst of three
    assert back.next_tick == 6
    assert back.next_due == pytest.approx(START + 60)  # on the grid again
    await life.clock.advance(4.75 + 10)
    assert len(FIRED) == 3  # 60 and 70 s
    assert back.anchor == pytest.approx(START)  # the grid never moved
    await life.stop()


async def test_a_quick_restart_misses_nothing_and_keeps_the_grid(
    store_factory: StoreFactory,
) -> None:
    life = await boot(store_factory)
    ticker = life.repeat(10, record, "tick", jitter=3)
    await life.clock.advance(27)
    assert len(FIRED) == 2
    due = ticker.next_due
    assert due is not None and START + 30 <= due < START + 33
    await life.stop()

    FIRED.clear()
    life = await boot(store_factory, START + 28)  # down for one second
    assert life.report.caught_up == 0 and life.report.scheduled == 1
    back = life.repeats()[ticker.id]
    assert back.next_tick == 3
    # The same jitter as before the restart: a function of the repeat id and the tick.
    assert back.next_due == pytest.approx(due, abs=1e-6)
    await life.clock.advance(5)
    assert len(FIRED) == 1 and back.next_tick == 4
    await life.clock.advance(20)
    assert len(FIRED) == 3 and back.next_tick == 6
    await life.stop()


async def test_counts_and_pauses_survive_restarts(store_factory: StoreFactory) -> None:
    life = await boot(store_factory)
    limited = life.repeat(10, record, "limited", count=3)
    paused = life.repeat(10, record, "paused")
    endless = life.repeat(5, record, "endless")
    await life.clock.advance(24)
    paused.pause()  # 6 s left of its third tick
    assert limited.count_left == 1
    endless.cancel()
    await life.stop()

    FIRED.clear()
    life = await boot(store_factory, START + 24 + 100)
    held = life.repeats()
    assert set(held) == {limited.id, paused.id}  # cancelled ones are gone
    assert held[paused.id].paused and held[paused.id].remaining == pytest.approx(6)
    assert held[limited.id].count_left == 1
    await life.clock.advance(1)
    assert [args for args, _ in FIRED] == [("limited",)]  # its last tick, as the catch-up
    assert held[limited.id].state is RepeatState.DONE
    assert held[paused.id].unpause()
    await life.clock.advance(6.25)  # a tick may run up to one slot (interval / 64) late
    assert [args for args, _ in FIRED] == [("limited",), ("paused",)]
    await life.stop()

    FIRED.clear()
    life = await boot(store_factory, START + 1000)
    assert set(life.repeats()) == {paused.id}  # the finished count left no row
    await life.stop()


async def test_an_entity_method_repeats_and_a_lambda_is_refused(
    store_factory: StoreFactory,
) -> None:
    taskbook.ROOMS[3] = Room(3)
    life = await boot(store_factory)
    with pytest.raises(NotPersistableError, match="lambda"):
        life.repeat(10, lambda: None)
    life.repeat(10, taskbook.ROOMS[3].announce, "hello")
    await life.clock.advance(10)
    await life.stop()
    life = await boot(store_factory, START + 15)
    await life.clock.advance(5)
    assert [args for args, _ in FIRED] == [("announce", 3, "hello")] * 2
    await life.stop()


async def test_a_version_1_task_database_is_upgraded_and_keeps_its_tasks(tmp_path: Path) -> None:
    from ember.scheduling._sqlite import CREATE_SQL, SqliteTaskStore

    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:  # a database of the Ember before repeats
        conn.executescript(CREATE_SQL)
        conn.execute(
            "INSERT INTO ember_tasks VALUES (5, 'scheduled', ?, NULL,"
            " '{\"function\":\"taskbook:record\"}', '[\"old\"]', '{}', NULL, NULL)",
            (START + 3,),
        )
    clock = VirtualClock(START)
    scheduler = Scheduler(clock)
    store = SqliteTaskStore(path)
    await store.open()
    await attach_store(scheduler, store)
    rep = repeater_of(scheduler).repeat(10, record, ("new",), {}, persistent=True)
    await clock.advance(10)
    assert [args for args, _ in FIRED] == [("old",), ("new",)]
    assert rep.id > 5
    await scheduler.close()
    await store.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM ember_repeats").fetchone() == (1,)


async def test_the_repeat_writer_reports_its_queue_and_commit_times(
    store_factory: StoreFactory,
) -> None:
    life = await boot(store_factory)
    durable = repeater_of(life.scheduler).durable
    assert durable is not None
    assert durable.writer_statistics().commit_times.count == 0
    life.repeat(10, record, "tick")
    await life.scheduler.flush()  # the repeats' writer too
    stats = durable.writer_statistics()
    assert stats.pending == 0 and stats.batches >= 1
    assert stats.commit_times.count == stats.batches and stats.commit_times.last > 0
    await life.stop()
