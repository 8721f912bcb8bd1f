"""The portal's end of one game connection: an ordered outbox, and the game's per-session output."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from typing import TypeGuard

from ember.link import JSON, LinkClosedError, LinkStream, Message
from ember.portal.rendering import Spans, TextRenderer
from ember.portal.sessions import PlayerTransport, PortalSession, RichTransport, StyledTransport

__all__ = ["SESSION_MESSAGES", "GameLink", "apply_multicast", "apply_to_session"]

logger = logging.getLogger("ember.portal.link")


class GameLink:
    """Queues messages for the game and writes them in order from one task (``pump``).

    Player callbacks run synchronously inside asyncio protocols and cannot await a send, so
    they ``send`` here; ``pump`` does the awaiting, which also respects the link's flow control.
    Player input waiting in the queue is bounded per session (messages and bytes) and in total,
    so a game that stops reading cannot make the portal grow without limit: ``send`` names the
    session to disconnect when a bound is passed.
    """

    def __init__(
        self,
        stream: LinkStream,
        *,
        max_session_messages: int = 500,
        max_session_bytes: int = 256 * 1024,
        max_total_bytes: int = 32 * 1024 * 1024,
    ) -> None:
        self.stream = stream
        self._outbox: asyncio.Queue[Message] = asyncio.Queue()
        self.announced: str | None = None
        #: The game said `ready` (store open, commands loaded): it may have players' lines.
        self.ready = False
        #: The game said `stopping`: it reads no more lines; the portal holds them.
        self.stopping = False
        self._limits = (max_session_messages, max_session_bytes, max_total_bytes)
        self._queued: dict[int, list[int]] = {}  # sid -> [messages, bytes] of queued input
        self._named: set[int] = set()  # sessions already named for a disconnect
        self._total = 0

    @property
    def accepting(self) -> bool:
        """Whether players' lines go to this game now (else the portal holds them)."""
        return self.ready and not self.stopping

    def send(self, message: Message) -> int | None:
        """Queue ``message`` for the game; it is written after everything queued before it.

        Returns the sid of a session whose queued input passed a bound, to be disconnected:
        this message's own session (the message is then not queued), or, when all sessions
        together pass ``max_total_bytes``, the one with the most queued that was not named
        before (if that is another session, this message is still queued). Otherwise None.
        """
        size = _input_size(message)
        offender: int | None = None
        if size is not None:
            sid = message.args[0]
            assert isinstance(sid, int)
            count = self._queued.get(sid) or [0, 0]
            most, most_bytes, total = self._limits
            if count[0] >= most or count[1] + size > most_bytes:
                self._named.add(sid)
                return sid
            if self._total + size > total:
                others = (key for key in self._queued if key not in self._named)
                offender = max(others, key=lambda key: self._queued[key][1], default=sid)
                self._named.add(offender)
                if offender == sid:
                    return sid
            self._queued[sid] = count
            count[0] += 1
            count[1] += size
            self._total += size
        self._outbox.put_nowait(message)
        return offender

    def queued(self, sid: int) -> tuple[int, int]:
        """Messages and bytes of input from session ``sid`` not yet written to the game."""
        count = self._queued.get(sid, (0, 0))
        return count[0], count[1]

    @property
    def backlog(self) -> int:
        """Messages queued but not yet written."""
        return self._outbox.qsize()

    async def pump(self) -> None:
        """Write queued messages until the link closes (then return) or the task is cancelled."""
        while True:
            message = await self._outbox.get()
            size = _input_size(message)
            if size is not None:
                sid = message.args[0]
                assert isinstance(sid, int)  # _input_size checked it
                count = self._queued[sid]
                count[0] -= 1
                count[1] -= size
                self._total -= size
                if not count[0]:
                    del self._queued[sid]
                    self._named.discard(sid)
            try:
                await self.stream.send(message)
            except LinkClosedError:
                return
            except (TypeError, ValueError) as error:
                logger.warning("dropped a %r message for the game: %s", message.name, error)


def _input_size(message: Message) -> int | None:
    """The size counted for a message of player input (None: not player input)."""
    if message.name not in ("line", "gmcp", "info") or not message.args:
        return None
    if not isinstance(message.args[0], int):
        return None
    text = message.args[1] if len(message.args) > 1 else None
    # Characters, not encoded bytes: cheap, and never more than the bytes they came as.
    return 64 + (len(text) if isinstance(text, str) else 0)


SESSION_MESSAGES = frozenset(
    ("text", "prompt", "echo", "login", "logout", "close", "progress", "oob")
)
"""Game-to-portal messages whose first argument is a session id."""


