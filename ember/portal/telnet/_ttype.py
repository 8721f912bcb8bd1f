"""The TTYPE cycle: asking a client for terminal type names until it has no new ones."""

from __future__ import annotations

__all__ = ["MAX_TERMINAL_TYPES", "TERMINAL_NAMES", "TerminalTypeCycle", "redraws_lines"]

MAX_TERMINAL_TYPES = 5
"""At most this many ``TTYPE SEND`` requests per connection, so a client cannot keep us busy."""


#: TTYPE names (upper case; a name counts when it is one of these or starts with one and "-")
#: of terminal emulators. A telnet program running in a terminal sends its ``TERM`` as its
#: first name, and the terminal redraws a line on CR and ESC [ K.
TERMINAL_NAMES = (
    "XTERM", "VT100", "VT102", "VT220", "VT320", "SCREEN", "TMUX", "LINUX", "RXVT", "PUTTY",
    "KONSOLE", "ALACRITTY", "KITTY", "FOOT", "WEZTERM", "ST", "GNOME", "ITERM2", "CYGWIN",
)  # fmt: skip
#: The MTTS bit a client sets when a screen reader is in use.
MTTS_SCREEN_READER = 64


def redraws_lines(names: tuple[str, ...]) -> bool:
    """Whether a client with these TTYPE names redraws a line in place (CR, text, ESC [ K).

    Only terminals do: the first name must be a terminal type (:data:`TERMINAL_NAMES`, as
    a plain ``telnet`` sends its ``TERM``). MUD clients send their own name first (the MTTS
    convention: TinTin++, Mudlet, MUSHclient, ...) and show the server's output line by line,
    where a rewritten line comes out blank or stale, even when their MTTS bits claim VT100.
    No names (TTYPE refused, or not answered yet) and an MTTS screen-reader bit count as
    line-based too.
    """
    if not names:
        return False
    for name in names:
        bits = name[5:].strip() if name.upper().startswith("MTTS ") else ""
        if bits.isdigit() and int(bits) & MTTS_SCREEN_READER:
            return False
    first = names[0].upper()
    return any(first == term or first.startswith(term + "-") for term in TERMINAL_NAMES)


class TerminalTypeCycle:
    """Tracks one TTYPE cycle (RFC 1091, with the MTTS convention MUD clients follow).

    Ember asks ``TTYPE SEND``; the client answers one name per request and signals the end of
    its list by repeating a name. MTTS clients answer their name, a terminal type and then
    ``"MTTS <bits>"``, which also ends the cycle. The cycle ends after
    :data:`MAX_TERMINAL_TYPES` names whatever the client does.
    """

    def __init__(self) -> None:
        self._names: list[str] = []
        self._waiting = False
        self._finished = False

    @property
    def names(self) -> tuple[str, ...]:
        """The distinct names received so far, in order."""
        return tuple(self._names)

    @property
    def waiting(self) -> bool:
        """Whether a ``TTYPE SEND`` is out and its answer has not come yet."""
        return self._waiting

    @property
    def finished(self) -> bool:
        """Whether the cycle is over and :attr:`names` final."""
        return self._finished

    def begin(self) -> bool:
        """Start the cycle; return True when the caller should send the first ``SEND``."""
        if self._finished or self._waiting:
            return False
        self._waiting = True
        return True

    def add(self, name: str) -> bool:
        """Record an answer; return True when the cycle is over, else another SEND is due."""
        if name and name not in self._names:
            self._names.append(name)
            more = not name.upper().startswith("MTTS ") and len(self._names) < MAX_TERMINAL_TYPES
            if more:
                return False
        self._waiting = False
        self._finished = True
        return True

    def abandon(self) -> tuple[str, ...]:
        """The client turned TTYPE off mid-cycle: keep what arrived, return it (maybe empty).

        With no names yet the cycle may begin again if the client re-enables TTYPE.
        """
        if not self._waiting:
            return ()
        self._waiting = False
        self._finished = bool(self._names)
        return self.names
