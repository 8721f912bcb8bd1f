"""SIGKILL crash test: a child makes random moves, attribute writes, creations and deletions
on a real stored world (SQLite file, PostgreSQL schema) and is killed at a random moment; the
world reloaded afterwards must be exactly the world after some prefix of what the child did
(so never half of a move, never an attribute write without the ones before it), with every
object in one place and no location loops. Bounded rounds here; EMBER_STRESS=1 runs more."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import signal
import sys
from pathlib import Path
from typing import Any

from worldstore_db import WorldDatabase

from ember.world import (
    GameObject,
    IdAllocator,
    MoveError,
    Room,
    Thing,
    World,
    create_object,
    load_world,
)

CHILD = Path(__file__).with_name("crash_child.py")
ROUNDS = 25 if os.environ.get("EMBER_STRESS") == "1" else 3


def read_ops(path: Path) -> list[list[Any]]:
    ops = []
    for line in path.read_text().splitlines():
        try:
            ops.append(json.loads(line))
        except ValueError:  # a line cut by the kill is an operation never made
            break
    return ops


def apply_op(world: World, op: list[Any]) -> None:
    """Make one logged operation on the replay world, as the child made it."""
    kind = op[0]
    if kind == "create":
        world.ids = IdAllocator(op[2])
        location = world.get(op[3]) if op[3] is not None else None
        create_object(Room if op[1] == "room" else Thing, "x", location=location, world=world)
    elif kind == "delete":
        world.get(op[1]).delete()  # type: ignore[union-attr]
    elif kind == "move":
        with contextlib.suppress(MoveError):
            world.get(op[1]).move_to(world.get(op[2]), quiet=True)  # type: ignore[union-attr]
    else:
        _, object_id, name, (step, room) = op
        setattr(world.get(object_id).db, name, [step, world.get(room)])  # type: ignore[union-attr]


def prefix_matching(before: dict[int, Any], ops: list[list[Any]], stored: dict[int, Any]) -> int:
    """The number of ops after which replaying them on ``before`` gives ``stored`` (-1: none).

    Keys are ignored (the replay names objects "x"); everything else must match. Only the
    objects an op touched are compared again, so long rounds stay cheap.
    """
    world = World(journal=True)
    load_world(list(before.values()), world)

    def row(object_id: int) -> Any:
        obj = world.get(object_id)
        return None if obj is None else {**world._row(obj), "key": None}

    def wanted(object_id: int) -> Any:
        found = stored.get(object_id)
        return None if found is None else {**found, "key": None}

    differ = {i for i in set(before) | set(stored) if row(i) != wanted(i)}
    if not differ:
        return 0
    for n, op in enumerate(ops, 1):
        apply_op(world, op)
        for change in world.drain_changes():
            object_id = change.object_id
            if row(object_id) == wanted(object_id):
                differ.discard(object_id)
            else:
                differ.add(object_id)
        if not differ:
            return n
    return -1


def check_places(world: World) -> None:
    """Every object in exactly one place and no location loops."""
    seen: dict[int, int] = {}
    for obj in world:
        for inside in obj.contents:
            assert inside.id not in seen, f"{inside!r} is in two places"
            seen[inside.id] = obj.id
            assert inside.location is obj
    for obj in world:
        assert (obj.location is None) == (obj.id not in seen)
        trail: set[int] = set()
        place: GameObject | None = obj
        while place is not None:
            assert place.id not in trail, f"location loop through {place!r}"
            trail.add(place.id)
            place = place.location


async def test_a_killed_writer_leaves_the_world_as_of_one_moment(
    database: WorldDatabase, tmp_path: Path
) -> None:
    rng = random.Random()
    before: dict[int, Any] = {}
    matched_some_work = 0
    for round_ in range(ROUNDS):
        log = tmp_path / f"ops{round_}.jsonl"
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            str(CHILD),
            database.url,
            str(log),
            str(rng.randrange(2**32)),
            stdout=asyncio.subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        )
        assert child.stdout is not None
        assert await asyncio.wait_for(child.stdout.readline(), 60) == b"ready\n"
        await asyncio.sleep(rng.uniform(0.02, 0.4))
        child.send_signal(signal.SIGKILL)
        await child.wait()
        stored = await database.open()
        try:
            assert stored.report.corrupt == () and stored.report.dangling == 0
            check_places(stored.world)
            snapshot = stored.world.snapshot()
        finally:
            await stored.close()
        ops = read_ops(log)
        done = prefix_matching(before, ops, snapshot)
        assert done >= 0, f"round {round_}: the stored world is no prefix of {len(ops)} ops"
        matched_some_work += done
        before = snapshot
    assert matched_some_work > 0
