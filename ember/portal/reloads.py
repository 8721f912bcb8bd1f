"""What the portal keeps about reloads between game processes (issue 10).

The outcome of each ``ember reload`` request (the CLI reads it from the status file), the task
writes one game could not make durable and hands to the next, and where lines a stopping game
did not read go back into a session's held input.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

from ember.layout import GameLayout, write_atomic
from ember.link import JSON
from ember.portal.sessions import PortalSession

__all__ = ["ReloadBook"]

logger = logging.getLogger("ember.portal")


class ReloadBook:
    """Reload requests and results, the hand-over of unwritten task writes, unread lines."""

    def __init__(self, game_dir: Path) -> None:
        self._game_dir = game_dir
        #: Counts ``ember reload`` requests; ``last`` answers the one with this number.
        self.seq = 0
        self.last: dict[str, Any] | None = None
        #: Task writes from a stopping game, for the next game's ``sync`` (until applied).
        self.handover: list[JSON] | None = None
        self._unread_at: dict[int, int] = {}

    def requested(self) -> None:
        """A reload was asked for (its outcome is recorded under the new number)."""
        self.seq += 1

    def done(self, *, ok: bool, error: str | None, game_pid: int | None) -> None:
        """Record the outcome of the latest reload request."""
        self.last = {"seq": self.seq, "ok": ok, "error": error, "game_pid": game_pid,
                     "at": time.time()}  # fmt: skip

    @property
    def undecided(self) -> bool:
        """Whether the latest request has no outcome yet."""
        return self.last is None or self.last["seq"] != self.seq

    def stopping(self) -> None:
        """A game stopped reading: lines it hands back go first in each session's hold."""
        self._unread_at = {}

    def put_back(self, session: PortalSession, text: str) -> None:
        """Hold a line the stopping game did not read, ahead of lines held since, in order."""
        at = self._unread_at.get(session.sid, 0)
        session.pending.insert(at, text)
        session.pending_bytes += len(text.encode("utf-8", "surrogatepass"))
        self._unread_at[session.sid] = at + 1

    def hand_over(self, writes: JSON) -> None:
        """Keep task writes a stopping game could not make durable, for the next game."""
        if isinstance(writes, list) and writes:
            self.handover = [*(self.handover or []), *writes]

    def keep(self) -> None:
        """The portal stops with writes no game took: leave them for the next start."""
        if not self.handover:
            return
        path = GameLayout(self._game_dir).unwritten_tasks
        try:
            earlier = json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
            write_atomic(path, json.dumps([*earlier, *self.handover]))
            logger.error("kept %d unwritten task writes in %s", len(self.handover), path)
        except (OSError, ValueError) as error:
            logger.error("these unwritten task writes are lost (%s): %s", error, self.handover)
