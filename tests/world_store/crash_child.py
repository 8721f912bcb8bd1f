"""The child of the SIGKILL crash test: random moves, attribute writes, creations and
deletions on a stored world, each logged (one JSON line, written to the kernel) *before* it
is made, until the parent kills it.

Usage: python crash_child.py URL LOG SEED
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import sys

from ember.world import MoveError, Room, Thing, _store_sqlite, create_object, open_world

# Fold SQLite's attribute log every few dozen writes instead of every 100,000, so kills
# land in folds too (a fold must leave the stored world as it was).
_store_sqlite.FOLD_AT_LEAST = 40


async def main(url: str, log_path: str, seed: int) -> None:
    stored = await open_world(url)
    world = stored.world
    rng = random.Random(seed)
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)

    def log(*op: object) -> None:
        os.write(fd, (json.dumps(op) + "\n").encode())

    if not world.objects_of(Room):
        for n in range(5):
            log("create", "room", world.ids.next_id, None)
            create_object(Room, f"room{n}", world=world)
    await stored.flush()
    print("ready", flush=True)
    step = 0
    while True:
        rooms = world.objects_of(Room)
        things = world.objects_of(Thing)
        choice = rng.random()
        if choice < 0.15 or len(things) < 5:
            place = rng.choice(rooms + things)
            log("create", "thing", world.ids.next_id, place.id)
            create_object(Thing, f"t{step}", location=place, world=world)
        elif choice < 0.2:
            victim = rng.choice(things)
            log("delete", victim.id)
            victim.delete()
        elif choice < 0.55:
            mover, target = rng.choice(things), rng.choice(rooms + things)
            log("move", mover.id, target.id)
            with contextlib.suppress(MoveError):
                mover.move_to(target, quiet=True)
        else:
            obj = rng.choice(rooms + things)
            name, value = f"a{rng.randrange(8)}", [step, rng.choice(rooms).id]
            log("set", obj.id, name, value)
            setattr(obj.db, name, [value[0], world.get(value[1])])
        step += 1
        if step % 25 == 0:
            await asyncio.sleep(0)  # let the pump and the writer commit meanwhile


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
