"""The portal's side of the game link: greeting a game, and acting on what it sends.

A mixin of :class:`~ember.portal.server.Portal` (its state lives there): ``_serve_game`` runs
one connected game process, ``_dispatch`` handles each message it sends (docs/link-protocol.md).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, Literal, Protocol

from ember.link import JSON, LinkStream, Message
from ember.portal.admin import AdminGateway
from ember.portal.config import PortalConfig
from ember.portal.game_link import (
    SESSION_MESSAGES,
    GameLink,
    apply_multicast,
    apply_to_session,
)
from ember.portal.notices import NOTICES
from ember.portal.reloads import ReloadBook
from ember.portal.rendering import TextRenderer
from ember.portal.sessions import PortalSession
from ember.portal.status_writer import StatusWriter
from ember.portal.supervisor import GameSupervisor

__all__ = ["LinkMessages"]

logger = logging.getLogger("ember.portal")


class _Portal(Protocol):
    """The parts of the portal the link handlers use."""

    config: PortalConfig
    _sessions: dict[int, PortalSession]
    _greeted: set[int]
    _game: GameLink | None
    _renderer: TextRenderer
    _supervisor: GameSupervisor
    _stop_requested: asyncio.Event
    _status: StatusWriter
    _reloads: ReloadBook
    _state: str
    _told_down: bool
    _game_failure: str | None
    _failing_since_ready: str | None
    _on_ready: Callable[[dict[str, Any]], None] | None
    admin: AdminGateway

    def status(self) -> dict[str, Any]:
        """The status report."""

    def _notify_all(self, text: str, *, close: bool = False) -> None:
        """Tell every player ``text``."""

    def _to_game(self, game: GameLink, message: Message) -> None:
        """Queue player input for the game."""

    def _greet(self, game: GameLink, session: PortalSession) -> None:
        """Tell the game of a session."""

    def _game_ready(self, game: GameLink, commands_error: JSON) -> None:
        """The game is serving."""

    def _game_stopping(self, game: GameLink, kind: JSON, by: JSON) -> None:
        """The game reads no more input."""

    def _unread(self, args: tuple[JSON, ...]) -> None:
        """A line the stopping game did not read."""

    def _reload_done(self, *, ok: bool, error: str | None) -> None:
        """Record a reload's outcome."""

    def _dispatch(self, game: GameLink, message: Message) -> None:
        """Act on one message from the game."""


