"""The asyncio glue between a player's TCP socket and Ember's sans-I/O telnet core."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Protocol

from ember.link import JSON
from ember.portal.config import PortalConfig
from ember.portal.input_limits import INPUT_NOTICES, InputLimiter, InputLimits
from ember.portal.json_values import json_safe
from ember.portal.sessions import PlayerTransport, PortalSession, SessionProtocol
from ember.portal.telnet import (
    CharsetAccepted,
    GmcpMessage,
    Line,
    LineTooLong,
    ProtocolViolation,
    TelnetConnection,
    TerminalType,
    WindowSize,
    redraws_lines,
)
from ember.text import colour_support

__all__ = ["SessionHub", "TelnetPlayer", "listen_telnet"]

logger = logging.getLogger("ember.portal.telnet")

# The most read from a player's socket at once: what one read may cost the portal is bounded
# by it (a flood of empty lines is ~8,000 lines per read, then the line limit pauses reading).
_READ_BYTES = 8 * 1024
# Events passed on to the game; each counts as a line against the session's input limit.
_FORWARDED = (Line, WindowSize, TerminalType, CharsetAccepted, GmcpMessage)
# How long a closing connection may take to hand its last bytes to a client that does not read.
_CLOSE_GRACE = 10.0
# Jobs whose last progress line time is kept per connection (line-based clients); older go.
_PROGRESS_JOBS_KEPT = 32


class SessionHub(Protocol):
    """The portal core as a player connection sees it (implemented by ``Portal``)."""

    def open_session(
        self, transport: PlayerTransport, protocol: SessionProtocol, address: str
    ) -> PortalSession:
        """Register a new connection and return its session (with a fresh sid)."""

    def player_line(self, session: PortalSession, text: str) -> None:
        """One line of input arrived."""

    def player_info(self, session: PortalSession, info: dict[str, JSON]) -> None:
        """Negotiated terminal facts changed (``cols``, ``rows``, ``ttype``, ...)."""

    def player_gmcp(self, session: PortalSession, package: str, data: JSON) -> None:
        """An out-of-band GMCP message arrived."""

    def close_session(self, session: PortalSession, reason: str) -> None:
        """The connection is gone."""

    def mssp(self) -> dict[str, str]:
        """The MUD Server Status Protocol data for a new connection."""


class TelnetPlayer(asyncio.BufferedProtocol):
    """One telnet player: bytes go through a ``TelnetConnection``, lines go to the hub.

    Input is read at most ``_READ_BYTES`` at a time and charged to an ``InputLimiter``: past
    the byte budget reading pauses (TCP slows the sender), lines past the line budget are
    dropped with a notice, and a session over its limits for too long is disconnected.

    Output respects the transport's flow control: while the socket is paused, output waits
    here, and a client that lets more than ``max_output_bytes`` pile up is disconnected, so
    a client that never reads cannot grow the portal's memory without bound.
    """

    def __init__(
        self,
        hub: SessionHub,
        *,
        max_line_bytes: int,
        max_output_bytes: int,
        idle_timeout: float | None = None,
        progress_line_interval: float = 2.0,
        input_limits: InputLimits | None = None,
    ) -> None:
        self._hub = hub
        self._progress_line_interval = progress_line_interval
        self._limiter = InputLimiter(input_limits if input_limits is not None else InputLimits())
        self._read_buffer = bytearray(_READ_BYTES)
        self._resume_timer: asyncio.TimerHandle | None = None
        self._max_line_bytes = max_line_bytes
        self._max_output_bytes = max_output_bytes
        self._idle_timeout = idle_timeout
        self._conn: TelnetConnection | None = None
        self._transport: asyncio.Transport | None = None
        self._session: PortalSession | None = None
        self._paused = False
        self._backlog = bytearray()
        self._closing = False
        self._last_input = time.monotonic()
        self._idle_timer: asyncio.TimerHandle | None = None
        self._abort_timer: asyncio.TimerHandle | None = None
        self._progress_open = False  # a progress line is on screen without its line ending
        self._redraws = False  # the client redraws a line in place (a terminal; from TTYPE)
        self._progress_lines: dict[str, float] = {}  # job -> when its last line went out

    # -- asyncio.Protocol -----------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Send the opening negotiation and register the session with the hub."""
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self._conn = TelnetConnection(max_line_bytes=self._max_line_bytes, mssp=self._hub.mssp())
        peer = transport.get_extra_info("peername")
        address = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
        self._write(self._conn.start())
        self._session = self._hub.open_session(self, "telnet", address)
        if self._idle_timeout is not None:
            self._idle_timer = asyncio.get_running_loop().call_later(
                self._idle_timeout, self._check_idle
            )

    def get_buffer(self, sizehint: int) -> memoryview:
        """Hand asyncio a small buffer, so one read (and the work it causes) stays small."""
        return memoryview(self._read_buffer)

    def buffer_updated(self, nbytes: int) -> None:
        """``nbytes`` arrived in the read buffer: process them like ``data_received``."""
        self.data_received(bytes(self._read_buffer[:nbytes]))

    def data_received(self, data: bytes) -> None:
        """Feed the bytes to the telnet core and act on its events, within the input limits."""
        conn, session = self._conn, self._session
        if conn is None or session is None or self._closing:
            return
        now = self._last_input = time.monotonic()
        limiter = self._limiter
        limiter.charge_bytes(len(data), now)
        for event in conn.receive(data):
            if isinstance(event, LineTooLong):
                conn.send_text(f"Line too long (limit {event.limit} bytes); it was dropped.\n")
            elif isinstance(event, ProtocolViolation):
                logger.debug("session %d: %s", session.sid, event.description)
            elif isinstance(event, _FORWARDED) and not limiter.admit_line(now):
                continue  # counted by the limiter; the player hears of it below
            elif isinstance(event, Line):
                self._hub.player_line(session, event.text)
            elif isinstance(event, WindowSize):
                self._hub.player_info(session, {"cols": event.cols, "rows": event.rows})
            elif isinstance(event, TerminalType):
                self._redraws = redraws_lines(event.names)
                self._hub.player_info(session, _terminal_info(event.names))
            elif isinstance(event, CharsetAccepted):
                self._hub.player_info(session, {"charset": event.name})
            elif isinstance(event, GmcpMessage):
                self._hub.player_gmcp(session, event.package, json_safe(event.data))
        self._settle(session, now)
        self._flush()

    def _settle(self, session: PortalSession, now: float) -> None:
        verdict = self._limiter.settle(now)
        if verdict.abusive:
            limits = self._limiter.limits
            logger.warning(
                "session %d (%s): disconnected, input over the limit (%g lines/s, %g bytes/s) "
                "for %g s",
                session.sid,
                session.address,
                limits.lines_per_second,
                limits.bytes_per_second,
                limits.abuse_seconds,
            )
            self.close(INPUT_NOTICES["abusive"])
            return
        if verdict.notify:
            assert self._conn is not None
            self._conn.send_text(INPUT_NOTICES["dropped"].format(count=verdict.dropped) + "\n")
        if verdict.pause > 0 and self._transport is not None and self._resume_timer is None:
            self._transport.pause_reading()
            self._resume_timer = asyncio.get_running_loop().call_later(
                verdict.pause, self._resume_reading
            )

    def _resume_reading(self) -> None:
        self._resume_timer = None
        if self._transport is not None and not self._closing:
            self._transport.resume_reading()

    def eof_received(self) -> bool:
        """The client closed its side: close ours too."""
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        """Tell the hub the player is gone (once) and drop what was waiting."""
        for timer in (self._idle_timer, self._abort_timer, self._resume_timer):
            if timer is not None:
                timer.cancel()
        self._backlog.clear()
        self._closing = True
        session, self._session = self._session, None
        if session is not None:
            reason = f"connection lost: {exc}" if exc is not None else "connection closed"
            self._hub.close_session(session, reason)

    def pause_writing(self) -> None:
        """The socket's buffer is full: hold further output here."""
        self._paused = True

    def resume_writing(self) -> None:
        """The socket drained: hand it what waited, then carry on writing directly."""
        self._paused = False
        if self._backlog and self._transport is not None:
            data = bytes(self._backlog)
            self._backlog.clear()
            self._transport.write(data)
        if self._closing and not self._backlog and self._transport is not None:
            self._transport.close()

    # -- PlayerTransport ------------------------------------------------------------------------

    def send_text(self, text: str) -> None:
        """Send text to the player (``\\n`` becomes CR LF)."""
        if self._conn is not None and not self._closing:
            self._end_progress()
            self._conn.send_text(text)
            self._flush()

    def send_prompt(self, text: str) -> None:
        """Send a prompt, marked with GA (or EOR when the client agreed to it)."""
        if self._conn is not None and not self._closing:
            self._end_progress()
            self._conn.send_prompt(text)
            self._flush()

    def send_progress(self, job: str, fraction: float, label: str) -> None:
        """Show a job's progress: for a terminal, one line rewritten in place (CR, text, erase
        to the end; other output first ends that line, and 100 % ends it for good); for a MUD
        client, which shows output line by line, a whole line at most every
        ``progress_line_interval`` seconds per job, and at 100 %."""
        if self._conn is not None and not self._closing and not self._redraws:
            done, now = fraction >= 1.0, time.monotonic()
            last = self._progress_lines.pop(job, None)
            if done or last is None or now - last >= self._progress_line_interval:
                self._end_progress()
                self._conn.send_text(f"{label}: {round(100 * fraction)}%\n")
                self._flush()
                last = now
            if not done:
                self._progress_lines[job] = last
                if len(self._progress_lines) > _PROGRESS_JOBS_KEPT:  # jobs that never finished
                    del self._progress_lines[next(iter(self._progress_lines))]
        elif self._conn is not None and not self._closing:
            done = fraction >= 1.0
            self._conn.send_text(
                f"\r{label}: {round(100 * fraction)}%\x1b[K" + ("\n" if done else "")
            )
            self._progress_open = not done
            self._flush()

    def set_account(self, account: str | None) -> None:
        """Telnet shows nothing for a login change."""

    def send_oob(self, package: str, data: JSON) -> bool:
        """Send a GMCP message if the client agreed to GMCP; return whether it was sent.

        Raises:
            ValueError, TypeError: ``package`` has whitespace, or ``data`` is not JSON.
        """
        if self._conn is None or self._closing:
            return False
        sent = self._conn.send_gmcp(package, data)
        if sent:
            self._flush()
        return sent

    def _end_progress(self) -> None:
        if self._progress_open and self._conn is not None:
            self._progress_open = False
            self._conn.send_text("\n")

    def set_echo(self, hidden: bool) -> None:
        """Hide the player's typing (``WILL ECHO``) or show it again."""
        if self._conn is not None and not self._closing:
            self._conn.set_echo(hidden)
            self._flush()

    def close(self, reason: str | None = None) -> None:
        """Send ``reason`` (if any) and close once it is written; abort if that takes too long."""
        if self._closing or self._transport is None or self._conn is None:
            return
        if reason:
            self._conn.send_text(reason if reason.endswith("\n") else reason + "\n")
        self._conn.stop_compression()
        self._flush()
        self._closing = True
        if self._backlog:
            # resume_writing closes once the backlog is handed over.
            self._abort_timer = asyncio.get_running_loop().call_later(
                _CLOSE_GRACE, self._transport.abort
            )
        else:
            self._transport.close()

    # -- internals ------------------------------------------------------------------------------

    def _flush(self) -> None:
        if self._conn is not None:
            self._write(self._conn.data_to_send())

    def _write(self, data: bytes) -> None:
        transport = self._transport
        if not data or transport is None or transport.is_closing():
            return
        if not self._paused:
            transport.write(data)
            return
        self._backlog += data
        if len(self._backlog) > self._max_output_bytes:
            sid = self._session.sid if self._session is not None else "?"
            logger.warning(
                "session %s: dropped the connection, the client did not read %d bytes of output",
                sid,
                len(self._backlog),
            )
            self._backlog.clear()
            transport.abort()

    def _check_idle(self) -> None:
        assert self._idle_timeout is not None
        left = self._last_input + self._idle_timeout - time.monotonic()
        if left > 0:
            self._idle_timer = asyncio.get_running_loop().call_later(left, self._check_idle)
            return
        seconds = self._idle_timeout
        length = f"{seconds:g} seconds" if seconds < 120 else f"{seconds / 60:g} minutes"
        self.close(f"Idle for {length}; disconnecting.")


async def listen_telnet(hub: SessionHub, config: PortalConfig) -> asyncio.Server:
    """Listen for telnet players on ``config.bind:config.telnet_port``, one TelnetPlayer each.

    Raises:
        OSError: the address cannot be bound (a port in use, an unknown address).
    """

    def factory() -> TelnetPlayer:
        return TelnetPlayer(
            hub,
            max_line_bytes=config.max_line_bytes,
            max_output_bytes=config.max_output_bytes,
            idle_timeout=config.idle_timeout,
            progress_line_interval=config.progress_line_interval,
            input_limits=config.input_limits,
        )

    loop = asyncio.get_running_loop()
    return await loop.create_server(factory, config.bind, config.telnet_port, reuse_address=True)


def _terminal_info(names: tuple[str, ...]) -> dict[str, JSON]:
    """MTTS sends the client's name, then a terminal type, then ``MTTS <bits>``; the colours
    the client shows follow from them (``ember.text.colour_support``)."""
    terminals = [name for name in names if not name.upper().startswith("MTTS ")]
    info: dict[str, JSON] = {
        "ttype": terminals[-1] if terminals else None,
        "colours": int(colour_support(names)),
    }
    if len(terminals) > 1:
        info["client"] = terminals[0]
    return info
