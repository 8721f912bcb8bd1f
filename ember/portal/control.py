"""Controlling a portal from outside, for the `ember` CLI: start detached, stop, reload, inspect."""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ember.errors import EmberError
from ember.portal.config import METRICS_TOKEN_ENV, PORTAL_LIMITS, PortalConfig
from ember.portal.state_files import ServerFiles, pid_alive, read_json, read_pid

__all__ = [
    "ControlError",
    "ServerState",
    "check_port",
    "portal_arguments",
    "reload_server",
    "server_state",
    "start_detached",
    "stop_server",
]

_POLL = 0.05  # seconds between looks at pid and status files


class ControlError(EmberError):
    """An operation failed; the message is meant for the person at the terminal."""


@dataclass(frozen=True, slots=True)
class ServerState:
    """What is running for one game directory, from its pid, lock and status files.

    ``stale`` lists pid files that named dead processes and were removed; ``orphan_game_pid``
    is a game process still alive although its portal is gone.
    """

    running: bool
    portal_pid: int | None
    game_pid: int | None
    portal_status: dict[str, Any] | None
    game_status: dict[str, Any] | None
    stale: tuple[str, ...] = ()
    orphan_game_pid: int | None = None


def portal_arguments(config: PortalConfig) -> list[str]:
    """The command line of ``python -m ember.portal`` that runs ``config``."""
    args = [
        sys.executable, "-m", "ember.portal", str(config.game_dir),
        "--bind", config.bind,
        "--telnet-port", str(config.telnet_port),
        "--log-level", config.log_level,
        "--log-max-bytes", str(config.log_max_bytes),
        "--log-backups", str(config.log_backups),
        "--max-line-bytes", str(config.max_line_bytes),
        "--max-output-bytes", str(config.max_output_bytes),
        "--shutdown-timeout", str(config.shutdown_timeout),
    ]  # fmt: skip
    if config.idle_timeout is not None:
        args += ["--idle-timeout", str(config.idle_timeout)]
    if config.web_port is not None:
        args += ["--web-port", str(config.web_port)]
    for origin in config.web_origins:
        args += ["--web-origin", origin]
    if config.metrics:
        args.append("--metrics")
    for name in PORTAL_LIMITS:
        args += ["--" + name.replace("_", "-"), str(getattr(config, name))]
    return args


def check_port(bind: str, port: int) -> str | None:
    """Try to bind ``bind:port`` as the portal will; return why it failed, or None."""
    family = socket.AF_INET6 if ":" in bind else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((bind, port))
        except OSError as error:
            return error.strerror or str(error)
    return None


def server_state(game_dir: Path, *, clean: bool = True) -> ServerState:
    """Look at what runs for ``game_dir``; with ``clean``, remove pid files of dead processes.

    The portal holds ``server/portal.lock`` while it runs, so a lock that can be taken means
    no portal, whatever the pid files say (a pid may have been reused by another program).
    """
    files = ServerFiles.of(game_dir)
    portal_pid, game_pid = read_pid(files.portal_pid), read_pid(files.game_pid)
    running = files.server_dir.is_dir() and _locked(files)
    stale: list[str] = []
    orphan = None
    if not running:
        if portal_pid is not None:
            stale.append(files.portal_pid.name)
        if game_pid is not None:
            if pid_alive(game_pid) and _is_ember(game_pid):
                orphan = game_pid
            else:
                stale.append(files.game_pid.name)
        if clean:
            for name in stale:
                with contextlib.suppress(OSError):
                    (files.server_dir / name).unlink()
            with contextlib.suppress(OSError):
                files.portal_status.unlink()
        portal_pid = None
        game_pid = orphan
    portal_status = read_json(files.portal_status) if running else None
    game_status = read_json(files.game_status) if running else None
    return ServerState(
        running, portal_pid, game_pid, portal_status, game_status, tuple(stale), orphan
    )


