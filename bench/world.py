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
from _world_game import game_rows

from ember.world import Room, SqliteWorldStore, Thing, World, open_world
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
        "ms": lambda value: f"{value * 1e3:.2f} ms",
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
    await stored.flush()
    await stored.store.fold()  # type: ignore[attr-defined]  # the attribute log starts empty
    await stored.close()


def load_phase(path: str, ember: bool, stream: bool = False) -> list[float]:
    """Seconds to open the stored world (Ember) or to fetch all its rows (raw SQL), and the
    object count. Streamed, also the seconds until every attribute is in memory."""
    start = time.perf_counter()
    if ember:

        async def run() -> list[float]:
            stored = await open_world(path, stream=stream)
            opened = time.perf_counter() - start
            if stored.stream is not None:
                await stored.stream.finished()
            count = len(stored.world)
            await stored.close()
            return [opened, count, time.perf_counter() - start]

        return asyncio.run(run())
    else:
        conn = sqlite3.connect(path)
        count = len(conn.execute("SELECT * FROM ember_objects").fetchall())
        conn.execute("SELECT * FROM ember_attributes").fetchall()
        conn.execute("SELECT * FROM ember_attribute_log").fetchall()
        conn.close()
    return [time.perf_counter() - start, count]


def stored_keys(path: str) -> list[tuple[int, str]]:
    """Every (object id, attribute name) of the things ``fill`` made."""
    conn = sqlite3.connect(path)
    ids = [row[0] for row in conn.execute("SELECT id FROM ember_objects WHERE key LIKE 'orc %'")]
    conn.close()
    return [(object_id, name) for object_id in ids for name in NAMES]


def durable_phase(path: str, writes: int, ember: bool) -> list[float]:
    """Durable attribute writes per second: ``writes`` distinct stored attributes get new
    values in random order, in chunks of ``CHUNK``; the clock stops once all are durable.
    Ember also returns the seconds a fold of the log those writes left takes afterwards."""
    chosen = random.Random(7).sample(stored_keys(path), writes)
    if not ember:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute(f"PRAGMA cache_size=-{CACHE_KIB}")  # the same settings as the store
        sql = (
            "INSERT INTO ember_attributes VALUES (?, ?, ?)"
            " ON CONFLICT (object_id, name) DO UPDATE SET value = excluded.value"
        )
        start, cpu = time.perf_counter(), time.process_time()
        for first in range(0, len(chosen), CHUNK):
            rows = [(o, n, json.dumps(i)) for i, (o, n) in enumerate(chosen[first : first + CHUNK])]
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(sql, rows)
            conn.execute("COMMIT")
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        conn.close()
        return [len(chosen) / elapsed, cpu / len(chosen)]

    async def run() -> list[float]:
        stored = await open_world(path)
        gc.freeze()  # as the game process does once its world is loaded
        get = stored.world.get
        targets = [(get(o), n) for o, n in chosen]
        start, cpu = time.perf_counter(), time.process_time()  # CPU of every thread
        for first in range(0, len(targets), CHUNK):
            for i, (obj, name) in enumerate(targets[first : first + CHUNK]):
                obj.set_attribute(name, i)  # type: ignore[union-attr]
            await asyncio.sleep(0)  # the loop turns, as between commands
        await stored.flush()
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        await stored.close()
        return [len(targets) / elapsed, cpu / len(targets)]

    return asyncio.run(run())


def fold_phase(path: str) -> list[float]:
    """Seconds to fold the attribute log into the attribute table; the log's row count."""

    async def run() -> list[float]:
        store = SqliteWorldStore(path)
        await store.open()
        rows = store._log_rows
        start = time.perf_counter()
        await store.fold()
        elapsed = time.perf_counter() - start
        await store.close()
        return [elapsed, rows]

    return asyncio.run(run())


CHUNK = 10_000  # attribute writes between two turns of the loop (and per raw transaction)


def store_rows(scale: int) -> None:
    """Add the store rows: durable writes at two sizes, then start-up at 100,000 objects
    (with those writes in the attribute log) and the fold of that log."""
    folder = tempfile.mkdtemp(prefix="ember-bench-")
    try:
        for objects in (10_000 // scale, 100_000 // scale):
            path = os.path.join(folder, f"world{objects}.db")
            say(f"store: filling a world of {objects:,} objects x 10 attributes")
            in_child(lambda path=path, objects=objects: [asyncio.run(fill(path, objects))] and [0])
            stored = objects * 10
            writes = min(stored, 200_000 // scale)
            say(f"store: {writes:,} durable writes with {stored:,} stored, raw then Ember")
            copy = path + ".raw"
            shutil.copy(path, copy)
            raw = in_child(lambda c=copy, w=writes: durable_phase(c, w, ember=False))
            rate, cpu = in_child(lambda p=path, w=writes: durable_phase(p, w, ember=True))
            add(f"durable attribute writes, {stored:,} stored", rate, raw[0], "/s",
                ">= 100,000/s", rate >= 100_000)  # fmt: skip
            # CPU time (all threads) per write: what a loaded machine changes least.
            add(f"  CPU per durable write, {stored:,} stored", cpu, raw[1], "us")
            if objects != 100_000 // scale:
                continue
            say("store: start-up, raw SELECT then Ember")
            base = in_child(lambda path=path: load_phase(path, ember=False))
            ours = in_child(lambda path=path: load_phase(path, ember=True))
            assert ours[1] == objects + 1, ours
            add(f"start-up, {objects:,} objects + {stored:,} attributes ({writes:,} in the log),"
                " all loaded first", ours[0], base[0], "s")  # fmt: skip
            streamed = in_child(lambda path=path: load_phase(path, ember=True, stream=True))
            assert streamed[1] == objects + 1, streamed
            add("  start-up, objects loaded, attributes streaming in after", streamed[0],
                base[0], "s", "<= 2 s", streamed[0] <= 2.0)  # fmt: skip
            add("  ... until every attribute is streamed in", streamed[2], base[0], "s")
            say("store: folding the log")
            seconds, folded = in_child(lambda path=path: fold_phase(path))
            per_row = seconds / folded
            add(f"fold of the log, per row ({folded:,.0f} rows into {stored:,})", per_row,
                1 / raw[0], "us")  # fmt: skip
            # The log is folded once it is as large as the table: each write pays for one
            # folded row, on top of its append.
            amortized = 1 / (1 / rate + per_row)
            add(f"durable attribute writes with their fold, {stored:,} stored", amortized,
                raw[0], "/s", ">= 100,000/s", amortized >= 100_000)  # fmt: skip
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
    game_rows(add, 100_000 // scale, 1_000 // scale)
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
