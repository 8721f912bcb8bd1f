"""Durable-flow benchmark: journaled steps, replay and resumption beside persistent delays and
plain generators, all in the same run.

Run ``scripts/bench flows [--quick]``; bench/README.md explains each row. A "reload" here is
in-process: the flows are suspended, the journal and the SQLite store closed, then a new store
on the same file attached and the flows resumed (the process start itself is not counted).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import Table, say

from ember import delay, flow_random, get_scheduler, interactive
from ember.interaction import durable_flows, get_flows, questions
from ember.scheduling import Scheduler, attach_store, install_scheduler
from ember.scheduling._sqlite import SqliteTaskStore

FAR = 3600.0
TABLE = Table(
    {
        "us": lambda value: f"{value * 1e6:,.1f} µs",
        "ms": lambda value: f"{value * 1e3:,.2f} ms",
        "s": lambda value: f"{value:.3f} s",
    }
)
add, note = TABLE.add, TABLE.notes.append


class Player:
    """A caller the journal can store (a persistent entity) that counts what it is asked."""

    __slots__ = ("asked", "entity_id")
    entity_kind = "bench"

    def __init__(self, ident: int) -> None:
        self.entity_id = ident
        self.asked = 0

    def msg(self, text: str) -> None:
        pass

    def prompt(self, text: str) -> None:
        self.asked += 1


PLAYERS: dict[int, Player] = {}
WAITING: list[int] = []  # flows that reached their live question
ASKED = asyncio.Event()


def noop(*args: Any) -> None:
    """The callback of the resume row's persistent delays (``__main__:noop``)."""


@interactive(durable=True)
def rolls(caller: Player, steps: int) -> Any:
    """``steps`` journaled random values, then a question that waits (the flow goes live)."""
    total = 0.0
    for _ in range(steps):
        total += yield flow_random()
    WAITING.append(1)
    if len(WAITING) >= EXPECTED[0]:
        ASKED.set()
    yield "Again?"
    return total


def plain_rolls(steps: int) -> Any:
    """The same generator, driven without a journal: the baseline of a replay."""
    total = 0.0
    for _ in range(steps):
        total += yield 0.5
    return total


EXPECTED = [0]


async def reached(count: int) -> None:
    """Wait until ``count`` flows have reached their live question."""
    EXPECTED[0] = count
    if len(WAITING) < count:
        ASKED.clear()
        await ASKED.wait()