def start_detached(config: PortalConfig, *, timeout: float = 30.0) -> dict[str, Any]:
    """Start a portal in its own session and return its status once the game has connected.

    Raises:
        ControlError: the portal failed to start or the game did not connect in ``timeout``
            seconds (the portal is stopped again); the message points at the logs.
    """
    files = ServerFiles.of(config.game_dir)
    files.log_dir.mkdir(parents=True, exist_ok=True)
    read_fd, write_fd = os.pipe()
    try:
        with open(files.portal_stdout_log, "ab") as output:
            process = subprocess.Popen(
                [*portal_arguments(config), "--ready-fd", str(write_fd)],
                cwd=config.game_dir,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                pass_fds=(write_fd,),
                env={**os.environ, METRICS_TOKEN_ENV: config.metrics_token},
            )
    finally:
        os.close(write_fd)
    with os.fdopen(read_fd, "rb") as ready:
        line = _read_line(ready.fileno(), timeout)
    if line is None:
        _stop_pid(process.pid, timeout=15.0)
        raise ControlError(
            f"the game did not connect within {timeout:g} s, so the portal was stopped again; "
            f"see {files.game_log} and {files.game_stdout_log}"
        )
    if not line:
        code = process.wait(timeout=15.0)
        raise ControlError(
            f"the portal exited during start-up (status {code}); see {files.portal_log} and "
            f"{files.portal_stdout_log}:\n{_tail(files.portal_stdout_log)}"
        )
    report: dict[str, Any] = json.loads(line)
    if "error" in report:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=15.0)
        error = str(report["error"])
        raise ControlError(error if "see " in error else f"{error} (see {files.portal_log})")
    return report


def stop_server(game_dir: Path, *, timeout: float = 30.0) -> ServerState:
    """Ask the portal to stop (SIGTERM) and wait until portal and game processes are gone.

    Returns the state found before stopping. A process still alive after ``timeout`` seconds
    is killed (SIGKILL). An orphaned game process (its portal died) is stopped too.

    Raises:
        ControlError: nothing is running.
    """
    state = server_state(game_dir)
    pids = [pid for pid in (state.portal_pid, state.game_pid) if pid is not None]
    if not pids:
        raise ControlError("Ember is not running here")
    os.kill(pids[0], signal.SIGTERM)
    if not _wait_gone(pids, timeout):
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        _wait_gone(pids, 5.0)
    server_state(game_dir)  # tidy whatever the dead processes left
    return state


def reload_server(game_dir: Path, *, timeout: float = 60.0) -> dict[str, Any]:
    """Ask the portal to reload the game (SIGHUP); return its status once the new game is ready.

    Ready means the new process opened the database and loaded the game's code and said so
    (``ready`` on the link); only then does the reload count as done.

    Raises:
        ControlError: nothing is running; the reload was refused (the new code does not
            load: the message holds its traceback, and the old game keeps running); the new
            game failed to start or loaded its code with an error; or no answer in
            ``timeout`` s.
    """
    state = server_state(game_dir)
    if not state.running or state.portal_pid is None:
        raise ControlError("Ember is not running here")
    files = ServerFiles.of(game_dir)
    before = int((read_json(files.portal_status) or {}).get("reload_seq") or 0)
    os.kill(state.portal_pid, signal.SIGHUP)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = read_json(files.portal_status) or {}
        result = status.get("last_reload") or {}
        if int(result.get("seq") or 0) > before:
            if result.get("ok"):
                return status
            raise ControlError(
                f"the reload failed: {str(result.get('error') or 'unknown error').rstrip()}\n"
                f"(see {files.game_log})"
            )
        if not pid_alive(state.portal_pid):
            raise ControlError(f"the portal stopped during the reload; see {files.portal_log}")
        time.sleep(_POLL)
    raise ControlError(
        f"the game did not report ready within {timeout:g} s of the reload; see {files.game_log}"
    )


def _locked(files: ServerFiles) -> bool:
    fd = files.take_lock()
    if fd is None:
        return True
    os.close(fd)
    return False


def _is_ember(pid: int) -> bool:
    try:
        return b"ember" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True  # no /proc to ask: trust the pid file


def _wait_gone(pids: list[int], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while any(pid_alive(pid) for pid in pids):
        if time.monotonic() >= deadline:
            return False
        time.sleep(_POLL)
    return True


def _stop_pid(pid: int, *, timeout: float) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    if not _wait_gone([pid], timeout):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _read_line(fd: int, timeout: float) -> bytes | None:
    """Read one line from ``fd``: the line, b"" at end of file, None after ``timeout`` s."""
    data = b""
    deadline = time.monotonic() + timeout
    while b"\n" not in data:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return None
        chunk = os.read(fd, 4096)
        if not chunk:
            return data
        data += chunk
    return data.split(b"\n", 1)[0]


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
