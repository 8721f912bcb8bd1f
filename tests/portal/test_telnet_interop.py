"""MCCP2 round trips through zlib, and cross-checks of Ember's telnet encodings with telnetlib3."""

from __future__ import annotations

import asyncio
import contextlib
import zlib
from collections.abc import AsyncIterator

import pytest
import telnetlib3
import telnetlib3.mud
import telnetlib3.telopt

from ember.portal.telnet import (
    DO,
    DONT,
    EOR,
    GA,
    IAC,
    NOP,
    SB,
    SE,
    WILL,
    WONT,
    CharsetAccepted,
    Event,
    GmcpMessage,
    Line,
    Option,
    OptionEnabled,
    TelnetConnection,
    TerminalType,
    WindowSize,
)

MCCP2_START = bytes((IAC, SB, Option.MCCP2, IAC, SE))


def cmd(verb: int, option: int) -> bytes:
    return bytes((IAC, verb, option))


def unframe(wire: bytes, option: int) -> bytes:
    """The payload of one ``IAC SB <option> ... IAC SE`` frame, unescaped."""
    assert wire.startswith(bytes((IAC, SB, option)))
    assert wire.endswith(bytes((IAC, SE)))
    return wire[3:-2].replace(b"\xff\xff", b"\xff")


def compressing() -> TelnetConnection:
    conn = TelnetConnection()
    conn.start()
    conn.receive(cmd(DO, Option.MCCP2))
    assert conn.data_to_send() == MCCP2_START
    assert conn.negotiated.mccp2
    return conn


# -- MCCP2 ------------------------------------------------------------------------------------


def test_mccp2_output_decompresses_to_the_exact_text() -> None:
    conn = compressing()
    inflater = zlib.decompressobj()
    text = "The dragon breathes fire! ✓ ÿ\n" * 50
    conn.send_text(text)
    wire = conn.data_to_send()
    assert len(wire) < len(text) // 4
    # Z_SYNC_FLUSH per fetch: each piece decompresses completely on its own.
    assert inflater.decompress(wire) == text.replace("\n", "\r\n").encode()
    conn.send_prompt("> ")
    assert inflater.decompress(conn.data_to_send()) == b"> " + bytes((IAC, GA))
    assert conn.data_to_send() == b""  # nothing queued, no empty flush block


def test_mccp2_compresses_negotiation_replies_too() -> None:
    conn = compressing()
    conn.receive(cmd(WILL, Option.TTYPE))
    inflater = zlib.decompressobj()
    expected = bytes((IAC, SB, Option.TTYPE, 1, IAC, SE))
    assert inflater.decompress(conn.data_to_send()) == expected


def test_output_queued_before_mccp2_stays_plain() -> None:
    conn = TelnetConnection()
    conn.send_text("before\n")
    conn.receive(cmd(DO, Option.MCCP2))
    conn.send_text("after\n")
    wire = conn.data_to_send()
    prefix = b"before\r\n" + cmd(WILL, Option.MCCP2) + MCCP2_START
    assert wire.startswith(prefix)
    assert zlib.decompressobj().decompress(wire[len(prefix) :]) == b"after\r\n"


def test_stop_compression_ends_the_stream_cleanly() -> None:
    conn = compressing()
    inflater = zlib.decompressobj()
    conn.send_text("one\n")
    assert inflater.decompress(conn.data_to_send()) == b"one\r\n"
    conn.send_text("two\n")
    conn.stop_compression()
    assert not conn.negotiated.mccp2
    conn.send_text("three\n")
    wire = conn.data_to_send()
    assert inflater.decompress(wire) == b"two\r\n"
    assert inflater.eof
    assert inflater.unused_data == b"three\r\n"
    conn.stop_compression()  # a second stop does nothing
    assert conn.data_to_send() == b""


def test_compression_can_restart() -> None:
    conn = compressing()
    conn.stop_compression()
    finished = conn.data_to_send()
    assert zlib.decompressobj().decompress(finished) == b""
    assert conn.start_compression() is True
    conn.send_text("again\n")
    wire = conn.data_to_send()
    assert wire.startswith(MCCP2_START)
    assert zlib.decompressobj().decompress(wire[len(MCCP2_START) :]) == b"again\r\n"
    assert TelnetConnection().start_compression() is False


def test_client_dont_mccp2_finishes_the_stream_before_wont() -> None:
    conn = compressing()
    conn.send_text("bye\n")
    conn.receive(cmd(DONT, Option.MCCP2))
    wire = conn.data_to_send()
    inflater = zlib.decompressobj()
    assert inflater.decompress(wire) == b"bye\r\n"
    assert inflater.eof
    assert inflater.unused_data == cmd(WONT, Option.MCCP2)


# -- telnetlib3 codecs and constants ----------------------------------------------------------


