"""Which colours a telnet client shows, decided from what it told us (TTYPE names, MTTS).

Clients answer the TTYPE option with up to three names: the client ("MUDLET"), the
terminal type ("XTERM-256COLOR") and ``MTTS <bits>``, a bit set of what they support
(https://tintin.mudhalla.net/protocols/mtts/): 1 ANSI colour, 8 256 colours, 256 truecolor.
MTTS, when sent, is the client's own statement (a user who turned colour off clears the
bits), so it wins over names; without it the names decide; without any data, no colour.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

__all__ = ["ColourSupport", "colour_support"]

MTTS_ANSI = 1
MTTS_256_COLORS = 8
MTTS_TRUECOLOR = 256

# Client names (upper case) known to show 256 colours when they do not send MTTS.
_CLIENTS_256 = frozenset(
    {"MUDLET", "MUSHCLIENT", "TINTIN++", "TINTIN", "BEIP", "POTATO", "KILDCLIENT", "BLOWTORCH"}
)
# Terminal types that show the 16 colours; others need a "256COLOR"-like suffix for more.
_TERMS_16 = (
    "XTERM",
    "ANSI",
    "VT220",
    "LINUX",
    "SCREEN",
    "RXVT",
    "CYGWIN",
    "PUTTY",
    "TMUX",
    "CMUD",
    "ZMUD",
)


class ColourSupport(enum.IntEnum):
    """How many colours a client shows: none (strip markup), the 16 ANSI ones, or xterm's
    256 (truecolor clients get 256 too: markup has no more)."""

    NONE = 0
    ANSI16 = 16
    XTERM256 = 256


def _from_mtts(bits: int) -> ColourSupport:
    if bits & (MTTS_256_COLORS | MTTS_TRUECOLOR):
        return ColourSupport.XTERM256
    if bits & MTTS_ANSI:
        return ColourSupport.ANSI16
    return ColourSupport.NONE


def _from_name(name: str) -> ColourSupport:
    if name in _CLIENTS_256 or any(
        mark in name for mark in ("256COLOR", "256-COLOR", "TRUECOLOR", "24BIT", "-DIRECT")
    ):
        return ColourSupport.XTERM256
    if name.startswith(_TERMS_16) or name.endswith(("-COLOR", "COLOUR", "-16COLOR")):
        return ColourSupport.ANSI16
    return ColourSupport.NONE


def colour_support(ttype_names: Iterable[str] = (), mtts: int | None = None) -> ColourSupport:
    """Decide a client's colours from its TTYPE answers and MTTS bits.

    ``ttype_names`` are the names in the order the client sent them (case does not
    matter); an ``"MTTS 2825"`` among them counts as ``mtts``. MTTS decides when present
    (bit 1 ANSI, 8 or 256 -> 256 colours); else the best any name allows: ``*-256color``
    and clients such as Mudlet, MUSHclient, TinTin++ give 256; ``xterm``, ``ansi``,
    ``vt220``, ``linux``, ``screen`` ... give 16; unknown names and ``dumb`` give none.
    """
    best = ColourSupport.NONE
    for raw in ttype_names:
        name = str(raw).strip().upper()
        word, _, number = name.partition(" ")
        if word == "MTTS" and number.strip().isdigit():
            if mtts is None:
                mtts = int(number)
            continue
        best = max(best, _from_name(name))
    if mtts is not None:
        return _from_mtts(mtts)
    return best
