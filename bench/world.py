"""World benchmark, in-memory part: object memory and attribute writes beside plain Python
objects holding a dict of the same attributes, measured in the same run.

Run ``scripts/bench world [--quick]``; bench/README.md explains each row. The store rows
(start-up with 100,000 objects, durable writes) come with the world store.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
import tracemalloc
from typing import Any

from _common import Table, in_child, percentile, say

from ember.world import Room, Thing, World

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
    }
)
add = TABLE.add


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
    mode = "quick" if options.quick else "full"
    python = sys.version.split()[0]
    TABLE.print(f"ember bench world ({mode}, Python {python}, {os.cpu_count()} CPUs)")
    print(
        f"note: {objects:,} objects for memory (tracemalloc, forked children); baseline: "
        "a plain object with the key and a dict of the same 10 attributes. Ember includes "
        "the world's indexes (id, class, name) and the room's contents entry."
    )


if __name__ == "__main__":
    main()
