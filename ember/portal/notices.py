"""What the portal itself tells players when the game process comes and goes."""

from __future__ import annotations

__all__ = ["NOTICES"]

NOTICES = {
    "wait": "The game is restarting, your input will be delivered shortly.",
    "dropped": "Too much input while the game restarts; the rest is dropped.",
    "flooded": "Too much input is waiting for the game; disconnecting.",
    "reloading": "The game is reloading…",
    "reloaded": "Reloaded.",
    "crashed": "The game process stopped unexpectedly; restarting…",
    "back": "The game is back.",
    "shutdown": "The server is shutting down.",
}
"""What players are told when the game process comes and goes."""
