"""The game tests' names for the public test kit in ``ember.testing`` (``running_game``)."""

from __future__ import annotations

from ember.testing import FAST_SETTINGS as FAST
from ember.testing import WAIT, FakePortal, RunningGame, running_game, session_dict

Running = RunningGame

__all__ = [
    "FAST",
    "WAIT",
    "FakePortal",
    "Running",
    "make_developer",
    "running_game",
    "session_dict",
]


async def make_developer(running: RunningGame, name: str, password: str = "password1") -> None:
    """Create a Developer account directly (as ``ember account create --developer`` does)."""
    await running.make_developer(name, password)
