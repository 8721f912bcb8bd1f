"""The portal process's core: player sessions, the game link, notices, and an orderly stop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
from collections.abc import Callable
from typing import Any, Literal

from ember.link import JSON, LinkStream, Message, serve_link, socket_path_for
from ember.portal.config import PortalConfig
from ember.portal.game_link import SESSION_MESSAGES, GameLink, apply_to_session
from ember.portal.input_text import clean_input
from ember.portal.listeners import Listeners, PortalStartError
from ember.portal.reloads import ReloadBook
from ember.portal.sessions import PlayerTransport, PortalSession, SessionIds, SessionProtocol
from ember.portal.state_files import write_atomic
from ember.portal.status_writer import StatusWriter
from ember.portal.supervisor import GameSupervisor

__all__ = ["NOTICES", "Portal", "PortalStartError"]

logger = logging.getLogger("ember.portal")

NOTICES = {
    "wait": "The game is restarting, your input will be delivered shortly.",
    "dropped": "Too much input while the game restarts; the rest is dropped.",
    "flooded": "Too much input is waiting for the game; disconnecting.",
    "reloading": "The game is reloading…",
    "reloaded": "Reloaded.",
    "crashed": "The game process stopped unexpectedly; restarting…",
    "back": "The game is back.",
    "shutdown": "The server is shutting down.",
}
"""What players are told when the game process comes and goes."""

# Input held per session while no game is connected, in bytes (lines: PortalConfig).
_MAX_PENDING_BYTES = 64 * 1024
# How long a stopping portal waits for player sockets to take their last words.
_CLOSE_WAIT = 3.0


class Portal:
    """Holds every player connection, runs the game process, and passes messages between them.

    ``run()`` returns when the portal has stopped (SIGTERM/SIGINT, or the game shut down).
    ``on_ready`` is called once with the status report when the first game has connected.
    """

    def __init__(
        self, config: PortalConfig, *, on_ready: Callable[[dict[str, Any]], None] | None = None
    ) -> None:
        self.config = config
        self.files = config.files
        self._on_ready = on_ready
        self._ids = SessionIds()
        self._sessions: dict[int, PortalSession] = {}
        # Sessions a game has heard of; later games learn of them through `sync`, the others
        # (connected while no game ran) get a `connect` after it.
        self._greeted: set[int] = set()
        self._game: GameLink | None = None
        self._supervisor = GameSupervisor(config, self)
        self._stop_requested = asyncio.Event()
        self._stopped_by = ""
        self._state = "starting"
        self._listeners = Listeners(config)
        self._started_at = time.time()
        self._status = StatusWriter(self.files.portal_status, self.status)
        self._all_closed = asyncio.Event()
        self._start_failure: str | None = None
        # Why the last game process could not start (its `start_failed`), for the crash report.
        self._game_failure: str | None = None
        # The same for `ember status`: kept until a game is ready, across restarts.
        self._failing_since_ready: str | None = None
        # `ember reload` outcomes, task writes handed between games, unread lines.
        self._reloads = ReloadBook(config.game_dir)
        self._told_down = False  # players were told the game is gone; tell them it is back

    # -- life cycle -------------------------------------------------------------------------------

    async def run(self) -> None:
        """Listen, start the game, serve until stopped, then stop everything in order.

        Raises:
            PortalStartError: a port is taken, this game directory has a portal, or
                the first game process exited before it connected.
        """
        lock = self.files.take_lock()
        if lock is None:
            raise PortalStartError(f"a portal is already running for {self.config.game_dir}")
        link_server: asyncio.Server | None = None
        loop = asyncio.get_running_loop()
        try:
            self.files.lock_down()
            link_path = socket_path_for(self.config.game_dir)
            secret = self._supervisor.new_link_secret(link_path)
            await self._listeners.open(self)
            link_server = await serve_link(link_path, "portal", self._serve_game, secret=secret)
            write_atomic(self.files.portal_pid, f"{os.getpid()}\n")
            self._status.write()
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, self.request_stop, signal.Signals(signum).name)
            loop.add_signal_handler(signal.SIGHUP, self.request_reload, "SIGHUP")
            listeners = self._listeners
            web = f", web on port {listeners.web_port}" if listeners.web_port is not None else ""
            logger.info("portal %d listening for telnet on %s:%d%s", os.getpid(),
                        self.config.bind, listeners.telnet_port, web)  # fmt: skip
            async with asyncio.TaskGroup() as group:
                group.create_task(self._supervisor.run())
                await self._stop_requested.wait()
                self._state = "stopping"
                self._status.write()
                game = self._game
                if game is not None and game.announced is None:
                    game.send(Message("shutdown", (), {"by": self._stopped_by}))
                self._supervisor.stop()
            await self._close_players()
            self._reloads.keep()
            if self._start_failure is not None:
                raise PortalStartError(self._start_failure)
        finally:
            for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                loop.remove_signal_handler(signum)
            self._listeners.close()
            if link_server is not None:
                link_server.close()
                with contextlib.suppress(OSError):
                    link_path.unlink()
            self._status.cancel()
            for path in (self.files.portal_status, self.files.portal_pid, self.files.game_pid):
                with contextlib.suppress(OSError):
                    path.unlink()
            os.close(lock)
            logger.info("portal %d stopped (%s)", os.getpid(), self._stopped_by or "error")

    def request_stop(self, by: str = "request") -> None:
        """Ask the game to shut down, close every connection and end ``run()``."""
        if not self._stop_requested.is_set():
            logger.info("stopping (%s)", by)
            self._stopped_by = by
            self._stop_requested.set()

    def request_reload(self, by: str = "request") -> None:
        """Ask the game to reload (or restart it when none is connected to ask)."""
        if self._stop_requested.is_set():
            return
        game = self._game
        logger.info("reload requested (%s)", by)
        self._reloads.requested()
        self._status.write()
        if game is not None:
            if game.announced is None:
                game.send(Message("reload", (), {"by": by}))
            return
        self._notify_all(NOTICES["reloading"])
        self._state = "reloading"
        self._supervisor.restart()

    async def _close_players(self) -> None:
        self._listeners.close()  # no new players from here on
        if self._sessions:
            self._notify_all(NOTICES["shutdown"], close=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._all_closed.wait(), _CLOSE_WAIT)

    # -- the game link ----------------------------------------------------------------------------

    async def _serve_game(self, stream: LinkStream) -> None:
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
            self._supervisor.link_down()
            logger.info("game link closed")
            self._status.soon()

    def _greet(self, game: GameLink, session: PortalSession) -> None:
        game.send(Message("connect", (session.sid,), session.as_dict()))
        self._greeted.add(session.sid)

    def _game_ready(self, game: GameLink, commands_error: JSON) -> None:
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

    def _game_stopping(self, game: GameLink, kind: JSON, by: JSON) -> None:
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

    def _unread(self, args: tuple[JSON, ...]) -> None:
        """A line the stopping game did not read: back into the hold, in typing order."""
        sid, text = args[0], args[1]
        session = self._sessions.get(sid) if isinstance(sid, int) else None
        if session is None or not isinstance(text, str):
            return
        self._reloads.put_back(session, text)

    def _reload_done(self, *, ok: bool, error: str | None) -> None:
        self._reloads.done(ok=ok, error=error, game_pid=self._supervisor.pid)
        self._status.write()

    def _dispatch(self, game: GameLink, message: Message) -> None:
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
            if name == "status_reply":
                return
            sid = args[0] if args else None
            session = self._sessions.get(sid) if isinstance(sid, int) else None
            if session is None:
                if name not in SESSION_MESSAGES:
                    logger.warning("unknown message %r from the game", name)
                else:
                    logger.debug("%r for session %r, which is gone", name, sid)
                return
            apply_to_session(session, message)
            if name in ("login", "logout"):
                self._status.soon()
        except (IndexError, TypeError, ValueError) as error:
            logger.warning("malformed %r message from the game: %s", name, error)

    # -- SessionHub: what player connections report -----------------------------------------------

    def open_session(
        self, transport: PlayerTransport, protocol: SessionProtocol, address: str
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

    def player_line(self, session: PortalSession, text: str) -> None:
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

    def player_info(self, session: PortalSession, info: dict[str, JSON]) -> None:
        """Remember negotiated terminal facts and pass them on (names cleaned like lines)."""
        info = {k: clean_input(v) if isinstance(v, str) else v for k, v in info.items()}
        for key, value in info.items():
            if key in ("cols", "rows"):
                if isinstance(value, int):
                    setattr(session, key, value)
            elif key in ("ttype", "client", "charset") and (
                value is None or isinstance(value, str)
            ):
                setattr(session, key, value)
        if self._game is not None and session.sid in self._greeted:
            self._to_game(self._game, Message("info", (session.sid,), info))

    def player_gmcp(self, session: PortalSession, package: str, data: JSON) -> None:
        """Pass an out-of-band message on (dropped while no game is connected)."""
        if self._game is not None and session.sid in self._greeted:
            self._to_game(self._game, Message("gmcp", (session.sid, package, data)))

    def _to_game(self, game: GameLink, message: Message) -> None:
        """Queue player input; a session whose input piles up past the bounds is dropped."""
        offender = game.send(message)
        session = self._sessions.get(offender) if offender is not None else None
        if session is not None:
            queued = (session.sid, session.address, *game.queued(session.sid))
            logger.warning("session %d (%s): disconnected, %d messages (%d bytes) of its input "
                           "wait for the game, over the limit", *queued)  # fmt: skip
            session.transport.close(NOTICES["flooded"])

    def close_session(self, session: PortalSession, reason: str) -> None:
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

    def mssp(self) -> dict[str, str]:
        """MUD Server Status Protocol data for crawlers."""
        players = sum(1 for s in self._sessions.values() if s.account is not None)
        return {
            "NAME": self.config.game_name,
            "PLAYERS": str(players),
            "UPTIME": str(int(self._started_at)),
            "CODEBASE": "Ember",
        }

    # -- SupervisorListener -----------------------------------------------------------------------

    def game_started(self, pid: int) -> None:
        """Record the new game process's pid."""
        write_atomic(self.files.game_pid, f"{pid}\n")
        self._status.write()

    def game_exited(self, pid: int, returncode: int) -> None:
        """Forget the pid of a game process that ended."""
        with contextlib.suppress(OSError):
            if self.files.game_pid.read_text().strip() == str(pid):
                self.files.game_pid.unlink()
        self._status.write()

    def game_crashed(self, description: str, delay: float) -> None:
        """Tell everyone the game died and is being restarted (or give up if it never ran)."""
        if self._game_failure:  # what the game said before it exited, then how it ended
            description = f"{self._game_failure} ({description})"
        if self._supervisor.sync_reason == "reload" and self._reloads.undecided:
            self._reload_done(ok=False, error=f"the new game process failed: {description}")
        if self._on_ready is not None and self._supervisor.starts == 1:
            # The very first game failed: a broken game, not bad luck. Say so and stop, so
            # `ember start` reports it at once instead of restarting it forever.
            logs = self.files.log_dir
            self._start_failure = (
                f"the game process failed to start: {description}; see {logs}/game.log "
                f"and {logs}/game-stdout.log"
            )
            self.request_stop("the game failed to start")
            return
        self._state = "restarting"
        if not self._told_down:  # once, not at every failed restart
            self._told_down = True
            self._notify_all(NOTICES["crashed"])
        self._status.write()

    def game_shut_down(self) -> None:
        """The game shut down on its own: stop the portal too."""
        self.request_stop("game")

    # -- status -----------------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """A JSON-ready report for ``ember status`` (also written to ``portal-status.json``)."""
        return {
            "pid": os.getpid(),
            "game_dir": str(self.config.game_dir),
            "state": self._state,
            "bind": self.config.bind,
            "telnet_port": self._listeners.telnet_port,
            "web_port": self._listeners.web_port,
            "game_pid": self._supervisor.pid,
            "game_connected": self._game is not None,
            "game_ready": self._game is not None and self._game.ready,
            "game_failure": self._failing_since_ready,
            "reload_seq": self._reloads.seq,
            "last_reload": self._reloads.last,
            "game_starts": self._supervisor.starts,
            "sessions": len(self._sessions),
            "logged_in": sum(1 for s in self._sessions.values() if s.account is not None),
            "started_at": self._started_at,
            "updated_at": time.time(),
        }

    def _notify_all(self, text: str, *, close: bool = False) -> None:
        for session in list(self._sessions.values()):
            if close:
                session.transport.close(text)
            else:
                session.transport.send_text(text + "\n")
