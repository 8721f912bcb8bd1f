"""The events a telnet connection reports after it is fed bytes: lines, sizes, negotiation news."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

__all__ = [
    "CharsetAccepted",
    "CharsetRejected",
    "Event",
    "GmcpMessage",
    "Line",
    "LineTooLong",
    "OptionDisabled",
    "OptionEnabled",
    "ProtocolViolation",
    "TerminalType",
    "WindowSize",
]


@dataclass(frozen=True, slots=True)
class Line:
    """One complete line of player input, without its line ending.

    The text is decoded with the negotiated charset (UTF-8 unless the client agreed on another)
    and invalid bytes become U+FFFD; backspace and DEL have removed the character before them,
    and other control characters except TAB are gone.
    """

    text: str


@dataclass(frozen=True, slots=True)
class LineTooLong:
    """A line grew past ``limit`` bytes and was thrown away, all ``dropped_bytes`` of it.

    Reported once, in place of that line, when its line ending arrives; the next line is
    assembled normally.
    """

    limit: int
    dropped_bytes: int


@dataclass(frozen=True, slots=True)
class WindowSize:
    """The client reported its window size in characters (NAWS); 0 means "unknown"."""

    cols: int
    rows: int


@dataclass(frozen=True, slots=True)
class TerminalType:
    """The client's terminal type names, in the order the TTYPE cycle produced them.

    MUD clients following MTTS send their name first, then a terminal type, then an
    ``"MTTS <bits>"`` string; plain clients send one name.
    """

    names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CharsetAccepted:
    """The client accepted ``name`` (as Ember spells it, e.g. ``"UTF-8"``) for all text."""

    name: str


@dataclass(frozen=True, slots=True)
class CharsetRejected:
    """The client rejected every charset Ember offered; text stays UTF-8."""


@dataclass(frozen=True, slots=True)
class GmcpMessage:
    """A GMCP message from the client.

    ``data`` is the decoded JSON value, ``None`` when the message had no payload, or the raw
    payload string when it was not valid JSON.
    """

    package: str
    data: object


@dataclass(frozen=True, slots=True)
class OptionEnabled:
    """An option came into effect because of the peer's answer or request.

    ``local`` is true for an option Ember performs (``WILL``, e.g. GMCP, MCCP2, ECHO) and false
    for one the client performs (``DO``, e.g. NAWS, TTYPE). ``option`` is an :class:`Option`
    member when Ember knows the code.
    """

    option: int
    local: bool


@dataclass(frozen=True, slots=True)
class OptionDisabled:
    """An option that was in effect stopped because of the peer's bytes (see OptionEnabled)."""

    option: int
    local: bool


@dataclass(frozen=True, slots=True)
class ProtocolViolation:
    """The client sent something malformed; it was discarded and the connection goes on."""

    description: str


Event: TypeAlias = (
    Line
    | LineTooLong
    | WindowSize
    | TerminalType
    | CharsetAccepted
    | CharsetRejected
    | GmcpMessage
    | OptionEnabled
    | OptionDisabled
    | ProtocolViolation
)
"""Everything :meth:`TelnetConnection.receive` can return."""