class Store:
    """The durable flows' store, restartable the way a reload does it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.store = SqliteTaskStore(path)

    async def open(self) -> float:
        """Attach and resume; return the seconds it took."""
        started = time.perf_counter()
        await self.store.open()
        flows = durable_flows()
        flows.resume(await flows.attach(self.store))
        return time.perf_counter() - started

    async def stop(self) -> None:
        durable_flows().suspend_all()
        await get_flows().cancel_all()
        questions.cancel_all()
        await durable_flows().close()
        await self.store.close()
        self.store = SqliteTaskStore(self.path)


async def step_cost(folder: Path, flows: int, steps: int, rounds: int = 3) -> None:
    """Journaled steps of many flows at once vs as many persistent delays (made, fired, their
    rows deleted), per unit: CPU time of the whole process (the loop and the store's thread)
    and wall time; the best of ``rounds`` runs of each, taken in turns."""
    say(f"cost per step: {flows:,} flows x {steps} steps vs {flows * steps:,} persistent delays")
    count = flows * steps
    best = {"step": (1e9, 1e9), "delay": (1e9, 1e9)}
    for turn in range(rounds):
        store = Store(folder / f"steps{turn}.db")
        await store.open()
        WAITING.clear()
        cpu, wall = time.process_time(), time.perf_counter()
        for ident in range(flows):
            rolls(PLAYERS.setdefault(ident, Player(ident)), steps)
        await reached(flows)
        took = ((time.process_time() - cpu) / count, (time.perf_counter() - wall) / count)
        best["step"] = min(best["step"], took)
        await store.stop()

        scheduler = install_scheduler(Scheduler())
        tasks = SqliteTaskStore(folder / f"delays{turn}.db")
        await tasks.open()
        await attach_store(scheduler, tasks)
        FIRED.clear()
        ALL_FIRED.clear()
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(count):
            delay(0, fired, count, persistent=True)
        await ALL_FIRED.wait()
        await scheduler.flush()
        took = ((time.process_time() - cpu) / count, (time.perf_counter() - wall) / count)
        best["delay"] = min(best["delay"], took)
        await scheduler.close()
        await tasks.close()
        install_scheduler(Scheduler())
    (step_cpu, step_wall), (delay_cpu, delay_wall) = best["step"], best["delay"]
    add("CPU per journaled step", step_cpu, delay_cpu, "us", "<= 1x delay",
        step_cpu <= delay_cpu)  # fmt: skip
    add("wall time per step, all at once", step_wall, delay_wall, "us", "info")


FIRED: list[int] = []
ALL_FIRED = asyncio.Event()


def fired(count: int) -> None:
    """The baseline's persistent delay: counts itself; the last one sets :data:`ALL_FIRED`."""
    FIRED.append(1)
    if len(FIRED) == count:
        ALL_FIRED.set()


async def replay(folder: Path, steps: int) -> None:
    """Replaying one flow of ``steps`` recorded steps vs driving the plain generator."""
    say(f"replay: one flow of {steps} steps")
    store = Store(folder / "replay.db")
    await store.open()
    WAITING.clear()
    rolls(PLAYERS.setdefault(0, Player(0)), steps)
    await reached(1)
    await store.stop()
    await store.store.open()
    flows = durable_flows()
    stored = await flows.attach(store.store)
    WAITING.clear()
    started = time.perf_counter()
    flows.resume(stored)
    await reached(1)
    replayed = time.perf_counter() - started
    await store.stop()

    started = time.perf_counter()
    gen = plain_rolls(steps)
    value = gen.send(None)
    try:
        while True:
            value = gen.send(value)
    except StopIteration:
        pass
    add(f"replay of a {steps}-step flow", replayed, time.perf_counter() - started, "ms",
        "info")  # fmt: skip


async def resume_many(folder: Path, flows: int, steps: int) -> None:
    """``flows`` flows resumed after a reload, each replaying ``steps`` steps to its question,
    vs restoring as many persistent delays."""
    say(f"resume: {flows:,} flows of {steps} steps after a reload")
    store = Store(folder / "many.db")
    await store.open()
    WAITING.clear()
    for ident in range(flows):
        rolls(PLAYERS.setdefault(ident, Player(ident)), steps)
    await reached(flows)
    await store.stop()
    WAITING.clear()
    started, cpu = time.perf_counter(), time.process_time()
    await store.open()
    await reached(flows)
    resumed, resumed_cpu = time.perf_counter() - started, time.process_time() - cpu
    await store.stop()

    scheduler = install_scheduler(Scheduler())
    tasks = SqliteTaskStore(folder / "restore.db")
    await tasks.open()
    await attach_store(scheduler, tasks)
    for _ in range(flows):
        delay(FAR, noop, persistent=True)
    await scheduler.close()
    await tasks.close()
    scheduler = install_scheduler(Scheduler())
    tasks = SqliteTaskStore(folder / "restore.db")
    started, cpu = time.perf_counter(), time.process_time()
    await tasks.open()
    await attach_store(scheduler, tasks)
    restored, restored_cpu = time.perf_counter() - started, time.process_time() - cpu
    await scheduler.close()
    await tasks.close()
    install_scheduler(Scheduler())
    add(f"{flows:,} flows resumed after a reload", resumed, restored, "s", "<= 1 s",
        resumed <= 1.0)  # fmt: skip
    add("  CPU time of the same (both threads)", resumed_cpu, restored_cpu, "s", "info")


async def main(quick: bool) -> None:
    scale = 10 if quick else 1
    registry = get_scheduler().entities
    registry.register("bench", PLAYERS.get)
    with tempfile.TemporaryDirectory(prefix="ember-bench-flows-") as folder:
        await step_cost(Path(folder), 1000 // scale, 10)
        await replay(Path(folder), 100)
        await resume_many(Path(folder), 10_000 // scale, 3)
    note("SQLite, synchronous=FULL; each journaled step is durable before the flow goes on,")
    note("so its wall time is commit latency shared by the flows waiting together")
    note("baseline of the resume row: attach_store restoring as many persistent delays")
    TABLE.print(f"flows benchmark{' (--quick)' if quick else ''}, python {sys.version.split()[0]}")


def run(argv: list[str] | None = None, entry: Callable[[bool], Any] = main) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10x fewer flows")
    args = parser.parse_args(argv)
    asyncio.run(entry(args.quick))


if __name__ == "__main__":
    run()
