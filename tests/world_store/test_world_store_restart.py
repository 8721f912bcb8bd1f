"""Reload (close and reopen) and stop/start (another process writes, this one reads) of a
world of 100,000 objects; CI runs 20,000 unless EMBER_STRESS=1."""

from __future__ import annotations

import asyncio
import os
import sys
import textwrap

import pytest
from worldstore_db import WorldDatabase

from ember.world import Room, Thing, create_object

OBJECTS = 100_000 if os.environ.get("EMBER_STRESS") == "1" else 20_000
BUILDER = textwrap.dedent(
    """
    import asyncio, sys
    from ember.world import Room, Thing, create_object, open_world

    async def main(url, count):
        stored = await open_world(url)
        rooms = [create_object(Room, f"room {i}", world=stored.world) for i in range(100)]
        for i in range(count - 100):
            create_object(Thing, f"thing {i}", location=rooms[i % 100],
                          attributes={"n": i, "owner": rooms[(i + 1) % 100]},
                          world=stored.world)
            if i % 20_000 == 0:
                await stored.flush()
        await stored.close()  # the stop: everything flushed

    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
    """
)


@pytest.mark.slow
async def test_a_large_world_survives_stop_start_and_reload(database: WorldDatabase) -> None:
    builder = await asyncio.create_subprocess_exec(
        sys.executable, "-c", BUILDER, database.url, str(OBJECTS),
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )  # fmt: skip
    assert await asyncio.wait_for(builder.wait(), 240) == 0
    started = await database.open()  # the start, in another process than the one that wrote
    world = started.world
    assert len(world) == OBJECTS and started.report.corrupt == ()
    assert len(world.objects_of(Room)) == 100
    thing = world.objects_of(Thing)[-1]
    assert thing.db.owner is not None and thing.location in world.objects_of(Room)
    mover = world.objects_of(Thing)[0]
    mover.move_to(thing.location)
    mover.db.n = -1
    extra = create_object(Thing, "late", location=thing.location, world=world)
    before = world.snapshot()
    await started.close()
    reloaded = await database.open()
    assert reloaded.world.snapshot() == before
    assert create_object(Thing, "later", world=reloaded.world).id > extra.id
