"""What the portal and the CLI do with the files in ``GAME_DIR/server`` (named in ``ember.layout``):
lock, keep private, read pid and status files."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ember.layout import GameLayout, write_atomic

__all__ = ["ServerFiles", "pid_alive", "read_json", "read_pid", "write_atomic"]


@dataclass(frozen=True, slots=True)
class ServerFiles(GameLayout):
    """The game directory's layout (``ember.layout.GameLayout``) with what only the portal does
    to it: lock it for one portal and keep its files private."""

    @classmethod
    def of(cls, game_dir: str | os.PathLike[str]) -> ServerFiles:
        """Return the files of ``game_dir`` (made absolute)."""
        return cls(Path(game_dir).resolve())

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
