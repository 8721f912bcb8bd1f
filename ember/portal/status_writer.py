"""The portal's status file: ``portal-status.json``, rewritten atomically, bursts coalesced."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ember.portal.state_files import write_atomic

__all__ = ["STATUS_DELAY", "StatusWriter"]

logger = logging.getLogger("ember.portal")

#: Seconds a requested rewrite waits, so that a burst of logins rewrites the file once.
STATUS_DELAY = 0.05


class StatusWriter:
    """Writes ``report()`` as JSON to ``path``, for ``ember status`` to read.

    :meth:`write` rewrites the file at once; :meth:`soon` asks for a rewrite a moment later,
    and any further requests until then are folded into that one. A file that cannot be
    written is logged, never raised: the portal goes on without it.

    Example::

        status = StatusWriter(files.portal_status, portal.status)
        status.soon()  # a session opened
    """

    def __init__(
        self, path: Path, report: Callable[[], dict[str, Any]], *, delay: float = STATUS_DELAY
    ) -> None:
        self.path = path
        self._report = report
        self._delay = delay
        self._timer: asyncio.TimerHandle | None = None

    def soon(self) -> None:
        """Rewrite the file after the delay (once, however often this is called meanwhile)."""
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self._delay, self.write)

    def write(self) -> None:
        """Rewrite the file now (a pending delayed rewrite is dropped: this one covers it)."""
        self.cancel()
        try:
            write_atomic(self.path, json.dumps(self._report(), indent=2) + "\n")
        except OSError as error:
            logger.warning("could not write %s: %s", self.path, error)

    def cancel(self) -> None:
        """Drop a pending delayed rewrite, if any."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
