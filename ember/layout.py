"""The layout of a game directory: every file name the portal, the game and the CLI share.

A game directory holds ``settings.py`` and the game's code; everything a running server writes
lives under ``server/`` (database, pid files, status reports, logs, the link socket). The names
are spelled here once, so the three processes that read each other's files cannot drift apart.
This module sits on the floor beside ``errors`` (it imports no other Ember module) because the
portal may import only ``link`` and the scheduler only ``storage``, yet both need these names.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import logging
import os
import stat
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "DEFAULT_DATABASE",
    "SERVER_DIR",
    "GameLayout",
    "socket_path_for",
    "write_atomic",
]

# The link owns its socket, so the fallback's warning goes to the link's logger.
_link_log = logging.getLogger("ember.link")

SERVER_DIR = "server"
"""The folder, relative to the game directory, that a running server writes into."""

DEFAULT_DATABASE = f"{SERVER_DIR}/ember.db"
"""The default database: an SQLite file, relative to the game directory."""

# sun_path holds 108 bytes on Linux and 104 on macOS/BSD, each including the final NUL.
_SOCKET_PATH_MAX = 107 if sys.platform.startswith("linux") else 103
_SHARED_TMP = Path("/tmp")


@dataclass(frozen=True, slots=True)
class GameLayout:
    """Where each file of one game directory lives.

    ``portal.pid`` and ``game.pid`` hold one process id each; ``portal-status.json`` is
    rewritten (atomically) by the portal whenever something the CLI reports changes;
    ``game-status.json`` is the game process's own report (pending tasks and so on). Paths are
    relative when ``game_dir`` is; :meth:`of` makes it absolute first.
    """

    game_dir: Path

    @classmethod
    def of(cls, game_dir: str | os.PathLike[str]) -> GameLayout:
        """Return the layout of ``game_dir`` (made absolute)."""
        return cls(Path(game_dir).resolve())

    @property
    def server_dir(self) -> Path:
        """``GAME_DIR/server``."""
        return self.game_dir / SERVER_DIR

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
    def unwritten_tasks(self) -> Path:
        """Task writes a stop could not flush, kept for the next start to write."""
        return self.server_dir / "unwritten-tasks.json"

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
    def game_log(self) -> Path:
        """The game process's rotating log."""
        return self.log_dir / "game.log"

    @property
    def game_stdout_log(self) -> Path:
        """Where the game process's stdout and stderr go."""
        return self.log_dir / "game-stdout.log"

    @property
    def preferred_socket(self) -> Path:
        """Where the link socket lives when the path is short enough: ``server/link.sock``."""
        return self.server_dir / "link.sock"


_WRITES = itertools.count()  # numbers the temporary files of write_atomic


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so that a reader sees the old or the new file, never half.

    Each call writes its own temporary file (process, thread and a counter in its name): two
    writers of one file in one process (the status writer's thread and a direct write) would
    otherwise replace each other's temporary file and one would find it gone."""
    temporary = path.with_name(
        f".{path.name}.{os.getpid()}.{threading.get_ident()}.{next(_WRITES)}.tmp"
    )
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()  # only left behind when the write or the replace failed


def socket_path_for(game_dir: str | os.PathLike[str], *, shared_tmp: Path = _SHARED_TMP) -> Path:
    """Return where the link socket of ``game_dir`` lives: ``server/link.sock`` inside it.

    When that path is too long for a Unix socket (107 bytes on Linux, 103 elsewhere), return
    ``/tmp/ember-<uid>/<hash of game_dir>.sock`` instead, creating that folder with mode 0700
    and checking it is a folder of this user's (not a link) with that mode. Should another
    user have taken that name first (to intercept or to block the link), a fresh private
    folder from ``tempfile.mkdtemp`` is used instead; the portal tells its game process the
    path (``ember.link.link_from_environment``), so both sides still agree. ``shared_tmp`` is
    the world-writable folder to use (``/tmp``).
    """
    game_dir = Path(game_dir).resolve()
    preferred = GameLayout(game_dir).preferred_socket
    if len(os.fsencode(preferred)) <= _SOCKET_PATH_MAX:
        return preferred
    digest = hashlib.sha256(os.fsencode(game_dir)).hexdigest()[:20]
    folder = shared_tmp / f"ember-{os.getuid()}"
    with contextlib.suppress(FileExistsError):
        folder.mkdir(mode=0o700)
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        # /tmp is shared: a folder planted by someone else could intercept the link.
        _link_log.warning("%s is not a folder of this user's; using a fresh private folder", folder)
        folder = Path(tempfile.mkdtemp(prefix=f"ember-{os.getuid()}-", dir=shared_tmp))
    elif stat.S_IMODE(info.st_mode) != 0o700:
        os.chmod(folder, 0o700)
    return folder / f"{digest}.sock"
