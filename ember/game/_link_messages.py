"""What the game does with each portal-to-game message (``sync``, ``connect``, ``line`` ...).

A mixin of :class:`~ember.game.server.GameServer`: ``_on_<name>`` handles the message called
``<name>`` (docs/link-protocol.md); an unknown name is logged and ignored.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any, Protocol

from ember.game._account_refresh import DISABLED_NOTICE
from ember.game._gmcp import receive_gmcp
from ember.game._portal_link import PortalLink
from ember.game.admin import AdminService
from ember.game.commands import LOGIN_SCREEN, Dispatcher, GameCommands
from ember.game.context import GameContext
from ember.game.sessions import Session
from ember.link import Message
from ember.offload import jobs_owned_by, progress_sink

__all__ = ["LinkMessages"]

log = logging.getLogger("ember.game")


class _Server(GameContext, Protocol):
    """The parts of the game server the handlers use."""

    link: PortalLink
    dispatcher: Dispatcher
    game_commands: GameCommands
    handed_over: Any
    admin: AdminService

    def status(self) -> dict[str, Any]:
        """What ``ember status`` shows."""

    def warn_developer(self, session: Session) -> None:
        """Tell a Developer on ``session`` that the game's commands failed to load."""

    def resume(self, session: Session) -> None:
        """After a ``sync``: ``session`` plays its character again, silently."""


class LinkMessages:
    """The handlers of the portal's messages, one ``_on_<name>`` method each."""

    def handle(self: _Server, message: Message) -> None:
        """Run the handler of ``message`` (an unknown name is logged and ignored)."""
        handler = getattr(self, f"_on_{message.name}", None)
        if handler is None:
            log.warning("ignored unknown link message %r", message.name)
            return
        handler(*message.args, **message.kwargs)

    def _on_sync(
        self: _Server,
        *,
        sessions: Any = (),
        reason: str = "start",
        unwritten: Any = None,
        **_: Any,
    ) -> None:
        self.handed_over = unwritten
        restored = self.sessions.sync(list(sessions or ()), self.accounts.registry.by_name)
        log.info("sync (%s): %d sessions", reason, len(restored))
        for session in restored:
            if session.account is None:
                continue
            self.resume(session)
            if session.account.record.disabled:
                # Disabled while no game ran to close it (ember account disable): it leaves
                # as at any disconnect (at_logout, its character put away).
                self.sessions.close(session, DISABLED_NOTICE)
            else:
                self.warn_developer(session)
        self.status_changed()

    def _on_connect(self: _Server, *args: Any, **fields: Any) -> None:
        # The sid comes first in args; the session dict fields may repeat it.
        sid = fields.pop("sid", None) if not args else args[0]
        fields.pop("sid", None)
        if not isinstance(sid, int):
            log.warning("connect without a session id ignored")
            return
        session = self.sessions.connect(sid, **fields)
        session.msg(LOGIN_SCREEN)
        self.status_changed()

    def _on_disconnect(self: _Server, sid: int, *_: Any, **__: Any) -> None:
        self.sessions.disconnect(sid)
        self.status_changed()

    def _on_line(self: _Server, sid: int, text: str) -> None:
        if self.stopping:
            # Not read: handed back, so the portal gives it to the next game (no line lost).
            self.link.put(Message("unread", (sid, text)))
            return
        session = self.sessions.get(sid)
        if session is None:
            log.debug("line for unknown session %s dropped", sid)
            return
        self.sessions.touch(session)
        # A background job started by this line reports its progress to this session and is
        # listed by `tasks` as the account's own.
        owner = session.account.key if session.account is not None else None
        self.admin.sampler.command()
        with progress_sink(partial(_send_progress, session)), jobs_owned_by(owner):
            self.dispatcher.handle_line(session, text)

    def _on_info(self: _Server, sid: int, **fields: Any) -> None:
        session = self.sessions.get(sid)
        if session is None:
            return
        for name in ("cols", "rows"):
            if isinstance(fields.get(name), int) and fields[name] > 0:
                setattr(session, name, fields[name])
        if isinstance(fields.get("ttype"), str):
            session.ttype = fields["ttype"]
        session.info.update(fields)

    def _on_reload(self: _Server, *, by: Any = "", **_: Any) -> None:
        # The portal asks (`ember reload`): check the new code, flush, answer `reload`, exit.
        self.request_reload(by=str(by or "portal"))

    def _on_held(self: _Server, *_: Any, **__: Any) -> None:
        self.link.held.set()

    def _on_shutdown(self: _Server, *, by: Any = "", **_: Any) -> None:
        # The portal asks (`ember stop`): flush, answer `shutdown`, exit.
        self.stop("shutdown", by=str(by or "portal"))

    def _on_gmcp(self: _Server, sid: int, package: Any = None, data: Any = None) -> None:
        # Core packages noted in session.info, then the game's at_gmcp (ember/game/_gmcp.py).
        session = self.sessions.get(sid)
        if session is not None:
            receive_gmcp(session, package, data, self.game_commands.at_gmcp)

    def _on_admin(self: _Server, *, request: Any = None, op: Any = None, args: Any = None) -> None:
        # The admin page or /metrics asks (ember/game/admin): answered with `admin_reply`.
        self.admin.handle(request, op, args)

    def _on_status(self: _Server, *, request: Any = None, **_: Any) -> None:
        status = self.status()
        self.link.put(
            Message(
                "status_reply",
                (),
                {
                    "request": request,
                    "sessions": status["sessions"],
                    "accounts": status["accounts"],
                    "pending_tasks": status["pending_tasks"],
                    "pid": status["pid"],
                },
            )
        )


def _send_progress(session: Session, job: str, fraction: float, label: str | None) -> None:
    session.send("progress", job, fraction, label=label)
