"""SQLite failures in words an operator can act on, and the check `ember doctor` runs."""

from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path

__all__ = ["check_sqlite_file", "describe_sqlite_error", "set_aside"]

_DAMAGED = ("file is not a database", "malformed", "disk image is malformed")
_SIDE_FILES = ("-wal", "-shm")


def describe_sqlite_error(what: str, path: str, error: sqlite3.Error) -> str:
    """Say in one line why ``what`` (e.g. "the account database") at ``path`` failed, and
    what to do: ``ember doctor`` for a damaged file, the folder or permissions otherwise."""
    text = str(error)
    if any(mark in text for mark in _DAMAGED):
        return (
            f"{what} {path} is damaged ({text}): run `ember doctor` to check it and "
            "`ember doctor --set-aside` to move it aside (a copy is kept) and start afresh"
        )
    if "unable to open" in text:
        return (
            f"cannot open {what} {path}: {text}; check that its folder exists and is writable, "
            "or fix DATABASE in settings.py"
        )
    if "readonly" in text or "read-only" in text:
        return f"{what} {path} is read-only ({text}); make the file and its folder writable"
    return f"cannot open {what} {path}: {text}"


def check_sqlite_file(path: Path) -> list[str]:
    """Return the problems SQLite's ``integrity_check`` finds in ``path`` (empty: healthy).

    The file is opened read-only, so checking never changes it.
    """
    if not path.exists():
        return [f"{path} does not exist (it is created at the next start)"]
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = conn.execute("PRAGMA integrity_check").fetchall()
        finally:
            conn.close()
    except sqlite3.Error as error:
        return [str(error)]
    problems = [str(row[0]) for row in rows]
    return [] if problems == ["ok"] else problems


def set_aside(path: Path) -> Path:
    """Move ``path`` (and its -wal/-shm files) to ``<name>.damaged-<time>``; return the copy.

    The next start creates an empty database; the copy keeps everything that was in the file
    for recovery by hand (``sqlite3 COPY .recover``).
    """
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.damaged-{stamp}")
    shutil.move(path, target)
    for suffix in _SIDE_FILES:
        side = path.with_name(path.name + suffix)
        if side.exists():
            shutil.move(side, target.with_name(target.name + suffix))
    return target
