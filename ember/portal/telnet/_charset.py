"""CHARSET negotiation (RFC 2066): which charset the client and Ember use for all text."""

from __future__ import annotations

from dataclasses import dataclass

from ._codecs import subnegotiation
from ._constants import (
    CHARSET_ACCEPTED,
    CHARSET_REJECTED,
    CHARSET_REQUEST,
    CHARSET_TTABLE_IS,
    CHARSET_TTABLE_REJECTED,
    Option,
)
from ._events import CharsetAccepted, CharsetRejected, ProtocolViolation

__all__ = ["CHARSETS", "CharsetNegotiation", "CharsetOutcome"]

CHARSETS: dict[str, str] = {"UTF-8": "utf-8", "ISO-8859-1": "latin-1", "US-ASCII": "ascii"}
"""The charsets Ember offers, most preferred first: the name on the wire -> Python codec.

All are ASCII-compatible, which line assembly and CR/LF handling rely on.
"""

# Client spellings are matched against this fixed table rather than codecs.lookup(), so a
# peer-chosen string never drives a codec search.
_ALIASES: dict[str, str] = {
    "UTF-8": "UTF-8",
    "UTF8": "UTF-8",
    "ISO-8859-1": "ISO-8859-1",
    "ISO8859-1": "ISO-8859-1",
    "ISO_8859-1": "ISO-8859-1",
    "LATIN1": "ISO-8859-1",
    "LATIN-1": "ISO-8859-1",
    "US-ASCII": "US-ASCII",
    "ASCII": "US-ASCII",
}


@dataclass(frozen=True, slots=True)
class CharsetOutcome:
    """What one CHARSET subnegotiation from the client led to: bytes to send, one event."""

    reply: bytes = b""
    event: CharsetAccepted | CharsetRejected | ProtocolViolation | None = None


class CharsetNegotiation:
    """The charset in use and Ember's side of the CHARSET exchange.

    Ember sends ``REQUEST`` with :data:`CHARSETS` once the client agrees to CHARSET and
    switches when the client answers ``ACCEPTED``. A client may also send its own ``REQUEST``;
    Ember accepts the first of its own preferences the client lists. When both ask at once,
    the server's request stands and the client's is rejected.
    """

    def __init__(self) -> None:
        self.name = "UTF-8"
        self.codec = CHARSETS["UTF-8"]
        self._pending = False

    def request(self) -> bytes:
        """The ``REQUEST`` to send now, or nothing while one is already unanswered."""
        if self._pending:
            return b""
        self._pending = True
        names = b"".join(b";" + name.encode("ascii") for name in CHARSETS)
        return subnegotiation(Option.CHARSET, bytes([CHARSET_REQUEST]) + names)

    def cancel(self) -> None:
        """The client turned CHARSET off: stop waiting for an answer."""
        self._pending = False

    def receive(self, payload: bytes) -> CharsetOutcome:
        """Handle a CHARSET subnegotiation payload from the client."""
        if not payload:
            return CharsetOutcome(event=ProtocolViolation("empty CHARSET subnegotiation"))
        kind, body = payload[0], payload[1:]
        if kind == CHARSET_ACCEPTED:
            return self._accepted(body.decode("ascii", errors="replace"))
        if kind == CHARSET_REJECTED:
            if not self._pending:
                return CharsetOutcome()
            self._pending = False
            return CharsetOutcome(event=CharsetRejected())
        if kind == CHARSET_REQUEST:
            return self._requested(body)
        if kind == CHARSET_TTABLE_IS:
            # Ember never offers translation tables, so it refuses any it is sent.
            return CharsetOutcome(_reply(CHARSET_TTABLE_REJECTED))
        return CharsetOutcome()

    def _accepted(self, spelled: str) -> CharsetOutcome:
        if not self._pending:
            return CharsetOutcome(event=ProtocolViolation("CHARSET ACCEPTED without a request"))
        self._pending = False
        name = _ALIASES.get(spelled.strip().upper())
        if name is None:
            error = ProtocolViolation(f"CHARSET ACCEPTED {spelled!r}, which was not offered")
            return CharsetOutcome(event=error)
        self._use(name)
        return CharsetOutcome(event=CharsetAccepted(name))

    def _requested(self, body: bytes) -> CharsetOutcome:
        if self._pending:
            return CharsetOutcome(_reply(CHARSET_REJECTED))
        offered: dict[str | None, str] = {}
        for spelled in _parse_list(body):
            offered.setdefault(_ALIASES.get(spelled.strip().upper()), spelled)
        for name in CHARSETS:
            if name in offered:
                self._use(name)
                answer = offered[name].encode("ascii", errors="replace")
                return CharsetOutcome(_reply(CHARSET_ACCEPTED, answer), CharsetAccepted(name))
        return CharsetOutcome(_reply(CHARSET_REJECTED))

    def _use(self, name: str) -> None:
        self.name = name
        self.codec = CHARSETS[name]


def _reply(kind: int, body: bytes = b"") -> bytes:
    return subnegotiation(Option.CHARSET, bytes([kind]) + body)


def _parse_list(body: bytes) -> list[str]:
    """Split the body of a client's REQUEST into names; its first byte is the separator."""
    if body.startswith(b"[TTABLE]"):
        body = body[9:]  # the marker and its one version byte; Ember ignores the table offer
    if len(body) < 2:
        return []
    separator = body[:1]
    return [name.decode("ascii", errors="replace") for name in body[1:].split(separator) if name]