def apply_to_session(
    session: PortalSession,
    message: Message,
    renderer: TextRenderer,
    *,
    max_oob_bytes: int = 64 * 1024,
) -> None:
    """Carry out a per-session message from the game (``text``, ``login``, ``close``, ...).

    Game text is colour markup: ``renderer`` turns it into what this session's client shows
    (ANSI or plain text on telnet, styled runs on the web). ``oob`` data larger than
    ``max_oob_bytes`` as JSON is not sent.

    Raises:
        IndexError, TypeError, ValueError: the message's arguments are malformed, or its
            client data is over the size limit.
    """
    name, args, kwargs = message.name, message.args, message.kwargs
    transport = session.transport
    if name in ("text", "prompt"):
        text = _text(args[1])
        if _styled(transport):
            plain, spans = renderer.web(text)
            transport.send_styled(plain, spans, prompt=name == "prompt")
        elif name == "text":
            transport.send_text(renderer.telnet(text, session.colours))
        else:
            transport.send_prompt(renderer.telnet(text, session.colours))
    elif name == "oob":
        package, data = args[1], args[2] if len(args) > 2 else None
        if not isinstance(package, str) or not package:
            raise TypeError(f"oob package must be a non-empty str, not {package!r}")
        size = len(json.dumps(data, ensure_ascii=False, allow_nan=False).encode())
        if size > max_oob_bytes:
            raise ValueError(
                f"{package} data for session {session.sid} is {size} bytes, over the limit"
                f" of {max_oob_bytes} (max_oob_bytes); not sent"
            )
        transport.send_oob(package, data)
    elif name == "echo":
        transport.set_echo(bool(args[1]))
    elif name in ("login", "logout"):
        session.account = _text(args[1]) if name == "login" else None
        if _rich(transport):
            transport.set_account(session.account)
    elif name == "close":
        reason = kwargs.get("reason")
        if reason is None:
            transport.close(None)
        elif _styled(transport):
            transport.close(renderer.plain(_text(reason)))
        else:
            transport.close(renderer.telnet(_text(reason), session.colours))
    elif name == "progress":
        fraction = args[2]
        if not isinstance(fraction, int | float) or isinstance(fraction, bool):
            raise TypeError(f"progress fraction must be a number, not {fraction!r}")
        label = renderer.plain(_text(kwargs.get("label") or args[1]))
        if _rich(transport):
            transport.send_progress(_text(args[1]), float(fraction), label)
        else:
            transport.send_text(f"{label}: {round(100 * fraction)}%\n")
    else:
        raise ValueError(f"{name!r} is not a session message")


def apply_multicast(
    sessions: Mapping[int, PortalSession], sids: JSON, text: JSON, renderer: TextRenderer
) -> int:
    """Carry out a ``multicast``: ``text`` (markup, whole lines) to each session in ``sids``
    still connected, rendered once per kind of client (web, telnet by colour depth) and
    written to each transport in the list's order. Returns how many sessions got it.

    Raises:
        TypeError: ``sids`` is not a list.
    """
    if not isinstance(sids, list):
        raise TypeError(f"multicast sids must be a list, not {type(sids).__name__}")
    markup = _text(text)
    web: tuple[str, Spans | None] | None = None
    telnet: dict[int, str] = {}  # colours -> rendered text
    reached = 0
    for sid in sids:
        session = sessions.get(sid) if isinstance(sid, int) else None
        if session is None:
            continue  # gone since the game sent it, like a `text` for a closed session
        transport = session.transport
        if _styled(transport):
            if web is None:
                web = renderer.web(markup)
            transport.send_styled(web[0], web[1], prompt=False)
        else:
            colours = session.colours
            rendered = telnet.get(colours)
            if rendered is None:
                rendered = telnet[colours] = renderer.telnet(markup, colours)
            transport.send_text(rendered)
        reached += 1
    return reached


# isinstance() against a runtime-checkable protocol walks the protocol's attributes on every
# call (a fifth of a millisecond in the portal's profile, once per message to each player of
# a crowded room); the answer depends only on the transport's class, so it is kept per class.
_STYLED: dict[type, bool] = {}
_RICH: dict[type, bool] = {}


def _styled(transport: PlayerTransport) -> TypeGuard[StyledTransport]:
    kind = type(transport)
    found = _STYLED.get(kind)
    if found is None:
        found = _STYLED[kind] = isinstance(transport, StyledTransport)
    return found


def _rich(transport: PlayerTransport) -> TypeGuard[RichTransport]:
    kind = type(transport)
    found = _RICH.get(kind)
    if found is None:
        found = _RICH[kind] = isinstance(transport, RichTransport)
    return found


def _text(value: JSON) -> str:
    return value if isinstance(value, str) else str(value)
