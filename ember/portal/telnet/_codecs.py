"""Pure encoders and decoders for telnet text and for the subnegotiation payloads Ember speaks."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping

from ._constants import IAC, MSSP_VAL, MSSP_VAR, SB, SE
from ._events import GmcpMessage, WindowSize

__all__ = [
    "decode_gmcp",
    "decode_naws",
    "encode_gmcp",
    "encode_mssp",
    "encode_text",
    "escape_iac",
    "subnegotiation",
]

_IAC_BYTE = bytes([IAC])
_IAC_IAC = bytes([IAC, IAC])
_MSSP_STRUCTURE = str.maketrans("", "", "\x00\x01\x02")


def escape_iac(data: bytes) -> bytes:
    """Double every 255 byte so the peer reads it as data, not as the start of a command."""
    return data.replace(_IAC_BYTE, _IAC_IAC)


def subnegotiation(option: int, payload: bytes) -> bytes:
    """Frame ``payload`` as ``IAC SB <option> ... IAC SE``, escaping 255 bytes inside it."""
    return bytes((IAC, SB, option)) + escape_iac(payload) + bytes((IAC, SE))


def encode_text(text: str, codec: str) -> bytes:
    """Encode game text for the wire: NVT line endings, unencodable characters replaced.

    ``"\\n"`` and ``"\\r\\n"`` become CR LF, a lone ``"\\r"`` becomes CR NUL (as RFC 854
    asks), and 255 bytes are doubled. Characters the codec cannot express become ``?``, so
    this never raises for any ``str``. The last few short texts are kept encoded: a line for
    a whole room is encoded once for its telnet players, not once each.
    """
    if len(text) > _ENCODED_TEXT_CHARS:
        return _encode_text(text, codec)
    return _encode_short(text, codec)


def _encode_text(text: str, codec: str) -> bytes:
    """NVT line endings, the codec with replacement, 255 doubled (see ``encode_text``)."""
    raw = text.replace("\r\n", "\n").encode(codec, errors="replace")
    raw = raw.replace(b"\r", b"\r\x00").replace(b"\n", b"\r\n")
    return escape_iac(raw)


#: Texts longer than this are encoded every time (the cache holds at most 64 of the rest).
_ENCODED_TEXT_CHARS = 4096
_encode_short = functools.lru_cache(maxsize=64)(_encode_text)


def encode_gmcp(package: str, data: object) -> bytes:
    """Build the GMCP payload ``"<package> <json>"`` (just the package when ``data`` is None).

    Raises ``ValueError`` for an empty package name or one containing whitespace or control
    characters, and ``TypeError``/``ValueError`` when ``data`` is not JSON-serialisable
    (including NaN and infinities, which JSON cannot express).
    """
    if not package or any(char.isspace() or char < " " for char in package):
        raise ValueError(f"GMCP package name must be non-empty without whitespace: {package!r}")
    if data is None:
        return package.encode("utf-8", errors="replace")
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return f"{package} {body}".encode("utf-8", errors="replace")


def decode_gmcp(payload: bytes) -> GmcpMessage:
    """Read a GMCP payload; data that is not valid JSON is kept as its raw string."""
    text = payload.decode("utf-8", errors="replace")
    package, _, rest = text.strip().partition(" ")
    rest = rest.strip()
    if not rest:
        return GmcpMessage(package, None)
    try:
        data: object = json.loads(rest)
    except (ValueError, RecursionError):
        # RecursionError: deeply nested arrays ("[[[[...") exhaust the decoder's stack.
        data = rest
    return GmcpMessage(package, data)


def encode_mssp(variables: Mapping[str, str]) -> bytes:
    """Build the MSSP payload: ``MSSP_VAR name MSSP_VAL value`` for each pair, UTF-8.

    NUL, MSSP_VAR and MSSP_VAL characters are removed from names and values, since they would
    break the structure.
    """
    parts = bytearray()
    for name, value in variables.items():
        parts.append(MSSP_VAR)
        parts += name.translate(_MSSP_STRUCTURE).encode("utf-8", errors="replace")
        parts.append(MSSP_VAL)
        parts += value.translate(_MSSP_STRUCTURE).encode("utf-8", errors="replace")
    return bytes(parts)


def decode_naws(payload: bytes) -> WindowSize | None:
    """Read a NAWS payload (width and height as 16-bit big-endian); None when malformed."""
    if len(payload) != 4:
        return None
    return WindowSize(
        cols=int.from_bytes(payload[:2], "big"), rows=int.from_bytes(payload[2:], "big")
    )
