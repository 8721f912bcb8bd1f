"""Line assembly: data bytes in, complete decoded lines out, with a hard cap on line length."""

from __future__ import annotations

import re

from ._events import Event, Line, LineTooLong

__all__ = ["LineAssembler", "clean_line"]

_LINE_END = re.compile(rb"[\r\n]")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_ERASERS = frozenset("\x08\x7f")
_BACKSPACE = b"\x08"


class LineAssembler:
    """Collects data bytes into lines and reports each one as it ends.

    CR LF, CR NUL, a lone CR and a lone LF all end a line; a CR ends it at once, and an LF or
    NUL right after it is swallowed, so a line is reported without waiting for the byte that
    follows. At most ``max_line_bytes`` bytes of one line are kept: past that the line is
    counted, not stored, and reported as :class:`LineTooLong` when it ends.
    """

    def __init__(self, *, max_line_bytes: int) -> None:
        self._limit = max_line_bytes
        self._buffer = bytearray()
        self._after_cr = False
        self._overflow = False
        self._dropped = 0

    @property
    def buffered(self) -> int:
        """How many bytes of an unfinished line are held right now."""
        return len(self._buffer)

    def feed(self, data: bytes, encoding: str, events: list[Event]) -> None:
        """Add ``data`` and append a :class:`Line` or :class:`LineTooLong` per finished line.

        ``encoding`` is the Python codec for the bytes; a line is decoded when it ends, so a
        multi-byte character split across feeds is never cut in two.
        """
        i = 0
        end = len(data)
        if self._after_cr and i < end:
            self._after_cr = False
            if data[0] in (0x0A, 0x00):  # the LF or NUL of a CR LF / CR NUL split apart
                i = 1
        while i < end:
            match = _LINE_END.search(data, i)
            if match is None:
                self._append(data[i:])
                return
            j = match.start()
            self._append(data[i:j])
            events.append(self._finish(encoding))
            i = j + 1
            if data[j] == 0x0D:  # CR
                if i == end:
                    self._after_cr = True
                elif data[i] in (0x0A, 0x00):  # CR LF or CR NUL
                    i += 1

    def erase_character(self) -> None:
        """Apply telnet's ``IAC EC``: remove the last character, like a backspace."""
        # Recorded as a backspace byte and applied at decoding, where characters are known.
        self._after_cr = False
        self._append(_BACKSPACE)

    def erase_line(self) -> None:
        """Apply telnet's ``IAC EL``: forget the unfinished line, overlong or not."""
        self._after_cr = False
        self._buffer = bytearray()
        self._overflow = False
        self._dropped = 0

    def _append(self, chunk: bytes) -> None:
        if not chunk:
            return
        if self._overflow:
            self._dropped += len(chunk)
        elif len(self._buffer) + len(chunk) > self._limit:
            self._overflow = True
            self._dropped = len(self._buffer) + len(chunk)
            self._buffer = bytearray()
        else:
            self._buffer += chunk

    def _finish(self, encoding: str) -> Line | LineTooLong:
        if self._overflow:
            event: Line | LineTooLong = LineTooLong(self._limit, self._dropped)
            self._overflow = False
            self._dropped = 0
        else:
            event = Line(clean_line(bytes(self._buffer), encoding))
            # A fresh buffer, so one long line does not pin its memory for the session.
            self._buffer = bytearray()
        return event


def clean_line(raw: bytes, encoding: str) -> str:
    """Decode one line's bytes and apply backspace, DEL and control-character rules.

    Invalid bytes become U+FFFD; BS and DEL remove the character before them; every other C0
    control character except TAB is dropped.
    """
    text = raw.decode(encoding, errors="replace")
    if _CONTROL.search(text) is None:
        return text
    kept: list[str] = []
    for char in text:
        if char in _ERASERS:
            if kept:
                kept.pop()
        elif char >= " " or char == "\t":
            kept.append(char)
    return "".join(kept)
