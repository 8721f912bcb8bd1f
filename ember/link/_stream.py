"""Asyncio glue for the link: Unix-socket streams whose bytes pass through a LinkConnection."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import os
import socket
import stat
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from types import TracebackType

from ember.layout import socket_path_for
from ember.link._codec import (
    DEFAULT_MAX_FRAME_BYTES,
    HandshakeError,
    LinkClosedError,
    LinkConnection,
    LinkStatistics,
    Message,
    Role,
)

__all__ = [
    "HANDSHAKE_TIMEOUT",
    "LINK_PATH_ENV",
    "LINK_SECRET_ENV",
    "LinkStream",
    "connect_link",
    "link_from_environment",
    "memory_link_pair",
    "serve_link",
    "socket_path_for",
]

logger = logging.getLogger("ember.link")

HANDSHAKE_TIMEOUT = 10.0
"""Seconds a new link waits for the peer's hello before giving up."""

LINK_SECRET_ENV = "EMBER_LINK_SECRET"
"""The environment variable through which the portal hands its game process the link secret."""

LINK_PATH_ENV = "EMBER_LINK_PATH"
"""The environment variable through which the portal tells its game process the socket path."""

_READ_SIZE = 256 * 1024
# The stream reader pauses the socket at twice this much unread data; 64 KiB (asyncio's default)
# stalls a pipelined burst too often.
_STREAM_LIMIT = 1024 * 1024


class LinkStream:
    """An open, handshaken link: send messages, iterate over received ones, close.

    Made by ``connect_link``, ``serve_link`` or ``memory_link_pair``, never directly. Any task
    may ``send``; exactly one task should receive (``async for message in stream`` or
    ``receive()``). Malformed frames from the peer are logged on ``ember.link`` and skipped.
    Usable as an async context manager that closes the stream on exit.
    """

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        connection: LinkConnection,
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._connection = connection
        self._pending: collections.deque[Message] = collections.deque()

    @property
    def role(self) -> Role:
        """This side's role, ``"portal"`` or ``"game"``."""
        return self._connection.role

    @property
    def peer_version(self) -> int | None:
        """The protocol version the peer announced in its hello."""
        return self._connection.peer_version

    @property
    def closed(self) -> bool:
        """True once this side closed the stream or the transport is shutting down."""
        return self._writer.is_closing()

    def statistics(self) -> LinkStatistics:
        """Return the traffic counters of the underlying connection."""
        return self._connection.statistics()

    async def send(self, message: Message) -> None:
        """Encode ``message`` and write it, waiting only while the socket's buffer is full.

        Raises:
            TypeError, ValueError: as ``LinkConnection.send``, before anything is written.
            LinkClosedError: the stream is closed.
        """
        if self._writer.is_closing():
            raise LinkClosedError(f"cannot send {message.name!r}: the link is closed")
        self._writer.write(self._connection.send(message))
        try:
            await self._writer.drain()
        except ConnectionError as error:
            raise LinkClosedError(f"link lost while sending {message.name!r}: {error}") from error

    async def send_many(self, messages: Sequence[Message]) -> list[tuple[Message, Exception]]:
        """Encode ``messages`` and write them in one piece (one system call where ``send``
        makes one per message), waiting only while the socket's buffer is full. A message
        that cannot be encoded is left out and returned with its error; the others go.

        Raises:
            LinkClosedError: the stream is closed.
        """
        if self._writer.is_closing():
            raise LinkClosedError(f"cannot send {len(messages)} messages: the link is closed")
        frames: list[bytes] = []
        refused: list[tuple[Message, Exception]] = []
        for message in messages:
            try:
                frames.append(self._connection.send(message))
            except (TypeError, ValueError) as error:
                refused.append((message, error))
        if frames:
            self._writer.write(b"".join(frames))
            try:
                await self._writer.drain()
            except ConnectionError as error:
                raise LinkClosedError(f"link lost while sending: {error}") from error
        return refused

    async def receive(self) -> Message:
        """Return the next message from the peer.

        Raises:
            LinkClosedError: the peer closed the link (or it broke) before another message came.
        """
        while not self._pending:
            if not await self._read_some():
                raise LinkClosedError("the peer closed the link")
        return self._pending.popleft()

    async def __aiter__(self) -> AsyncIterator[Message]:
        """Yield messages until the peer closes the link."""
        while True:
            try:
                message = await self.receive()
            except LinkClosedError:
                return
            yield message

    def close(self) -> None:
        """Close the transport; pending writes are flushed by asyncio in the background."""
        self._writer.close()

    async def wait_closed(self) -> None:
        """Wait until the transport is closed (call ``close`` first)."""
        with contextlib.suppress(ConnectionError):
            await self._writer.wait_closed()

    async def __aenter__(self) -> LinkStream:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
        await self.wait_closed()

    async def _handshake(self, seconds: float) -> None:
        """Send our hello and wait for the peer's; on any failure close and raise HandshakeError."""
        try:
            self._writer.write(self._connection.hello())
            async with asyncio.timeout(seconds):
                while not self._connection.handshake_done:
                    if not await self._read_some():
                        raise HandshakeError("the peer closed the link before its hello")
        except TimeoutError:
            self.close()
            raise HandshakeError(f"no hello from the peer within {seconds} s") from None
        except HandshakeError:
            self.close()
            raise

    async def _read_some(self) -> bool:
        """Feed one read into the codec; return False at end of stream."""
        try:
            data = await self._reader.read(_READ_SIZE)
        except ConnectionError:
            data = b""
        if not data:
            if self._connection.statistics().buffered_bytes:
                logger.warning("link closed in the middle of a frame")
            return False
        for event in self._connection.receive(data):
            if isinstance(event, Message):
                self._pending.append(event)
            elif isinstance(event, HandshakeError):
                raise event
            else:
                logger.warning("dropped a malformed link frame: %s", event.reason)
        return True


