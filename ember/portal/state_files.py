"""The files a running server keeps in ``GAME_DIR/server``: pid files, status files and a lock."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["ServerFiles", "pid_alive", "read_json", "read_pid", "write_atomic"]


@dataclass(frozen=True, slots=True)
class ServerFiles:
    """Where the portal and the CLI find each other's files for one game directory.

    ``portal.pid`` and ``game.pid`` hold one process id each; ``portal-status.json`` is
    rewritten (atomically) by the portal whenever something the CLI reports changes;
    ``game-status.json`` is the game process's own report (pending tasks and so on).
    """

    game_dir: Path

    @classmethod
    def of(cls, game_dir: str | os.PathLike[str]) -> ServerFiles:
        """Return the files of ``game_dir`` (made absolute)."""
        return cls(Path(game_dir).resolve())

    @property
    def server_dir(self) -> Path:
        """``GAME_DIR/server``."""
        return self.game_dir / "server"

    @property
    def log_dir(self) -> Path:
        """``GAME_DIR/server/logs``."""
        return self.server_dir / "logs"

    @property
    def portal_pid(self) -> Path:
        """The portal's pid file."""
        return self.server_dir / "portal.pid"

    @property
    def game_pid(self) -> Path:
        """The current game process's pid file (written by the portal)."""
        return self.server_dir / "game.pid"

    @property
    def portal_status(self) -> Path:
        """The portal's JSON status report."""
        return self.server_dir / "portal-status.json"

    @property
    def game_status(self) -> Path:
        """The game process's JSON status report."""
        return self.server_dir / "game-status.json"

    @property
    def lock(self) -> Path:
        """Held (``flock``) by a running portal, so two portals never share a game directory."""
        return self.server_dir / "portal.lock"

    @property
    def portal_log(self) -> Path:
        """The portal's rotating log."""
        return self.log_dir / "portal.log"

    @property
    def portal_stdout_log(self) -> Path:
        """Where a background portal's stdout and stderr go (start-up errors land here)."""
        return self.log_dir / "portal-stdout.log"

    @property
    def game_stdout_log(self) -> Path:
        """Where the game process's stdout and stderr go."""
        return self.log_dir / "game-stdout.log"

    def lock_down(self) -> None:
        """Make ``server/`` and ``server/logs`` 0700 and the files in them 0600, whatever the
        umask they were made under: the database holds password hashes, the logs addresses
        and names, and the link socket lives here."""
        for folder in (self.server_dir, self.log_dir):
            folder.mkdir(parents=True, exist_ok=True)
            os.chmod(folder, 0o700)
            for entry in folder.iterdir():
                with contextlib.suppress(OSError):
                    info = os.lstat(entry)
                    if stat.S_ISREG(info.st_mode) and stat.S_IMODE(info.st_mode) & 0o077:
                        os.chmod(entry, stat.S_IMODE(info.st_mode) & 0o700)

    def take_lock(self) -> int | None:
        """Lock the game directory for this process; return the lock's fd, or None if taken.

        The lock goes away with the process, however it ends, so it is never stale.
        """
        self.server_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        return fd


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so that a reader sees the old or the new file, never half."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def read_pid(path: Path) -> int | None:
    """Return the pid stored in ``path``, or None when the file is missing or garbled."""
    try:
        return int(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return None


def read_json(path: Path) -> dict[str, Any] | None:
    """Return the JSON object stored in ``path``, or None when missing or unreadable."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def pid_alive(pid: int) -> bool:
    """Return whether a process with this pid exists (a zombie counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError):
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        if fields and fields[0] == "Z":
            return False
    return True
