"""The portal process's core: its state, its life cycle and an orderly stop.

What the game sends is handled in :mod:`ember.portal.link_messages`, what player
connections report in :mod:`ember.portal.player_hub`; both are mixins of :class:`Portal`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
from collections.abc import Callable
from typing import Any

from ember.link import Message, serve_link, socket_path_for
from ember.portal.admin import AdminGateway
from ember.portal.config import PortalConfig
from ember.portal.game_link import GameLink
from ember.portal.link_messages import LinkMessages
from ember.portal.listeners import Listeners, PortalStartError
from ember.portal.notices import NOTICES
from ember.portal.player_hub import PlayerHub
from ember.portal.reloads import ReloadBook
from ember.portal.rendering import TextRenderer
from ember.portal.sessions import PortalSession, SessionIds
from ember.portal.state_files import write_atomic
from ember.portal.status_writer import StatusWriter
from ember.portal.supervisor import GameSupervisor

__all__ = ["NOTICES", "Portal", "PortalStartError"]

logger = logging.getLogger("ember.portal")

# How long a stopping portal waits for player sockets to take their last words.
_CLOSE_WAIT = 3.0


class Portal(LinkMessages, PlayerHub):
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
        # Game text rendered for each client, with the last renderings cached.
        self._renderer = TextRenderer()
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
        #: Requests of /admin and /metrics to the game (ember/portal/admin).
        self.admin = AdminGateway(self._send_admin, self.status)

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
            await self._listeners.open(self, self.admin)
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

    def _send_admin(self, message: Message) -> bool:
        game = self._game
        if game is None or not game.accepting:
            return False
        game.send(message)
        return True

    def _notify_all(self, text: str, *, close: bool = False) -> None:
        for session in list(self._sessions.values()):
            if close:
                session.transport.close(text)
            else:
                session.transport.send_text(text + "\n")
