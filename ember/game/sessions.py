"""Sessions: one per player connection the portal holds, and the registry that tracks them."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from ember.game._connection import Connection
from ember.game._gmcp import check_oob
from ember.game.accounts import Account
from ember.interaction import COMMAND_PREFIX, ask_caller, forget_caller, replaying
from ember.link import JSON, Message

if TYPE_CHECKING:
    from ember.world import Character

__all__ = ["QUESTION_HINT", "Session", "SessionRegistry", "msg_sessions"]

#: Sent on the line above each question until the player has used the command prefix on that
#: connection (a line of its own, so the prompt itself stays the game's question).
QUESTION_HINT = f"(Answer below, or type {COMMAND_PREFIX}<command> to run a command meanwhile.)"

Send = Callable[[Message], None]


class Session:
    """One connection, as the game sees it: who it is, what terminal, and how to reach it.

    ``msg(text)`` sends a ``text`` link message to this connection only; to reach every
    session of a player use ``account.msg``.
    """

    def __init__(
        self,
        sid: int,
        send: Send,
        *,
        protocol: str = "telnet",
        address: str = "",
        cols: int = 80,
        rows: int = 24,
        ttype: str | None = None,
        connected_at: float | None = None,
        now: float = 0.0,
    ) -> None:
        self.sid = sid
        self.protocol = protocol
        self.address = address
        self.account: Account | None = None
        #: The character this session plays (``None`` at the login screen or while choosing).
        self.character: Character | None = None
        self.cols, self.rows, self.ttype = cols, rows, ttype
        self.connected_at = connected_at if connected_at is not None else time.time()
        self.last_input = now
        self.info: dict[str, JSON] = {}
        #: Lines that arrived while a command holding this session's input (a login) ran.
        self.held: deque[str] | None = None
        #: Whether the player has run a command with the prefix while a question waited (or
        #: at any time): then questions come without :data:`QUESTION_HINT`.
        self.knows_command_prefix = False
        #: Lines dropped because ``held`` was full (reset when the holding command ends).
        self.held_dropped = 0
        self._send = send

    @property
    def logged_in(self) -> bool:
        """Whether an account is logged in on this session."""
        return self.account is not None

    @property
    def name(self) -> str:
        """The account name, or ``"session <sid>"`` at the login screen."""
        return self.account.name if self.account is not None else f"session {self.sid}"

    def msg(self, text: str | None = None, *, oob: tuple[str, JSON] | None = None) -> None:
        """Send ``text`` to this connection, as whole lines (a final newline is added), and/or
        client data: ``oob=("Char.Vitals", {"hp": 10})`` goes out as GMCP on telnet (to
        clients that agreed to it) and as an ``oob`` message on the web (see
        docs/talking-to-clients.md). Raises ``ValueError``/``TypeError`` for a package name
        with whitespace or data that is not JSON, whatever the client."""
        if replaying():  # a durable flow replaying its journal: the player saw this before
            return
        # The data first: a client's triggers on the text then see it already updated.
        if oob is not None:
            package, data = check_oob(oob)
            self._send(Message("oob", (self.sid, package, data)))
        if text is not None:
            # Whole lines, so two messages never run together on the player's screen.
            self._send(Message("text", (self.sid, text if text.endswith("\n") else text + "\n")))

    def prompt(self, text: str) -> None:
        """Send ``text`` as a prompt (a question; no newline is added) to this connection,
        after a :data:`QUESTION_HINT` line until the player knows the command prefix."""
        if replaying():
            return
        if not self.knows_command_prefix:
            self.msg(QUESTION_HINT)
        self._send(Message("prompt", (self.sid, text)))

    async def ask(self, question: str, timeout: float | None = None) -> str:  # noqa: ASYNC109
        """Ask ``question`` on this connection and return its next line of input."""
        return await ask_caller(self, question, timeout=timeout)

    def send(self, name: str, *args: JSON, **kwargs: JSON) -> None:
        """Send any game-to-portal message about this session (``sid`` goes first)."""
        self._send(Message(name, (self.sid, *args), kwargs))

    def __repr__(self) -> str:
        return f"<Session {self.sid} {self.address} {self.name}>"


def msg_sessions(sessions: Sequence[Session], text: str) -> None:
    """Send ``text`` (whole lines, like :meth:`Session.msg`) to each of ``sessions`` in one
    ``multicast`` link message rather than one ``text`` message each: the portal renders it
    once per kind of client (docs/link-protocol.md). Each session still sees it in order
    with the rest of its output, since both go through the same queue."""
    if len(sessions) <= 1:
        for session in sessions:
            session.msg(text)
        return
    line = text if text.endswith("\n") else text + "\n"
    # Sessions of one game share one send (the link's queue); grouping keeps any other
    # arrangement (tests with a send per session) correct.
    groups: dict[Send, list[JSON]] = {}
    for session in sessions:
        groups.setdefault(session._send, []).append(session.sid)
    for send, sids in groups.items():
        send(
            Message("multicast", (sids, line))
            if len(sids) > 1
            else Message("text", (sids[0], line))
        )


class SessionRegistry:
    """Every session by sid, kept in step with the portal's ``sync``/``connect``/``disconnect``."""

    def __init__(self, send: Send, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._send = send
        self._clock = clock
        self._sessions: dict[int, Session] = {}
        #: Called with a session that stops playing (logout, disconnect, another login),
        #: before its account is detached: the game ends its character's play there.
        self.leaving: Callable[[Session], object] = _nothing

    def get(self, sid: int) -> Session | None:
        """Return the session with this sid, if it is connected."""
        return self._sessions.get(sid)

    def __iter__(self) -> Iterator[Session]:
        return iter(list(self._sessions.values()))

    def __len__(self) -> int:
        return len(self._sessions)

    def connect(self, sid: int, /, **fields: Any) -> Session:
        """Add a session from the portal's session dict fields (a re-used sid replaces it)."""
        old = self._sessions.get(sid)
        if old is not None:
            self._detach(old)
        session = Session(
            sid,
            self._send,
            protocol=str(fields.get("protocol") or "telnet"),
            address=str(fields.get("address") or ""),
            cols=_int(fields.get("cols"), 80),
            rows=_int(fields.get("rows"), 24),
            ttype=fields.get("ttype") if isinstance(fields.get("ttype"), str) else None,
            connected_at=_float(fields.get("connected_at")),
            now=self._clock(),
        )
        self._sessions[sid] = session
        return session

    def disconnect(self, sid: int) -> Session | None:
        """Forget a session (its account stays loaded); return it, or None if unknown."""
        session = self._sessions.pop(sid, None)
        if session is not None:
            self.leaving(session)
            self._detach(session)
            # Questions put to this connection itself (at the login screen, say) can never be
            # answered: a new connection is a new Session. End them now rather than at their
            # timeout. Questions put to the account stay, and are asked again on its return.
            forget_caller(session)
        return session

    def sync(
        self, sessions: list[dict[str, Any]], find_account: Callable[[str], Account | None]
    ) -> list[Session]:
        """Replace every session with the portal's list, logging accounts back in silently."""
        for session in list(self._sessions.values()):
            self._detach(session)
        self._sessions.clear()
        restored = []
        for fields in sessions:
            sid = fields.get("sid")
            if not isinstance(sid, int):
                continue
            session = self.connect(sid, **fields)
            name = fields.get("account")
            account = find_account(name) if isinstance(name, str) else None
            if account is not None:
                self._attach(session, account)
            restored.append(session)
        return restored

    def login(self, session: Session, account: Account) -> None:
        """Log ``account`` in on ``session`` and tell the portal (for the next ``sync``)."""
        if session.account is not None:
            self.leaving(session)
            self._detach(session)
        self._attach(session, account)
        session.send("login", account.name)

    def logout(self, session: Session) -> None:
        """Return ``session`` to the login screen and tell the portal."""
        self.leaving(session)
        self._detach(session)
        session.send("logout")

    def close(self, session: Session, reason: str) -> None:
        """Ask the portal to end the connection (after showing ``reason``) and forget it."""
        session.send("close", reason=reason)
        self.disconnect(session.sid)

    def touch(self, session: Session) -> None:
        """Note that input arrived on ``session`` now (for idle times)."""
        session.last_input = self._clock()

    def idle(self, session: Connection) -> float:
        """Return seconds since the last input on ``session``."""
        return max(0.0, self._clock() - session.last_input)

    @staticmethod
    def _attach(session: Session, account: Account) -> None:
        session.account = account
        if session not in account.sessions:
            account.sessions.append(session)

    @staticmethod
    def _detach(session: Session) -> None:
        account, session.account = session.account, None
        if account is not None and session in account.sessions:
            account.sessions.remove(session)


def _nothing(session: Session) -> None:
    pass


def _int(value: object, default: int) -> int:
    return (
        value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else default
    )


def _float(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
