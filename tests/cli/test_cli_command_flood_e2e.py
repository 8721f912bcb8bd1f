"""A logged-in player floods the new talking, channel, item and building commands at the most
the portal lets through, with the longest texts allowed; another player elsewhere keeps playing.

What is checked is what could break: every one of the other player's lines is answered, what
reaches them is bounded (one line per page sent, each within MAX_SPEECH_LENGTH), both processes'
memory stays flat, and the flooder's own session still answers afterwards. The round trips are
printed (bench/abuse.py measures latency against a baseline); no time is asserted here.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from support.cli_harness import aember, make_game, portal_status

from ember.testing import TelnetClient

pytestmark = pytest.mark.timeout(180)
PASSWORD = "long-password-1"
LONG = "x" * 1_990  # just under MAX_SPEECH_LENGTH (2,000)
# One round of the flood: every command a player may type that makes text for others, an
# object search, or an attempt at something bounded (channel creation needs Admin).
ROUND = (
    f"page calm = {LONG}",
    f"pub {LONG[:390]}",
    f":{LONG}",
    f"'{LONG}",
    f"whisper calm = {LONG}",
    "get sword",
    "channels/create spam",
    "dig Spam",
    f"help {LONG[:60]}",
    "inventory",
)


def memory_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} for {pid}")


async def login(port: int, name: str) -> TelnetClient:
    client = await TelnetClient.connect(port)
    await client.expect("connect NAME PASSWORD")
    client.send(f"create {name} {PASSWORD}")
    await client.expect(f"Welcome, {name}")
    return client


async def test_a_command_flood_neither_stalls_another_player_nor_grows_memory(
    tmp_path: Path,
) -> None:
    game = make_game(tmp_path)
    code, out, err = await aember("start", cwd=game)
    assert code == 0, out + err
    try:
        status = portal_status(game)
        port, pids = status["telnet_port"], (status["pid"], status["game_pid"])
        calm = await login(port, "calm")
        flooder = await login(port, "flooder")
        flooder.send("north")  # another room: say and whisper stay there, page does not
        await flooder.expect("Garden")
        before = [(memory_kib(pid, "VmHWM"), memory_kib(pid, "VmRSS")) for pid in pids]

        pages = 0

        async def flood() -> None:
            nonlocal pages
            for round_number in range(6):
                for line in ROUND:
                    flooder.send(line)
                    pages += line.startswith("page")
                    await asyncio.sleep(0.055)  # just inside the portal's 20 lines a second
                flooder.send(f"say end of round {round_number}")
                await flooder.expect(f"end of round {round_number}", within=30)

        flooding = asyncio.create_task(flood())
        samples: list[float] = []
        number = 0
        while not flooding.done() or len(samples) < 20:
            number += 1
            started = time.perf_counter()
            calm.send(f"say ping {number}")
            await calm.expect(f'You say, "ping {number}"', within=30)
            samples.append(time.perf_counter() - started)
            await asyncio.sleep(0.1)
        await flooding

        heard = [line for line in calm.text.splitlines() if line.startswith("flooder pages")]
        assert len(heard) == pages, (len(heard), pages)  # each page once, nothing more
        assert all(len(line) <= 2_100 for line in heard)
        lines = calm.text.splitlines()  # the room's say, emote and whisper stayed in the Garden
        assert not [line for line in lines if line.startswith(("flooder says", "flooder x"))]
        assert "whispers to you" not in calm.text
        growth_mib = [
            max(memory_kib(pid, "VmHWM") - high, memory_kib(pid, "VmRSS") - rss) / 1024
            for pid, (high, rss) in zip(pids, before, strict=True)
        ]
        assert max(growth_mib) < 100, f"portal, game grew by {growth_mib} MiB"
        flooder.send("look")
        await flooder.expect("Garden", within=30)
        ordered = sorted(samples)
        p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
        print(f"calm's round trips: {len(samples)}, p99 {p99 * 1e3:.1f} ms")
        await calm.close()
        await flooder.close()
    finally:
        await aember("stop", cwd=game)
