"""Server benchmark: cold start, logins, round trips, a say heard by a crowded room, walking,
idle memory, reload time, reload losses.

Run ``scripts/bench latency [--clients 50 200] [--rounds 40]``. It creates a game in a temp
dir on free ports, starts it with the ``ember`` CLI, connects N telnet clients on 127.0.0.1,
and prints one table. Baseline for round trips: the same clients against a bare asyncio echo
server in this process (the floor of the machine and the client loop).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import sys
import tempfile
import time
from pathlib import Path

from _common import PASSWORD, ember, memory_mib, new_game, percentile, print_columns

from ember.game import create_account
from ember.testing import TelnetClient

rows: list[tuple[str, str, str, str]] = []


async def turns(clients: list[TelnetClient], rounds: int, command: str, reply: str) -> list[float]:
    """Clients take turns, one command in flight at a time: latency without queueing."""
    samples: list[float] = []
    for _ in range(rounds):
        for client in clients:
            started = time.perf_counter()
            client.send(command)
            await client.expect(reply, within=30)
            samples.append(time.perf_counter() - started)
    return samples


async def round_trips(
    clients: list[TelnetClient], rounds: int, command: str, reply: str
) -> tuple[list[float], float]:
    """Every client sends ``command`` and waits for ``reply``, ``rounds`` times, all at once."""
    samples: list[float] = []

    async def player(client: TelnetClient) -> None:
        for _ in range(rounds):
            started = time.perf_counter()
            client.send(command)
            await client.expect(reply, within=30)
            samples.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(player(client) for client in clients))
    return samples, len(samples) / (time.perf_counter() - started)


async def echo_baseline(count: int, rounds: int) -> tuple[list[float], list[float]]:
    """The same two measurements against a bare asyncio echo server: (turns, all at once)."""

    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while line := await reader.readline():
            writer.write(b"pong " + line)

    server = await asyncio.start_server(echo, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    clients = [await TelnetClient.connect(port) for _ in range(count)]
    idle = await turns(clients, max(1, rounds // 4), "x", "pong x")
    loaded, _ = await round_trips(clients, rounds, "x", "pong x")
    for client in clients:
        await client.close()
    server.close()
    return idle, loaded


async def broadcasts(clients: list[TelnetClient], rounds: int) -> list[float]:
    """Each client in turn says a line in the room all of them stand in; a sample is the
    time until every other client (and the speaker's own echo) has it."""
    samples: list[float] = []
    for turn in range(rounds):
        for index, speaker in enumerate(clients):
            text = f"b{turn}-{index}"
            heard = f'says, "{text}"'
            started = time.perf_counter()
            speaker.send(f"say {text}")
            await asyncio.gather(
                *(
                    client.expect(f'You say, "{text}"' if client is speaker else heard, within=30)
                    for client in clients
                )
            )
            samples.append(time.perf_counter() - started)
    return samples


async def walks(clients: list[TelnetClient], rounds: int) -> list[float]:
    """Each client in turn walks north to the Garden and back (the demo area); a sample is
    one step until the mover sees the new room. The others in both rooms see it leave and
    arrive, and the mover's client gets Room.Info (GMCP) with each step."""
    samples: list[float] = []
    for _ in range(rounds):
        for client in clients:
            for way, sight in (("n", "Rows of herbs"), ("s", "A warm room around")):
                started = time.perf_counter()
                client.send(way)
                await client.expect(sight, within=30)
                samples.append(time.perf_counter() - started)
    return samples


async def room_baseline(count: int, rounds: int) -> tuple[list[float], list[float]]:
    """The say and walk cases against a bare asyncio server that only relays: a ``say``
    line goes to every connection, a step is told to the others and answered with the
    room's text (the floor of the machine and of 50 clients reading in one process)."""
    writers: list[asyncio.StreamWriter] = []
    sights = {b"n": b"Rows of herbs\r\n", b"s": b"A warm room around\r\n"}

    async def relay(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        while line := (await reader.readline()).strip():
            if line.startswith(b"say "):
                text = line[4:]
                for other in writers:
                    said = b"You say" if other is writer else b"someone says"
                    other.write(said + b', "' + text + b'"\r\n')
            else:
                for other in writers:
                    if other is not writer:
                        other.write(b"someone leaves.\r\n")
                writer.write(sights.get(line, b"?\r\n"))

    server = await asyncio.start_server(relay, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    clients = [await TelnetClient.connect(port) for _ in range(count)]
    heard = await broadcasts(clients, rounds)
    walked = await walks(clients, rounds)
    for client in clients:
        await client.close()
    server.close()
    return heard, walked


def add(measure: str, value: str, baseline: str = "", target: str = "") -> None:
    rows.append((measure, value, baseline, target))


async def bench(game: Path, port: int, count: int, rounds: int, *, rooms_only: bool) -> None:
    started = time.perf_counter()
    clients = [await TelnetClient.connect(port) for _ in range(count)]
    for i, client in enumerate(clients):
        client.send(f"connect player{i} {PASSWORD}")
    for i, client in enumerate(clients):
        await client.expect(f"Welcome, player{i}", within=120)
    add(f"log in {count} clients", f"{time.perf_counter() - started:.2f} s")
    if rooms_only:
        await room_cases(clients, count, rounds)
        for client in clients:
            await client.close()
        return
    idle = await turns(clients, max(1, rounds // 4), "help say", "say <text>")
    loaded, rate = await round_trips(clients, rounds, "help say", "say <text>")
    base_idle, base_loaded = await echo_baseline(count, rounds)
    target = "<= 2 ms" if count <= 50 else "<= 5 ms"
    for label, ours, base, goal in (
        ("round trip p50, one at a time", idle, base_idle, ""),
        ("round trip p99, one at a time", idle, base_idle, target),
        ("round trip p50, all at once", loaded, base_loaded, ""),
        ("round trip p99, all at once", loaded, base_loaded, ""),
    ):
        fraction = 0.5 if "p50" in label else 0.99
        mine, raw = percentile(ours, fraction) * 1e3, percentile(base, fraction) * 1e3
        add(f"{label}, {count} clients", f"{mine:.2f} ms", f"{raw:.2f} ms echo", goal)
    add(f"commands/s all at once, {count} clients", f"{rate:,.0f}/s")
    await room_cases(clients, count, rounds)
    pids = [int((game / "server" / name).read_text()) for name in ("portal.pid", "game.pid")]
    add(
        f"RSS portal + game, {count} idle clients",
        f"{memory_mib(pids[0]):.0f} + {memory_mib(pids[1]):.0f} MiB",
        "",
        "<= 80 MB",
    )
    started = time.perf_counter()
    ember(game, "reload")
    for client in clients:
        client.send("help say")
    for client in clients:
        await client.expect("say <text>", within=60)
    add(
        f"reload until all {count} answered",
        f"{time.perf_counter() - started:.3f} s",
        "",
        "<= 0.5 s",
    )
    sent, answered = await reloads_while_typing(game, clients[:10], reloads=5)
    add(
        f"lines sent / answered over 5 reloads, {min(count, 10)} typing",
        f"{sent} / {answered}",
        "",
        "equal",
    )
    for client in clients:
        await client.close()


async def room_cases(clients: list[TelnetClient], count: int, rounds: int) -> None:
    """Issue 14: a say reaching everyone in one crowded room, and players walking, each
    against the relay baseline measured right after (on a busy machine, compare ratios)."""
    goal = "<= 5 ms" if count <= 50 else ""
    turns_each = max(1, rounds // 10) if count <= 50 else 1
    heard = await broadcasts(clients, turns_each)
    walked = await walks(clients, turns_each)
    base_heard, base_walked = await room_baseline(count, turns_each)
    for label, ours, base in (
        ("say heard by all", heard, base_heard),
        ("step to the next room", walked, base_walked),
    ):
        for fraction, name in ((0.5, "p50"), (0.99, "p99")):
            add(
                f"{label} {name}, {count} in one room",
                f"{percentile(ours, fraction) * 1e3:.2f} ms",
                f"{percentile(base, fraction) * 1e3:.2f} ms relay",
                goal if name == "p99" else "",
            )
        for fraction, name in ((0.5, "p50"), (0.99, "p99")):
            ratio = percentile(ours, fraction) / percentile(base, fraction)
            add(f"{label} {name}: Ember / relay", f"{ratio:.2f}x")


async def reloads_while_typing(
    game: Path, typists: list[TelnetClient], *, reloads: int
) -> tuple[int, int]:
    """Typists send numbered ``say`` lines (5/s each) through ``reloads`` reloads; return
    how many lines were sent and how many distinct ones were answered (issue 10)."""
    stop = asyncio.Event()
    counts = [0] * len(typists)
    marks = [len(client.text) for client in typists]

    async def type_lines(index: int, client: TelnetClient) -> None:
        while not stop.is_set():
            client.send(f"say r{index}-{counts[index]}")
            counts[index] += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.2)

    async def read(client: TelnetClient) -> None:
        while await client._read():
            pass

    typing = [asyncio.create_task(type_lines(i, c)) for i, c in enumerate(typists)]
    readers = [asyncio.create_task(read(c)) for c in typists]
    for _ in range(reloads):
        await asyncio.to_thread(ember, game, "reload")
    stop.set()
    await asyncio.gather(*typing)
    for reader in readers:
        reader.cancel()
    await asyncio.gather(*readers, return_exceptions=True)
    answered = 0
    for index, client in enumerate(typists):
        with contextlib.suppress(TimeoutError):
            await client.expect(f'You say, "r{index}-{counts[index] - 1}"', within=30)
        seen = re.findall(rf'You say, "r{index}-(\d+)"', client.text[marks[index] :])
        answered += len(set(seen))
    return sum(counts), answered


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument(
        "--rooms-only",
        action="store_true",
        help="only the crowded-room cases (say heard by all, a step) and their relay baseline",
    )
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ember-bench-") as tmp:
        game, port = new_game(Path(tmp))
        for i in range(max(options.clients)):
            await asyncio.to_thread(create_account, game, f"player{i}", PASSWORD)
        started = time.perf_counter()
        ember(game, "start")
        client = await TelnetClient.connect(port)
        client.send(f"connect player0 {PASSWORD}")
        await client.expect("Welcome, player0", within=60)
        add(
            "cold start (ember start -> login answered)",
            f"{time.perf_counter() - started:.2f} s",
            "",
            "<= 1 s",
        )
        await client.close()
        try:
            for count in options.clients:
                await bench(game, port, count, options.rounds, rooms_only=options.rooms_only)
        finally:
            ember(game, "stop")
    print(f"ember bench latency (Python {sys.version.split()[0]}, {os.cpu_count()} CPUs)")
    header = ("measure", "Ember", "baseline", "target")
    print_columns(header, rows, min_widths=(0, 14, 16, 9))


def admin_table() -> int:
    """Issue 16: the idle and loaded round trips again, with the admin page open and
    refreshing against without it, as bench/admin.py measures them (a game of its own, four
    alternating rounds), printed as one more table for the smallest ``--clients`` and the same
    ``--rounds``. ``EMBER_BENCH_ADMIN=0`` skips it."""
    import subprocess  # only here: this block is the admin page's, apart from the rest

    if os.environ.get("EMBER_BENCH_ADMIN", "1") == "0":
        return 0
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--clients", type=int, nargs="+", default=[50])
    parser.add_argument("--rounds", type=int, default=40)
    known, _ = parser.parse_known_args()
    admin = [sys.executable, str(Path(__file__).with_name("admin.py"))]
    admin += ["--clients", str(min(known.clients)), "--rounds", str(known.rounds)]
    print(flush=True)
    return subprocess.run(admin, check=False).returncode


if __name__ == "__main__":
    asyncio.run(main())
    sys.exit(admin_table())
