"""World benchmark, in-memory part: object memory and attribute writes beside plain Python
objects holding a dict of the same attributes, measured in the same run.

Store part: start-up (opening a world of 100,000 objects with 1,000,000 attributes from
SQLite) beside a raw ``SELECT *`` of the same rows, and durable attribute writes per second
with 100,000 and 1,000,000 attributes stored beside raw batched SQL upserts of the same rows,
all in the same run. Run ``scripts/bench world [--quick]``; bench/README.md explains each row.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from typing import Any

from _common import Table, in_child, percentile, say

from ember.world import Room, Thing, World, open_world
from ember.world._store_sqlite import CACHE_KIB

NAMES = ("hp", "mp", "level", "gold", "name", "race", "alive", "x", "y", "mood")
BATCH = 100  # assignments per timed batch: one timer read per batch, not per assignment


def attributes(i: int) -> dict[str, Any]:
    """Ten small attributes, different per object where a game's would be."""
    return {
        "hp": i % 1000,
        "mp": 50,
        "level": i % 60,
        "gold": i * 7 % 5000,
        "name": f"orc {i}",
        "race": "orc",
        "alive": True,
        "x": i % 300,
        "y": i // 300 % 300,
        "mood": "grumpy",
    }


class Plain:
    """The baseline: a plain Python object with a name and a dict of attributes."""

    def __init__(self, key: str, attrs: dict[str, Any]) -> None:
        self.key = key
        self.attrs = attrs


TABLE = Table(
    {
        "B": lambda value: f"{value:.0f} B",
        "us": lambda value: f"{value * 1e6:.2f} us",
        "s": lambda value: f"{value:.2f} s",
        "/s": lambda value: f"{value:,.0f}/s",
    }
)
add, note = TABLE.add, TABLE.notes.append


# -- memory per object -------------------------------------------------------------------------


def memory_phase(n: int, ember: bool) -> list[float]:
    """Make ``n`` objects with ten attributes each; return [traced bytes per object]."""
    world = World()  # no journal: a store drains it as it goes, so it holds nothing for long
    room = world.create(Room, "Arena")
    keep: list[Any] = []
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for i in range(n):
        if ember:
            world.create(Thing, f"orc {i}", location=room, attributes=attributes(i))
        else:
            keep.append(Plain(f"orc {i}", attributes(i)))
    traced = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return [traced / n]


# -- attribute writes --------------------------------------------------------------------------


