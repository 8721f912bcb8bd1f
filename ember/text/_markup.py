"""Colour markup: ``|r``, ``|500``, ``|[b``, ``||`` ... parsed into styled segments (sans-I/O).

One parser turns game text into a list of :class:`Segment` (text plus :class:`Style`);
the renderers in :mod:`ember.text._render` turn those into ANSI, plain text or web spans.
Colours are xterm-256 indices throughout: 0-7 the normal ANSI colours, 8-15 the bright
ones, 16-231 the 6x6x6 cube, 232-255 the grey ramp. A code that is not in the table stays
in the text exactly as typed, so a player's ``|q`` or a lone ``|`` is shown, never lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "Segment",
    "Style",
    "escape_markup",
    "parse_markup",
]

#: Letters of the 8 base colours, in ANSI order (``x`` is black).
_LETTERS = "xrgybmcw"

# One alternative per family; anything else after a bar is not a code and stays as text.
_CODE = re.compile(
    r"\|(?:"
    r"(?P<bar>\|)"
    r"|(?P<reset>n)"
    r"|(?P<attr>[hu])"
    r"|(?P<fg>[xrgybmcwXRGYBMCW])"
    r"|(?P<fgcube>[0-5]{3})"
    r"|=(?P<fggrey>[a-x])"
    r"|\[(?:(?P<bg>[xrgybmcwXRGYBMCW])|(?P<bgcube>[0-5]{3})|=(?P<bggrey>[a-x]))"
    r")"
)

# C0 and C1 control characters other than tab, newline and carriage return would let text
# move the cursor, ring bells or start escape sequences on a terminal: they become U+FFFD,
# visible, so nothing vanishes without a trace.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# The style after a code, by (style before, code): styles are few, so this stays small and
# spares building a frozen dataclass for every code in every message.
_TRANSITIONS: dict[tuple[Style, str], Style] = {}
_MAX_TRANSITIONS = 4096


@dataclass(frozen=True, slots=True)
class Style:
    """How a run of text looks: foreground and background as xterm-256 indices (``None``:
    the terminal's default), bold and underline. ``Style()`` is plain text."""

    fg: int | None = None
    bg: int | None = None
    bold: bool = False
    underline: bool = False

    @property
    def plain(self) -> bool:
        """Whether this is the terminal's default look (nothing to switch on)."""
        return self == PLAIN


PLAIN = Style()
# One instance per distinct style the parser made, so renderers compare styles with `is`
# (an equal style that escaped interning only costs a redundant escape, never a wrong one).
_INTERNED: dict[Style, Style] = {PLAIN: PLAIN}


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of text in one :class:`Style`."""

    text: str
    style: Style


def _colour_of(letter: str) -> int:
    index = _LETTERS.index(letter.lower())
    return index + 8 if letter.isupper() else index


def _cube(digits: str) -> int:
    return 16 + 36 * int(digits[0]) + 6 * int(digits[1]) + int(digits[2])


def _grey(letter: str) -> int:
    return 232 + ord(letter) - ord("a")


def _apply(style: Style, match: re.Match[str]) -> Style:
    """Return ``style`` changed by one markup code (never the ``||`` escape)."""
    kind = match.lastgroup
    value = match.group(kind) if kind else ""
    if kind == "reset":
        return PLAIN
    if kind == "attr":
        bold = style.bold or value == "h"
        return Style(style.fg, style.bg, bold, style.underline or value == "u")
    if kind == "fg":
        return Style(_colour_of(value), style.bg, style.bold, style.underline)
    if kind == "fgcube":
        return Style(_cube(value), style.bg, style.bold, style.underline)
    if kind == "fggrey":
        return Style(_grey(value), style.bg, style.bold, style.underline)
    if kind == "bg":
        return Style(style.fg, _colour_of(value), style.bold, style.underline)
    if kind == "bgcube":
        return Style(style.fg, _cube(value), style.bold, style.underline)
    return Style(style.fg, _grey(value), style.bold, style.underline)  # bggrey


def parse_markup(text: str) -> list[Segment]:
    """Parse ``text`` into segments of styled text; never raises on any ``str``.

    Codes change the style of the text after them until ``|n`` or the end of ``text``:
    each call starts plain, so markup left open never colours the next message. ``||`` is
    a literal bar; a bar followed by anything not in the code table stays as typed.
    Control characters other than tab, newline and carriage return become U+FFFD. Adjacent
    text in the same style is one segment; empty segments are left out. Linear in
    ``len(text)``.

    Example: ``parse_markup("|rred|n and ||")`` gives ``[Segment("red", Style(fg=1)),
    Segment(" and |", Style())]``.
    """
    if type(text) is not str:
        raise TypeError(f"markup must be a str, got {type(text).__name__}")
    if _CONTROL.search(text) is not None:
        text = _CONTROL.sub("\ufffd", text)
    runs: list[tuple[Style, list[str]]] = []  # the segments' styles and text pieces
    style = PLAIN
    pending: list[str] = []  # text in `style` not yet given to a run
    position = 0
    for match in _CODE.finditer(text):
        if match.start() > position:
            pending.append(text[position : match.start()])
        position = match.end()
        if match.lastgroup == "bar":
            pending.append("|")
            continue
        code = match.group()
        new_style = _TRANSITIONS.get((style, code))
        if new_style is None:
            new_style = _apply(style, match)
            if len(_TRANSITIONS) < _MAX_TRANSITIONS:
                new_style = _INTERNED.setdefault(new_style, new_style)
                _TRANSITIONS[(style, code)] = new_style
        if new_style is not style:  # styles are interned: identity is the cheap equality
            if pending:
                _flush(runs, pending, style)
                pending = []
            style = new_style
    if position < len(text):
        pending.append(text[position:])
    if pending:
        _flush(runs, pending, style)
    return [Segment("".join(pieces), run_style) for run_style, pieces in runs]


def _flush(runs: list[tuple[Style, list[str]]], pieces: list[str], style: Style) -> None:
    """Add text to the runs, joining the last run when the style came back unchanged
    (``|rx|g|ry`` is one red run); pieces are joined once at the end, keeping it linear."""
    if runs and (runs[-1][0] is style or runs[-1][0] == style):
        runs[-1][1].extend(pieces)
    else:
        runs.append((style, pieces))


def escape_markup(text: str) -> str:
    """Return ``text`` with every bar doubled, so it shows exactly as typed: use it on
    text from players (names, says) that should not carry colour codes."""
    return text.replace("|", "||")
