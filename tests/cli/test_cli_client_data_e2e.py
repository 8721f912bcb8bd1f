"""Colours and client data end to end: real telnet clients (a hand-negotiating one, telnetlib3,
a bare socket) and a WebSocket client against a real portal and game started by the CLI."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
import telnetlib3
from support.cli_harness import ember, make_game, started
from support.client_data_game import COMMANDS

from ember.testing import TelnetClient

PASSWORD = "long-password-1"
IAC, SB, SE, WILL, DO = 255, 250, 240, 251, 253
TTYPE, GMCP = 24, 201
NAMES = ("alice", "bob", "carol", "dave", "erin")


@pytest.fixture(scope="module")
def game(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, int]]:
    path = make_game(tmp_path_factory.mktemp("clientdata"))
    (path / "commands.py").write_text(COMMANDS)
    for name in NAMES:
        done = ember("account", "create", name, cwd=path, stdin=PASSWORD + "\n")
        assert done.returncode == 0, done.stderr
    with started(path) as status:
        yield path, int(status["telnet_port"])


async def announcing(port: int, *names: str) -> TelnetClient:
    """A client that answers TTYPE with ``names`` (MTTS style) and refuses everything else."""
    client = await TelnetClient.connect(port, answer_options=False)
    await client.expect_bytes(bytes((IAC, DO, TTYPE)))
    client.send_bytes(bytes((IAC, WILL, TTYPE)))
    for name in names:
        await client.expect_bytes(bytes((IAC, SB, TTYPE, 1, IAC, SE)))
        client.send_bytes(bytes((IAC, SB, TTYPE, 0)) + name.encode() + bytes((IAC, SE)))
    return client


async def log_in(client: TelnetClient, name: str) -> None:
    await client.expect("connect NAME PASSWORD")
    client.send(f"connect {name} {PASSWORD}")
    await client.expect(f"Welcome, {name}")


async def test_colours_follow_each_clients_terminal_type(game: tuple[Path, int]) -> None:
    _, port = game
    full = await announcing(port, "TESTCLIENT", "XTERM-256COLOR", "MTTS 9")  # 1|8: 256 colours
    basic = await announcing(port, "TESTCLIENT", "ANSI", "MTTS 1")  # 16 colours
    bare = await TelnetClient.connect(port)  # refuses TTYPE: no colour
    for client, name in ((full, "alice"), (basic, "bob"), (bare, "carol")):
        await log_in(client, name)
        client.send("paint")
    # |rred|n |500deep|n a ||bar |gopen -- the open green is reset before the line ends.
    await full.expect_bytes(
        b"\x1b[31mred\x1b[0m \x1b[38;5;196mdeep\x1b[0m a |bar \x1b[32mopen\x1b[0m\r\n"
    )
    await basic.expect_bytes(
        b"\x1b[31mred\x1b[0m \x1b[91mdeep\x1b[0m a |bar \x1b[32mopen\x1b[0m\r\n"
    )
    await bare.expect_bytes(b"red deep a |bar open\r\n")
    assert b"\x1b" not in bare.received
    for client in (full, basic, bare):
        await client.close()


async def test_telnetlib3_gets_ansi_and_gmcp_and_its_hello_reaches_the_hook(
    game: tuple[Path, int],
) -> None:
    _, port = game
    reader, writer = await telnetlib3.open_connection(
        "127.0.0.1", port, encoding="utf8", term="xterm-256color", connect_minwait=0.05
    )
    try:
        text = ""

        async def until(wanted: str) -> None:
            nonlocal text
            async with asyncio.timeout(20):
                while wanted not in text:
                    chunk = await reader.read(4096)
                    assert chunk, f"closed while waiting for {wanted!r}; got {text!r}"
                    text += chunk

        await until("connect NAME PASSWORD")
        writer.write(f"connect dave {PASSWORD}\r\n")
        await until("Welcome, dave")
        writer.write("paint\r\n")
        await until("\x1b[38;5;196mdeep\x1b[0m")
        writer.write("vitals\r\n")
        await until("Vitals sent.")  # the data goes out before the text
        assert writer.ctx.gmcp_data["Char.Vitals"] == {"hp": 7, "maxhp": 20}
        # telnetlib3 sent Core.Hello and Core.Supports.Set when GMCP was agreed.
        writer.write("gmcpinfo\r\n")
        await until("seen=")
        await until("]\r\n")
        line = text[text.rindex("client=") :]
        assert line.startswith("client=telnetlib3 version=")
        assert "'char.vitals'" in line and "'room.info'" in line
        assert "'Core.Hello'" in line and "'Core.Supports.Set'" in line
    finally:
        writer.close()


async def test_malformed_and_failing_gmcp_is_logged_not_fatal(game: tuple[Path, int]) -> None:
    path, port = game
    client = await TelnetClient.connect(port, answer_options=False)
    await client.expect_bytes(bytes((IAC, WILL, GMCP)))
    client.send_bytes(bytes((IAC, DO, GMCP)))
    await log_in(client, "erin")

    def gmcp(payload: bytes) -> None:
        client.send_bytes(bytes((IAC, SB, GMCP)) + payload + bytes((IAC, SE)))

    gmcp(b"Core.Hello not json at all")  # kept as a string: no client name noted
    gmcp(b"Core.Supports.Set " + b"[" * 5000 + b"]" * 5000)  # too deep for the decoder
    gmcp(b"Test.Boom {}")  # the game's hook raises
    gmcp(b'Core.Supports.Set ["Char 1", "Room 2", 3]')
    client.send("vitals")  # GMCP agreed: the data comes as a subnegotiation
    await client.expect_bytes(
        bytes((IAC, SB, GMCP)) + b'Char.Vitals {"hp":7,"maxhp":20}' + bytes((IAC, SE))
    )
    client.send("bigoob")  # over max_oob_bytes: not sent, logged
    await client.expect("Big sent.")
    client.send("gmcpinfo")
    line = await client.expect("]\n")
    assert "client=None" in line and "supports=['Char', 'Room']" in line, line
    assert "'Test.Boom'" in line
    assert b"Test.Big" not in client.received
    log = (path / "server" / "logs" / "game.log").read_text()
    assert "the game's at_gmcp failed on Test.Boom" in log
    assert "RuntimeError: the hook failed on purpose" in log
    portal_log = (path / "server" / "logs" / "portal.log").read_text()
    assert "Test.Big data for session" in portal_log and "max_oob_bytes" in portal_log
    await client.close()
