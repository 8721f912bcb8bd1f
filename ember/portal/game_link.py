"""The portal's end of one game connection: an ordered outbox, and the game's per-session output."""

from __future__ import annotations

import asyncio
import logging

from ember.link import JSON, LinkClosedError, LinkStream, Message
from ember.portal.sessions import PortalSession, RichTransport

__all__ = ["SESSION_MESSAGES", "GameLink", "apply_to_session"]

logger = logging.getLogger("ember.portal.link")


class GameLink:
    """Queues messages for the game and writes them in order from one task (``pump``).

    Player callbacks run synchronously inside asyncio protocols and cannot await a send, so
    they ``send`` here; ``pump`` does the awaiting, which also respects the link's flow control.
    """

    def __init__(self, stream: LinkStream) -> None:
        self.stream = stream
        self._outbox: asyncio.Queue[Message] = asyncio.Queue()
        self.announced: str | None = None
        #: The game said `ready` (store open, commands loaded): it may have players' lines.
        self.ready = False
        #: The game said `stopping`: it reads no more lines; the portal holds them.
        self.stopping = False

    @property
    def accepting(self) -> bool:
        """Whether players' lines go to this game now (else the portal holds them)."""
        return self.ready and not self.stopping

    def send(self, message: Message) -> None:
        """Queue ``message`` for the game; it is written after everything queued before it."""
        self._outbox.put_nowait(message)

    @property
    def backlog(self) -> int:
        """Messages queued but not yet written."""
        return self._outbox.qsize()

    async def pump(self) -> None:
        """Write queued messages until the link closes (then return) or the task is cancelled."""
        while True:
            message = await self._outbox.get()
            try:
                await self.stream.send(message)
            except LinkClosedError:
                return
            except (TypeError, ValueError) as error:
                logger.warning("dropped a %r message for the game: %s", message.name, error)


SESSION_MESSAGES = frozenset(("text", "prompt", "echo", "login", "logout", "close", "progress"))
"""Game-to-portal messages whose first argument is a session id."""


def apply_to_session(session: PortalSession, message: Message) -> None:
    """Carry out a per-session message from the game (``text``, ``login``, ``close``, ...).

    Raises:
        IndexError, TypeError, ValueError: the message's arguments are malformed.
    """
    name, args, kwargs = message.name, message.args, message.kwargs
    transport = session.transport
    if name == "text":
        transport.send_text(_text(args[1]))
    elif name == "prompt":
        transport.send_prompt(_text(args[1]))
    elif name == "echo":
        transport.set_echo(bool(args[1]))
    elif name in ("login", "logout"):
        session.account = _text(args[1]) if name == "login" else None
        if isinstance(transport, RichTransport):
            transport.set_account(session.account)
    elif name == "close":
        reason = kwargs.get("reason")
        transport.close(_text(reason) if reason is not None else None)
    elif name == "progress":
        fraction = args[2]
        if not isinstance(fraction, int | float) or isinstance(fraction, bool):
            raise TypeError(f"progress fraction must be a number, not {fraction!r}")
        label = kwargs.get("label") or args[1]
        if isinstance(transport, RichTransport):
            transport.send_progress(_text(args[1]), float(fraction), _text(label))
        else:
            transport.send_text(f"{_text(label)}: {round(100 * fraction)}%\n")
    else:
        raise ValueError(f"{name!r} is not a session message")


def _text(value: JSON) -> str:
    return value if isinstance(value, str) else str(value)