class LinkMessages:
    """The portal's handling of one game connection and of each message the game sends."""

    # Set by these handlers (declared here so the types are the portal's, not inferred).
    _game: GameLink | None
    _state: str
    _told_down: bool
    _game_failure: str | None
    _failing_since_ready: str | None
    _on_ready: Callable[[dict[str, Any]], None] | None

    async def _serve_game(self: _Portal, stream: LinkStream) -> None:
        if self._game is not None or self._stop_requested.is_set():
            logger.warning("refused a game connection: one is connected already or stopping")
            return
        config = self.config
        game = self._game = GameLink(
            stream,
            max_session_messages=config.max_queued_input_messages,
            max_session_bytes=config.max_queued_input_bytes,
            max_total_bytes=config.max_game_queue_bytes,
        )
        reason = self._supervisor.sync_reason
        try:
            known = [s for s in self._sessions.values() if s.sid in self._greeted]
            sessions: list[JSON] = [s.as_dict() for s in known]
            fields: dict[str, JSON] = {"sessions": sessions, "reason": reason}
            if self._reloads.handover:
                fields["unwritten"] = self._reloads.handover
            game.send(Message("sync", (), fields))
            for session in list(self._sessions.values()):
                if session.sid not in self._greeted:
                    self._greet(game, session)
            # Held input waits for `ready`: a game that fails to start never loses it.
            self._supervisor.link_up()
            logger.info("game connected (%s), %d sessions", reason, len(known))
            self._game_failure = None
            self._status.write()
            async with asyncio.TaskGroup() as group:
                pump = group.create_task(game.pump())
                async for message in stream:
                    self._dispatch(game, message)
                pump.cancel()
        finally:
            self._game = None
            self.admin.game_gone()
            self._supervisor.link_down()
            logger.info("game link closed")
            self._status.soon()

    def _greet(self: _Portal, game: GameLink, session: PortalSession) -> None:
        game.send(Message("connect", (session.sid,), session.as_dict()))
        self._greeted.add(session.sid)

    def _game_ready(self: _Portal, game: GameLink, commands_error: JSON) -> None:
        """The game is serving: deliver held input, say it is back, report a reload."""
        game.ready = True
        for session in list(self._sessions.values()):
            for text in session.take_pending():
                self._to_game(game, Message("line", (session.sid, text)))
        reason = self._supervisor.sync_reason
        logger.info("the game is ready (%s)", reason)
        if reason == "reload":
            self._notify_all(NOTICES["reloaded"])
            error = str(commands_error) if commands_error else None
            self._reload_done(ok=error is None, error=error)
        elif reason != "start" or self._told_down:
            self._notify_all(NOTICES["back"])
        self._told_down = False
        self._failing_since_ready = None
        self._state = "running"
        self._status.write()
        if self._on_ready is not None:
            ready, self._on_ready = self._on_ready, None
            ready(self.status())

    def _game_stopping(self: _Portal, game: GameLink, kind: JSON, by: JSON) -> None:
        """The game reads no more input: hold it here from now on and tell the players."""
        if game.stopping:
            return
        game.stopping = True
        self._reloads.stopping()
        game.send(Message("held"))  # after every line already queued for it
        self._state = "reloading" if kind == "reload" else "stopping"
        self._supervisor.asked()
        self._status.write()
        notice = NOTICES["reloading" if kind == "reload" else "shutdown"]
        self._notify_all(notice)
        logger.info("the game is stopping for a %s%s", kind, f" (by {by})" if by else "")

    def _unread(self: _Portal, args: tuple[JSON, ...]) -> None:
        """A line the stopping game did not read: back into the hold, in typing order."""
        sid, text = args[0], args[1]
        session = self._sessions.get(sid) if isinstance(sid, int) else None
        if session is None or not isinstance(text, str):
            return
        self._reloads.put_back(session, text)

    def _reload_done(self: _Portal, *, ok: bool, error: str | None) -> None:
        self._reloads.done(ok=ok, error=error, game_pid=self._supervisor.pid)
        self._status.write()

    def _dispatch(self: _Portal, game: GameLink, message: Message) -> None:
        name, args, kwargs = message.name, message.args, message.kwargs
        try:
            if name == "ready":
                self._game_ready(game, kwargs.get("commands_error"))
                return
            if name == "stopping":
                self._game_stopping(game, kwargs.get("kind"), kwargs.get("by"))
                return
            if name == "unread":
                self._unread(args)
                return
            if name == "reload_refused":
                logger.error("the reload was refused: the new code does not load")
                self._reload_done(ok=False, error=str(kwargs.get("error")))
                return
            if name == "start_failed":
                self._game_failure = self._failing_since_ready = str(kwargs.get("error"))
                logger.error("the game cannot start: %s", self._game_failure)
                game.stream.close()  # it waits for this before it exits
                return
            if name == "handover_applied":
                self._reloads.handover = None
                return
            if name in ("reload", "shutdown"):
                self._reloads.hand_over(kwargs.get("unwritten"))
                announced: Literal["reload", "shutdown"] = (
                    "reload" if name == "reload" else "shutdown"
                )
                game.announced = announced
                self._supervisor.announce(announced)
                self._state = "reloading" if name == "reload" else "stopping"
                self._status.write()
                by = kwargs.get("by")
                logger.info("the game announced a %s%s", name, f" (by {by})" if by else "")
                if not game.stopping:  # a game that did not say `stopping` first
                    game.stopping = True
                    # Who or what asked ("SIGHUP", an account name) is for the log; players
                    # are told what happens in their terms (issue 11).
                    notice = NOTICES["reloading" if name == "reload" else "shutdown"]
                    self._notify_all(notice)
                return
            if name == "multicast":
                apply_multicast(self._sessions, args[0], args[1], self._renderer)
                return
            if name == "status_reply":
                return
            if name == "admin_reply":
                self.admin.reply(kwargs)
                return
            sid = args[0] if args else None
            session = self._sessions.get(sid) if isinstance(sid, int) else None
            if session is None:
                if name not in SESSION_MESSAGES:
                    logger.warning("unknown message %r from the game", name)
                else:
                    logger.debug("%r for session %r, which is gone", name, sid)
                return
            apply_to_session(
                session, message, self._renderer, max_oob_bytes=self.config.max_oob_bytes
            )
            if name in ("login", "logout"):
                self._status.soon()
        except (IndexError, TypeError, ValueError) as error:
            logger.warning("malformed %r message from the game: %s", name, error)
