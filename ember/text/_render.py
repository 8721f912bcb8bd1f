"""Renderers for parsed markup: ANSI (16 or 256 colours), plain text, and web spans.

Every renderer starts from :func:`ember.text.parse_markup` and treats each call as one
whole message: a style still open at the end is closed there (ANSI ends with a reset), so
colour never bleeds into the next line. Colours beyond 16 are downgraded to the nearest of
the 16 (by distance in RGB, xterm's default palette) for clients that only have those.
"""

from __future__ import annotations

import html
from typing import Any

from ember.text._markup import PLAIN, Segment, Style, parse_markup
from ember.text._support import ColourSupport

__all__ = [
    "nearest_16",
    "render",
    "render_ansi",
    "render_html",
    "render_plain",
    "render_spans",
    "xterm_rgb",
]

_BASE_16 = (
    (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0),
    (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
    (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0),
    (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
)  # fmt: skip
_CUBE_LEVELS = (0, 95, 135, 175, 215, 255)
RESET = "\x1b[0m"


def xterm_rgb(index: int) -> tuple[int, int, int]:
    """The (red, green, blue) xterm shows for colour ``index`` (0-255) by default."""
    if not 0 <= index <= 255:
        raise ValueError(f"xterm colour index {index} is outside 0-255")
    if index < 16:
        return _BASE_16[index]
    if index < 232:
        cube = index - 16
        return (_CUBE_LEVELS[cube // 36], _CUBE_LEVELS[cube // 6 % 6], _CUBE_LEVELS[cube % 6])
    level = 8 + 10 * (index - 232)
    return (level, level, level)


def _nearest(index: int) -> int:
    red, green, blue = xterm_rgb(index)
    return min(
        range(16),
        key=lambda i: (
            (_BASE_16[i][0] - red) ** 2
            + (_BASE_16[i][1] - green) ** 2
            + (_BASE_16[i][2] - blue) ** 2
        ),
    )


_TO_16 = tuple(_nearest(index) if index >= 16 else index for index in range(256))


def nearest_16(index: int) -> int:
    """The one of the 16 basic colours (0-15) closest to xterm colour ``index``."""
    return _TO_16[index]


_SGR_CACHE: dict[tuple[Style, ColourSupport], str] = {}


def _sgr(style: Style, depth: ColourSupport) -> str:
    """The SGR parameters that switch ``style`` on (from the terminal's default)."""
    cached = _SGR_CACHE.get((style, depth))
    if cached is not None:
        return cached
    params: list[str] = []
    if style.bold:
        params.append("1")
    if style.underline:
        params.append("4")
    for colour, base, bright, extended in ((style.fg, 30, 90, 38), (style.bg, 40, 100, 48)):
        if colour is None:
            continue
        if colour >= 16 and depth < ColourSupport.XTERM256:
            colour = _TO_16[colour]
        if colour < 8:
            params.append(str(base + colour))
        elif colour < 16:
            params.append(str(bright + colour - 8))
        else:
            params.append(f"{extended};5;{colour}")
    result = ";".join(params)
    if len(_SGR_CACHE) < 4096:  # styles are few; the bound only guards against surprises
        _SGR_CACHE[(style, depth)] = result
    return result


def _ansi(segments: list[Segment], depth: ColourSupport) -> str:
    out: list[str] = []
    current = PLAIN
    for segment in segments:
        style = segment.style
        if style is not current:  # the parser interns styles (see _markup._INTERNED)
            switch_on = _sgr(style, depth)
            if current is PLAIN:
                out.append(f"\x1b[{switch_on}m")
            elif not switch_on:
                out.append(RESET)
            else:  # reset first: SGR has no portable "colour off" for each attribute
                out.append(f"\x1b[0;{switch_on}m")
            current = style
        out.append(segment.text)
    if current is not PLAIN:
        out.append(RESET)
    return "".join(out)


def render_ansi(text: str, depth: ColourSupport | int = ColourSupport.ANSI16) -> str:
    """Render markup as text with ANSI SGR escapes for a terminal of ``depth`` colours
    (16 or 256; 0 renders plain). Output that switched a style on ends with a reset."""
    depth = ColourSupport(depth)
    if depth == ColourSupport.NONE:
        return render_plain(text)
    return _ansi(parse_markup(text), depth)


def render_plain(text: str) -> str:
    """Render markup as plain text: the codes removed, ``||`` shown as ``|``, no escapes."""
    return "".join(segment.text for segment in parse_markup(text))


def render(text: str, depth: ColourSupport | int) -> str:
    """Render markup for a telnet client of ``depth`` (see :func:`colour_support`)."""
    return render_ansi(text, depth)


def _classes(style: Style) -> list[str]:
    classes = []
    if style.fg is not None:
        classes.append(f"fg-{style.fg}")
    if style.bg is not None:
        classes.append(f"bg-{style.bg}")
    if style.bold:
        classes.append("bold")
    if style.underline:
        classes.append("underline")
    return classes


def render_html(text: str) -> str:
    """Render markup as HTML: text escaped (``<``, ``>``, ``&``, quotes), styled runs in
    ``<span class="fg-9 bg-4 bold underline">``; the web client's stylesheet colours the
    ``fg-N``/``bg-N`` classes with :func:`xterm_rgb`."""
    out: list[str] = []
    for segment in parse_markup(text):
        escaped = html.escape(segment.text, quote=True)
        if segment.style == PLAIN:
            out.append(escaped)
        else:
            out.append(f'<span class="{" ".join(_classes(segment.style))}">{escaped}</span>')
    return "".join(out)


def render_spans(text: str) -> list[list[Any]]:
    """Render markup as JSON-safe ``[text, style]`` pairs for the web client, where
    ``style`` holds only what is set: ``{"fg": 9, "bg": 4, "bold": True, "underline":
    True}`` (``{}`` for plain text). The client escapes the text itself."""
    spans: list[list[Any]] = []
    for segment in parse_markup(text):
        style = segment.style
        look: dict[str, Any] = {}
        if style.fg is not None:
            look["fg"] = style.fg
        if style.bg is not None:
            look["bg"] = style.bg
        if style.bold:
            look["bold"] = True
        if style.underline:
            look["underline"] = True
        spans.append([segment.text, look])
    return spans
