"""The portal's side of the player connections: what telnet and web sessions report.

A mixin of :class:`~ember.portal.server.Portal` (its state lives there) implementing the
``SessionHub`` the transports call: a session opens, a line or terminal facts or GMCP arrive,
the session closes. Input goes to the game, or is held while none is connected.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Protocol

from ember.link import JSON, Message
from ember.portal.config import PortalConfig
from ember.portal.game_link import GameLink
from ember.portal.input_text import clean_input
from ember.portal.notices import NOTICES
from ember.portal.sessions import PlayerTransport, PortalSession, SessionIds, SessionProtocol
from ember.portal.status_writer import StatusWriter

__all__ = ["PlayerHub"]

logger = logging.getLogger("ember.portal")

# Input held per session while no game is connected, in bytes (lines: PortalConfig).
_MAX_PENDING_BYTES = 64 * 1024


class _Portal(Protocol):
    """The parts of the portal the session hub uses."""

    config: PortalConfig
    _ids: SessionIds
    _sessions: dict[int, PortalSession]
    _greeted: set[int]
    _game: GameLink | None
    _status: StatusWriter
    _all_closed: asyncio.Event
    _started_at: float

    def _greet(self, game: GameLink, session: PortalSession) -> None:
        """Tell the game of a session."""

    def _to_game(self, game: GameLink, message: Message) -> None:
        """Queue player input for the game."""


class PlayerHub:
    """What player connections report to the portal (``SessionHub``), one method each."""

    def open_session(
        self: _Portal, transport: PlayerTransport, protocol: SessionProtocol, address: str
    ) -> PortalSession:
        """Register a new player connection; the game hears of it now or at its next sync."""
        session = PortalSession(
            sid=self._ids.next(),
            protocol=protocol,
            address=address,
            transport=transport,
            connected_at=time.time(),
        )
        self._sessions[session.sid] = session
        self._all_closed.clear()
        if self._game is not None:
            self._greet(self._game, session)
        logger.debug("session %d opened from %s", session.sid, address)
        self._status.soon()
        return session

    def player_line(self: _Portal, session: PortalSession, text: str) -> None:
        """Pass a line to the game, or hold it until one is connected.

        This is where every line typed on telnet or the web passes: the one place the text
        rule (``clean_input``) is applied.
        """
        text = clean_input(text)
        if self._game is not None and self._game.accepting:
            self._to_game(self._game, Message("line", (session.sid, text)))
            return
        limit = self.config.max_pending_lines
        if session.hold(text, max_lines=limit, max_bytes=_MAX_PENDING_BYTES):
            if not session.told_to_wait:
                session.told_to_wait = True
                session.transport.send_text(NOTICES["wait"] + "\n")
        elif not session.told_dropped:
            session.told_dropped = True
            session.transport.send_text(NOTICES["dropped"] + "\n")

    def player_info(self: _Portal, session: PortalSession, info: dict[str, JSON]) -> None:
        """Remember negotiated terminal facts and pass them on (names cleaned like lines)."""
        info = {k: clean_input(v) if isinstance(v, str) else v for k, v in info.items()}
        for key, value in info.items():
            if key in ("cols", "rows", "colours"):
                if isinstance(value, int):
                    setattr(session, key, value)
            elif key in ("ttype", "client", "charset") and (
                value is None or isinstance(value, str)
            ):
                setattr(session, key, value)
        if self._game is not None and session.sid in self._greeted:
            self._to_game(self._game, Message("info", (session.sid,), info))

    def player_gmcp(self: _Portal, session: PortalSession, package: str, data: JSON) -> None:
        """Pass an out-of-band message on (dropped while no game is connected)."""
        if self._game is not None and session.sid in self._greeted:
            self._to_game(self._game, Message("gmcp", (session.sid, package, data)))

    def _to_game(self: _Portal, game: GameLink, message: Message) -> None:
        """Queue player input; a session whose input piles up past the bounds is dropped."""
        offender = game.send(message)
        session = self._sessions.get(offender) if offender is not None else None
        if session is not None:
            queued = (session.sid, session.address, *game.queued(session.sid))
            logger.warning("session %d (%s): disconnected, %d messages (%d bytes) of its input "
                           "wait for the game, over the limit", *queued)  # fmt: skip
            session.transport.close(NOTICES["flooded"])

    def close_session(self: _Portal, session: PortalSession, reason: str) -> None:
        """Forget a connection that is gone and tell the game."""
        if self._sessions.pop(session.sid, None) is None:
            return
        if self._game is not None and session.sid in self._greeted:
            self._game.send(Message("disconnect", (session.sid,), {"reason": reason}))
        self._greeted.discard(session.sid)
        logger.debug("session %d closed: %s", session.sid, reason)
        if not self._sessions:
            self._all_closed.set()
        self._status.soon()

    def mssp(self: _Portal) -> dict[str, str]:
        """MUD Server Status Protocol data for crawlers."""
        players = sum(1 for s in self._sessions.values() if s.account is not None)
        return {
            "NAME": self.config.game_name,
            "PLAYERS": str(players),
            "UPTIME": str(int(self._started_at)),
            "CODEBASE": "Ember",
        }