async def connect_link(
    path: str | os.PathLike[str],
    role: Role = "game",
    *,
    max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES,
    handshake_timeout: float = HANDSHAKE_TIMEOUT,
    secret: str | None = None,
) -> LinkStream:
    """Connect to the link socket at ``path`` and complete the handshake.

    ``secret`` is shown in the hello; a portal started with a secret refuses a game without it.

    Raises:
        OSError: nothing listens at ``path``.
        HandshakeError: the peer's hello was missing, late, malformed or of another version
            (``VersionMismatch``); the socket is closed.
    """
    reader, writer = await asyncio.open_unix_connection(os.fspath(path), limit=_STREAM_LIMIT)
    connection = LinkConnection(role=role, max_frame_bytes=max_frame_bytes, secret=secret)
    stream = LinkStream(reader, writer, connection)
    await stream._handshake(handshake_timeout)
    return stream


async def serve_link(
    path: str | os.PathLike[str],
    role: Role,
    on_connect: Callable[[LinkStream], Awaitable[None]],
    *,
    max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES,
    handshake_timeout: float = HANDSHAKE_TIMEOUT,
    secret: str | None = None,
) -> asyncio.Server:
    """Listen on the Unix socket ``path``; run ``await on_connect(stream)`` per handshaken peer.

    A peer that fails the handshake (with ``secret`` given: one whose hello lacks it) is
    logged and disconnected without reaching ``on_connect``. The stream is closed when
    ``on_connect`` returns or raises (errors are logged here, once). An existing socket file
    at ``path`` is replaced, as ``asyncio.start_unix_server`` does. The socket is made mode
    0600 before it listens, whatever the umask, so no other user can connect to it.
    """

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connection = LinkConnection(role=role, max_frame_bytes=max_frame_bytes, secret=secret)
        stream = LinkStream(reader, writer, connection)
        try:
            try:
                await stream._handshake(handshake_timeout)
            except HandshakeError as error:
                logger.warning("refused a link connection on %s: %s", path, error.reason)
                return
            await on_connect(stream)
        except asyncio.CancelledError:
            # Only asyncio.Server watches this task, and on Python 3.11 its done-callback fails
            # noisily on a cancelled task; cancellation is how shutdown arrives, so end quietly.
            return
        except Exception:
            logger.exception("link connection handler for %s failed", path)
        finally:
            stream.close()

    sock = _private_socket(Path(path))
    return await asyncio.start_unix_server(handle, sock=sock, limit=_STREAM_LIMIT)


def _private_socket(path: Path) -> socket.socket:
    """Bind a Unix socket at ``path`` and make it 0600 before anyone can connect (it does not
    listen yet), instead of trusting the umask as ``bind`` alone does."""
    with contextlib.suppress(FileNotFoundError):
        if stat.S_ISSOCK(os.lstat(path).st_mode):
            os.unlink(path)  # a stale socket of an earlier run
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind(os.fspath(path))
        os.chmod(path, 0o600)
    except BaseException:
        sock.close()
        raise
    return sock


def link_from_environment(game_dir: str | os.PathLike[str]) -> tuple[Path, str | None]:
    """Where a game process finds its portal's link, and the secret to show it.

    The portal passes both to the game process it starts (``EMBER_LINK_PATH``,
    ``EMBER_LINK_SECRET``; an inherited environment is private to the process and its
    user). Without them (a game started by hand or by a test) the answer is
    ``socket_path_for(game_dir)`` and no secret.
    """
    path = os.environ.get(LINK_PATH_ENV)
    return (Path(path) if path else socket_path_for(game_dir)), os.environ.get(LINK_SECRET_ENV)


async def memory_link_pair(
    *, max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES
) -> tuple[LinkStream, LinkStream]:
    """Return a handshaken ``(portal, game)`` pair of streams joined by ``socket.socketpair()``.

    Real bytes pass through the real codec, so tests of game code see exactly what the portal
    would deliver. Close both streams when done.
    """
    streams: list[LinkStream] = []
    roles: tuple[Role, Role] = ("portal", "game")
    for sock, role in zip(socket.socketpair(), roles, strict=True):
        reader, writer = await asyncio.open_connection(sock=sock, limit=_STREAM_LIMIT)
        connection = LinkConnection(role=role, max_frame_bytes=max_frame_bytes)
        streams.append(LinkStream(reader, writer, connection))
    portal, game = streams
    async with asyncio.TaskGroup() as group:
        group.create_task(portal._handshake(HANDSHAKE_TIMEOUT))
        group.create_task(game._handshake(HANDSHAKE_TIMEOUT))
    return portal, game
