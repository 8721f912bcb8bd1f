"""A 20 MiB flood against a real server (CLI, portal, game): another player is not stalled.

The latency bound is deliberately generous (p99 under 100 ms on a busy 2-core machine);
bench/abuse.py has the exact figures beside an idle baseline.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path

import pytest
from support.cli_harness import aember, make_game, portal_status

from ember.testing import TelnetClient

pytestmark = pytest.mark.timeout(180)
PASSWORD = "long-password-1"
FLOOD = 20 * 1024 * 1024


def memory_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} for {pid}")


def p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


async def flood(port: int, payload: bytes) -> None:
    """Send ``payload`` (20 MiB) as fast as the portal takes it, until it hangs up."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    with contextlib.suppress(ConnectionError):
        for _ in range(0, FLOOD, len(payload)):
            writer.write(payload)
            await writer.drain()
        while await reader.read(65536):  # sent it all: wait to be cut off
            pass
    writer.close()


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(b"look\r\n" * 10_922 + b"xxxx", id="junk-lines"),
        pytest.param(b"\xff\xf1" * 32_768, id="iac-nop"),
    ],
)
async def test_a_20mib_flood_neither_stalls_another_player_nor_grows_memory(
    tmp_path: Path, payload: bytes
) -> None:
    assert len(payload) == 65536
    game = make_game(tmp_path)
    code, out, err = await aember("start", cwd=game)
    assert code == 0, out + err
    try:
        status = portal_status(game)
        port, pids = status["telnet_port"], (status["pid"], status["game_pid"])
        calm = await TelnetClient.connect(port)
        await calm.expect("connect NAME PASSWORD")
        calm.send(f"create calm {PASSWORD}")
        await calm.expect("Welcome, calm")
        # Peak (VmHWM) and current (VmRSS) memory: the login's password hash already set a
        # peak, so growth is the larger of the rise in either.
        before = [(memory_kib(pid, "VmHWM"), memory_kib(pid, "VmRSS")) for pid in pids]

        flooder = asyncio.create_task(flood(port, payload))
        samples: list[float] = []
        number = 0
        while not flooder.done() or len(samples) < 50:
            number += 1
            started = time.perf_counter()
            calm.send(f"say ping {number}")
            await calm.expect(f'You say, "ping {number}"', within=10)
            samples.append(time.perf_counter() - started)
            await asyncio.sleep(0.06)  # a brisk typist, within the input limit (20 lines/s)
        await flooder

        growth_mib = [
            max(memory_kib(pid, "VmHWM") - high, memory_kib(pid, "VmRSS") - rss) / 1024
            for pid, (high, rss) in zip(pids, before, strict=True)
        ]
        assert p99(samples) < 0.100, f"p99 {p99(samples) * 1e3:.1f} ms over {len(samples)}"
        assert max(growth_mib) < 100, f"portal, game grew by {growth_mib} MiB"
        log = (game / "server" / "logs" / "portal.log").read_text()
        assert "input over the limit" in log  # the flooder was cut off, and it says so
        await calm.close()
    finally:
        await aember("stop", cwd=game)
