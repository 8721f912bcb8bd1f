"""What an account needs of each session logged in to it: the ``Connection`` protocol.

A protocol rather than ``Session`` itself, so accounts do not import sessions: a session points
at its account, and the account only sends text through its sessions.
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["Connection"]


class Connection(Protocol):
    """What an account needs of each session logged in to it (``Session`` is one).

    A protocol rather than ``Session`` itself, so accounts do not import sessions: sessions
    point at their account, and the account only sends text through them.
    """

    last_input: float

    def msg(self, text: str) -> None:
        """Send a line of text."""

    def prompt(self, text: str) -> None:
        """Send a prompt (a question)."""
