"""Tests of the link's asyncio glue over real Unix sockets and over memory_link_pair."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import stat
import struct
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, cast

import msgpack  # type: ignore[import-untyped]
import pytest

from ember.link import (
    PROTOCOL_VERSION,
    HandshakeError,
    LinkClosedError,
    LinkConnection,
    LinkStream,
    Message,
    VersionMismatch,
    connect_link,
    memory_link_pair,
    serve_link,
    socket_path_for,
)

pytestmark = pytest.mark.timeout(60)


@contextlib.asynccontextmanager
async def portal_server(
    path: Path, on_connect: Callable[[LinkStream], Awaitable[None]], **options: float
) -> AsyncIterator[asyncio.Server]:
    server = await serve_link(path, "portal", on_connect, **options)  # type: ignore[arg-type]
    try:
        yield server
    finally:
        server.close()
        await server.wait_closed()
        # Python 3.11 leaves the socket file behind when the server closes.
        await asyncio.to_thread(path.unlink, missing_ok=True)


@pytest.fixture
def link_path(tmp_path: Path) -> Path:
    path = socket_path_for(tmp_path)
    path.parent.mkdir(exist_ok=True)
    return path


async def test_handshake_and_echo_over_a_unix_socket(link_path: Path) -> None:
    seen: list[LinkStream] = []

    async def echo(stream: LinkStream) -> None:
        seen.append(stream)
        async for message in stream:
            await stream.send(Message("echo", message.args, message.kwargs))

    async with portal_server(link_path, echo):
        async with await connect_link(link_path, "game") as game:
            assert game.role == "game"
            assert game.peer_version == PROTOCOL_VERSION
            await game.send(Message("text", ("hello ünïcode",), {"session": 1}))
            assert await game.receive() == Message("echo", ("hello ünïcode",), {"session": 1})
            (portal,) = seen
            assert portal.role == "portal"
            assert portal.peer_version == PROTOCOL_VERSION
        assert game.closed


async def test_ten_thousand_messages_pipelined_in_order(link_path: Path) -> None:
    count = 10_000
    received: list[Message] = []
    done = asyncio.Event()

    async def collect(stream: LinkStream) -> None:
        async for message in stream:
            received.append(message)
        done.set()

    async with portal_server(link_path, collect):
        game = await connect_link(link_path, "game")
        for index in range(count):
            await game.send(Message("text", (index, f"line {index}"), {"session": index % 7}))
        game.close()
        await game.wait_closed()
        await asyncio.wait_for(done.wait(), 30)
    assert [message.args[0] for message in received] == list(range(count))
    assert received[-1] == Message("text", (count - 1, f"line {count - 1}"), {"session": 3})
    assert game.statistics().frames_out == count + 1


async def test_malformed_frame_is_logged_and_the_stream_goes_on(
    link_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    received: list[Message] = []
    done = asyncio.Event()

    async def collect(stream: LinkStream) -> None:
        async for message in stream:
            received.append(message)
        assert stream.statistics().malformed == 1
        done.set()

    codec = LinkConnection(role="game")
    bad_payload = b"\xc1\xc1"
    async with portal_server(link_path, collect):
        reader, writer = await asyncio.open_unix_connection(str(link_path))
        writer.write(codec.hello() + codec.send(Message("before")))
        writer.write(struct.pack(">I", len(bad_payload)) + bad_payload)
        writer.write(codec.send(Message("after", (1,), {})))
        # Half-close and read to the end, as closing with the portal's hello unread would reset
        # the connection before the portal has read everything.
        writer.write_eof()
        await asyncio.wait_for(reader.read(), 10)
        writer.close()
        await writer.wait_closed()
        await asyncio.wait_for(done.wait(), 10)
    assert received == [Message("before"), Message("after", (1,), {})]
    warnings = [
        r for r in caplog.records if r.name == "ember.link" and r.levelno == logging.WARNING
    ]
    assert any("malformed" in record.getMessage() for record in warnings)


async def test_server_refuses_a_peer_with_another_version(
    link_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    reached: list[LinkStream] = []

    async def on_connect(stream: LinkStream) -> None:
        reached.append(stream)

    async with portal_server(link_path, on_connect):
        reader, writer = await asyncio.open_unix_connection(str(link_path))
        hello = msgpack.packb(["hello", [PROTOCOL_VERSION + 1, "game"], {}])
        writer.write(struct.pack(">I", len(hello)) + hello)
        data = await asyncio.wait_for(reader.read(), 10)  # the portal's hello, then EOF
        writer.close()
        await writer.wait_closed()
    assert data == LinkConnection(role="portal").hello()
    assert reached == []
    assert any("refused" in record.getMessage() for record in caplog.records)


async def test_connect_raises_version_mismatch(link_path: Path) -> None:
    async def old_portal(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        hello = msgpack.packb(["hello", [PROTOCOL_VERSION + 5, "portal"], {}])
        writer.write(struct.pack(">I", len(hello)) + hello)
        await reader.read()
        writer.close()

    server = await asyncio.start_unix_server(old_portal, str(link_path))
    async with server:
        with pytest.raises(VersionMismatch) as caught:
            await connect_link(link_path, "game")
    assert caught.value.peer_version == PROTOCOL_VERSION + 5


async def test_connect_gives_up_on_a_silent_peer(link_path: Path) -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()
        writer.close()

    server = await asyncio.start_unix_server(silent, str(link_path))
    async with server:
        with pytest.raises(HandshakeError, match="no hello"):
            await connect_link(link_path, "game", handshake_timeout=0.2)


async def test_connect_fails_when_the_peer_hangs_up_before_hello(link_path: Path) -> None:
    async def rude(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    server = await asyncio.start_unix_server(rude, str(link_path))
    async with server:
        with pytest.raises(HandshakeError, match="before its hello"):
            await connect_link(link_path, "game")


async def test_connect_to_nothing_is_an_os_error(link_path: Path) -> None:
    with pytest.raises(OSError):  # noqa: PT011 - any "nobody listens" error will do
        await connect_link(link_path, "game")


async def test_handler_errors_are_logged_and_the_stream_closed(
    link_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(stream: LinkStream) -> None:
        raise RuntimeError("handler bug")

    async with portal_server(link_path, broken):
        game = await connect_link(link_path, "game")
        with pytest.raises(LinkClosedError):
            await asyncio.wait_for(game.receive(), 10)
        game.close()
    assert any(
        record.name == "ember.link" and record.exc_info and "handler bug" in str(record.exc_info[1])
        for record in caplog.records
    )


def test_socket_path_for_a_short_directory(tmp_path: Path) -> None:
    expected = tmp_path.resolve() / "server" / "link.sock"
    if len(os.fsencode(expected)) > 100:
        pytest.skip("the temporary directory itself is too deep for this check")
    assert socket_path_for(tmp_path) == expected


async def test_socket_path_for_a_deep_directory_falls_back(tmp_path: Path) -> None:
    game_dir = tmp_path.joinpath(*["a-rather-long-folder-name"] * 6)
    (game_dir / "server").mkdir(parents=True)
    assert len(os.fsencode(game_dir / "server" / "link.sock")) > 108
    path = socket_path_for(game_dir)
    other = socket_path_for(game_dir / "other")
    assert path.parent == Path(f"/tmp/ember-{os.getuid()}")
    assert path.suffix == ".sock"
    assert len(os.fsencode(path)) <= 103
    assert socket_path_for(game_dir) == path  # the portal and the game agree
    assert other != path
    info = os.lstat(path.parent)
    assert stat.S_ISDIR(info.st_mode)
    assert stat.S_IMODE(info.st_mode) == 0o700
    assert info.st_uid == os.getuid()

    got: list[Message] = []

    async def collect(stream: LinkStream) -> None:
        got.extend([message async for message in stream])

    async with portal_server(path, collect) as server:
        async with await connect_link(path, "game") as game:
            await game.send(Message("deep"))
        for _ in range(200):
            if got:
                break
            await asyncio.sleep(0.01)
        assert server.is_serving()
    assert got == [Message("deep")]


async def test_memory_link_pair_carries_messages_both_ways() -> None:
    portal, game = await memory_link_pair()
    async with portal, game:
        assert (portal.role, game.role) == ("portal", "game")
        assert portal.peer_version == game.peer_version == PROTOCOL_VERSION
        await game.send(Message("text", ("look",), {"session": 3}))
        assert await portal.receive() == Message("text", ("look",), {"session": 3})
        await portal.send(Message("prompt", (">",), {}))
        assert await game.receive() == Message("prompt", (">",), {})
        stats = portal.statistics()
        assert stats.frames_in == 2  # hello + text
        assert stats.frames_out == 2  # hello + prompt


async def test_memory_link_pair_iteration_ends_when_the_peer_closes() -> None:
    portal, game = await memory_link_pair()
    for index in range(100):
        await portal.send(Message("n", (index,), {}))
    portal.close()
    await portal.wait_closed()
    got = [message.args[0] async for message in game]
    assert got == list(range(100))
    with pytest.raises(LinkClosedError):
        await game.receive()
    game.close()


async def test_send_validates_before_writing_and_after_close_fails() -> None:
    portal, game = await memory_link_pair()
    with pytest.raises(TypeError, match=r"args\[0\]"):
        await game.send(Message("bad", (cast(Any, {1, 2}),), {}))
    await game.send(Message("good"))
    assert await portal.receive() == Message("good")
    game.close()
    with pytest.raises(LinkClosedError):
        await game.send(Message("late"))
    portal.close()
    await asyncio.gather(portal.wait_closed(), game.wait_closed())


async def test_memory_link_pair_respects_the_frame_limit() -> None:
    portal, game = await memory_link_pair(max_frame_bytes=1000)
    with pytest.raises(ValueError, match="over the limit"):
        await game.send(Message("big", ("x" * 2000,), {}))
    await game.send(Message("small", ("x" * 900,), {}))
    assert (await portal.receive()).name == "small"
    portal.close()
    game.close()


async def test_send_many_writes_the_good_messages_in_order_and_returns_the_bad() -> None:
    portal, game = await memory_link_pair()
    bad = Message("bad", (cast(Any, {1, 2}),), {})
    batch = [Message("one", (1,), {}), bad, Message("two", (2,), {}), Message("three")]
    refused = await game.send_many(batch)
    assert [(message, type(error)) for message, error in refused] == [(bad, TypeError)]
    assert [await portal.receive() for _ in range(3)] == [batch[0], batch[2], batch[3]]
    game.close()
    with pytest.raises(LinkClosedError):
        await game.send_many([Message("late")])
    portal.close()
    await asyncio.gather(portal.wait_closed(), game.wait_closed())
