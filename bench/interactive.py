"""Interactive-code benchmark: 1,000 callers in a wait-and-ask loop beside bare asyncio, same run.

Run ``scripts/bench interactive [--callers N] [--rounds N]``; bench/README.md explains each row.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import time
import tracemalloc
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from _common import percentile, say

from ember import interactive
from ember.interaction import answer, questions

PAUSE = 0.002  # seconds each caller waits before asking again


class Caller:
    """A player as the driver sees one: msg() and prompt() (output is dropped)."""

    __slots__ = ("asked", "resumed")

    def __init__(self) -> None:
        self.asked = 0
        self.resumed = 0.0

    def msg(self, text: str) -> None:
        pass

    def prompt(self, text: str) -> None:
        self.asked += 1


@interactive
def wait_and_ask(caller: Caller) -> Any:
    """The seed page's loop: pause, ask whether to go on, note when the answer arrived."""
    while True:
        yield PAUSE
        reply = yield "Wait again?"
        caller.resumed = time.perf_counter()
        if reply != "yes":
            return


class Bare:
    """The baseline: one coroutine per caller, a loop timer, then a bare Future per question."""

    def __init__(self) -> None:
        self.waiting: dict[int, asyncio.Future[str]] = {}
        self.resumed: dict[int, float] = {}

    async def run(self, index: int) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(PAUSE)
            future: asyncio.Future[str] = loop.create_future()
            self.waiting[index] = future
            reply = await future
            self.resumed[index] = time.perf_counter()
            if reply != "yes":
                return


async def until(condition: Callable[[], bool]) -> None:
    # Polling on purpose: the measured functions record their own resume time.
    while not condition():  # noqa: ASYNC110
        await asyncio.sleep(0.0005)


async def ember_latencies(callers: int, rounds: int) -> tuple[list[float], list[float]]:
    """Burst: every caller's line arrives in one loop turn; single: one line at a time."""
    people = [Caller() for _ in range(callers)]
    flows = [wait_and_ask(caller) for caller in people]
    burst: list[float] = []
    for _ in range(rounds):
        await until(lambda: questions.pending() == callers)
        sent = []
        for caller in people:
            sent.append(time.perf_counter())
            answer(caller, "yes")  # what the dispatcher does with a line
        mark = [caller.resumed for caller in people]
        await until(
            lambda mark=mark: all(c.resumed != m for c, m in zip(people, mark, strict=True))
        )
        burst += [c.resumed - t for c, t in zip(people, sent, strict=True)]
    single: list[float] = []
    await until(lambda: questions.pending() == callers)
    for caller in people:
        before = caller.resumed
        sent_at = time.perf_counter()
        answer(caller, "yes")
        await until(lambda: caller.resumed != before)  # noqa: B023 - awaited at once
        single.append(caller.resumed - sent_at)
    await until(lambda: questions.pending() == callers)
    for caller in people:
        answer(caller, "no")
    await asyncio.gather(*flows)
    return burst, single


async def bare_latencies(callers: int, rounds: int) -> tuple[list[float], list[float]]:
    bare = Bare()
    tasks = [asyncio.create_task(bare.run(i)) for i in range(callers)]

    def all_waiting() -> bool:
        futures = bare.waiting.values()
        return len(bare.waiting) == callers and not any(f.done() for f in futures)

    burst: list[float] = []
    for _ in range(rounds):
        await until(all_waiting)
        sent = {}
        mark = dict(bare.resumed)
        for index, future in list(bare.waiting.items()):
            sent[index] = time.perf_counter()
            future.set_result("yes")
        await until(
            lambda mark=mark: all(bare.resumed.get(i) != mark.get(i) for i in range(callers))
        )
        burst += [bare.resumed[i] - sent[i] for i in range(callers)]
    single: list[float] = []
    await until(all_waiting)
    for index in range(callers):
        before = bare.resumed.get(index)
        sent_at = time.perf_counter()
        bare.waiting[index].set_result("yes")
        await until(lambda: bare.resumed.get(index) != before)  # noqa: B023
        single.append(bare.resumed[index] - sent_at)
    await until(all_waiting)
    for future in bare.waiting.values():
        future.set_result("no")
    await asyncio.gather(*tasks)
    return burst, single


async def memory(make: Callable[[], Awaitable[Any]], ready: Callable[[], bool], n: int) -> float:
    """Bytes traced per waiting function once all ``n`` wait (they are then cancelled)."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    waiting = [make() for _ in range(n)]
    await until(ready)
    gc.collect()
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    for item in waiting:
        item.cancel()  # type: ignore[attr-defined]
    await asyncio.gather(*waiting, return_exceptions=True)
    questions.cancel_all()
    return used / n


async def main(callers: int, rounds: int) -> None:
    rows: list[tuple[str, str, str, str]] = []
    loop = asyncio.get_running_loop()

    def row(measure: str, ember: float, baseline: float, unit: str) -> None:
        scale, fmt = (1e6, "{:,.1f} µs") if unit == "s" else (1.0, "{:,.0f} B")
        rows.append(
            (
                measure,
                fmt.format(ember * scale),
                fmt.format(baseline * scale),
                f"{ember / baseline:.2f}x" if baseline else "-",
            )
        )

    say(f"memory: {callers} callers pausing, then asking")
    parked: list[asyncio.Future[None]] = []

    async def bare_wait() -> None:
        future: asyncio.Future[None] = loop.create_future()
        parked.append(future)
        await future

    paused: list[int] = []
    people = iter([Caller() for _ in range(2 * callers)])  # made before memory is traced

    @interactive
    def pause(caller: Caller) -> Any:
        paused.append(1)
        yield 3600

    @interactive
    def ask_once(caller: Caller) -> Any:
        yield "Well?"

    def pausing() -> Any:
        return pause(next(people))

    def asking() -> Any:
        return ask_once(next(people))

    bare_bytes = await memory(
        lambda: asyncio.ensure_future(bare_wait()), lambda: len(parked) >= callers, callers
    )
    pause_bytes = await memory(pausing, lambda: len(paused) >= callers, callers)
    ask_bytes = await memory(asking, lambda: questions.pending() >= callers, callers)
    row("memory per function waiting on a pause", pause_bytes, bare_bytes, "B")
    row("memory per function waiting on a question", ask_bytes, bare_bytes, "B")

    say(f"latency: {callers} callers x {rounds} burst rounds, then one line at a time")
    ember_burst, ember_single = await ember_latencies(callers, rounds)
    bare_burst, bare_single = await bare_latencies(callers, rounds)
    for name, ours, theirs in (
        (f"line -> resume, {callers} lines in one turn", ember_burst, bare_burst),
        ("line -> resume, one line at a time", ember_single, bare_single),
    ):
        row(f"{name}: p50", percentile(ours, 0.5), percentile(theirs, 0.5), "s")
        row(f"{name}: p99", percentile(ours, 0.99), percentile(theirs, 0.99), "s")
        say(f"  {name}: mean {statistics.fmean(ours) * 1e6:.1f} µs (Ember)")

    widths = [max(len(r[i]) for r in [*rows, HEADER]) for i in range(4)]
    for line in [HEADER, tuple("-" * w for w in widths), *rows]:
        print("| " + " | ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)) + " |")


HEADER = ("measure", "Ember", "baseline (bare asyncio Future)", "ratio")


def run(coroutine: Coroutine[Any, Any, None]) -> None:
    asyncio.run(coroutine)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--callers", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=20)
    options = parser.parse_args()
    run(main(options.callers, options.rounds))
