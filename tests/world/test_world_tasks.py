"""Objects as scheduler entities: a persistent ``delay`` on a door finds the door after a
restart (a real SQLite task store), and deleting the door cancels its tasks."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from worldbook import EVENTS, Door

from ember import TaskState, delay, entity_registry, repeat
from ember.scheduling import Scheduler, attach_store, install_scheduler
from ember.scheduling._sqlite import SqliteTaskStore
from ember.testing import VirtualClock, build_world
from ember.world import GameObject, World, load_world

START = 1_800_000_000.0
TRUSTED = ["ember", "worldbook"]


async def _boot(path: Path, wall: float) -> tuple[Scheduler, VirtualClock, SqliteTaskStore]:
    clock = VirtualClock(wall)
    scheduler = install_scheduler(Scheduler(clock, trusted_modules=TRUSTED))
    store = SqliteTaskStore(path)
    await store.open()
    await attach_store(scheduler, store)
    return scheduler, clock, store


async def _stop(scheduler: Scheduler, store: SqliteTaskStore) -> None:
    await scheduler.close()
    await store.close()


@pytest.fixture(autouse=True)
def _no_finder_left() -> object:
    yield
    entity_registry.unregister("object")


async def test_a_persistent_delay_on_a_door_finds_it_after_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "tasks.db"
    scheduler, clock, store = await _boot(db, START)
    kit = build_world()
    kit.world.register_entities(scheduler=scheduler)
    door = kit.create(Door, "door")
    door.open()
    task = delay(30, door.close, slam=True, persistent=True)
    assert task.owner == f"object:{door.id}"
    await clock.advance(10)
    snapshot = kit.world.snapshot()  # what a world store would hold
    await _stop(scheduler, store)

    # A new process: the world is loaded from its rows, then the scheduler restores tasks.
    world = World(trusted_modules=TRUSTED)
    load_world(snapshot.values(), world)
    scheduler, clock, store = await _boot(db, START + 15)
    world.register_entities(scheduler=scheduler)
    new_door = world.get(door.id)
    assert isinstance(new_door, Door) and new_door is not door and new_door.db.open is True
    await clock.advance(14)
    assert new_door.db.open is True
    await clock.advance(1)
    assert EVENTS[-1] == ("close", door.id, True) and new_door.db.open is False
    await _stop(scheduler, store)


async def test_deleting_an_object_cancels_its_tasks_with_a_log_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    scheduler, clock, store = await _boot(tmp_path / "tasks.db", START)
    kit = build_world()
    kit.world.register_entities(scheduler=scheduler)
    door = kit.create(Door, "door")
    owned = delay(30, door.close, persistent=True)
    transient = delay(30, door.close)
    ticking = repeat(10, door.close, persistent=True)  # repeats belong to it too (issue 15)
    with caplog.at_level(logging.WARNING, logger="ember.world"):
        door.delete()
    assert not owned.active() and not transient.active() and not ticking.active()
    assert f"cancelling timed task {ticking.id} (worldbook.Door.close)" in caplog.text
    assert f"cancelling timed task {owned.id} (worldbook.Door.close)" in caplog.text
    assert f"<Door #{door.id} 'door'>" in caplog.text
    await clock.advance(60)
    assert ("close", door.id, False) not in EVENTS
    await _stop(scheduler, store)
    # The cancellation was persisted: nothing comes back.
    scheduler, clock, store = await _boot(tmp_path / "tasks.db", START + 100)
    assert scheduler.tasks() == []
    await _stop(scheduler, store)


async def test_a_task_naming_a_deleted_object_otherwise_is_kept_aside_as_orphaned(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    scheduler, clock, store = await _boot(tmp_path / "tasks.db", START)
    kit = build_world()
    kit.world.register_entities(scheduler=scheduler)
    door = kit.create(Door, "door")
    # The owner is the bound callback's object (the room), so deleting the door cannot see it.
    task = delay(5, kit.room.msg_contents, "the door creaks", exclude=door, persistent=True)
    door.delete()
    with caplog.at_level(logging.ERROR, logger="ember.scheduling"):
        await clock.advance(5)
    assert task.state is TaskState.ORPHANED
    assert f"object:{door.id} no longer exists" in caplog.text
    await _stop(scheduler, store)


def test_the_finder_returns_live_objects_only() -> None:
    kit = build_world()
    kit.world.register_entities()
    assert entity_registry.find("object", kit.room.id) is kit.room
    gone = kit.create(GameObject, "gone")
    gone.delete()
    for missing in (gone.id, str(kit.room.id), 10**9):
        with pytest.raises(LookupError, match="no longer exists"):
            entity_registry.find("object", missing)
