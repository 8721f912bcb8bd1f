"""Background work benchmark: do other players notice one player's heavy job?

Run ``scripts/bench offload [--clients 50] [--seconds 3]``. It creates a game in a temp dir,
starts a Dask scheduler and one worker (``dask`` CLI, processes of their own) for the cluster
executor, starts the game with the ``ember`` CLI and connects N telnet clients that each send
a trivial command (``help say``) in a loop, one in flight per client. Their round trips are
measured (a) idle and (b) while one more player runs the template's ``crunch`` command: a
pure-Python CPU-bound job of S seconds run in a thread, in a worker process and on the Dask
cluster (the template offers no ``crunch/sync``: a job on the game loop freezes everyone).
Each executor is warmed up first (pool and cluster connection started), so the table shows
steady-state cost. Ratios are to idle. The game's ``PORTAL_LIMITS`` are lifted: closed-loop
clients send far more than the default 20 lines a second.

The broadcast case (``--broadcast-clients 49 --rate 2``) is closer to a busy game: every
player says something twice a second (each ``say`` reaches all the others), on a fixed
schedule whether or not earlier answers came, and the round trip is the time until the
player sees its own "You say". Others' p50/p99 are measured idle and during one S-second
pure-Python job started with plain ``run_async`` in a thread, first with
``EXECUTOR_THREAD_SWITCH_INTERVAL = 0`` (Python's 5 ms switch interval: the "before") and then
with the default (the fix); ratios are to that run's idle. ``--case`` picks either table.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import (
    LIFTED_LIMITS,
    PASSWORD,
    ember,
    free_port,
    login,
    new_game,
    percentile,
    print_columns,
)

from ember.game import create_account
from ember.testing import TelnetClient

FAST_HASH = "\nHASH_TIME_COST = 1\nHASH_MEMORY_COST = 8\nHASH_PARALLELISM = 1\n"


async def measure(clients: list[TelnetClient], until: asyncio.Future[None]) -> list[float]:
    """Every client sends ``help say`` and waits for its answer, again and again, until
    ``until`` is done; return every round trip in seconds."""
    samples: list[float] = []

    async def player(client: TelnetClient) -> None:
        while not until.done():
            started = time.perf_counter()
            client.send("help say")
            await client.expect("say <text>", within=60)
            samples.append(time.perf_counter() - started)

    await asyncio.gather(*(player(client) for client in clients))
    return samples


async def crunch(cruncher: TelnetClient, switch: str, seconds: float) -> float:
    """Run ``crunch/<switch> seconds`` and return its wall time until the answer arrived."""
    started = time.perf_counter()
    cruncher.send(f"crunch/{switch} {seconds}")
    await cruncher.expect("Crunched ", within=120)
    return time.perf_counter() - started


async def bench(port: int, count: int, seconds: float) -> list[tuple[str, ...]]:
    clients = [await login(port, f"player{i}", within=120) for i in range(count)]
    cruncher = await login(port, "cruncher", within=120)
    for switch in ("thread", "process", "cluster"):  # warm up: pools and connection started
        await crunch(cruncher, switch, 0.2)
    rows: list[tuple[str, ...]] = []
    loop = asyncio.get_running_loop()
    idle_done = loop.create_future()
    loop.call_later(seconds, idle_done.set_result, None)
    idle = await measure(clients, idle_done)
    idle50, idle99 = percentile(idle, 0.5), percentile(idle, 0.99)
    rows.append(("idle", f"{idle50 * 1e3:.2f}", f"{idle99 * 1e3:.2f}", "1.0x", "1.0x", "", ""))
    for switch in ("thread", "process", "cluster"):
        done: asyncio.Future[None] = loop.create_future()
        job = asyncio.create_task(crunch(cruncher, switch, seconds))
        job.add_done_callback(lambda _, done=done: done.set_result(None))
        samples = await measure(clients, done)
        wall = await job
        p50, p99 = percentile(samples, 0.5), percentile(samples, 0.99)
        rows.append(
            (
                f"during a {seconds:g} s job: {switch}",
                f"{p50 * 1e3:.2f}",
                f"{p99 * 1e3:.2f}",
                f"{p50 / idle50:.1f}x",
                f"{p99 / idle99:.1f}x",
                f"{max(samples) * 1e3:.0f}",
                f"{wall:.2f} s",
            )
        )
    for client in (*clients, cruncher):
        await client.close()
    return rows


async def sayers(
    clients: list[TelnetClient], rate: float, stop: asyncio.Event
) -> list[tuple[float, float]]:
    """Every client says a numbered line ``rate`` times a second (random phase, open loop)
    until ``stop`` is set; return (time sent, round trip) for every line, all answers awaited."""
    samples: list[tuple[float, float]] = []

    async def player(index: int, client: TelnetClient) -> None:
        sent: asyncio.Queue[tuple[str, float] | None] = asyncio.Queue()

        async def receive() -> None:
            while (item := await sent.get()) is not None:
                tag, started = item
                await client.expect(f'You say, "{tag}"', within=120)
                samples.append((started, time.perf_counter() - started))

        receiver = asyncio.create_task(receive())
        period = 1.0 / rate
        next_at = time.perf_counter() + random.random() * period
        number = 0
        while not stop.is_set():
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
            number += 1
            tag = f"p{index}-{number}"
            sent.put_nowait((tag, time.perf_counter()))
            client.send(f"say {tag}")
            next_at += period
        sent.put_nowait(None)
        await receiver

    await asyncio.gather(*(player(i, client) for i, client in enumerate(clients)))
    return samples


def summary(label: str, samples: list[float], idle: list[float]) -> tuple[str, ...]:
    p50, p99 = percentile(samples, 0.5), percentile(samples, 0.99)
    i50, i99 = percentile(idle, 0.5), percentile(idle, 0.99)
    return (
        label,
        f"{len(samples)}",
        f"{p50 * 1e3:.1f}",
        f"{p99 * 1e3:.1f}",
        f"{p50 / i50:.1f}x",
        f"{p99 / i99:.1f}x",
        f"{max(samples) * 1e3:.0f}",
    )


async def broadcast(
    port: int, count: int, rate: float, seconds: float, label: str
) -> list[tuple[str, ...]]:
    """The broadcast case on a started game: idle, then during one thread job of S seconds."""
    clients = [await login(port, f"player{i}", within=120) for i in range(count)]
    cruncher = await login(port, "cruncher", within=120)
    await crunch(cruncher, "thread", 0.2)  # warm up: the thread pool started
    stop = asyncio.Event()
    talk = asyncio.create_task(sayers(clients, rate, stop))
    await asyncio.sleep(1.0)  # everyone talking
    idle_from = time.perf_counter()
    await asyncio.sleep(seconds)
    job_from = time.perf_counter()
    await crunch(cruncher, "thread", seconds)
    job_to = time.perf_counter()
    stop.set()
    samples = await talk
    idle = [rtt for sent, rtt in samples if idle_from <= sent < job_from]
    during = [rtt for sent, rtt in samples if job_from <= sent < job_to]
    for client in (*clients, cruncher):
        await client.close()
    return [
        summary(f"{label}: idle", idle, idle),
        summary(f"{label}: during a {seconds:g} s thread job", during, idle),
    ]


def start_dask(port: int, workdir: Path) -> list[subprocess.Popen[bytes]]:
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    worker = [sys.executable, "-m", "distributed.cli.dask_worker"]
    address = f"tcp://127.0.0.1:{port}"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": workdir}
    scheduler = subprocess.Popen(
        [*dask, "--host", "127.0.0.1", "--port", str(port), "--dashboard-address", ":0"], **quiet
    )
    for _ in range(200):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    workers = subprocess.Popen(
        [*worker, address, "--nworkers", "1", "--nthreads", "1", "--dashboard-address", ":0"],
        **quiet,
    )
    return [scheduler, workers]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--broadcast-clients", type=int, default=49)
    parser.add_argument("--rate", type=float, default=2.0, help="says per player per second")
    parser.add_argument("--case", choices=("all", "one", "broadcast"), default="all")
    options = parser.parse_args()
    rows: list[tuple[str, ...]] = []
    wide: list[tuple[str, ...]] = []
    with tempfile.TemporaryDirectory(prefix="ember-bench-") as tmp:
        dask_port = free_port()
        cluster = f'CLUSTER_ADDRESS = "tcp://127.0.0.1:{dask_port}"\n'
        game, port = new_game(Path(tmp), FAST_HASH + LIFTED_LIMITS + cluster)
        base = (game / "settings.py").read_text()
        players = max(options.clients, options.broadcast_clients)
        for name in [f"player{i}" for i in range(players)] + ["cruncher"]:
            await asyncio.to_thread(create_account, game, name, PASSWORD)
        if options.case in ("all", "one"):
            dask = start_dask(dask_port, Path(tmp))
            try:
                ember(game, "start")
                try:
                    rows = await bench(port, options.clients, options.seconds)
                finally:
                    ember(game, "stop")
            finally:
                for process in reversed(dask):
                    process.terminate()
                    process.wait(10)
        if options.case in ("all", "broadcast"):
            runs = (
                ("before (switch interval 5 ms)", "EXECUTOR_THREAD_SWITCH_INTERVAL = 0\n"),
                ("after (default settings)", ""),
            )
            for label, extra in runs:
                (game / "settings.py").write_text(base + extra)
                ember(game, "start")
                try:
                    wide += await broadcast(
                        port, options.broadcast_clients, options.rate, options.seconds, label
                    )
                finally:
                    ember(game, "stop")
    print(f"ember bench offload: Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    if rows:
        print(f"\none player's job, {options.clients} telnet clients sending `help say` in turn")
        header = ("round trips of the others", "p50 ms", "p99 ms", "p50/idle", "p99/idle",
                  "max ms", "job took")  # fmt: skip
        print_columns(header, rows)
    if wide:
        print(
            f"\nbroadcast: {options.broadcast_clients} players each saying a line "
            f"{options.rate:g} times a second (each reaching all others)"
        )
        header = ("round trips of the others", "lines", "p50 ms", "p99 ms", "p50/idle",
                  "p99/idle", "max ms")  # fmt: skip
        print_columns(header, wide)


if __name__ == "__main__":
    asyncio.run(main())
