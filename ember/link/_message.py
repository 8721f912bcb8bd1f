"""What travels on the link: the ``Message`` shape, its JSON values and how they become msgpack.

The value rules (JSON-safe types, str keys, at most ``MAX_NESTING`` levels) are checked on
both sides: before a message is sent (a ``TypeError``/``ValueError`` naming where the bad part
sits) and after a frame is decoded (a ``MalformedFrame`` event). Framing and the handshake are
in ``_codec``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias

import msgpack  # type: ignore[import-untyped]

from ember.errors import EmberError

__all__ = [
    "HELLO",
    "JSON",
    "MAX_NESTING",
    "LinkError",
    "MalformedFrame",
    "Message",
    "decode_payload",
    "pack_default",
    "validate_outgoing",
]

MAX_NESTING = 100
"""How deeply lists and dicts may nest inside a message; deeper values are refused both ways."""

JSON: TypeAlias = bool | int | float | str | list["JSON"] | dict[str, "JSON"] | None
"""A value that may travel on the link: ints of any size; lists, not tuples; dicts with str keys."""

HELLO = "hello"
"""The reserved name of the handshake message, which only the first frame may carry."""
# Ints outside msgpack's 64-bit range travel as this extension type (two's complement bytes),
# so any Python int round-trips exactly, as it would through JSON.
_BIGINT_EXT = 1
_SCALARS = frozenset({str, int, float, bool, type(None)})
_ALLOWED = "use None, bool, int, float, str, list, or dict with str keys"
_TOO_DEEP = f"nests deeper than {MAX_NESTING} levels"


@dataclass(frozen=True, slots=True)
class Message:
    """One message on the link: a name plus positional and keyword arguments of JSON values.

    This is the single shape used between portal and game (``Message("text", ("look",), {})``).
    Values are checked when the message is sent, not when it is built: a ``set``, ``bytes``,
    ``tuple`` nested in a value, or a dict with a non-str key makes ``LinkConnection.send``
    raise ``TypeError`` naming where it sits. A received message always holds plain ``list``,
    ``dict``, ``str``, ``int``, ``float``, ``bool`` and ``None`` values.
    """

    name: str
    args: tuple[JSON, ...] = ()
    kwargs: dict[str, JSON] = field(default_factory=dict)


class LinkError(EmberError):
    """Root of the link's errors; ``reason`` says what went wrong in words.

    Instances are both raised (by the asyncio glue) and returned as events by
    ``LinkConnection.receive``, which never raises on input.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# MalformedFrame and VersionMismatch are named for what happened: receive() returns them as events.
class MalformedFrame(LinkError, ValueError):  # noqa: N818
    """A received frame could not be decoded into a message; it was dropped and the link goes on."""


class _InvalidValueError(Exception):
    """A value that may not travel; ``parts`` collects its path while the walk unwinds."""

    def __init__(self, problem: str, kind: type[Exception] = TypeError) -> None:
        super().__init__(problem)
        self.problem = problem  # follows the path, which is known only once the walk unwinds
        self.kind = kind
        self.parts: list[str] = []

    def describe(self, root: str) -> str:
        parts = self.parts[::-1]
        # A too-deep value would otherwise print a hundred "[0]"s.
        path = root + "".join(parts[:12]) + ("..." if len(parts) > 12 else "")
        return f"{path} {self.problem}"


def _check_value(value: object, depth: int) -> None:
    """Raise ``_InvalidValueError`` unless ``value`` is JSON-safe and not nested too deeply."""
    if isinstance(value, list):
        if depth >= MAX_NESTING:
            raise _InvalidValueError(_TOO_DEEP, ValueError)
        for index, item in enumerate(value):
            if type(item) in _SCALARS:
                continue
            try:
                _check_value(item, depth + 1)
            except _InvalidValueError as invalid:
                invalid.parts.append(f"[{index}]")
                raise
    elif isinstance(value, dict):
        if depth >= MAX_NESTING:
            raise _InvalidValueError(_TOO_DEEP, ValueError)
        _check_dict(value, depth)
    elif not isinstance(value, str | int | float) and value is not None:
        raise _InvalidValueError(
            f"holds {_short(value)} (a {type(value).__name__}), which is not JSON-safe"
        )


def _check_dict(value: dict[object, object], depth: int) -> None:
    for key, item in value.items():
        if not isinstance(key, str):
            raise _InvalidValueError(
                f"has a key {_short(key)} of type {type(key).__name__}, not str"
            )
        if type(item) in _SCALARS:
            continue
        try:
            _check_value(item, depth + 1)
        except _InvalidValueError as invalid:
            invalid.parts.append(f"[{key!r}]")
            raise


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def validate_outgoing(message: Message) -> None:
    """Raise ``TypeError``/``ValueError`` unless ``message`` may be sent, naming the bad part."""
    if not isinstance(message, Message):
        raise TypeError(f"expected a Message, got {type(message).__name__}")
    if not isinstance(message.name, str):
        raise TypeError(f"Message.name must be a str, got {type(message.name).__name__}")
    if not message.name or message.name == HELLO:
        raise ValueError(f"message name {message.name!r} is empty or reserved for the handshake")
    if not isinstance(message.args, tuple):
        raise TypeError(f"Message.args must be a tuple, got {type(message.args).__name__}")
    if not isinstance(message.kwargs, dict):
        raise TypeError(f"Message.kwargs must be a dict, got {type(message.kwargs).__name__}")
    for root, container in (("args", list(message.args)), ("kwargs", message.kwargs)):
        try:
            _check_value(container, 0)
        except _InvalidValueError as invalid:
            advice = f"; {_ALLOWED}" if invalid.kind is TypeError else ""
            raise invalid.kind(
                f"cannot send message {message.name!r}: {invalid.describe(root)}{advice}"
            ) from None


def decode_payload(payload: bytearray) -> Message:
    """Turn one frame's payload into a Message, or raise MalformedFrame saying why not."""
    try:
        decoded = msgpack.unpackb(
            payload, raw=False, strict_map_key=True, use_list=True, ext_hook=_unpack_ext
        )
    # msgpack reports bad input as ValueError subclasses, but the codec's promise never to raise
    # on input must hold even for exceptions its C extension might raise in corner cases.
    except Exception as error:
        raise MalformedFrame(f"payload is not valid msgpack ({error!r})") from None
    if type(decoded) is not list or len(decoded) != 3:
        raise MalformedFrame("payload is not a [name, args, kwargs] array")
    name, args, kwargs = decoded
    if type(name) is not str or not name:
        raise MalformedFrame(f"message name {_short(name)} is not a non-empty str")
    if type(args) is not list or type(kwargs) is not dict:
        raise MalformedFrame(f"message {name!r} has args or kwargs of the wrong type")
    for root, container in (("args", args), ("kwargs", kwargs)):
        try:
            _check_value(container, 0)
        except _InvalidValueError as invalid:
            raise MalformedFrame(f"message {name!r}: {invalid.describe(root)}") from None
    return Message(name, tuple(args), kwargs)


def pack_default(value: object) -> object:
    """Encode what msgpack cannot natively: ints beyond 64 bits (validation has run already)."""
    if isinstance(value, int):
        size = value.bit_length() // 8 + 1
        return msgpack.ExtType(_BIGINT_EXT, value.to_bytes(size, "big", signed=True))
    raise TypeError(f"cannot encode {type(value).__name__} on the link")


def _unpack_ext(code: int, data: bytes) -> int:
    if code == _BIGINT_EXT and data:
        return int.from_bytes(data, "big", signed=True)
    raise ValueError(f"unknown msgpack extension type {code}")
