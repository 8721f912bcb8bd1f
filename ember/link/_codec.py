"""The link's sans-I/O core: the hello handshake and length-prefixed msgpack framing.

What a message is and may hold (its values, nesting, msgpack encoding) is in ``_message``."""

from __future__ import annotations

import hmac
import struct
from dataclasses import dataclass
from typing import Literal

import msgpack  # type: ignore[import-untyped]

from ember.link._message import (
    HELLO,
    JSON,
    MAX_NESTING,
    LinkError,
    MalformedFrame,
    Message,
    decode_payload,
    pack_default,
    validate_outgoing,
)

__all__ = [
    "DEFAULT_MAX_FRAME_BYTES",
    "JSON",
    "MAX_NESTING",
    "PROTOCOL_VERSION",
    "HandshakeError",
    "LinkClosedError",
    "LinkConnection",
    "LinkError",
    "LinkStatistics",
    "MalformedFrame",
    "Message",
    "Role",
    "VersionMismatch",
]

PROTOCOL_VERSION = 1
"""The link protocol version this code speaks; a peer must announce the same one in its hello."""

DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024
"""The default largest msgpack payload (after the 4-byte length prefix) accepted or sent."""

Role = Literal["portal", "game"]
"""Which side of the link a process is on: the portal listens, the game connects."""

_HEADER = struct.Struct(">I")


class HandshakeError(LinkError, ConnectionError):
    """The peer's first frame was not a compatible hello from the other role; close the link."""


class VersionMismatch(HandshakeError):  # noqa: N818
    """The peer speaks another protocol version (``peer_version``) than ours (``local_version``)."""

    def __init__(self, peer_version: int, local_version: int = PROTOCOL_VERSION) -> None:
        super().__init__(
            f"peer speaks link protocol version {peer_version}, this side speaks {local_version}"
        )
        self.peer_version = peer_version
        self.local_version = local_version


class LinkClosedError(LinkError, ConnectionError):
    """The link was closed (by either side) while a message was being sent or awaited."""


@dataclass(frozen=True, slots=True)
class LinkStatistics:
    """A snapshot of one link's traffic.

    ``frames_in`` counts every complete frame received, including the hello and the
    ``malformed`` ones that were dropped; ``bytes_in``/``bytes_out`` count raw bytes including
    length prefixes; ``buffered_bytes`` is what waits for the rest of its frame.
    """

    frames_in: int
    frames_out: int
    bytes_in: int
    bytes_out: int
    malformed: int
    buffered_bytes: int