def write_phase(n: int, ember: bool, kind: str) -> list[float]:
    """Time ``n`` assignments in batches; return [p50, p99] seconds per assignment."""
    world = World(journal=True)
    room = world.create(Room, "Arena")
    obj = world.create(Thing, "orc", location=room)
    plain = Plain("orc", {})
    values: list[Any] = {
        "int": list(range(BATCH)),
        "str": [f"state {i}" for i in range(BATCH)],
        "list": [[i, i + 1, "x"] for i in range(BATCH)],
        "read": list(range(BATCH)),
    }[kind]
    per_op: list[float] = []
    clock = time.perf_counter
    db, attrs = obj.db, plain.attrs
    if kind == "read":
        obj.db.hp = attrs["hp"] = 1
    for _ in range(max(1, n // BATCH)):
        if ember and kind == "read":
            start = clock()
            for _value in values:
                obj.db.hp  # noqa: B018  (the read is the measure)
            elapsed = clock() - start
        elif ember:
            start = clock()
            for value in values:
                obj.db.hp = value
            elapsed = clock() - start
            world.drain_changes()  # what the store's writer does, outside the timed batch
        elif kind == "read":
            start = clock()
            for _value in values:
                attrs["hp"]
            elapsed = clock() - start
        else:
            start = clock()
            for value in values:
                attrs["hp"] = value
            elapsed = clock() - start
        per_op.append(elapsed / BATCH)
    del db
    return [percentile(per_op, 0.5), percentile(per_op, 0.99)]


# -- the store: start-up and durable writes ----------------------------------------------------


async def fill(path: str, objects: int) -> None:
    """Make ``objects`` things with ten attributes each in a stored world at ``path``."""
    stored = await open_world(path)
    room = stored.world.create(Room, "Arena")
    for i in range(objects):
        stored.world.create(Thing, f"orc {i}", location=room, attributes=attributes(i))
        if i % 20_000 == 0:
            await stored.flush()  # as a bulk builder would: the next id block comes meanwhile
    await stored.close()


def load_phase(path: str, ember: bool) -> list[float]:
    """Seconds to open the stored world (Ember) or to fetch all its rows (raw SQL)."""
    start = time.perf_counter()
    if ember:

        async def run() -> int:
            stored = await open_world(path)
            count = len(stored.world)
            await stored.close()
            return count

        count = asyncio.run(run())
    else:
        conn = sqlite3.connect(path)
        count = len(conn.execute("SELECT * FROM ember_objects").fetchall())
        conn.execute("SELECT * FROM ember_attributes").fetchall()
        conn.close()
    return [time.perf_counter() - start, count]


def durable_phase(path: str, writes: int, ember: bool) -> list[float]:
    """Durable attribute writes per second: ``writes`` distinct stored attributes get new
    values in random order, in chunks of ``CHUNK``; the clock stops once all are durable."""
    conn = sqlite3.connect(path)
    keys = conn.execute("SELECT object_id, name FROM ember_attributes").fetchall()
    conn.close()
    chosen = random.Random(7).sample(keys, min(writes, len(keys)))
    if not ember:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute(f"PRAGMA cache_size=-{CACHE_KIB}")  # the same settings as the store
        sql = (
            "INSERT INTO ember_attributes VALUES (?, ?, ?)"
            " ON CONFLICT (object_id, name) DO UPDATE SET value = excluded.value"
        )
        start = time.perf_counter()
        for first in range(0, len(chosen), CHUNK):
            rows = [(o, n, json.dumps(i)) for i, (o, n) in enumerate(chosen[first : first + CHUNK])]
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(sql, rows)
            conn.execute("COMMIT")
        elapsed = time.perf_counter() - start
        conn.close()
        return [len(chosen) / elapsed]

    async def run() -> float:
        stored = await open_world(path)
        get = stored.world.get
        targets = [(get(o), n) for o, n in chosen]
        start = time.perf_counter()
        for first in range(0, len(targets), CHUNK):
            for i, (obj, name) in enumerate(targets[first : first + CHUNK]):
                obj.set_attribute(name, i)  # type: ignore[union-attr]
            await asyncio.sleep(0)  # the loop turns, as between commands
        await stored.flush()
        elapsed = time.perf_counter() - start
        await stored.close()
        return len(targets) / elapsed

    return [asyncio.run(run())]


CHUNK = 10_000  # attribute writes between two turns of the loop (and per raw transaction)


def store_rows(scale: int) -> None:
    """Add the store rows: start-up at 100,000 objects, durable writes at two sizes."""
    folder = tempfile.mkdtemp(prefix="ember-bench-")
    try:
        for objects in (10_000 // scale, 100_000 // scale):
            path = os.path.join(folder, f"world{objects}.db")
            say(f"store: filling a world of {objects:,} objects x 10 attributes")
            in_child(lambda path=path, objects=objects: [asyncio.run(fill(path, objects))] and [0])
            stored = objects * 10
            if objects == 100_000 // scale:
                say("store: start-up, raw SELECT then Ember")
                raw = in_child(lambda path=path: load_phase(path, ember=False))
                ours = in_child(lambda path=path: load_phase(path, ember=True))
                assert ours[1] == objects + 1, ours
                add(f"start-up, {objects:,} objects + {stored:,} attributes", ours[0], raw[0],
                    "s", "<= 2 s", ours[0] <= 2.0)  # fmt: skip
            writes = min(stored, 200_000 // scale)
            say(f"store: {writes:,} durable writes with {stored:,} stored, raw then Ember")
            copy = path + ".raw"
            shutil.copy(path, copy)
            raw = in_child(lambda c=copy, w=writes: durable_phase(c, w, ember=False))
            ours = in_child(lambda p=path, w=writes: durable_phase(p, w, ember=True))
            add(f"durable attribute writes, {stored:,} stored", ours[0], raw[0], "/s",
                ">= 100,000/s", ours[0] >= 100_000)  # fmt: skip
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10x fewer objects and writes")
    options = parser.parse_args()
    scale = 10 if options.quick else 1
    objects, writes = 100_000 // scale, 1_000_000 // scale
    say(f"memory: {objects:,} objects with 10 attributes, plain then Ember")
    plain_b = in_child(lambda: memory_phase(objects, ember=False))[0]
    ember_b = in_child(lambda: memory_phase(objects, ember=True))[0]
    add(
        "bytes per object, 10 small attributes",
        ember_b,
        plain_b,
        "B",
        "<= 2x",
        ember_b <= 2 * plain_b,
    )
    for kind, label in (
        ("int", "obj.db.x = int"),
        ("str", "obj.db.x = short str"),
        ("list", "obj.db.x = [int, int, str]"),
        ("read", "read obj.db.x"),
    ):
        say(f"{label}: {writes:,} times, dict then Ember")
        base = in_child(lambda kind=kind: write_phase(writes, ember=False, kind=kind))
        ours = in_child(lambda kind=kind: write_phase(writes, ember=True, kind=kind))
        target, ok = ("<= 5 us", ours[0] <= 5e-6) if kind != "read" else ("-", None)
        add(f"{label}, p50 (of {BATCH}-op batches)", ours[0], base[0], "us", target, ok)
        add(f"{label}, p99", ours[1], base[1], "us")
    store_rows(scale)
    mode = "quick" if options.quick else "full"
    python = sys.version.split()[0]
    note(
        f"{objects:,} objects for memory (tracemalloc, forked children); baseline: "
        "a plain object with the key and a dict of the same 10 attributes. Ember includes "
        "the world's indexes (id, class, name) and the room's contents entry."
    )
    TABLE.print(f"ember bench world ({mode}, Python {python}, {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
