"""The game's stop request: whether, why, by whom and since when it stops, and the time left.

A reload or shutdown deadline counts from when the stop was asked for (``reload_deadline``,
``stop_deadline``); the final flush gets what is left of it, less a margin for telling the
portal and closing the link, so the process exits before the portal's own limit.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from ember.game.context import StopKind
from ember.game.settings import Settings
from ember.link import Message

__all__ = ["StopRequest", "close_quietly"]

log = logging.getLogger("ember.game")

# Seconds of a reload/stop deadline kept for what follows the final flush (telling the portal,
# draining output, closing the link), so the process exits before the portal's own limit.
_CLOSE_MARGIN = 3.0
_MIN_FLUSH = 0.5  # seconds the final flush always gets, however late the stop


class StopRequest:
    """Set once by :meth:`request`: ``kind`` and ``by`` say why; ``event`` wakes the server."""

    def __init__(self, tell_portal: Callable[[Message], None]) -> None:
        self.event = asyncio.Event()
        self.kind: StopKind = "link-lost"
        self.by = ""
        self._asked = 0.0  # time.monotonic() when the stop was asked for
        self._tell_portal = tell_portal

    @property
    def requested(self) -> bool:
        """Whether a stop was asked for."""
        return self.event.is_set()

    def request(self, kind: StopKind, by: str) -> None:
        """Ask for a stop (only the first request counts); tell the portal at once, before
        any flush, that it should hold input (``stopping``), unless the link is what was lost."""
        if self.event.is_set():
            return
        self.kind, self.by = kind, by
        self._asked = time.monotonic()
        log.info("game %s requested by %s", kind, by or "?")
        self.event.set()
        if kind != "link-lost":
            self._tell_portal(Message("stopping", (), {"kind": kind, "by": by}))

    def flush_timeout(self, settings: Settings) -> float:
        """Seconds left for the final flush: the deadline counts from when the stop was asked."""
        deadline = settings.reload_deadline if self.kind == "reload" else settings.stop_deadline
        asked = self._asked or time.monotonic()
        left = deadline - (time.monotonic() - asked) - _CLOSE_MARGIN
        return max(left, _MIN_FLUSH)


async def close_quietly(closing: Awaitable[Any], what: str) -> None:
    """Await one step of closing the game; a failure is logged with its traceback (``what``
    failed) and the other steps go on, so one broken part never keeps the rest open."""
    try:
        await closing
    except Exception:
        log.exception("%s failed", what)