class LinkConnection:
    """One end of the link as pure code: feed it bytes, get messages; give it messages, get bytes.

    Send ``hello()`` first, then ``send(message)`` for each message, writing the returned bytes
    to the transport in order. Pass whatever bytes arrive, split anywhere, to ``receive``: it
    returns the complete messages plus events for problems (``MalformedFrame``: dropped, carry
    on; ``HandshakeError``/``VersionMismatch``: close the transport, as everything after it is
    ignored). The peer's first frame must be its hello, announcing ``PROTOCOL_VERSION`` and
    the other role.

    Args:
        role: ``"portal"`` or ``"game"``; the peer must be the other one.
        max_frame_bytes: the largest payload accepted or sent. A larger incoming frame is
            skipped without being buffered; a larger outgoing one is a ``ValueError``.
        secret: the shared link secret. The game shows it in its hello (``secret`` kwarg);
            a portal given one refuses a hello without the same secret (``HandshakeError``),
            so only a process the portal started can drive the game's side. The portal
            never sends it.

    Raises:
        ValueError: for an unknown role or a limit outside 1 .. 2**32 - 1.
    """

    def __init__(
        self,
        *,
        role: Role,
        max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES,
        secret: str | None = None,
    ) -> None:
        if role not in ("portal", "game"):
            raise ValueError(f"role must be 'portal' or 'game', not {role!r}")
        if not 1 <= max_frame_bytes <= 0xFFFFFFFF:
            raise ValueError(
                f"max_frame_bytes must be between 1 and {0xFFFFFFFF}, not {max_frame_bytes}"
            )
        self.role: Role = role
        self.peer_role: Role = "game" if role == "portal" else "portal"
        self._secret = secret
        self.max_frame_bytes = max_frame_bytes
        self._packer = msgpack.Packer(use_bin_type=True, default=pack_default)
        self._buffer = bytearray()
        self._skip = 0  # bytes of an oversized frame still to discard as they arrive
        self._hello_sent = False
        self._peer_version: int | None = None
        self._failure: HandshakeError | None = None
        self._frames_in = self._frames_out = self._bytes_in = self._bytes_out = 0
        self._malformed = 0

    @property
    def handshake_done(self) -> bool:
        """True once the peer's compatible hello has been received."""
        return self._peer_version is not None

    @property
    def peer_version(self) -> int | None:
        """The protocol version the peer announced, or None before its hello."""
        return self._peer_version

    @property
    def failure(self) -> HandshakeError | None:
        """The handshake error that ended this connection, if any; input is ignored after it."""
        return self._failure

    def hello(self) -> bytes:
        """Return the handshake frame to send before anything else.

        Raises:
            RuntimeError: if called twice.
        """
        if self._hello_sent:
            raise RuntimeError("hello() was already called on this link connection")
        self._hello_sent = True
        shown: dict[str, JSON] = {}
        if self.role == "game" and self._secret is not None:
            shown["secret"] = self._secret
        return self._frame(Message(HELLO, (PROTOCOL_VERSION, self.role), shown))

    def send(self, message: Message) -> bytes:
        """Validate and encode ``message``, returning the frame to write.

        Raises:
            TypeError: a value is not JSON-safe; the message names its path, e.g.
                ``kwargs['x'][2]``.
            ValueError: the name is empty or ``"hello"`` (reserved), values nest deeper than
                ``MAX_NESTING``, or the frame exceeds ``max_frame_bytes``.
            RuntimeError: ``hello()`` has not been called yet.
        """
        if not self._hello_sent:
            raise RuntimeError("call hello() and send its frame before any message")
        validate_outgoing(message)
        return self._frame(message)

    def receive(self, data: bytes | bytearray | memoryview) -> list[Message | LinkError]:
        """Take bytes from the transport and return what they complete, in order.

        Never raises because of the input: a bad frame becomes a ``MalformedFrame`` event and is
        dropped; before the handshake, any problem becomes a ``HandshakeError`` (or
        ``VersionMismatch``) and all further input is ignored.
        """
        self._bytes_in += len(data)
        if self._failure is not None:
            return []
        view = memoryview(data)
        if self._skip:
            skipped = min(self._skip, len(view))
            self._skip -= skipped
            view = view[skipped:]
        buffer = self._buffer
        buffer += view
        events: list[Message | LinkError] = []
        position, end = 0, len(buffer)
        while self._failure is None and end - position >= _HEADER.size:
            (length,) = _HEADER.unpack_from(buffer, position)
            if length > self.max_frame_bytes:
                # Discard the body as it streams past instead of buffering up to 4 GiB of it.
                position += _HEADER.size
                skipped = min(length, end - position)
                position += skipped
                self._skip = length - skipped
                self._frames_in += 1
                self._reject(
                    events,
                    MalformedFrame(
                        f"frame of {length} bytes exceeds the limit of {self.max_frame_bytes}"
                    ),
                )
                if self._skip:
                    break
                continue
            start = position + _HEADER.size
            if end - start < length:
                break
            position = start + length
            self._frames_in += 1
            self._accept(buffer[start:position], events)
        del buffer[:position]
        if self._failure is not None:
            buffer.clear()
            self._skip = 0
        return events

    def statistics(self) -> LinkStatistics:
        """Return a snapshot of the traffic counters."""
        return LinkStatistics(
            frames_in=self._frames_in,
            frames_out=self._frames_out,
            bytes_in=self._bytes_in,
            bytes_out=self._bytes_out,
            malformed=self._malformed,
            buffered_bytes=len(self._buffer),
        )

    def _frame(self, message: Message) -> bytes:
        payload: bytes = self._packer.pack([message.name, message.args, message.kwargs])
        if len(payload) > self.max_frame_bytes:
            raise ValueError(
                f"message {message.name!r} encodes to {len(payload)} bytes, over the limit of "
                f"{self.max_frame_bytes}"
            )
        frame = _HEADER.pack(len(payload)) + payload
        self._frames_out += 1
        self._bytes_out += len(frame)
        return frame

    def _accept(self, payload: bytearray, events: list[Message | LinkError]) -> None:
        try:
            message = decode_payload(payload)
        except MalformedFrame as error:
            self._reject(events, error)
            return
        if self._peer_version is None:
            self._check_hello(message, events)
        elif message.name == HELLO:
            self._reject(events, MalformedFrame("unexpected second hello"))
        else:
            events.append(message)

    def _reject(self, events: list[Message | LinkError], error: MalformedFrame) -> None:
        self._malformed += 1
        if self._peer_version is None:
            # Garbage before the hello means the peer speaks something else entirely.
            self._fail(events, HandshakeError(f"first frame is malformed: {error.reason}"))
        else:
            events.append(error)

    def _check_hello(self, message: Message, events: list[Message | LinkError]) -> None:
        args = message.args
        if message.name != HELLO or not args or type(args[0]) is not int:
            self._fail(
                events,
                HandshakeError(
                    f"the first frame must be a hello announcing a version, got {message.name!r}"
                ),
            )
            return
        # The version is checked before the rest of the hello, whose shape a later version may
        # change, so an old peer is told "version mismatch" rather than "bad hello".
        version = args[0]
        if version != PROTOCOL_VERSION:
            self._fail(events, VersionMismatch(version))
        elif len(args) != 2 or args[1] != self.peer_role:
            self._fail(
                events,
                HandshakeError(f"hello should come from the {self.peer_role}, got {args[1:]!r}"),
            )
        elif (
            self.role == "portal"
            and self._secret is not None
            and not _same_secret(message.kwargs.get("secret"), self._secret)
        ):
            self._fail(events, HandshakeError("the game's hello did not carry the link secret"))
        else:
            self._peer_version = version

    def _fail(self, events: list[Message | LinkError], error: HandshakeError) -> None:
        self._failure = error
        events.append(error)


def _same_secret(shown: object, secret: str) -> bool:
    """Compare in constant time, so the answer's timing tells nothing about the secret."""
    if not isinstance(shown, str):
        return False
    return hmac.compare_digest(shown.encode("utf-8", "replace"), secret.encode("utf-8"))
