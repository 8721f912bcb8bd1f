"""Floods against a real portal (with the fake game): input limits, bounded queues, no stalls."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.portal_harness import RunningPortal, portal

from ember.portal.input_limits import INPUT_NOTICES
from ember.portal.server import NOTICES
from ember.testing import TelnetClient

pytestmark = pytest.mark.timeout(120)


async def ready(running: RunningPortal) -> TelnetClient:
    client = await running.connect()
    await client.expect_bytes("Welcome")
    return client


async def cut_off(client: TelnetClient, within: float = 30.0) -> str:
    """Wait until the portal drops ``client``; return what it said last, if it got through.

    The portal closes a socket with the flood still unread in its buffer, so the kernel
    may answer with a reset that overtakes the goodbye notice: the log line is the proof.
    """
    try:
        return await client.closed(within=within)
    except ConnectionResetError:
        return ""


async def test_lines_over_the_limit_are_dropped_with_one_notice(tmp_path: Path) -> None:
    limits = ("--input-line-burst", "5", "--input-lines-per-second", "0.5")
    async with portal(tmp_path, *limits) as running:
        client = await ready(running)
        client.send_bytes(b"".join(b"line %d\r\n" % n for n in range(50)))
        await client.expect("line(s) were dropped. Slow down.")
        client.send_bytes(b"".join(b"more %d\r\n" % n for n in range(50)))
        calm = await ready(running)
        calm.send("hello")
        await calm.expect(": hello")
        assert client.text.count("were dropped") == 1  # one notice per episode
        assert client.text.count("echo[") <= 6  # the burst, perhaps one refill
        assert "more 49" not in client.text


async def test_a_sustained_flood_is_disconnected_and_logged(tmp_path: Path) -> None:
    limits = ("--input-bytes-per-second", "20000", "--input-byte-burst", "40000",
              "--input-abuse-seconds", "1")  # fmt: skip
    async with portal(tmp_path, *limits) as running:
        calm = await ready(running)
        flood = await ready(running)
        flood.send_bytes(b"junk " * 400_000 + b"\r\n")  # 2 MB in one go
        rest = await cut_off(flood)
        assert INPUT_NOTICES["abusive"] in rest or not rest
        calm.send("still here")
        await calm.expect(": still here")
        assert "input over the limit" in running.log()


async def test_input_piling_up_for_a_stalled_game_disconnects_the_offender(
    tmp_path: Path,
) -> None:
    limits = ("--input-bytes-per-second", "100000000", "--input-byte-burst", "100000000",
              "--input-line-burst", "1000", "--max-queued-input-bytes", "300000")  # fmt: skip
    async with portal(tmp_path, *limits) as running:
        calm = await ready(running)
        flood = await ready(running)
        calm.send("freeze 3")
        await calm.expect("frozen")
        # 6 MB of 60 KB lines: the link socket's buffer fills, then the portal's queue.
        line = b"x" * 60_000 + b"\r\n"
        for _ in range(100):
            flood.send_bytes(line)
        rest = await cut_off(flood)
        assert NOTICES["flooded"] in rest or not rest
        log = running.log()
        assert "of its input wait for the game, over the limit" in log
        await calm.expect("thawed")
        calm.send("after")
        await calm.expect(": after")


async def test_telnet_command_floods_cost_the_portal_little(tmp_path: Path) -> None:
    # IAC NOP and escaped IAC IAC floods: the parser skips them in bulk, so the other
    # player's echo keeps coming; the flooders are throttled, then disconnected.
    limits = ("--input-abuse-seconds", "2")
    async with portal(tmp_path, *limits) as running:
        calm = await ready(running)
        flooders = [await ready(running) for _ in range(3)]
        payloads = [b"\xff\xf1" * (1 << 20), b"\xff\xff" * (1 << 20), b"\xff\xf9" * (1 << 20)]
        for flooder, payload in zip(flooders, payloads, strict=True):
            flooder.send_bytes(payload)
        for number in range(20):
            calm.send(f"ping {number}")
            await calm.expect(f": ping {number}", within=2.0)
        for flooder in flooders:
            rest = await cut_off(flooder)
            assert INPUT_NOTICES["abusive"] in rest or not rest
        assert running.log().count("input over the limit") == 3
