"""The asyncio glue of the web client: the page over HTTP and one WebSocket per player.

Built on ``websockets`` (new asyncio API): ``process_request`` serves the static page and
checks the ``Origin`` of WebSocket requests; each accepted connection becomes a ``WebPlayer``,
a session like a telnet one, whose messages are checked by the sans-I/O ``WebProtocol``.
"""

from __future__ import annotations

import asyncio
import contextlib
import http
import importlib.resources
import logging
import time
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from ember.link import JSON
from ember.portal.admin import ADMIN_WS_PATH, AdminGateway, AdminWeb
from ember.portal.config import PortalConfig
from ember.portal.input_limits import INPUT_NOTICES
from ember.portal.sessions import PortalSession
from ember.portal.telnet_server import SessionHub
from ember.portal.web_protocol import (
    ClientGmcp,
    ClientInfo,
    ClientLine,
    CloseRequest,
    WebProtocol,
)

__all__ = ["STATIC_FILES", "WebListener", "WebPlayer", "listen_web"]

logger = logging.getLogger("ember.portal.web")

STATIC_FILES = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/index.html": ("index.html", "text/html; charset=utf-8"),
    "/client.css": ("client.css", "text/css; charset=utf-8"),
    "/client.js": ("client.js", "text/javascript; charset=utf-8"),
}
"""URL path -> (file in ``ember/portal/static``, content type)."""

