"""The game side of the portal link: an outbox, the read and write loops, the first message.

The server queues every game-to-portal message with :meth:`PortalLink.put` (never awaiting);
the write loop sends what is queued in batches, the read loop hands each incoming message to
the server's handler. Output waiting for the portal is bounded per session and in all
(:class:`OutputBounds`): the session past a bound is closed, never the game stalled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import cast

from ember.errors import StoreError
from ember.link import (
    JSON,
    LinkClosedError,
    LinkStream,
    Message,
    connect_link,
    link_from_environment,
)

__all__ = ["OutputBounds", "PortalLink"]

log = logging.getLogger("ember.game")

_WRITE_BATCH = 1000  # messages written to the portal in one piece, at most
# Output messages to one session, counted against the bounds: (name, index of the text arg).
_OUTPUT = {"text": 1, "prompt": 1, "progress": None, "oob": None}
_OUTPUT_OVERHEAD = 64  # bytes counted per output message besides its text
_CUT_NOTICE = "Too much output is waiting for you; disconnecting."


class OutputBounds:
    """Bytes of output queued per session and in all, and which sessions were cut off.

    ``admit`` says whether a message may be queued; the first refusal for a session returns
    its sid once so the caller closes it. ``sent`` gives the bytes back once written.
    """

    __slots__ = ("cut", "max_session", "max_total", "queued", "total")

    def __init__(self, max_session: int, max_total: int) -> None:
        self.max_session = max_session
        self.max_total = max_total
        self.queued: dict[int, int] = {}
        self.total = 0
        self.cut: set[int] = set()

    @staticmethod
    def size(message: Message) -> tuple[int, int] | None:
        """``(sid, bytes)`` counted for an output message, or ``None`` for any other."""
        if message.name not in _OUTPUT or not message.args:
            return None
        sid, index = message.args[0], _OUTPUT[message.name]
        if not isinstance(sid, int):
            return None
        text = message.args[index] if index is not None and len(message.args) > index else ""
        return sid, _OUTPUT_OVERHEAD + (len(text) if isinstance(text, str) else 0)

    def admit(self, sid: int, size: int) -> tuple[bool, int | None]:
        """Return (queue it?, sid to cut off now or None)."""
        if sid in self.cut:
            return False, None
        queued = self.queued.get(sid, 0)
        if queued + size > self.max_session:
            self.cut.add(sid)
            return False, sid
        if self.total + size > self.max_total:
            # The one with the most waiting goes: a flood, not whoever speaks next.
            victim = max(self.queued, key=self.queued.__getitem__, default=sid)
            self.cut.add(victim)
            if victim == sid:
                return False, sid
            self.queued[sid] = queued + size
            self.total += size
            return True, victim
        self.queued[sid] = queued + size
        self.total += size
        return True, None

    def admit_all(self, sids: list[int], size: int) -> bool:
        """Count ``size`` bytes for each of ``sids`` at once when every one of them fits (the
        usual case, one pass with no call per sid) and return True; else count nothing and
        return False, for the caller to :meth:`admit` them one by one."""
        queued, most = self.queued, self.max_session - size
        if self.total + size * len(sids) > self.max_total or self.cut:
            return False
        for sid in sids:
            if queued.get(sid, 0) > most:
                return False
        for sid in sids:
            queued[sid] = queued.get(sid, 0) + size
        self.total += size * len(sids)
        return True

    def sent(self, sid: int, size: int) -> None:
        """``size`` bytes of ``sid``'s output were written (or dropped after queueing)."""
        left = self.queued.get(sid, 0) - size
        self.total -= size
        if left > 0:
            self.queued[sid] = left
        else:
            self.queued.pop(sid, None)
            self.cut.discard(sid)  # caught up, or gone: a new session may reuse nothing

    def sent_all(self, sids: list[int], size: int) -> None:
        """:meth:`sent` for each of ``sids`` (a multicast written)."""
        queued = self.queued
        for sid in sids:
            left = queued.get(sid, 0) - size
            if left > 0:
                queued[sid] = left
            else:
                queued.pop(sid, None)
                self.cut.discard(sid)
        self.total -= size * len(sids)


class PortalLink:
    """The game's end of the link: ``stream`` is ``None`` until :meth:`open`."""

    def __init__(
        self,
        *,
        max_session_output: int = 4 * 1024 * 1024,
        max_output: int = 64 * 1024 * 1024,
    ) -> None:
        self.stream: LinkStream | None = None
        self.bounds = OutputBounds(max_session_output, max_output)
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
        """Queue ``message`` for the portal (sent in order by the write loop).

        Output to a session past its bound (or the one with the most waiting, past the total)
        is dropped from then on, and that session is closed with a notice and a log line.
        """
        if message.name == "multicast":
            # Counted against each receiving session: one over its bound is cut off (as for
            # a `text`) and left out of the list, while the others still get the line.
            sids, text = message.args[0], message.args[1]
            assert isinstance(sids, list) and isinstance(text, str)
            size = _OUTPUT_OVERHEAD + len(text)
            if self.bounds.admit_all(cast("list[int]", sids), size):
                self._outbox.put_nowait(message)
                return
            kept: list[JSON] = [
                sid for sid in sids if isinstance(sid, int) and self._admit(sid, size)
            ]
            if not kept:
                return
            if len(kept) < len(sids):
                message = Message("multicast", (kept, text))
        else:
            counted = OutputBounds.size(message)
            if counted is not None and not self._admit(*counted):
                return
        self._outbox.put_nowait(message)

    def _admit(self, sid: int, size: int) -> bool:
        """Count ``size`` bytes of output to ``sid``; whether to queue it. A session cut off
        now is sent a notice and closed."""
        admitted, cut = self.bounds.admit(sid, size)
        if cut is not None:
            log.warning(
                "session %d: more than %d bytes of output waiting for the portal (%d in"
                " all); closing it",
                cut,
                self.bounds.max_session,
                self.bounds.total,
            )
            self._outbox.put_nowait(Message("close", (cut,), {"reason": _CUT_NOTICE}))
        return admitted

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
                for message in batch:
                    self._written(message)
                    self._outbox.task_done()

    def _written(self, message: Message) -> None:
        """Give back the bytes a message counted once it is written (or dropped)."""
        if message.name == "multicast":
            sids, text = message.args[0], message.args[1]
            assert isinstance(sids, list) and isinstance(text, str)
            self.bounds.sent_all(cast("list[int]", sids), _OUTPUT_OVERHEAD + len(text))
            return
        counted = OutputBounds.size(message)
        if counted is not None:
            self.bounds.sent(*counted)

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
