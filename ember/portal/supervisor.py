"""Starting, watching and restarting the game process, with back-off when it keeps crashing."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import IO, Any, Literal, Protocol

from ember.link import LINK_PATH_ENV, LINK_SECRET_ENV
from ember.portal.config import PortalConfig

__all__ = ["Backoff", "GameSupervisor", "SupervisorListener", "SyncReason"]

logger = logging.getLogger("ember.portal.supervisor")

SyncReason = Literal["start", "reload", "crash"]
"""Why the current game process was started; sent to it in ``sync``."""

Announced = Literal["reload", "shutdown"]

# Seconds a process gets between SIGTERM and SIGKILL when it is stopped without being asked.
_TERM_GRACE = 5.0
# Seconds to wait for the link to report its end after the process exited, so a `reload`
# message still in flight is not mistaken for a crash.
_LINK_DRAIN = 2.0


class Backoff:
    """Delays before restarting a crashing game: none at first, then 1, 2, 4, ... ``cap`` s.

    A process that ran for ``stable_after`` seconds resets the count.
    """

    def __init__(self, *, cap: float = 30.0, stable_after: float = 60.0) -> None:
        self._cap = cap
        self._stable_after = stable_after
        self._crashes = 0

    def crashed(self, ran_for: float) -> float:
        """Record a crash of a process that ran ``ran_for`` seconds; return the delay."""
        if ran_for >= self._stable_after:
            self._crashes = 0
        self._crashes += 1
        if self._crashes == 1:
            return 0.0
        return float(min(self._cap, 2.0 ** (self._crashes - 2)))

    def reset(self) -> None:
        """Forget earlier crashes (after a clean reload)."""
        self._crashes = 0


class SupervisorListener(Protocol):
    """What the supervisor tells the portal core."""

    def game_started(self, pid: int) -> None:
        """A game process was started."""

    def game_exited(self, pid: int, returncode: int) -> None:
        """The game process ended (whatever the reason)."""

    def game_crashed(self, description: str, delay: float) -> None:
        """The game process died without announcing it; a new one starts after ``delay`` s."""

    def game_shut_down(self) -> None:
        """The game announced a shutdown and exited: the portal should stop too."""


class GameSupervisor:
    """Runs the game command until asked to stop, restarting it after reloads and crashes.

    The portal reports the link's state (``link_up``, ``link_down``) and what the game
    announced (``announce``); the supervisor decides from that and the process's exit what
    happened, and never leaves a game process behind when it stops.
    """

    def __init__(self, config: PortalConfig, listener: SupervisorListener) -> None:
        self._config = config
        self._listener = listener
        # The link path and secret, passed to each game process through its (private)
        # environment, never on its command line (see new_link_secret).
        self.environment: dict[str, str] = {}
        self._backoff = Backoff()
        self._stop = asyncio.Event()
        self._restart = asyncio.Event()
        self._link_up = asyncio.Event()
        self._link_down = asyncio.Event()
        self._announced: Announced | None = None
        self._asked: float | None = None  # when a reload or stop was asked for (monotonic)
        self._process: asyncio.subprocess.Process | None = None
        self.sync_reason: SyncReason = "start"
        self.starts = 0

    @property
    def pid(self) -> int | None:
        """The running game process's pid, if one runs."""
        process = self._process
        return process.pid if process is not None and process.returncode is None else None

    # -- what the portal reports ------------------------------------------------------------------

    def link_up(self) -> None:
        """The game process connected and completed the handshake."""
        self._link_up.set()

    def link_down(self) -> None:
        """The game's link ended."""
        self._link_down.set()

    def announce(self, what: Announced) -> None:
        """The game said it is about to exit for a reload or a shutdown."""
        self._announced = what

    def asked(self) -> None:
        """A reload or stop was asked for: ``shutdown_timeout`` counts from now."""
        if self._asked is None:
            self._asked = time.monotonic()

    def _left(self) -> float:
        """Seconds the game still has to exit: ``shutdown_timeout`` from when it was asked."""
        if self._asked is None:
            return self._config.shutdown_timeout
        return max(0.1, self._config.shutdown_timeout - (time.monotonic() - self._asked))

    def restart(self) -> None:
        """Replace the game process as for a reload (used when no game is connected to ask)."""
        self._announced = "reload"
        self._restart.set()

    def stop(self) -> None:
        """End supervision: the current process gets ``shutdown_timeout`` s, then is killed."""
        self.asked()
        self._stop.set()

    def new_link_secret(self, link_path: Path) -> str:
        """Make a fresh link secret for this start; every game process started from now on
        is told it and the link's path through its environment. Returns the secret."""
        secret = secrets.token_urlsafe(32)
        self.environment = {LINK_PATH_ENV: os.fspath(link_path), LINK_SECRET_ENV: secret}
        return secret

    # -- the loop ---------------------------------------------------------------------------------

    async def run(self) -> None:
        """Start the game and keep one running until ``stop()`` or a game-initiated shutdown."""
        while not self._stop.is_set():
            self._announced = None
            self._asked = None
            self._link_up.clear()
            self._link_down.clear()
            started = time.monotonic()
            verdict = await self._run_once()
            if self._stop.is_set():
                return
            if verdict == "shutdown":
                self._listener.game_shut_down()
                return
            if verdict == "reload":
                self._backoff.reset()
                self.sync_reason = "reload"
                continue
            delay = self._backoff.crashed(time.monotonic() - started)
            logger.error("game process crashed (%s); restarting in %.1f s", verdict, delay)
            self._listener.game_crashed(verdict, delay)
            self.sync_reason = "crash"
            if delay > 0:
                # A reload request cuts the back-off short; stop ends it.
                waits = {"stop": self._stop.wait(), "restart": self._restart.wait()}
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(_first(waits), delay)
            if self._restart.is_set():
                self._restart.clear()
                self.sync_reason = "reload"

    async def _run_once(self) -> str:
        """Run one game process; return "reload", "shutdown" or a crash description."""
        try:
            process = await self._spawn()
        except OSError as error:
            return f"could not start {self._config.game_command[0]!r}: {error}"
        self._process = process
        self.starts += 1
        logger.info("started the game process, pid %d (%s)", process.pid, self.sync_reason)
        self._listener.game_started(process.pid)
        try:
            verdict = await self._watch(process)
        finally:
            if process.returncode is None:
                await self._terminate(process, grace=_TERM_GRACE)
            self._listener.game_exited(process.pid, process.returncode or 0)
            logger.info("game process %d exited with %s", process.pid, process.returncode)
        return verdict

    async def _watch(self, process: asyncio.subprocess.Process) -> str:
        exited = process.wait()
        first = await _first(
            {
                "exit": exited,
                "link_down": self._link_down.wait(),
                "stop": self._stop.wait(),
                "restart": self._restart.wait(),
                "start_timeout": self._start_deadline(),
            }
        )
        if first in ("stop", "restart"):
            if first == "restart":
                self._restart.clear()
                await self._terminate(process, grace=_TERM_GRACE)
                return "reload"
            if self._link_up.is_set() and not self._link_down.is_set():
                # The portal asked the game to shut down; give it time to do so in order.
                await self._wait_exit(process, self._left())
            else:
                await self._terminate(process, grace=_TERM_GRACE)
            return "shutdown"
        if first == "start_timeout":
            timeout = self._config.game_start_timeout
            return f"it did not connect within {timeout:g} s"
        if first == "link_down":
            if self._announced is not None:
                await self._wait_exit(process, self._left())
                return self._announced
            # Usually the process is dying: say how, if it ends soon enough to tell.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(process.wait(), _LINK_DRAIN)
            if process.returncode is None:
                return "its link closed unexpectedly"
        elif self._link_up.is_set():
            # The process exited: let the link report a `reload`/`shutdown` still in flight.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._link_down.wait(), _LINK_DRAIN)
        if self._announced is not None:
            return self._announced
        code = process.returncode
        if code is not None and code < 0:
            return f"killed by {signal.Signals(-code).name}"
        return f"exit status {code}"

    async def _start_deadline(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._link_up.wait(), self._config.game_start_timeout)
            await asyncio.Event().wait()  # connected in time: this branch never wins

    async def _wait_exit(self, process: asyncio.subprocess.Process, seconds: float) -> None:
        try:
            await asyncio.wait_for(process.wait(), seconds)
        except TimeoutError:
            limit = self._config.shutdown_timeout  # counted from the request (see _left)
            logger.warning("game process %d did not exit within %g s", process.pid, limit)
            await self._terminate(process, grace=_TERM_GRACE)

    async def _terminate(self, process: asyncio.subprocess.Process, *, grace: float) -> None:
        """SIGTERM, then SIGKILL after ``grace`` seconds (at most ``shutdown_timeout``)."""
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
        try:
            await asyncio.wait_for(process.wait(), min(grace, self._config.shutdown_timeout))
        except TimeoutError:
            logger.warning("game process %d ignored SIGTERM; killing it", process.pid)
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()

    def _open_output(self) -> IO[bytes]:
        files = self._config.files
        files.log_dir.mkdir(parents=True, exist_ok=True)
        return open(files.game_stdout_log, "ab")

    async def _spawn(self) -> asyncio.subprocess.Process:
        with self._open_output() as output:
            return await asyncio.create_subprocess_exec(
                *self._config.game_command,
                cwd=self._config.game_dir,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                # Its own session: a Ctrl-C at the terminal of a foreground portal reaches the
                # portal only, which then shuts the game down in order.
                start_new_session=True,
                preexec_fn=_die_with_parent(),
                env={**os.environ, **self.environment},
                # Files the game makes (database, logs) are private whatever umask it inherits.
                umask=0o077,
            )


async def _first(waits: Mapping[str, Awaitable[Any]]) -> str:
    """Run the awaitables as tasks, return the name of the first to finish, cancel the rest."""
    tasks = {asyncio.ensure_future(aw): name for name, aw in waits.items()}
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return min((tasks[task] for task in done), key=list(waits).index)


def _die_with_parent() -> Callable[[], None] | None:
    """On Linux, have the kernel SIGTERM the game if the portal dies without cleaning up."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def set_death_signal() -> None:
        pr_set_pdeathsig = 1
        prctl(pr_set_pdeathsig, int(signal.SIGTERM))
        if os.getppid() != parent:  # the portal died before prctl took effect
            os.kill(os.getpid(), signal.SIGTERM)

    return set_death_signal
