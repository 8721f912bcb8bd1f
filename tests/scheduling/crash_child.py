"""A game-like process for the crash test: schedules persistent tasks until it is killed.

Usage: python crash_child.py URL LOG SEED run|drain

It appends to LOG: ``durable-created L`` once task L is known to be durable (after a flush),
``fired L`` when L's callback runs, and ``durable-done L`` once the end of L is durable.
"""

from __future__ import annotations

import asyncio
import os
import random
import sys

import taskbook

from ember import delay, open_task_store


def append(log_path: str, lines: list[str]) -> None:
    if not lines:
        return
    fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, "".join(line + "\n" for line in lines).encode())
    finally:
        os.close(fd)


async def main(url: str, log_path: str, seed: int, mode: str) -> None:
    rng = random.Random(seed)
    async with open_task_store(url) as scheduler:
        print("ready", flush=True)
        if mode == "drain":
            while scheduler.statistics().pending:
                await asyncio.gather(*scheduler.tasks(), return_exceptions=True)
            await scheduler.flush()
            print("drained", flush=True)
            return
        counter = 0
        while True:
            created = []
            for _ in range(rng.randint(1, 20)):
                label = f"{seed}-{counter}"
                counter += 1
                delay(rng.uniform(0, 0.3), taskbook.log_firing, log_path, label, persistent=True)
                created.append(label)
            fired_before = [args[0] for args, _ in taskbook.FIRED]
            taskbook.FIRED.clear()
            await scheduler.flush()
            append(log_path, [f"durable-created {label}" for label in created])
            append(log_path, [f"durable-done {label}" for label in fired_before])
            await asyncio.sleep(rng.uniform(0, 0.02))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]))