WS_PATH = "/ws"
# Room for the JSON around the longest line a player may send.
_ENVELOPE = 4096
_SECURITY_HEADERS = [
    ("Cache-Control", "no-cache"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
    ("Content-Security-Policy",
     "default-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'"),
]  # fmt: skip


class _QuietLogger(logging.LoggerAdapter[logging.Logger]):
    """websockets reports every plain HTTP response at INFO; that is DEBUG noise here."""

    def log(self, level: int, msg: object, *args: Any, **kwargs: Any) -> None:
        super().log(logging.DEBUG if level == logging.INFO else level, msg, *args, **kwargs)


class WebPlayer:
    """One browser connection: frames go through a ``WebProtocol``, lines go to the hub.

    Output is queued and written by one task; a client that lets more than
    ``max_output_bytes`` pile up is disconnected, as a telnet client that never reads is.
    """

    def __init__(self, hub: SessionHub, ws: ServerConnection, listener: WebListener) -> None:
        config = listener.config
        self._hub, self._ws, self._listener = hub, ws, listener
        self._core = WebProtocol(
            config.max_line_bytes,
            config.web_rate,
            config.web_burst,
            limits=config.input_limits,
            max_json_depth=config.max_json_depth,
        )
        self._outbox: asyncio.Queue[str | CloseRequest] = asyncio.Queue()
        self._queued_bytes = 0
        self._max_output = config.max_output_bytes
        self._closing = False
        self._last_input = time.monotonic()
        self.session: PortalSession | None = None

    async def run(self) -> None:
        """Register the session, then read and write until either side closes."""
        peer = self._ws.remote_address
        address = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
        self._core.hello(max_message_bytes=self._listener.max_message_bytes)
        self._flush()
        session = self.session = self._hub.open_session(self, "web", address)
        reason = "connection closed"
        try:
            async with asyncio.TaskGroup() as group:
                writer = group.create_task(self._write())
                idle = self._listener.config.idle_timeout
                watchdog = group.create_task(self._watch_idle(idle)) if idle else None
                try:
                    await self._read(session)
                except ConnectionClosed as closed:
                    reason = f"connection lost: {closed}"
                if not self._closing:
                    writer.cancel()
                if watchdog is not None:
                    watchdog.cancel()
        finally:
            self._closing = True
            self.session = None
            self._hub.close_session(session, reason)

    async def _read(self, session: PortalSession) -> None:
        async for frame in self._ws:
            if self._closing:
                continue
            self._last_input = time.monotonic()
            for event in self._core.receive(frame, self._last_input):
                if isinstance(event, ClientLine):
                    self._hub.player_line(session, event.text)
                elif isinstance(event, ClientInfo):
                    self._hub.player_info(session, event.info)
                elif isinstance(event, ClientGmcp):
                    self._hub.player_gmcp(session, event.package, event.data)
                elif isinstance(event, CloseRequest):
                    logger.warning("session %d: closed, %s", session.sid, event.reason)
                    self._close(event.code, event.reason)
            verdict = self._core.settle(self._last_input)
            self._flush()
            if verdict.abusive and not self._closing:
                limits = self._listener.config.input_limits
                logger.warning(
                    "session %d (%s): disconnected, input over the limit (%g lines/s, "
                    "%g bytes/s) for %g s",
                    session.sid,
                    session.address,
                    limits.lines_per_second,
                    limits.bytes_per_second,
                    limits.abuse_seconds,
                )
                self.close(INPUT_NOTICES["abusive"])
            elif verdict.pause > 0:
                # Not reading: websockets stops reading the socket once its small queue is
                # full, so TCP slows the sender down; other players are not affected.
                await asyncio.sleep(verdict.pause)

    async def _write(self) -> None:
        while True:
            item = await self._outbox.get()
            if isinstance(item, CloseRequest):
                with contextlib.suppress(ConnectionClosed):
                    await self._ws.close(item.code, item.reason)
                return
            self._queued_bytes -= len(item)
            try:
                await self._ws.send(item)
            except ConnectionClosed:
                return

    async def _watch_idle(self, seconds: float) -> None:
        left = seconds
        while left > 0:
            await asyncio.sleep(left)
            left = self._last_input + seconds - time.monotonic()
        length = f"{seconds:g} seconds" if seconds < 120 else f"{seconds / 60:g} minutes"
        self.close(f"Idle for {length}; disconnecting.")

    # -- PlayerTransport ----------------------------------------------------------------------

    def send_text(self, text: str) -> None:
        """Send output as a ``text`` message."""
        self._core.text(text)
        self._flush()

    def send_prompt(self, text: str) -> None:
        """Send a ``prompt`` message: the page shows it apart from the output."""
        self._core.prompt(text)
        self._flush()

    def send_styled(self, plain: str, spans: list[list[Any]] | None, *, prompt: bool) -> None:
        """Send game text as a ``text`` (or ``prompt``) message with its styled runs."""
        if prompt:
            self._core.prompt(plain, spans)
        else:
            self._core.text(plain, spans)
        self._flush()

    def send_oob(self, package: str, data: JSON) -> bool:
        """Send client data as an ``oob`` message (the page raises a DOM event for it)."""
        if self._closing:
            return False
        self._core.oob(package, data)
        self._flush()
        return True

    def set_echo(self, hidden: bool) -> None:
        """Tell the page to hide (or show again) what the player types."""
        self._core.echo(hidden)
        self._flush()

    def send_progress(self, job: str, fraction: float, label: str) -> None:
        """Send a ``progress`` message: the page updates one bar per job in place."""
        self._core.progress(job, fraction, label)
        self._flush()

    def set_account(self, account: str | None) -> None:
        """Send the login state (the game logged this connection in or out)."""
        self._core.account(account)
        self._flush()

    def close(self, reason: str | None = None) -> None:
        """Send ``reason`` (if any) and close; "going away" (1001) while the portal stops."""
        if reason:
            self._core.text(reason if reason.endswith("\n") else reason + "\n")
            self._flush()
        code, why = (1001, "server stopping") if self._listener.stopping else (1000, "closed")
        self._close(code, why)

    # -- internals ----------------------------------------------------------------------------

    def _close(self, code: int, reason: str) -> None:
        if not self._closing:
            self._closing = True
            self._outbox.put_nowait(CloseRequest(code, reason))

    def _flush(self) -> None:
        for frame in self._core.frames_to_send():
            if self._closing:
                return
            self._queued_bytes += len(frame)
            if self._queued_bytes > self._max_output:
                sid = self.session.sid if self.session is not None else "?"
                logger.warning("session %s: dropped, the client did not read its output", sid)
                self._closing = True
                self._ws.transport.abort()
                return
            self._outbox.put_nowait(frame)


class WebListener:
    """The web server of a portal: the page, the WebSocket endpoint, and who may connect."""

    def __init__(
        self, hub: SessionHub, config: PortalConfig, admin: AdminGateway | None = None
    ) -> None:
        self.hub, self.config = hub, config
        self._gateway = admin
        #: /admin and /metrics (ember/portal/admin), when the portal gives a way to the game.
        self.admin: AdminWeb | None = None
        self.max_message_bytes = config.max_line_bytes + _ENVELOPE
        self.stopping = False
        self.port = 0
        self._server: Server | None = None
        self._files: dict[str, bytes] = {}

    async def start(self) -> None:
        """Load the static files and listen on ``config.bind:config.web_port``.

        Raises:
            OSError: the address cannot be bound (a port in use, an unknown address).
        """
        static = importlib.resources.files("ember.portal") / "static"
        self._files = {name: (static / name).read_bytes() for name, _ in STATIC_FILES.values()}
        if self._gateway is not None:
            self.admin = AdminWeb(self._gateway, self.config, self.allowed_origins)
        self._server = await serve(
            self._handle,
            self.config.bind,
            self.config.web_port,
            process_request=self._process_request,
            max_size=self.max_message_bytes,
            # Frames read ahead while a player's reading is paused by the input limit: at
            # most 4 messages (~270 KiB) per connection, then TCP holds the rest.
            max_queue=4,
            logger=_QuietLogger(logger, {}),
            reuse_address=True,
        )
        self.port = self._server.sockets[0].getsockname()[1]

    def allowed_origins(self) -> set[str]:
        """The configured origins, or by default the page's own (localhost and 127.0.0.1)."""
        if self.config.web_origins:
            return set(self.config.web_origins)
        hosts = {"localhost", "127.0.0.1", self.config.bind} - {"0.0.0.0", "::"}
        return {f"http://{host}:{self.port}" for host in hosts}

    def close(self) -> None:
        """Accept nobody new; connections still open are closed as "going away" (1001)."""
        self.stopping = True
        if self._server is not None:
            self._server.close(close_connections=False)

    async def _process_request(self, ws: ServerConnection, request: Request) -> Response | None:
        path = request.path.partition("?")[0]
        if self.admin is not None and self.admin.handles(path):
            return await self.admin.respond(ws, request)
        if path == WS_PATH:
            origin = request.headers.get("Origin")
            # Browsers always send Origin; other programs (a richer client) need not.
            if origin is not None and origin not in self.allowed_origins():
                logger.info("refused a WebSocket from origin %r", origin)
                return ws.respond(http.HTTPStatus.FORBIDDEN, "Origin not allowed.\n")
            return None
        found = STATIC_FILES.get(path)
        if found is None:
            return ws.respond(http.HTTPStatus.NOT_FOUND, "Not found.\n")
        name, content_type = found
        body = self._files[name]
        headers = Headers(
            [
                ("Content-Type", content_type),
                ("Content-Length", str(len(body))),
                *_SECURITY_HEADERS,
            ]
        )
        return Response(200, "OK", headers, body)

    async def _handle(self, ws: ServerConnection) -> None:
        if self.stopping:
            await ws.close(1001, "server stopping")
            return
        if self.admin is not None and ws.request and ws.request.path.startswith(ADMIN_WS_PATH):
            await self.admin.handle(ws)
            return
        await WebPlayer(self.hub, ws, self).run()


async def listen_web(
    hub: SessionHub, config: PortalConfig, admin: AdminGateway | None = None
) -> WebListener:
    """Serve the web client on ``config.bind:config.web_port`` (0 picks a free port).

    Raises:
        OSError: the address cannot be bound (a port in use, an unknown address).
    """
    listener = WebListener(hub, config, admin)
    await listener.start()
    return listener
