"""The one rule for text players type: what may reach the game (and so other players' screens).

Every line from telnet and the web client passes through :func:`clean_input` once, in the
portal's ``player_line``, before it is sent to the game. Terminal control must never travel
from one player to another: C0 controls (ESC starts every ANSI sequence), DEL, C1 controls
(U+009B is a one-character CSI on many terminals) and the Unicode bidi overrides, embeddings,
isolates and marks (which reorder what others see, e.g. a name that reads backwards).
"""

from __future__ import annotations

__all__ = ["FORBIDDEN", "clean_input"]

_BIDI = (
    0x061C,  # ARABIC LETTER MARK
    0x200E,  # LEFT-TO-RIGHT MARK
    0x200F,  # RIGHT-TO-LEFT MARK
    *range(0x202A, 0x202F),  # LRE, RLE, PDF, LRO, RLO
    *range(0x2066, 0x206A),  # LRI, RLI, FSI, PDI
)

FORBIDDEN: frozenset[int] = frozenset([*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0), *_BIDI])
"""Code points :func:`clean_input` removes (TAB is turned into a space instead)."""

# str.translate runs in C: one pass over the line whatever it holds.
_TABLE: dict[int, str | None] = {code: None for code in FORBIDDEN}
_TABLE[0x09] = " "


def clean_input(text: str) -> str:
    """Return ``text`` with every forbidden code point removed (see :data:`FORBIDDEN`).

    TAB becomes one space, so words typed with a tab stay apart. Line endings are not
    expected here (the line assembly of each protocol has split on them); any left over are
    removed like the other C0 controls. Everything else, all printable Unicode included, is
    kept as typed.

    Example::

        >>> clean_input("say \\x1b[2Jhi\\u202e!\\x9b31m")
        'say [2Jhi!31m'
    """
    if text.isascii() and text.isprintable():
        return text  # the common case, decided in C without building a new string
    return text.translate(_TABLE)
