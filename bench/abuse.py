"""Abuse benchmark: another player's round trip while one connection floods or piles questions.

Run ``scripts/bench abuse [--flood-mib 20] [--questions 5000]``. It creates a game in a temp
dir on free ports (loopback only), starts it with the ``ember`` CLI, logs in a calm player who
sends ``say ping N`` every 60 ms (within the input limit) and times each echo. The baseline is
the same player with nobody else connected, measured first in the same run. Cases:

- flood: one unauthenticated connection sends ``--flood-mib`` MiB of ``look`` lines as fast
  as the portal takes them, until the portal cuts it off;
- IAC NOP: three connections each send that much ``IAC NOP`` (telnet's no-op command);
- question pile: a Developer asks itself ``--questions`` questions (``py``), then answers them
  all in one go with ``ember.interaction.answer`` (what the dispatcher does per line), so the
  figure is the game's cost of answering, not the portal's line limit.

Every case is bounded in time (``--case-timeout``) and in bytes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import PASSWORD, ember, login, memory_mib, new_game, percentile, print_columns, say

from ember.testing import TelnetClient

PACE = 0.06  # seconds between the calm player's commands: ~16 lines/s, under the limit of 20
rows: list[tuple[str, str, str, str]] = []


def add(measure: str, value: str, baseline: str = "", ratio: str = "") -> None:
    rows.append((measure, value, baseline, ratio))


class Calm:
    """The player whose round trips are measured."""

    def __init__(self, client: TelnetClient) -> None:
        self.client = client
        self.number = 0

    async def ping(self) -> float:
        self.number += 1
        started = time.perf_counter()
        self.client.send(f"say ping {self.number}")
        await self.client.expect(f'You say, "ping {self.number}"', within=60)
        return time.perf_counter() - started

    async def while_running(self, work: asyncio.Task[object], at_least: int) -> list[float]:
        """Ping every PACE seconds until ``work`` is done (and ``at_least`` samples)."""
        samples: list[float] = []
        while not work.done() or len(samples) < at_least:
            samples.append(await self.ping())
            await asyncio.sleep(PACE)
        return samples


async def flood(port: int, chunk: bytes, total: int) -> float:
    """Send ``total`` bytes of ``chunk`` as fast as taken; return seconds until cut off."""
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    with contextlib.suppress(ConnectionError):
        for _ in range(0, total, len(chunk)):
            writer.write(chunk)
            await writer.drain()
        while await reader.read(65536):
            pass
    writer.close()
    return time.perf_counter() - started


def compare(case: str, samples: list[float], idle: list[float]) -> None:
    for label, fraction in (("p50", 0.5), ("p99", 0.99)):
        ours, base = percentile(samples, fraction), percentile(idle, fraction)
        add(
            f"{case}: round trip {label} ({len(samples)} samples)",
            f"{ours * 1e3:.2f} ms",
            f"{base * 1e3:.2f} ms idle",
            f"{ours / base:.2f}x",
        )


async def flood_case(
    name: str, calm: Calm, idle: list[float], port: int, chunk: bytes, count: int, args: Any
) -> None:
    total = args.flood_mib * 1024 * 1024
    say(f"{name}: {count} connection(s) x {args.flood_mib} MiB")
    floods = asyncio.gather(*(flood(port, chunk, total) for _ in range(count)))
    work = asyncio.ensure_future(asyncio.wait_for(floods, args.case_timeout))
    samples = await calm.while_running(work, at_least=50)
    try:
        cut_off = max(await work)
        add(f"{name}: flooder cut off after", f"{cut_off:.1f} s")
    except TimeoutError:
        add(f"{name}: flooder cut off after", f"> {args.case_timeout:g} s (stopped)")
    compare(name, samples, idle)


async def question_case(calm: Calm, idle: list[float], port: int, args: Any) -> None:
    piler = await login(port, "piler", within=60)
    answered: dict[int, float] = {}
    for n in (args.questions // 10, args.questions):
        say(f"question pile: {n:,} pending questions, answered at once")
        # One `py` line: the piler cannot type the answering code itself, as its next line
        # would answer a question. The answering runs 1 s later, timed inside the game.
        piler.send(
            "py import asyncio, time; from ember.interaction import answer; "
            f"server.bench_pile = [asyncio.ensure_future(me.ask('pile?')) for _ in range({n})]; "
            'server.bench_go = lambda: (lambda t: me.msg(f\'{"pile"}-answered '
            f'{{sum(answer(me, "x") for _ in range({n}))}} in '
            "{time.perf_counter() - t:.4f} s'))(time.perf_counter()); "
            "delay(1.0, server.bench_go)"
        )

        async def report() -> str:
            # Spelt apart in the code, so the echo of the `py` line does not match.
            await piler.expect("pile-answered", within=args.case_timeout)
            return await piler.expect(" s\n", within=10)

        work = asyncio.ensure_future(report())
        samples = await calm.while_running(work, at_least=20)
        words = (await work).split()
        answered[n] = float(words[2])
        add(f"question pile: answer {int(words[0]):,} of {n:,} pending", f"{words[2]} s")
        if n == args.questions:
            compare(f"question pile ({n:,})", samples, idle)
    small, large = args.questions // 10, args.questions
    add(
        f"question pile: time for {large:,} / time for {small:,}",
        f"{answered[large] / max(answered[small], 1e-9):.1f}x",
        "10x if linear",
    )
    await piler.close()


async def bench(game: Path, port: int, args: Any) -> None:
    calm = Calm(await login(port, "calm", within=60))
    pids = [int((game / "server" / name).read_text()) for name in ("portal.pid", "game.pid")]
    say("idle baseline")
    idle = [await calm.ping() for _ in range(5)]  # warm up
    idle = []
    for _ in range(100):
        idle.append(await calm.ping())
        await asyncio.sleep(PACE)
    add(f"idle: round trip p50 ({len(idle)} samples)", f"{percentile(idle, 0.5) * 1e3:.2f} ms")
    add(f"idle: round trip p99 ({len(idle)} samples)", f"{percentile(idle, 0.99) * 1e3:.2f} ms")
    before = [memory_mib(pid) for pid in pids]
    await flood_case("flood", calm, idle, port, b"look\r\n" * 10_922 + b"xxxx", 1, args)
    await flood_case("IAC NOP", calm, idle, port, b"\xff\xf1" * 32_768, 3, args)
    after = [memory_mib(pid) for pid in pids]
    add(
        "RSS portal + game: after the floods / before",
        f"{after[0]:.0f} + {after[1]:.0f} MiB",
        f"{before[0]:.0f} + {before[1]:.0f} MiB",
    )
    await question_case(calm, idle, port, args)
    await calm.client.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--flood-mib", type=int, default=20)
    parser.add_argument("--questions", type=int, default=5000)
    parser.add_argument("--case-timeout", type=float, default=120.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ember-bench-") as tmp:
        game, port = new_game(Path(tmp))
        ember(game, "account", "create", "calm", stdin=PASSWORD + "\n")
        ember(game, "account", "create", "piler", "--developer", stdin=PASSWORD + "\n")
        ember(game, "start")
        try:
            await bench(game, port, args)
        finally:
            ember(game, "stop")
    print(f"ember bench abuse (Python {sys.version.split()[0]}, {os.cpu_count()} CPUs)")
    header = ("measure", "Ember", "baseline", "ratio")
    print_columns(header, rows, min_widths=(0, 14, 16, 7))


if __name__ == "__main__":
    asyncio.run(main())
