"""The game side of the portal link: an outbox, the read and write loops, the first message.

The server queues every game-to-portal message with :meth:`PortalLink.put` (never awaiting);
the write loop sends what is queued in batches, the read loop hands each incoming message to
the server's handler.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from pathlib import Path

from ember.errors import StoreError
from ember.link import LinkClosedError, LinkStream, Message, connect_link, link_from_environment

__all__ = ["PortalLink"]

log = logging.getLogger("ember.game")

_WRITE_BATCH = 1000  # messages written to the portal in one piece, at most


class PortalLink:
    """The game's end of the link: ``stream`` is ``None`` until :meth:`open`."""

    def __init__(self) -> None:
        self.stream: LinkStream | None = None
        self._outbox: asyncio.Queue[Message] = asyncio.Queue()
        self._send_failed = False
        #: Set when the portal holds input (its `held`), or when the link closed.
        self.held = asyncio.Event()

    async def open(self, game_dir: Path, stream: LinkStream | None = None) -> None:
        """Use ``stream`` (tests pass one), else connect to the game directory's socket."""
        if stream is None:
            # The portal names the socket and the per-start secret in our environment.
            path, secret = link_from_environment(game_dir)
            stream = await connect_link(path, role="game", secret=secret)
        self.stream = stream

    @property
    def open_stream(self) -> LinkStream | None:
        """The stream while it is open, else ``None``."""
        stream = self.stream
        return stream if stream is not None and not stream.closed else None

    def put(self, message: Message) -> None:
        """Queue ``message`` for the portal (sent in order by the write loop)."""
        self._outbox.put_nowait(message)

    async def first_message(self, wait: float) -> Message | None:
        """Return the portal's first message, or ``None`` if none came within ``wait`` s."""
        assert self.stream is not None
        try:
            async with asyncio.timeout(wait):
                return await self.stream.receive()
        except TimeoutError:
            return None

    async def read_loop(
        self, handle: Callable[[Message], None], closed: Callable[[], None]
    ) -> None:
        """Hand every incoming message to ``handle``; call ``closed`` when the portal closes
        the link (nothing more can come: ``held`` is set too)."""
        assert self.stream is not None
        async for message in self.stream:
            try:
                handle(message)
            except Exception:
                log.exception("handling link message %r failed", message.name)
        log.warning("the portal closed the link")
        closed()
        self.held.set()

    async def write_loop(self) -> None:
        """Send what is queued, in batches, until cancelled."""
        assert self.stream is not None
        while True:
            # Everything queued since the last write goes in one system call: a `say` to 50
            # players is one write, not 50 (each of which waits for the GIL while a thread
            # job runs; docs/design-notes.md, issue 11 item 10).
            batch = [await self._outbox.get()]
            while len(batch) < _WRITE_BATCH and not self._outbox.empty():
                batch.append(self._outbox.get_nowait())
            try:
                for message, error in await self.stream.send_many(batch):
                    log.error("dropped a %r message that cannot be sent: %s", message.name, error)
            except LinkClosedError as error:
                if not self._send_failed:
                    log.warning("cannot send to the portal: %s", error)
                self._send_failed = True
            finally:
                for _ in batch:
                    self._outbox.task_done()

    async def drain(self, wait: float) -> None:
        """Wait (at most ``wait`` s) until everything queued was written."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(wait):
                await self._outbox.join()

    async def send_now(self, message: Message) -> bool:
        """Send ``message`` at once, past the outbox; return whether the portal got it (a
        failure is logged: the link is gone, or the message is too large for a frame)."""
        stream = self.open_stream
        if stream is None:
            return False
        try:
            await stream.send(message)
        except (LinkClosedError, ValueError) as error:
            log.warning("cannot tell the portal of the %s: %s", message.name, error)
            return False
        return True

    async def close(self) -> None:
        """Close the link (if it was opened)."""
        if self.stream is not None:
            self.stream.close()
            await self.stream.wait_closed()

    async def report_start_failure(self, error: BaseException, wait: float) -> None:
        """Tell the portal in one line why this process cannot start (before it exits)."""
        stream = self.open_stream
        if stream is None:
            return
        text = str(error).splitlines()[0] if str(error) else type(error).__name__
        if not isinstance(error, StoreError):
            text = f"{type(error).__name__}: {text}"
        with contextlib.suppress(LinkClosedError, TimeoutError):
            async with asyncio.timeout(wait):
                await stream.send(Message("start_failed", (), {"error": text}))
                # Closing now could make the portal's next write fail and drop the message
                # unread: the portal closes the link once it has read it.
                while True:
                    await stream.receive()
