"""Telnet byte values: the IAC command bytes, the option codes and their subnegotiation codes."""

from __future__ import annotations

import enum

__all__ = [
    "AO",
    "AYT",
    "BRK",
    "CHARSET_ACCEPTED",
    "CHARSET_REJECTED",
    "CHARSET_REQUEST",
    "CHARSET_TTABLE_IS",
    "CHARSET_TTABLE_REJECTED",
    "DM",
    "DO",
    "DONT",
    "EC",
    "EL",
    "EOR",
    "GA",
    "IAC",
    "IP",
    "MSSP_VAL",
    "MSSP_VAR",
    "NOP",
    "SB",
    "SE",
    "TTYPE_IS",
    "TTYPE_SEND",
    "WILL",
    "WONT",
    "Option",
]

# Command bytes (RFC 854; EOR from RFC 885). Each follows an IAC on the wire.
IAC = 255
DONT = 254
DO = 253
WONT = 252
WILL = 251
SB = 250
GA = 249
EL = 248
EC = 247
AYT = 246
AO = 245
IP = 244
BRK = 243
DM = 242
NOP = 241
SE = 240
EOR = 239

# TTYPE subnegotiation (RFC 1091).
TTYPE_IS = 0
TTYPE_SEND = 1

# CHARSET subnegotiation (RFC 2066).
CHARSET_REQUEST = 1
CHARSET_ACCEPTED = 2
CHARSET_REJECTED = 3
CHARSET_TTABLE_IS = 4
CHARSET_TTABLE_REJECTED = 5

# MSSP subnegotiation (the MUD Server Status Protocol).
MSSP_VAR = 1
MSSP_VAL = 2


class Option(enum.IntEnum):
    """The telnet options Ember knows by name; any other option code stays a plain ``int``.

    An ``IntEnum`` rather than module constants because the EOR *option* (25) and the EOR
    *command* (239) share a name; events report a known option as its member, so
    ``OptionEnabled(option=Option.GMCP, local=True)`` reads well in logs and compares equal
    to ``201``.
    """

    BINARY = 0
    ECHO = 1
    SGA = 3
    TTYPE = 24
    EOR = 25
    NAWS = 31
    NEW_ENVIRON = 39
    CHARSET = 42
    MSSP = 70
    MCCP2 = 86
    GMCP = 201

    @classmethod
    def lookup(cls, code: int) -> int:
        """Return the member for ``code`` when Ember knows it, else ``code`` itself."""
        try:
            return cls(code)
        except ValueError:
            return code
