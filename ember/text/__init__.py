"""Game text: colour markup parsed once and rendered for each kind of client.

A floor package (it imports nothing of Ember but ``ember.errors``) so both the portal,
which renders for the sockets it holds, and the game, which checks and escapes text, can
use it without depending on each other. See docs/talking-to-clients.md, "Colours".
"""

from ember.text._markup import PLAIN, Segment, Style, escape_markup, parse_markup
from ember.text._render import (
    nearest_16,
    render,
    render_ansi,
    render_html,
    render_plain,
    render_spans,
    xterm_rgb,
)
from ember.text._support import ColourSupport, colour_support

__all__ = [
    "PLAIN",
    "ColourSupport",
    "Segment",
    "Style",
    "colour_support",
    "escape_markup",
    "nearest_16",
    "parse_markup",
    "render",
    "render_ansi",
    "render_html",
    "render_plain",
    "render_spans",
    "strip_markup",
    "xterm_rgb",
]

#: Another name for :func:`render_plain`, for code that reads better with it.
strip_markup = render_plain
