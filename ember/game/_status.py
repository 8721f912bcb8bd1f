"""The game's status file (``GameLayout.game_status``) that ``ember status`` reads."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ember.layout import write_atomic

__all__ = ["StatusFile", "write_status"]

log = logging.getLogger("ember.game")

_REFRESH = 5.0  # rewritten at least this often: the pending task count drifts without events


def write_status(path: Path, status: dict[str, Any]) -> None:
    """Write ``status`` as JSON atomically (a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps(status, indent=2, sort_keys=True) + "\n")


class StatusFile:
    """Keeps the status file current: rewritten after changes, at most once per ``interval``."""

    def __init__(
        self, path: Path, snapshot: Callable[[], dict[str, Any]], *, interval: float = 1.0
    ) -> None:
        self.path = path
        self._snapshot = snapshot
        self._interval = interval
        self._dirty = asyncio.Event()

    def changed(self) -> None:
        """Note that something shown in the file changed."""
        self._dirty.set()

    def write_now(self) -> None:
        """Write the file at once, synchronously (at start-up)."""
        write_status(self.path, self._snapshot())

    def remove(self) -> None:
        """Remove the file (the game process has stopped)."""
        self.path.unlink(missing_ok=True)

    async def run(self) -> None:
        """Rewrite the file after each change (rate-limited) until cancelled."""
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(_REFRESH):
                    await self._dirty.wait()
            self._dirty.clear()
            try:
                await asyncio.to_thread(write_status, self.path, self._snapshot())
            except OSError as error:
                log.warning("cannot write %s: %s", self.path, error)
            await asyncio.sleep(self._interval)
