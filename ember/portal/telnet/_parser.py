"""The IAC state machine: splits a telnet byte stream into data, commands and negotiations."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from ._constants import DO, DONT, EC, EL, EOR, GA, IAC, SB, SE, WILL, WONT, Option
from ._events import ProtocolViolation

__all__ = ["Data", "Negotiation", "Subnegotiation", "TelnetCommand", "TelnetParser", "Token"]

_IAC_BYTE = bytes([IAC])
_VERBS = frozenset((WILL, WONT, DO, DONT))
# Everything is consumed in runs, by C code (regex, find, slicing), never byte by byte in
# Python: a run of data with escaped ``IAC IAC`` pairs is one Data token, and a run of the
# two-byte commands a line-mode server ignores (EOR, NOP, DM, BRK, IP, AO, AYT, GA) is skipped
# in one step, so a flood of ``IAC NOP`` costs about what the same bytes of text cost.
_DATA_RUN = re.compile(rb"(?:[^\xff]+|\xff\xff)+")
_IGNORED_RUN = re.compile(rb"(?:\xff[\xef\xf1-\xf6\xf9])+")
_IGNORED = frozenset(range(EOR, GA + 1)) - {SE, EC, EL}


@dataclass(frozen=True, slots=True)
class Data:
    """Plain data bytes, with ``IAC IAC`` already turned into one 255 byte."""

    data: bytes


@dataclass(frozen=True, slots=True)
class TelnetCommand:
    """A two-byte ``IAC <command>`` that changes the input: EC (erase character) or EL (line).

    The other two-byte commands (NOP, GA, AYT, ...) mean nothing to a line-mode server; they
    are skipped and counted (``TelnetParser.ignored_commands``), not reported.
    """

    command: int


@dataclass(frozen=True, slots=True)
class Negotiation:
    """An ``IAC WILL|WONT|DO|DONT <option>`` request or answer."""

    verb: int
    option: int


@dataclass(frozen=True, slots=True)
class Subnegotiation:
    """A complete ``IAC SB <option> ... IAC SE`` with its payload unescaped."""

    option: int
    payload: bytes


Token = Data | TelnetCommand | Negotiation | Subnegotiation | ProtocolViolation


class _State(enum.Enum):
    DATA = enum.auto()
    IAC = enum.auto()
    VERB = enum.auto()
    SB_OPTION = enum.auto()
    SB_DATA = enum.auto()
    SB_IAC = enum.auto()


class TelnetParser:
    """Turns telnet bytes into tokens, keeping any incomplete sequence for the next feed.

    Feeding a stream in any number of pieces gives the same tokens, except that data may come
    in differently sized :class:`Data` pieces. Nothing raises: a malformed sequence becomes a
    :class:`ProtocolViolation` token and parsing resumes at the next sensible byte. A
    subnegotiation payload longer than ``max_subneg_bytes`` is discarded as it streams in, so
    memory stays bounded whatever the peer sends. Work is done per run of bytes, not per byte.
    """

    def __init__(self, *, max_subneg_bytes: int) -> None:
        self._max_subneg = max_subneg_bytes
        self._state = _State.DATA
        self._verb = 0
        self._sb_option = 0
        self._sb_payload = bytearray()
        self._sb_overflow = False
        self.ignored_commands = 0
        """How many ignorable two-byte commands (NOP, GA, AYT, ...) were skipped."""

    def feed(self, data: bytes) -> list[Token]:
        """Parse ``data`` and return the tokens it completes, in stream order."""
        tokens: list[Token] = []
        i = 0
        end = len(data)
        while i < end:
            state = self._state
            if state is _State.DATA:
                run = _DATA_RUN.match(data, i)
                if run is not None:
                    chunk = run.group()
                    if _IAC_BYTE in chunk:
                        chunk = chunk.replace(b"\xff\xff", _IAC_BYTE)
                    tokens.append(Data(chunk))
                    i = run.end()
                    continue
                skipped = _IGNORED_RUN.match(data, i)
                if skipped is not None:
                    self.ignored_commands += (skipped.end() - i) // 2
                    i = skipped.end()
                    continue
                # An IAC that starts a negotiation, a subnegotiation, EC/EL or an error.
                self._state = _State.IAC
                i += 1
            elif state is _State.SB_DATA:
                run = _DATA_RUN.match(data, i)
                if run is not None:
                    chunk = run.group()
                    if _IAC_BYTE in chunk:
                        chunk = chunk.replace(b"\xff\xff", _IAC_BYTE)
                    self._sb_append(chunk, tokens)
                    i = run.end()
                    continue
                self._state = _State.SB_IAC  # IAC SE, or a command cutting the payload short
                i += 1
            else:
                self._byte(data[i], tokens)
                i += 1
        return tokens

    def _byte(self, byte: int, tokens: list[Token]) -> None:
        state = self._state
        if state is _State.IAC:
            self._after_iac(byte, tokens)
        elif state is _State.VERB:
            tokens.append(Negotiation(self._verb, byte))
            self._state = _State.DATA
        elif state is _State.SB_OPTION:
            if byte == IAC:
                # "IAC SB IAC ..." has no option byte; most likely a truncated SB followed by
                # a real command, so read this IAC as the start of that command.
                tokens.append(ProtocolViolation("subnegotiation without an option code"))
                self._state = _State.IAC
                return
            self._sb_option = byte
            self._sb_payload = bytearray()
            self._sb_overflow = False
            self._state = _State.SB_DATA
        else:  # _State.SB_IAC
            if byte == IAC:
                self._sb_append(_IAC_BYTE, tokens)
                self._state = _State.SB_DATA
            elif byte == SE:
                if not self._sb_overflow:
                    tokens.append(Subnegotiation(self._sb_option, bytes(self._sb_payload)))
                self._sb_reset()
                self._state = _State.DATA
            else:
                # The peer forgot IAC SE; drop the unfinished payload and honour the command
                # so that one bad subnegotiation cannot swallow the rest of the session.
                name = _option_name(self._sb_option)
                tokens.append(ProtocolViolation(f"subnegotiation of {name} ended by IAC {byte}"))
                self._sb_reset()
                self._after_iac(byte, tokens)

    def _after_iac(self, byte: int, tokens: list[Token]) -> None:
        self._state = _State.DATA
        if byte == IAC:
            tokens.append(Data(_IAC_BYTE))
        elif byte in _VERBS:
            self._verb = byte
            self._state = _State.VERB
        elif byte == SB:
            self._state = _State.SB_OPTION
        elif byte == SE:
            tokens.append(ProtocolViolation("IAC SE outside a subnegotiation"))
        elif byte in _IGNORED:
            self.ignored_commands += 1
        elif byte in (EC, EL):
            tokens.append(TelnetCommand(byte))
        else:
            tokens.append(ProtocolViolation(f"unknown command byte {byte} after IAC"))

    def _sb_append(self, chunk: bytes, tokens: list[Token]) -> None:
        if self._sb_overflow or not chunk:
            return
        if len(self._sb_payload) + len(chunk) > self._max_subneg:
            name = _option_name(self._sb_option)
            tokens.append(
                ProtocolViolation(
                    f"subnegotiation of {name} longer than {self._max_subneg} bytes, discarded"
                )
            )
            self._sb_overflow = True
            self._sb_payload = bytearray()
            return
        self._sb_payload += chunk

    def _sb_reset(self) -> None:
        self._sb_payload = bytearray()
        self._sb_overflow = False


def _option_name(code: int) -> str:
    option = Option.lookup(code)
    return option.name if isinstance(option, Option) else f"option {code}"