def test_option_codes_match_telnetlib3() -> None:
    telopt = telnetlib3.telopt
    pairs = {
        Option.BINARY: telopt.BINARY,
        Option.ECHO: telopt.ECHO,
        Option.SGA: telopt.SGA,
        Option.TTYPE: telopt.TTYPE,
        Option.EOR: telopt.EOR,
        Option.NAWS: telopt.NAWS,
        Option.NEW_ENVIRON: telopt.NEW_ENVIRON,
        Option.CHARSET: telopt.CHARSET,
        Option.MSSP: telopt.MSSP,
        Option.MCCP2: telopt.MCCP2_COMPRESS,
        Option.GMCP: telopt.GMCP,
    }
    for ours, theirs in pairs.items():
        assert bytes([ours]) == theirs, ours.name
    commands = {IAC: telopt.IAC, WILL: telopt.WILL, WONT: telopt.WONT, DO: telopt.DO}
    commands |= {DONT: telopt.DONT, SB: telopt.SB, SE: telopt.SE, GA: telopt.GA, NOP: telopt.NOP}
    commands |= {EOR: telopt.CMD_EOR}
    for ours_cmd, theirs_cmd in commands.items():
        assert bytes([ours_cmd]) == theirs_cmd


@pytest.mark.parametrize(
    ("package", "data"),
    [
        ("Char.Vitals", {"hp": 10, "maxhp": 12, "name": "Zoë ✓"}),
        ("Room.Info", {"exits": ["n", "s"], "num": 255, "area": "ÿ"}),
        ("Core.Goodbye", None),
        ("Comm.Channel.Text", "plain string"),
    ],
)
def test_gmcp_round_trips_with_telnetlib3(package: str, data: object) -> None:
    conn = TelnetConnection()
    conn.receive(cmd(DO, Option.GMCP))
    conn.data_to_send()
    assert conn.send_gmcp(package, data)
    payload = unframe(conn.data_to_send(), Option.GMCP)
    assert telnetlib3.mud.gmcp_decode(payload) == (package, data)
    # And the other way: what telnetlib3 encodes, Ember decodes.
    theirs = telnetlib3.mud.gmcp_encode(package, data)
    wire = bytes((IAC, SB, Option.GMCP)) + theirs.replace(b"\xff", b"\xff\xff") + bytes((IAC, SE))
    assert TelnetConnection().receive(wire) == [GmcpMessage(package, data)]


def test_mssp_decodes_with_telnetlib3() -> None:
    mssp = {"NAME": "Ember Test", "PLAYERS": "3", "UPTIME": "1700000000", "CODEBASE": "Ember ✓"}
    conn = TelnetConnection(mssp=mssp)
    conn.start()
    conn.receive(cmd(DO, Option.MSSP))
    payload = unframe(conn.data_to_send(), Option.MSSP)
    assert telnetlib3.mud.mssp_decode(payload) == mssp


# -- a live telnetlib3 client against a TelnetConnection-backed server ------------------------


@contextlib.asynccontextmanager
async def ember_server(events: list[Event]) -> AsyncIterator[int]:
    """A throwaway asyncio server around TelnetConnection that echoes lines back.

    On exit it waits for the one connection's handler to see the client go, so no handler task
    is left to be cancelled by the closing loop.
    """
    finished = asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = TelnetConnection(mssp={"NAME": "Ember"})
        writer.write(conn.start())
        try:
            while data := await reader.read(4096):
                for event in conn.receive(data):
                    events.append(event)
                    if isinstance(event, Line):
                        conn.send_text(f"you said: {event.text}\n")
                        conn.send_prompt("> ")
                    elif event == OptionEnabled(Option.GMCP, local=True):
                        conn.send_gmcp("Char.Vitals", {"hp": 7})
                writer.write(conn.data_to_send())
                await writer.drain()
        finally:
            writer.close()
            finished.set()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    async with server:
        yield server.sockets[0].getsockname()[1]
        await asyncio.wait_for(finished.wait(), timeout=10)


async def wait_for_event(events: list[Event], kind: type) -> Event:
    """Poll the server's event list until an event of ``kind`` shows up (10 s at most)."""
    async with asyncio.timeout(10):
        while True:
            for event in events:
                if isinstance(event, kind):
                    return event
            await asyncio.sleep(0.01)


async def test_telnetlib3_client_negotiates_and_round_trips_utf8() -> None:
    events: list[Event] = []
    async with ember_server(events) as port:
        reader, writer = await asyncio.wait_for(
            telnetlib3.open_connection(
                "127.0.0.1",
                port,
                encoding="utf8",
                term="xterm-256color",
                cols=132,
                rows=43,
                connect_maxwait=2.0,
            ),
            timeout=10,
        )
        try:
            # telnetlib3 encodes as ASCII until CHARSET settles, so wait for that first.
            await wait_for_event(events, CharsetAccepted)
            await wait_for_event(events, TerminalType)
            # In unicode mode (encoding="utf8") telnetlib3's writer and reader deal in str.
            writer.write("héllo wörld ✓\r\n")  # type: ignore[arg-type]
            received = ""
            while "you said" not in received or "\n" not in received.split("you said")[1]:
                chunk = await asyncio.wait_for(reader.read(1024), timeout=10)
                assert chunk, f"connection closed; got {received!r}"
                received += str(chunk)
            assert "you said: héllo wörld ✓\r\n> " in received
        finally:
            writer.close()
    assert Line("héllo wörld ✓") in events
    assert OptionEnabled(Option.MCCP2, local=True) in events  # the client read compressed output
    assert (
        GmcpMessage("Core.Hello", {"client": "telnetlib3", "version": telnetlib3.__version__})
        in events
    )
    assert WindowSize(132, 43) in events
    assert CharsetAccepted("UTF-8") in events
    ttypes = [event for event in events if isinstance(event, TerminalType)]
    assert ttypes
    assert "xterm-256color" in ttypes[0].names[0].lower()
