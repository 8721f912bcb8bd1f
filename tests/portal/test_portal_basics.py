"""A real portal process with a fake game: connecting, lines both ways, output commands."""

from __future__ import annotations

import json
from pathlib import Path

from support.portal_harness import portal


async def test_a_client_gets_the_welcome_and_its_lines_echoed(tmp_path: Path) -> None:
    async with portal(tmp_path) as running:
        client = await running.connect()
        await client.expect_bytes("Welcome to the fake game")
        client.send("hello there")
        await client.expect_bytes("echo[")
        await client.expect_bytes(": hello there\r\n")
        await client.close()


async def test_output_commands_reach_the_client_as_telnet(tmp_path: Path) -> None:
    async with portal(tmp_path) as running:
        client = await running.connect()
        await client.expect_bytes("Welcome")
        client.send("prompt HP 10> ")
        await client.expect_bytes(b"HP 10> \xff\xf9")  # IAC GA: the client did not agree to EOR
        client.send("hide")
        await client.expect_bytes(b"\xff\xfb\x01")  # IAC WILL ECHO
        client.send_bytes(b"\xff\xfd\x01")  # IAC DO ECHO: until the answer, WONT would be queued
        client.send("show")
        await client.expect_bytes(b"\xff\xfc\x01")  # IAC WONT ECHO
        client.send("spam 3")
        await client.expect_bytes("spam 0\r\nspam 1\r\nspam 2\r\n")
        client.send("close")
        rest = await client.closed_bytes()
        assert b"Goodbye from the fake game.\r\n" in rest


async def test_session_ids_are_never_reused(tmp_path: Path) -> None:
    async with portal(tmp_path) as running:
        sids = []
        for _ in range(3):
            client = await running.connect()
            await client.expect_bytes("Welcome")
            client.send("whoami")
            await client.expect_bytes("whoami ")
            facts = json.loads(await client.expect_bytes("\r\n"))
            sids.append(facts["sid"])
            assert facts["protocol"] == "telnet"
            assert facts["address"].startswith("127.0.0.1:")
            await client.close()
        assert sids == sorted(set(sids))


async def test_gmcp_reaches_the_game_and_progress_reaches_the_player(tmp_path: Path) -> None:
    async with portal(tmp_path) as running:
        client = await running.connect()
        await client.expect_bytes(b"\xff\xfb\xc9")  # IAC WILL GMCP
        client.send_bytes(b"\xff\xfd\xc9")  # IAC DO GMCP
        client.send_bytes(b'\xff\xfa\xc9Core.Hello {"client": "raw", "version": "1"}\xff\xf0')
        await client.expect_bytes('gmcp Core.Hello {"client": "raw", "version": "1"}\r\n')
        client.send("progress")
        # It sent no terminal type: it may not redraw a line, so it gets a whole line.
        await client.expect_bytes("Digging: 50%\r\n")


async def test_a_terminal_gets_progress_redrawn_in_place(tmp_path: Path) -> None:
    async with portal(tmp_path) as running:
        client = await running.connect()
        await client.expect_bytes(b"\xff\xfd\x18")  # IAC DO TTYPE
        client.send_bytes(b"\xff\xfb\x18")  # IAC WILL TTYPE
        for _ in range(2):  # the same name twice ends the cycle
            await client.expect_bytes(b"\xff\xfa\x18\x01\xff\xf0")  # SB TTYPE SEND
            client.send_bytes(b"\xff\xfa\x18\x00XTERM-256COLOR\xff\xf0")
        client.send("progress")
        await client.expect_bytes("\r\x00Digging: 50%\x1b[K")  # one line, rewritten in place
