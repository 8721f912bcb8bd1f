"""SIGKILL a process that schedules persistent tasks, over and over; nothing may be lost.

The child (crash_child.py) logs which tasks are durable, which fired and which ends are
durable. The rules checked: every task known durable fires at least once; a task fires again
only if its end was not yet durable when the process died (the documented unflushed window).
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
from collections import Counter
from pathlib import Path

import pytest
from support.task_stores import POSTGRES_DSN, StoreFactory

CHILD = Path(__file__).with_name("crash_child.py")
ROUNDS = 30 if os.environ.get("EMBER_STRESS") == "1" else 6


def store_url(factory: StoreFactory) -> str:
    if factory.kind == "sqlite":
        assert factory.path is not None
        return str(factory.path)
    return f"{POSTGRES_DSN}?schema={factory.schema}"


async def start_child(url: str, log: Path, seed: int, mode: str) -> asyncio.subprocess.Process:
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        str(CHILD),
        url,
        str(log),
        str(seed),
        mode,
        stdout=asyncio.subprocess.PIPE,
    )
    assert child.stdout is not None
    line = await asyncio.wait_for(child.stdout.readline(), timeout=60)
    assert line == b"ready\n", line
    return child


@pytest.mark.slow
async def test_sigkill_at_random_moments_loses_nothing(
    store_factory: StoreFactory, tmp_path: Path
) -> None:
    seed = random.randrange(1_000_000)
    print(f"crash test seed {seed}")  # shown on failure, to replay the same moments
    rng = random.Random(seed)
    url, log = store_url(store_factory), tmp_path / "crash.log"
    store_factory.new()  # make sure the schema name is settled before children use it
    for round_no in range(ROUNDS):
        child = await start_child(url, log, seed * 1000 + round_no, "run")
        await asyncio.sleep(rng.uniform(0.05, 0.6))  # the fault: a kill at a random moment
        child.send_signal(signal.SIGKILL)
        assert await child.wait() == -signal.SIGKILL
    child = await start_child(url, log, seed * 1000 + ROUNDS, "drain")
    assert child.stdout is not None
    assert await asyncio.wait_for(child.stdout.readline(), timeout=120) == b"drained\n"
    assert await child.wait() == 0

    durable, fired, done_durable = set(), Counter[str](), set()
    refired_after_durable_end = []
    for line in log.read_text().splitlines():
        event, label = line.split(" ", 1)
        if event == "durable-created":
            durable.add(label)
        elif event == "fired":
            if fired[label] and label in done_durable:
                refired_after_durable_end.append(label)
            fired[label] += 1
        elif event == "durable-done":
            done_durable.add(label)
    assert durable, "the child never got a task durable; the test proved nothing"
    lost = sorted(durable - set(fired))
    assert lost == [], f"durable tasks that never fired: {lost[:10]} (seed {seed})"
    assert refired_after_durable_end == [], f"ran again after a durable end (seed {seed})"
    twice = sum(1 for count in fired.values() if count > 1)
    print(f"{len(durable)} durable tasks, {sum(fired.values())} firings, {twice} re-fired")
