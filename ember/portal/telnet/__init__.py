"""Ember's sans-I/O telnet core: bytes in, events out; text in, bytes out."""

from __future__ import annotations

from ._connection import Negotiated, TelnetConnection, TelnetStatistics
from ._constants import DO, DONT, EOR, GA, IAC, NOP, SB, SE, WILL, WONT, Option
from ._events import (
    CharsetAccepted,
    CharsetRejected,
    Event,
    GmcpMessage,
    Line,
    LineTooLong,
    OptionDisabled,
    OptionEnabled,
    ProtocolViolation,
    TerminalType,
    WindowSize,
)
from ._ttype import redraws_lines

__all__ = [
    "DO",
    "DONT",
    "EOR",
    "GA",
    "IAC",
    "NOP",
    "SB",
    "SE",
    "WILL",
    "WONT",
    "CharsetAccepted",
    "CharsetRejected",
    "Event",
    "GmcpMessage",
    "Line",
    "LineTooLong",
    "Negotiated",
    "Option",
    "OptionDisabled",
    "OptionEnabled",
    "ProtocolViolation",
    "TelnetConnection",
    "TelnetStatistics",
    "TerminalType",
    "WindowSize",
    "redraws_lines",
]
