"""The portal's view of one player connection: its facts for the game, and its waiting input."""

from __future__ import annotations

import collections
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from ember.link import JSON

__all__ = [
    "PlayerTransport",
    "PortalSession",
    "RichTransport",
    "SessionIds",
    "SessionProtocol",
    "StyledTransport",
]

SessionProtocol = Literal["telnet", "web"]
"""How a player is connected."""


class PlayerTransport(Protocol):
    """What the portal core needs from a player connection, whatever its protocol."""

    def send_text(self, text: str) -> None:
        """Send text to the player (line endings are converted by the transport)."""

    def send_prompt(self, text: str) -> None:
        """Send a prompt (telnet: followed by GA or EOR)."""

    def set_echo(self, hidden: bool) -> None:
        """Hide or show the player's typing."""

    def close(self, reason: str | None = None) -> None:
        """Send ``reason`` (when given) and close the connection."""

    def send_oob(self, package: str, data: JSON) -> bool:
        """Send client data (telnet: GMCP, when the client agreed to it; web: an ``oob``
        message); return whether it was sent."""


@runtime_checkable
class RichTransport(PlayerTransport, Protocol):
    """A transport that shows progress and the login state itself (the web client does)."""

    def send_progress(self, job: str, fraction: float, label: str) -> None:
        """Show a job's progress (``fraction`` 0..1), updated in place."""

    def set_account(self, account: str | None) -> None:
        """The session was logged in as ``account`` (None: logged out)."""


@runtime_checkable
class StyledTransport(PlayerTransport, Protocol):
    """A transport that shows styled runs itself (the web client) instead of ANSI text."""

    def send_styled(self, plain: str, spans: list[list[Any]] | None, *, prompt: bool) -> None:
        """Send text (or a prompt) as plain text plus its styled runs (None: no colour)."""


class SessionIds:
    """Hands out session ids: 1, 2, 3, ... never reused while the portal runs."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def next(self) -> int:
        """Return a fresh session id."""
        return next(self._counter)


@dataclass(slots=True, eq=False)
class PortalSession:
    """One live player connection as the portal knows it.

    ``account`` follows the game's ``login``/``logout`` messages so a new game process can be
    told who is logged in as whom. ``pending`` holds input typed while no game process was
    connected, delivered after the next ``sync``.
    """

    sid: int
    protocol: SessionProtocol
    address: str
    transport: PlayerTransport
    connected_at: float
    account: str | None = None
    cols: int = 80
    rows: int = 24
    ttype: str | None = None
    client: str | None = None
    charset: str | None = None
    #: Colours the client shows (0, 16 or 256), from its TTYPE names and MTTS bits; telnet
    #: output is rendered for it (docs/talking-to-clients.md).
    colours: int = 0
    pending: collections.deque[str] = field(default_factory=collections.deque)
    pending_bytes: int = 0
    told_to_wait: bool = False
    told_dropped: bool = False

    def as_dict(self) -> dict[str, JSON]:
        """The session dict of the link protocol (``connect`` kwargs, ``sync`` entries)."""
        return {
            "sid": self.sid,
            "protocol": self.protocol,
            "address": self.address,
            "account": self.account,
            "cols": self.cols,
            "rows": self.rows,
            "ttype": self.ttype,
            "connected_at": self.connected_at,
        }

    def hold(self, text: str, *, max_lines: int, max_bytes: int) -> bool:
        """Keep a line for the next game process; return False (and drop it) when full."""
        size = len(text.encode("utf-8", "surrogatepass"))
        if len(self.pending) >= max_lines or self.pending_bytes + size > max_bytes:
            return False
        self.pending.append(text)
        self.pending_bytes += size
        return True

    def take_pending(self) -> Iterator[str]:
        """Yield and forget the held lines, oldest first; the wait notices may be sent again."""
        while self.pending:
            text = self.pending.popleft()
            self.pending_bytes -= len(text.encode("utf-8", "surrogatepass"))
            yield text
        self.pending_bytes = 0
        self.told_to_wait = False
        self.told_dropped = False
