"""The sans-I/O telnet connection: feed it bytes, get events; give it text, fetch bytes to send."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ._charset import CharsetNegotiation
from ._codecs import (
    decode_gmcp,
    decode_naws,
    encode_gmcp,
    encode_mssp,
    encode_text,
    subnegotiation,
)
from ._constants import (
    EC,
    EL,
    EOR,
    GA,
    IAC,
    TTYPE_IS,
    TTYPE_SEND,
    Option,
)
from ._events import (
    Event,
    LineTooLong,
    OptionDisabled,
    OptionEnabled,
    ProtocolViolation,
    TerminalType,
)
from ._lines import LineAssembler
from ._options import NegotiationOutcome, OptionTable
from ._output import OutputQueue
from ._parser import Data, Negotiation, Subnegotiation, TelnetCommand, TelnetParser
from ._ttype import TerminalTypeCycle

__all__ = ["Negotiated", "TelnetConnection", "TelnetStatistics"]

# Offered by start(), in this order; MSSP goes first when the server has MSSP data.
# SGA is accepted when asked, not offered: offering it switches line-mode clients such as
# inetutils telnet to character-at-a-time input.
_OFFERED_LOCAL = (Option.GMCP, Option.MCCP2, Option.EOR)
_ASKED_REMOTE = (Option.TTYPE, Option.NAWS, Option.CHARSET)
# What a client may switch on unasked. ECHO is missing on purpose: Ember hides input only when
# the game asks for it (set_echo), never because a client requested it.
_ACCEPT_LOCAL = frozenset((Option.BINARY, Option.SGA, Option.EOR, Option.GMCP, Option.MCCP2))
_ACCEPT_REMOTE = frozenset((Option.BINARY, Option.TTYPE, Option.NAWS, Option.CHARSET))


@dataclass(frozen=True, slots=True)
class Negotiated:
    """A snapshot of what the client and Ember agreed on so far.

    ``ttype`` holds the names of a finished TTYPE cycle (empty until then); ``cols``/``rows``
    are ``None`` until the client reports its size; ``charset`` is Ember's spelling of the
    charset in use; ``gmcp``, ``eor`` and ``echo`` say whether Ember performs those options
    (``echo`` true means input is hidden); ``mccp2`` says whether output is compressed now.
    """

    ttype: tuple[str, ...]
    cols: int | None
    rows: int | None
    charset: str
    gmcp: bool
    mccp2: bool
    eor: bool
    echo: bool


@dataclass(frozen=True, slots=True)
class TelnetStatistics:
    """Counters of one connection, for the ``sessions`` command and ``bench/``.

    ``bytes_out`` counts bytes handed out for the wire (compressed when MCCP2 is on) and
    ``bytes_out_plain`` the same traffic before compression; ``bytes_pending`` is what waits
    in the queue and ``line_buffer`` the bytes of an unfinished input line.
    """

    bytes_in: int
    bytes_out: int
    bytes_out_plain: int
    bytes_pending: int
    lines: int
    lines_too_long: int
    subnegotiations: int
    protocol_errors: int
    line_buffer: int


class TelnetConnection:
    """One telnet connection's protocol state, with no I/O of its own.

    Call :meth:`start` once and send what it returns; then pass every received chunk to
    :meth:`receive`, act on the events it returns, and after each call (and after any
    ``send_*``) send whatever :meth:`data_to_send` returns. Input is never waited for: a
    client that negotiates nothing still gets each line reported as soon as it ends.

    Nothing the peer sends makes a method raise; malformed input becomes a
    :class:`ProtocolViolation` event. ``max_line_bytes`` caps one input line and
    ``max_subneg_bytes`` one subnegotiation, so memory per connection stays bounded. ``mssp``
    is the MUD Server Status Protocol data sent to crawlers; without it MSSP is not offered.

    Example::

        conn = TelnetConnection(mssp={"NAME": "Ember", "PLAYERS": "3"})
        transport.write(conn.start())
        for event in conn.receive(chunk):
            ...
        conn.send_text("Welcome!\\n")
        transport.write(conn.data_to_send())
    """

    def __init__(
        self,
        *,
        max_line_bytes: int = 16384,
        max_subneg_bytes: int = 8192,
        mssp: Mapping[str, str] | None = None,
    ) -> None:
        for name, value in (
            ("max_line_bytes", max_line_bytes),
            ("max_subneg_bytes", max_subneg_bytes),
        ):
            if value < 1:
                raise ValueError(f"{name} must be at least 1, got {value!r}")
        self._mssp = dict(mssp) if mssp is not None else None
        accept_local = _ACCEPT_LOCAL | {Option.MSSP} if mssp is not None else _ACCEPT_LOCAL
        self._options = OptionTable(accept_local=accept_local, accept_remote=_ACCEPT_REMOTE)
        self._parser = TelnetParser(max_subneg_bytes=max_subneg_bytes)
        self._lines = LineAssembler(max_line_bytes=max_line_bytes)
        self._out = OutputQueue()
        self._ttype = TerminalTypeCycle()
        self._started = False
        self._charset = CharsetNegotiation()
        self._cols: int | None = None
        self._rows: int | None = None
        self._bytes_in = 0
        self._line_count = 0
        self._too_long = 0
        self._subnegotiations = 0
        self._errors = 0

    # -- driving the connection -------------------------------------------------------------

    def start(self) -> bytes:
        """Return the opening negotiation: Ember's offers and its requests to the client.

        Offers ``WILL`` MSSP (with ``mssp`` data), GMCP, MCCP2 and EOR, and asks ``DO``
        TTYPE, NAWS and CHARSET. Raises ``RuntimeError`` when called a second time.
        """
        if self._started:
            raise RuntimeError("TelnetConnection.start() was already called")
        self._started = True
        offers = (Option.MSSP, *_OFFERED_LOCAL) if self._mssp is not None else _OFFERED_LOCAL
        for option in offers:
            self._out.write(self._options.request(option, local=True, enable=True))
        for option in _ASKED_REMOTE:
            self._out.write(self._options.request(option, local=False, enable=True))
        return self.data_to_send()

    def receive(self, data: bytes) -> list[Event]:
        """Feed bytes from the client and return the events they complete, in order.

        Incomplete sequences and unfinished lines are kept for the next call. Replies the
        negotiation needs are queued for :meth:`data_to_send`.
        """
        self._bytes_in += len(data)
        events: list[Event] = []
        for token in self._parser.feed(data):
            if isinstance(token, Data):
                before = len(events)
                self._lines.feed(token.data, self._charset.codec, events)
                self._count_lines(events, before)
            elif isinstance(token, Negotiation):
                self._negotiate(self._options.receive(token.verb, token.option), events)
            elif isinstance(token, Subnegotiation):
                self._subnegotiations += 1
                self._subnegotiate(token.option, token.payload, events)
            elif isinstance(token, TelnetCommand):
                self._command(token.command)
            else:
                self._errors += 1
                events.append(token)
        return events

    def data_to_send(self) -> bytes:
        """Return (and forget) every byte queued for the client; empty when nothing is."""
        return self._out.take()

    # -- output -------------------------------------------------------------------------------

    def send_text(self, text: str) -> None:
        """Queue text for the client: CR LF line endings, negotiated charset, never raises.

        Characters the charset cannot express are replaced; 255 bytes are escaped.
        """
        self._out.write(encode_text(text, self._charset.codec))

    def send_prompt(self, text: str) -> None:
        """Queue a prompt: the text with no line ending added, then ``IAC GA``.

        When the client agreed to EOR, ``IAC EOR`` marks the prompt's end instead, which MUD
        clients use to tell a prompt from a line still being written.
        """
        self._out.write(encode_text(text, self._charset.codec))
        marker = EOR if self._options.enabled(Option.EOR, local=True) else GA
        self._out.write(bytes((IAC, marker)))

    def send_gmcp(self, package: str, data: object = None) -> bool:
        """Queue a GMCP message if the client enabled GMCP; return whether it was queued.

        ``data`` is sent as JSON (omitted when ``None``). Raises ``ValueError`` for a package
        name with whitespace, and ``TypeError``/``ValueError`` for data JSON cannot express,
        even when GMCP is off, so such a bug shows up with every client.
        """
        payload = encode_gmcp(package, data)
        if not self._options.enabled(Option.GMCP, local=True):
            return False
        self._out.write(subnegotiation(Option.GMCP, payload))
        return True

    def set_echo(self, hidden: bool) -> None:
        """Hide the client's typing (``WILL ECHO``, for passwords) or show it again (``WONT``).

        Ember does not echo the input back, so while ECHO is on the typed text stays hidden.
        Repeated or quickly reversed calls are coalesced by the option negotiation.
        """
        self._out.write(self._options.request(Option.ECHO, local=True, enable=hidden))

    def start_compression(self) -> bool:
        """Resume MCCP2 compression after :meth:`stop_compression`; return whether it runs.

        Only possible while the client has MCCP2 enabled; it is started automatically when
        the client first agrees.
        """
        if not self._options.enabled(Option.MCCP2, local=True):
            return False
        if not self._out.compressing:
            self._out.write(subnegotiation(Option.MCCP2, b""))
            self._out.start_compression()
        return True

    def stop_compression(self) -> None:
        """End the compressed stream cleanly (``Z_FINISH``); later output is sent plain.

        Use it before handing the socket to something that does not compress, or before
        closing, so the client sees a proper end of stream. Does nothing when not compressing.
        """
        self._out.stop_compression()

    # -- inspection ---------------------------------------------------------------------------

    @property
    def negotiated(self) -> Negotiated:
        """A snapshot of what is negotiated now (see :class:`Negotiated`)."""
        return Negotiated(
            ttype=self._ttype.names if self._ttype.finished else (),
            cols=self._cols,
            rows=self._rows,
            charset=self._charset.name,
            gmcp=self._options.enabled(Option.GMCP, local=True),
            mccp2=self._out.compressing,
            eor=self._options.enabled(Option.EOR, local=True),
            echo=self._options.enabled(Option.ECHO, local=True),
        )

    def statistics(self) -> TelnetStatistics:
        """A snapshot of this connection's counters (see :class:`TelnetStatistics`)."""
        return TelnetStatistics(
            bytes_in=self._bytes_in,
            bytes_out=self._out.wire_bytes,
            bytes_out_plain=self._out.plain_bytes,
            bytes_pending=len(self._out),
            lines=self._line_count,
            lines_too_long=self._too_long,
            subnegotiations=self._subnegotiations,
            protocol_errors=self._errors,
            line_buffer=self._lines.buffered,
        )

    # -- inbound handling ---------------------------------------------------------------------

    def _count_lines(self, events: list[Event], start: int) -> None:
        for event in events[start:]:
            if isinstance(event, LineTooLong):
                self._too_long += 1
            else:
                self._line_count += 1

    def _command(self, command: int) -> None:
        # Of the two-byte commands only the editing ones matter to a line-mode server; GA,
        # NOP, AYT, IP and friends are accepted and ignored.
        if command == EC:
            self._lines.erase_character()
        elif command == EL:
            self._lines.erase_line()

    def _negotiate(self, outcome: NegotiationOutcome, events: list[Event]) -> None:
        if outcome.error is not None:
            self._error(outcome.error, events)
        option, local = outcome.option, outcome.local
        if outcome.enabled is False:
            # Before the reply: a compressed stream must end before the plain WONT MCCP2.
            self._on_disabled(option, local, events)
        self._out.write(outcome.reply)
        if outcome.enabled is True:
            events.append(OptionEnabled(option, local))
            self._on_enabled(option, local)
        elif outcome.enabled is False:
            events.append(OptionDisabled(option, local))

    def _on_enabled(self, option: int, local: bool) -> None:
        if local:
            if option == Option.MCCP2:
                self.start_compression()
            elif option == Option.MSSP and self._mssp is not None:
                self._out.write(subnegotiation(Option.MSSP, encode_mssp(self._mssp)))
        elif option == Option.TTYPE:
            if self._ttype.begin():
                self._out.write(subnegotiation(Option.TTYPE, bytes([TTYPE_SEND])))
        elif option == Option.CHARSET:
            self._out.write(self._charset.request())

    def _on_disabled(self, option: int, local: bool, events: list[Event]) -> None:
        if local:
            if option == Option.MCCP2:
                self._out.stop_compression()
        elif option == Option.TTYPE:
            names = self._ttype.abandon()
            if names:
                events.append(TerminalType(names))
        elif option == Option.CHARSET:
            self._charset.cancel()

    def _subnegotiate(self, option: int, payload: bytes, events: list[Event]) -> None:
        if option == Option.NAWS:
            size = decode_naws(payload)
            if size is None:
                self._error(f"NAWS payload of {len(payload)} bytes, expected 4", events)
                return
            self._cols, self._rows = size.cols, size.rows
            events.append(size)
        elif option == Option.TTYPE:
            self._subnegotiate_ttype(payload, events)
        elif option == Option.CHARSET:
            outcome = self._charset.receive(payload)
            self._out.write(outcome.reply)
            if isinstance(outcome.event, ProtocolViolation):
                self._errors += 1
            if outcome.event is not None:
                events.append(outcome.event)
        elif option == Option.GMCP:
            message = decode_gmcp(payload)
            if message.package:
                events.append(message)
            else:
                self._error("GMCP message without a package name", events)
        # Subnegotiations of options Ember does not speak are ignored, as RFC 855 allows.

    def _subnegotiate_ttype(self, payload: bytes, events: list[Event]) -> None:
        if not payload or payload[0] != TTYPE_IS:
            return  # a client asking Ember for *its* terminal type; nothing to say
        name = payload[1:].decode("ascii", errors="replace")
        if not self._ttype.waiting:
            self._error(f"TTYPE IS {name!r} that was not asked for", events)
            return
        if self._ttype.add(name):
            events.append(TerminalType(self._ttype.names))
        else:
            self._out.write(subnegotiation(Option.TTYPE, bytes([TTYPE_SEND])))

    def _error(self, description: str, events: list[Event]) -> None:
        self._errors += 1
        events.append(ProtocolViolation(description))
