"""Game text rendered for each client: ANSI or plain for telnet, styled runs for the web.

The game writes colour markup (``|r…|n``, docs/talking-to-clients.md); the portal knows each
socket's client, so it renders here, once per message and kind of client. A line for a
whole room arrives as one ``multicast`` and is rendered once per kind of client there; the
same text sent to many sessions one by one (a channel, ``account.msg`` to each) is helped
by a small cache of the last renderings: later recipients cost a dictionary lookup.
"""

from __future__ import annotations

from typing import Any

from ember.text import ColourSupport, render_ansi, render_plain, render_spans

__all__ = ["CACHE_ENTRIES", "CACHE_TEXT_CHARS", "Spans", "TextRenderer"]

Spans = list[list[Any]]
"""``[text, style]`` runs as the web client receives them (see ``ember.text.render_spans``)."""

CACHE_ENTRIES = 256
"""Renderings kept; the cache is emptied when it is full (a broadcast's recipients come in
one burst, so the most recent few entries are all that pays)."""
CACHE_TEXT_CHARS = 4096
"""Longer texts are rendered every time: they are rare, and caching them would cost memory
(at most ``CACHE_ENTRIES`` x this many characters, ~1 MiB, with the renderings)."""

_WEB = -1  # the cache key's target for the web client's (plain, spans) pair


class TextRenderer:
    """Renders game markup for telnet clients of a colour depth and for the web client."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, int], Any] = {}
        self.renders = 0  # renderings actually computed (for tests and bench/)
        self.hits = 0

    def telnet(self, text: str, colours: int) -> str:
        """``text`` for a telnet client showing ``colours`` colours (0, 16 or 256): ANSI SGR
        escapes, or plain text with the codes removed for a client without colour."""
        depth = _depth(colours)
        found = self._cache.get((text, depth))
        if found is not None:
            self.hits += 1
            return str(found)
        if depth:
            # Markup left open is closed before the message's final line break, not after
            # it: a reset at the start of the next line would leave a coloured background
            # painted to the end of this one on many terminals.
            body, end = (text[:-1], "\n") if text.endswith("\n") else (text, "")
            rendered = render_ansi(body, depth) + end
        else:
            rendered = render_plain(text)
        self._keep((text, depth), rendered)
        return rendered

    def web(self, text: str) -> tuple[str, Spans | None]:
        """``text`` for the web client: the plain text, and its styled runs when any run has
        a style (``None`` for text without colour, which is sent as plain text only)."""
        found = self._cache.get((text, _WEB))
        if found is not None:
            self.hits += 1
            plain, spans = found
            return str(plain), spans
        spans = render_spans(text)
        plain = "".join(run[0] for run in spans)
        styled = spans if any(run[1] for run in spans) else None
        self._keep((text, _WEB), (plain, styled))
        return plain, styled

    def plain(self, text: str) -> str:
        """``text`` without markup (for the web client's notices and progress labels)."""
        return self.telnet(text, 0)

    def _keep(self, key: tuple[str, int], rendered: Any) -> None:
        self.renders += 1
        if len(key[0]) > CACHE_TEXT_CHARS:
            return
        if len(self._cache) >= CACHE_ENTRIES:
            self._cache.clear()
        self._cache[key] = rendered


def _depth(colours: int) -> ColourSupport:
    if colours >= ColourSupport.XTERM256:
        return ColourSupport.XTERM256
    if colours >= ColourSupport.ANSI16:
        return ColourSupport.ANSI16
    return ColourSupport.NONE
