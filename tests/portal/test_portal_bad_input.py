"""Hostile and broken clients against a real portal: it stays up and others are unaffected."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from pathlib import Path

import pytest
from support.portal_harness import RunningPortal, portal

from ember.testing import TelnetClient

IAC_GARBAGE = (
    b"\xff\xf0"  # SE without SB
    b"\xff\xfa\xff\xf0"  # an empty subnegotiation
    b"\xff\x01"  # an unknown command
    b"\xff\xfb\xc8\xff\xfc\xc8\xff\xfd\xc8"  # WILL / WONT / DO of an unknown option
    b"\xff\xfa\x1f\x00\xff\xf0"  # NAWS with a short payload
    b"\xff\xfa\x18\x00xterm\xff\xf0"  # TTYPE IS that was not asked for
    b"\xff\xfd"  # a truncated DO ...
)


async def still_serves(running: RunningPortal, word: str) -> None:
    other = await running.connect()
    await other.expect_bytes("Welcome")
    other.send(word)
    await other.expect_bytes(f": {word}\r\n")
    await other.close()


@pytest.mark.parametrize(
    ("sent", "answer"),
    [
        # Over the line limit (64 KiB), within the input burst (192 KiB; a 1 MiB burst is a
        # flood, see test_portal_abuse.py).
        pytest.param(b"a" * (160 << 10) + b"\r\nafter\r\n", b"it was dropped.\r\n", id="long-line"),
        pytest.param(b"caf\xc3(\x80\xc0ok\r\n", "caf\ufffd(\ufffd\ufffdok\r\n".encode(), id="utf8"),
        pytest.param(b"he\x07l\x00l\x1bo\x7f!\r\n", b": hell!\r\n", id="control-chars"),
        pytest.param(b"\r\n", b": \r\n", id="empty-line"),
        pytest.param(IAC_GARBAGE + b"\x01fine\r\n", b": fine\r\n", id="iac-garbage"),
    ],
)
async def test_bad_input_gets_an_answer_and_harms_nobody(
    tmp_path: Path, sent: bytes, answer: bytes
) -> None:
    async with portal(tmp_path) as running:
        client = await running.connect()
        await client.expect_bytes("Welcome")
        client.send_bytes(sent)
        await client.expect_bytes(answer)
        client.send("still here")
        await client.expect_bytes(": still here\r\n")
        await still_serves(running, "unaffected")


async def test_a_long_line_is_refused_with_the_limit(tmp_path: Path) -> None:
    async with portal(tmp_path, "--max-line-bytes", "100") as running:
        client = await running.connect()
        await client.expect_bytes("Welcome")
        client.send_bytes(b"x" * 1000 + b"\r\n")
        await client.expect_bytes("Line too long (limit 100 bytes); it was dropped.\r\n")
        client.send("short")
        await client.expect_bytes(": short\r\n")
        assert b"xxx" not in client.received


async def test_a_silent_client_gets_the_login_text_at_once(tmp_path: Path) -> None:
    async with portal(tmp_path) as running:
        client = await running.connect()
        # No negotiation answered, nothing sent: the game's text still comes right away.
        await client.expect_bytes("Welcome to the fake game", within=2.0)


@pytest.mark.parametrize("how", ["close", "reset", "truncated-iac"])
async def test_a_client_vanishing_mid_line_harms_nobody(tmp_path: Path, how: str) -> None:
    async with portal(tmp_path) as running:
        watcher = await running.connect()
        await watcher.expect_bytes("Welcome")
        client = await running.connect()
        await client.expect_bytes("Welcome")
        client.send("whoami")
        await client.expect_bytes('"sid": ')
        sid = int((await client.expect_bytes(","))[:-1])
        client.send_bytes(b"\xff\xfa" if how == "truncated-iac" else b"half a li")
        await client.writer.drain()
        if how == "reset":
            sock = client.writer.get_extra_info("socket")
            sock.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
            )
        await client.close()
        await watcher.expect_bytes(f"left: {sid}\r\n")  # the game heard of it
        watcher.send("ok")
        await watcher.expect_bytes(": ok\r\n")
        await still_serves(running, "unaffected")


async def test_a_client_that_never_reads_is_dropped(tmp_path: Path) -> None:
    async with portal(tmp_path, "--max-output-bytes", "65536") as running:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", running.port))
        reader, writer = await asyncio.open_connection(sock=sock)
        slow = TelnetClient(reader, writer, answer_options=False)
        slow.send("flood 30000000")  # far more than socket buffers and the cap hold
        await writer.drain()
        # Reading now finds only what was buffered, then the end (or a reset).
        with contextlib.suppress(ConnectionResetError):
            await slow.closed_bytes(within=15)
        assert len(slow.received) < 10_000_000
        assert "did not read" in running.log()
        await still_serves(running, "unaffected")


async def test_idle_clients_are_disconnected_only_when_configured(tmp_path: Path) -> None:
    async with portal(tmp_path, "--idle-timeout", "0.3") as running:
        client = await running.connect()
        await client.expect_bytes("Welcome")
        rest = await client.closed_bytes()
        assert b"Idle for 0.3 seconds; disconnecting." in rest
