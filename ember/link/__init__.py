"""The portal<->game link: framed msgpack messages over a Unix socket, used by both processes."""

from __future__ import annotations

from ember.link._codec import (
    DEFAULT_MAX_FRAME_BYTES,
    JSON,
    MAX_NESTING,
    PROTOCOL_VERSION,
    HandshakeError,
    LinkClosedError,
    LinkConnection,
    LinkError,
    LinkStatistics,
    MalformedFrame,
    Message,
    Role,
    VersionMismatch,
)
from ember.link._stream import (
    HANDSHAKE_TIMEOUT,
    LINK_PATH_ENV,
    LINK_SECRET_ENV,
    LinkStream,
    connect_link,
    link_from_environment,
    memory_link_pair,
    serve_link,
    socket_path_for,
)

__all__ = [
    "DEFAULT_MAX_FRAME_BYTES",
    "HANDSHAKE_TIMEOUT",
    "JSON",
    "LINK_PATH_ENV",
    "LINK_SECRET_ENV",
    "MAX_NESTING",
    "PROTOCOL_VERSION",
    "HandshakeError",
    "LinkClosedError",
    "LinkConnection",
    "LinkError",
    "LinkStatistics",
    "LinkStream",
    "MalformedFrame",
    "Message",
    "Role",
    "VersionMismatch",
    "connect_link",
    "link_from_environment",
    "memory_link_pair",
    "serve_link",
    "socket_path_for",
]
