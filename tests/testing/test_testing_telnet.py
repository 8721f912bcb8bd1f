"""``ember.testing.TelnetClient`` against a scripted server: text, raw bytes and the end."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from ember.testing import TelnetClient

Script = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
IAC_WILL_ECHO, IAC_DONT_ECHO = b"\xff\xfb\x01", b"\xff\xfe\x01"


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Script], Awaitable[int]]]:
    servers: list[asyncio.Server] = []

    async def start(script: Script) -> int:
        server = await asyncio.start_server(script, "127.0.0.1", 0)
        servers.append(server)
        return int(server.sockets[0].getsockname()[1])

    yield start
    for server in servers:
        server.close()


async def test_text_is_read_and_options_are_refused(
    serve: Callable[[Script], Awaitable[int]],
) -> None:
    answered: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(IAC_WILL_ECHO + b"Hello\r\nname? ")
        answered.set_result(await reader.readexactly(len(IAC_DONT_ECHO)))
        line = await reader.readline()
        writer.write(b"Bye, " + line.strip() + b"\r\n")
        writer.close()

    async with await TelnetClient.connect(await serve(script)) as client:
        assert await client.expect("name? ") == "Hello\nname? "
        client.send("ann")
        assert await client.closed() == "Bye, ann\n"
        assert await answered == IAC_DONT_ECHO
        assert client.received.startswith(IAC_WILL_ECHO + b"Hello\r\n")


async def test_raw_bytes_without_answers(serve: Callable[[Script], Awaitable[int]]) -> None:
    heard: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"Welcome\r\n" + IAC_WILL_ECHO + b"prompt> ")
        heard.set_result(await reader.readexactly(3))
        writer.write(b"rest\r\n")
        writer.close()

    client = await TelnetClient.connect(await serve(script), answer_options=False)
    assert await client.expect_bytes("Welcome") == b"Welcome"
    assert await client.expect_bytes(IAC_WILL_ECHO) == b"\r\n" + IAC_WILL_ECHO
    client.send_bytes(b"\xff\xf1!")  # IAC NOP, then a byte: exactly as given
    assert await heard == b"\xff\xf1!"  # no DONT ECHO came first
    assert await client.closed_bytes() == b"prompt> rest\r\n"
    assert client.unmatched_bytes() == b"prompt> rest\r\n"
    assert client.text == "Welcome\nprompt> rest\n"
    await client.close()


async def test_expect_bytes_says_what_came_when_the_server_closes(
    serve: Callable[[Script], Awaitable[int]],
) -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"only this")
        writer.close()

    async with await TelnetClient.connect(await serve(script)) as client:
        with pytest.raises(ConnectionError, match="only this"):
            await client.expect_bytes(b"never")
