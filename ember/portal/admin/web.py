"""/admin and /metrics on the web port: the pages, the session cookie, the metrics scrape.

``AdminWeb.respond`` answers the HTTP requests (websockets serves GET only): the static page
and its scripts, ``/admin/session`` (a ticket traded for the cookie), ``/metrics``, and the
checks before the ``/admin/ws`` WebSocket handshake (its ``Origin`` must be the page's own).
The WebSocket itself is run by :class:`ember.portal.admin.socket.AdminSocket`.
"""

from __future__ import annotations

import hmac
import http
import importlib.resources
import logging
from collections.abc import Callable
from urllib.parse import parse_qs

from websockets.asyncio.server import ServerConnection
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from ember.portal.admin.auth import AdminLogins
from ember.portal.admin.gateway import AdminGateway, GameUnavailableError, RefusedError
from ember.portal.admin.metrics import CONTENT_TYPE, render_metrics
from ember.portal.admin.socket import MAX_ANONYMOUS, MAX_SOCKETS, AdminSocket, process_rss
from ember.portal.config import PortalConfig

__all__ = ["ADMIN_FILES", "ADMIN_WS_PATH", "AdminWeb"]

logger = logging.getLogger("ember.portal.admin")

ADMIN_WS_PATH = "/admin/ws"
_JS = "text/javascript; charset=utf-8"
_CSS = "text/css; charset=utf-8"
ADMIN_FILES = {
    "/admin": ("index.html", "text/html; charset=utf-8"),
    "/admin/": ("index.html", "text/html; charset=utf-8"),
    "/admin/admin.js": ("admin.js", _JS),
    "/admin/admin.css": ("admin.css", _CSS),
    "/admin/uPlot.iife.min.js": ("uPlot.iife.min.js", _JS),
    "/admin/uPlot.min.css": ("uPlot.min.css", _CSS),
}
"""URL path -> (file in ``ember/portal/static/admin``, content type)."""

SECURITY_HEADERS = [
    ("Cache-Control", "no-store"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
    ("Content-Security-Policy",
     "default-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
     "form-action 'none'; base-uri 'none'"),
]  # fmt: skip


def _response(
    status: http.HTTPStatus, body: bytes, content_type: str, *extra: tuple[str, str]
) -> Response:
    headers = Headers(
        [
            ("Content-Type", content_type),
            ("Content-Length", str(len(body))),
            *SECURITY_HEADERS,
            *extra,
        ]
    )
    return Response(status.value, status.phrase, headers, body)


def _text(status: http.HTTPStatus, text: str, *extra: tuple[str, str]) -> Response:
    return _response(status, text.encode(), "text/plain; charset=utf-8", *extra)


class AdminWeb:
    """The admin page's HTTP side and its WebSockets, for one web listener."""

    def __init__(
        self, gateway: AdminGateway, config: PortalConfig, origins: Callable[[], set[str]]
    ) -> None:
        self.gateway, self.config, self.origins = gateway, config, origins
        self.logins = AdminLogins()
        self.sockets: set[AdminSocket] = set()
        static = importlib.resources.files("ember.portal") / "static" / "admin"
        self._files = {name: (static / name).read_bytes() for name, _ in ADMIN_FILES.values()}

    def handles(self, path: str) -> bool:
        """Whether ``path`` is the admin page's or /metrics."""
        return path == "/metrics" or path == "/admin" or path.startswith("/admin/")

    async def respond(self, ws: ServerConnection, request: Request) -> Response | None:
        """Answer an admin request, or return None to let the WebSocket handshake go on."""
        path, _, query = request.path.partition("?")
        if path == "/metrics":
            return await self._metrics(request)
        if path == ADMIN_WS_PATH:
            origin = request.headers.get("Origin")
            # Browsers always send Origin with a WebSocket; one from elsewhere is a page on
            # another site trying to use the admin's cookie (cross-site WebSocket hijacking).
            if origin is None or origin not in self.origins():
                logger.warning("admin page: refused a WebSocket from origin %r", origin)
                return _text(http.HTTPStatus.FORBIDDEN, "Origin not allowed.\n")
            # Pages at the login form have a small quota of their own, so a crowd of them
            # cannot keep a logged-in admin out.
            if self.logins.from_cookie_header(request.headers.get("Cookie")) is None:
                if sum(1 for socket in self.sockets if socket.login is None) >= MAX_ANONYMOUS:
                    return _text(http.HTTPStatus.SERVICE_UNAVAILABLE, "Too many login pages.\n")
            elif len(self.sockets) >= MAX_SOCKETS:
                return _text(http.HTTPStatus.SERVICE_UNAVAILABLE, "Too many admin pages open.\n")
            return None
        if path == "/admin/session":
            return self._session(request, query)
        found = ADMIN_FILES.get(path)
        if found is None:
            return _text(http.HTTPStatus.NOT_FOUND, "Not found.\n")
        name, content_type = found
        return _response(http.HTTPStatus.OK, self._files[name], content_type)

    def _session(self, request: Request, query: str) -> Response:
        # A navigation from another site (a link or form elsewhere) may not log anybody in.
        site = request.headers.get("Sec-Fetch-Site")
        if site is not None and site not in ("same-origin", "none"):
            logger.warning("admin page: refused a session request from %s", site)
            return _text(http.HTTPStatus.FORBIDDEN, "Not from this site.\n")
        ticket = (parse_qs(query).get("ticket") or [""])[0]
        redeemed = self.logins.redeem(ticket[:100])
        if redeemed is None:
            return _text(http.HTTPStatus.FORBIDDEN, "This login link is used or expired.\n")
        login, cookie = redeemed
        logger.info("admin page: session started for %s", login.account)
        return _text(
            http.HTTPStatus.SEE_OTHER,
            "Logged in.\n",
            ("Location", "/admin"),
            ("Set-Cookie", self.logins.set_cookie(cookie)),
        )

    async def _metrics(self, request: Request) -> Response:
        if not self.config.metrics:
            return _text(http.HTTPStatus.NOT_FOUND, "Not found.\n")
        token = self.config.metrics_token
        if token:
            given = request.headers.get("Authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
                return _text(
                    http.HTTPStatus.UNAUTHORIZED,
                    "A bearer token is required.\n",
                    ("WWW-Authenticate", 'Bearer realm="metrics"'),
                )
        portal = self.gateway.status()
        portal["rss"] = process_rss()
        try:
            game = await self.gateway.call("metrics")
        except (GameUnavailableError, RefusedError):
            game = None
        body = render_metrics(game, portal).encode()
        return _response(http.HTTPStatus.OK, body, CONTENT_TYPE)

    async def handle(self, ws: ServerConnection) -> None:
        """Run one admin page's WebSocket until it closes."""
        cookie = ws.request.headers.get("Cookie") if ws.request is not None else None
        login = self.logins.from_cookie_header(cookie)
        socket = AdminSocket(ws, self.gateway, self.logins, login)
        self.sockets.add(socket)
        try:
            await socket.run()
        finally:
            self.sockets.discard(socket)
