"""The web client's message protocol as a sans-I/O core: WebSocket frames in, events out.

Every frame is one JSON object with a ``type`` (see docs/web-client.md). This module checks
what the browser sends (JSON, types, sizes, a per-connection rate limit) and builds what the
portal sends; the asyncio glue in ``web_server`` only moves frames. No I/O happens here, and
time is passed in, so every rule is tested without sockets or sleeping.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from ember.link import JSON
from ember.portal.input_limits import INPUT_NOTICES, InputLimiter, InputLimits, Settlement
from ember.portal.json_values import json_safe

__all__ = [
    "PROTOCOL_VERSION",
    "ClientGmcp",
    "ClientInfo",
    "ClientLine",
    "CloseRequest",
    "WebEvent",
    "WebProtocol",
]

PROTOCOL_VERSION = 1
"""Bumped when a message changes incompatibly; sent in ``hello``."""

# Strings are removed before nesting is measured: brackets inside them do not count.
_STRINGS = re.compile(r'"(?:[^"\\]++|\\.)*+"')
_BRACKETS = re.compile(r"[\[\]{}]")
_NEWLINES = re.compile(r"\r\n|\r|\n")
_INFO_INTS = {"cols": (10, 1000), "rows": (2, 1000)}
# After this many messages dropped in a row by the rate limit the connection is closed.
_FLOOD_CLOSE = 200


@dataclass(frozen=True, slots=True)
class ClientLine:
    """One line of player input (the portal's text rule, ``clean_input``, is applied later)."""

    text: str


@dataclass(frozen=True, slots=True)
class ClientInfo:
    """Facts about the client's display: ``cols``, ``rows`` and ``client`` (its name)."""

    info: dict[str, JSON]


@dataclass(frozen=True, slots=True)
class ClientGmcp:
    """An out-of-band message, passed to the game like telnet GMCP."""

    package: str
    data: JSON


@dataclass(frozen=True, slots=True)
class CloseRequest:
    """The connection must be closed with this WebSocket close ``code`` and ``reason``."""

    code: int
    reason: str


WebEvent: TypeAlias = ClientLine | ClientInfo | ClientGmcp | CloseRequest


@dataclass(slots=True)
class _Bucket:
    """A token bucket: ``burst`` messages at once, refilled at ``rate`` per second."""

    rate: float
    burst: float
    tokens: float
    updated: float | None = None

    def take(self, now: float) -> bool:
        if self.updated is not None:
            self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


@dataclass(slots=True)
class WebProtocol:
    """One browser connection's protocol state.

    Feed received frames to ``receive()``; it returns the events to act on and queues the
    replies (errors, notices) that ``frames_to_send()`` hands out, together with the frames
    built by ``text()``, ``prompt()``, ``progress()``, ... in order.

    Args:
        max_line_bytes: the longest line accepted (UTF-8 bytes); longer ones are dropped with
            an ``error`` reply, like telnet's "Line too long".
        rate, burst: the rate limit on received messages (per second, and at once).
        limits: the per-session input limits on lines and bytes, shared with telnet: every
            line, ``info`` and ``gmcp`` counts as a line, every frame's length as bytes.
        max_json_depth: the deepest nesting of ``[`` and ``{`` accepted, checked before the
            JSON is parsed, so a deeply nested message costs no recursion.
    """

    max_line_bytes: int
    rate: float = 20.0
    burst: int = 60
    limits: InputLimits = field(default_factory=InputLimits)
    max_json_depth: int = 32
    _out: list[str] = field(default_factory=list)
    _bucket: _Bucket = field(init=False)
    _limiter: InputLimiter = field(init=False)
    _dropped: int = 0
    _told_limited: bool = False

    def __post_init__(self) -> None:
        self._bucket = _Bucket(self.rate, float(self.burst), float(self.burst))
        self._limiter = InputLimiter(self.limits)

    # -- output -----------------------------------------------------------------------------------

    def hello(self, *, max_message_bytes: int) -> None:
        """The first frame: the protocol version and the limits the client should respect."""
        self._emit(
            "hello",
            version=PROTOCOL_VERSION,
            max_line_bytes=self.max_line_bytes,
            max_message_bytes=max_message_bytes,
        )

    def text(self, text: str, spans: list[list[Any]] | None = None) -> None:
        """Output for the player (may hold several lines): plain ``text``, and with colour
        its ``spans``, ``[text, style]`` runs the page shows styled (docs/web-client.md)."""
        if spans is None:
            self._emit("text", text=text)
        else:
            self._emit("text", text=text, spans=spans)

    def prompt(self, text: str, spans: list[list[Any]] | None = None) -> None:
        """A prompt or question, shown distinctly until the player answers (``spans`` as
        for :meth:`text`)."""
        if spans is None:
            self._emit("prompt", text=text)
        else:
            self._emit("prompt", text=text, spans=spans)

    def oob(self, package: str, data: JSON) -> None:
        """Client data from the game (what telnet clients get as GMCP), for the page's
        scripts: ``{"type": "oob", "package": "Char.Vitals", "data": {...}}``."""
        self._emit("oob", package=package, data=data)

    def echo(self, hidden: bool) -> None:
        """Hide (password entry) or show what the player types."""
        self._emit("echo", hidden=hidden)

    def progress(self, job: str, fraction: float, label: str) -> None:
        """A background job's progress, ``fraction`` clamped to 0..1, updated in place."""
        self._emit("progress", job=job, fraction=min(1.0, max(0.0, fraction)), label=label)

    def account(self, name: str | None) -> None:
        """The login state: the account logged in on this connection, or None."""
        self._emit("login", account=name)

    def error(self, code: str, message: str) -> None:
        """Tell the client a message of its was refused (``code`` is for programs)."""
        self._emit("error", code=code, message=message)

    def frames_to_send(self) -> list[str]:
        """Return and forget the frames built since the last call, oldest first."""
        frames, self._out = self._out, []
        return frames

    def _emit(self, kind: str, **fields: Any) -> None:
        self._out.append(json.dumps({"type": kind, **fields}, ensure_ascii=False, allow_nan=False))

    # -- input ------------------------------------------------------------------------------------

    def settle(self, now: float) -> Settlement:
        """Close the input charged since the last call: how long to pause reading, whether
        lines were dropped (the ``input_limited`` error is queued here) or to disconnect."""
        verdict = self._limiter.settle(now)
        if verdict.notify:
            self.error("input_limited", INPUT_NOTICES["dropped"].format(count=verdict.dropped))
        return verdict

    def receive(self, frame: str | bytes, now: float) -> list[WebEvent]:
        """Check one received frame (at monotonic time ``now``) and return what it means.

        Call ``settle`` after acting on the events (before reading the next frame).
        """
        self._limiter.charge_bytes(len(frame), now)
        if not self._bucket.take(now):
            self._dropped += 1
            if self._dropped >= _FLOOD_CLOSE:
                return [CloseRequest(1008, "too many messages")]
            if not self._told_limited:
                self._told_limited = True
                self.error("rate_limited", "Too many messages; some were dropped. Slow down.")
            return []
        self._dropped = 0
        self._told_limited = False
        if isinstance(frame, bytes):
            self.error("binary", "Binary messages are not accepted; send JSON text.")
            return []
        if _too_deep(frame, self.max_json_depth):
            self.error(
                "too_deep",
                f"A message nested deeper than {self.max_json_depth} levels; it was ignored.",
            )
            return []
        try:
            message = json.loads(frame)
        except ValueError:
            self.error("invalid_json", "A message was not valid JSON; it was ignored.")
            return []
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            self.error("invalid_message", "A message must be a JSON object with a 'type'.")
            return []
        kind = message["type"]
        if kind == "line":
            return self._lines(message.get("text"), now)
        if kind == "info":
            return self._info(message) if self._limiter.admit_line(now) else []
        if kind == "gmcp":
            package, data = message.get("package"), message.get("data")
            if isinstance(package, str) and package and package.isprintable():
                if not self._limiter.admit_line(now):
                    return []
                return [ClientGmcp(package, json_safe(data))]
            self.error("invalid_message", "A 'gmcp' message needs a 'package' name.")
            return []
        if kind == "ping":
            self._emit("pong")
            return []
        self.error("unknown_type", f"Unknown message type {kind[:40]!r}; it was ignored.")
        return []

    def _lines(self, text: object, now: float) -> list[WebEvent]:
        if not isinstance(text, str):
            self.error("invalid_message", "A 'line' message needs a 'text' string.")
            return []
        events: list[WebEvent] = []
        lines = _NEWLINES.split(text)
        if len(lines) > 1 and not lines[-1]:
            lines.pop()  # "look\n" is one line, not two
        # Lines past the budget are counted as dropped (settle() reports them) in one step.
        for raw in lines[: self._limiter.admit_lines(len(lines), now)]:
            # Lone surrogates (possible in JSON) cannot travel on the link: replace them.
            line = raw.encode("utf-8", "replace").decode("utf-8")
            size = len(line.encode("utf-8"))
            if size > self.max_line_bytes:
                self.error(
                    "line_too_long",
                    f"Line too long (limit {self.max_line_bytes} bytes); it was dropped.",
                )
                continue
            events.append(ClientLine(line))
        return events

    def _info(self, message: dict[str, Any]) -> list[WebEvent]:
        info: dict[str, JSON] = {}
        for key, (low, high) in _INFO_INTS.items():
            value = message.get(key)
            if isinstance(value, int) and not isinstance(value, bool):
                info[key] = min(high, max(low, value))
        client = message.get("client")
        if isinstance(client, str) and client.isprintable():
            info["client"] = client[:60]
        return [ClientInfo(info)] if info else []


def _too_deep(frame: str, limit: int) -> bool:
    """Whether the JSON text ``frame`` nests brackets deeper than ``limit``, found without
    parsing it (a parser recurses per level: ``[`` x 30,000 would exhaust the stack)."""
    if frame.count("[") + frame.count("{") <= limit:
        return False
    depth = 0
    for match in _BRACKETS.finditer(_STRINGS.sub("", frame)):
        if match.group() in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False
