"""Where players connect: the portal's telnet listener and, when configured, its web one."""

from __future__ import annotations

import asyncio

from ember.errors import EmberError
from ember.portal.admin import AdminGateway
from ember.portal.config import PortalConfig
from ember.portal.telnet_server import SessionHub, listen_telnet
from ember.portal.web_server import WebListener, listen_web

__all__ = ["Listeners", "PortalStartError"]


class PortalStartError(EmberError, OSError):
    """The portal could not start: a port is taken or another portal runs for this game."""


class Listeners:
    """The listening sockets players connect to, opened together and closed together.

    ``telnet_port`` is the configured port until :meth:`open`, then the one really listened
    on (they differ when the configured one is 0); ``web_port`` is None without a web client.
    """

    def __init__(self, config: PortalConfig) -> None:
        self.config = config
        self.telnet_port = config.telnet_port
        self._telnet: asyncio.Server | None = None
        self._web: WebListener | None = None

    @property
    def web_port(self) -> int | None:
        """The port the web client is served on, or None when it is not."""
        return self._web.port if self._web is not None else None

    async def open(self, hub: SessionHub, admin: AdminGateway | None = None) -> None:
        """Listen for telnet players, then for web players if ``config.web_port`` is set.

        Raises:
            PortalStartError: a port cannot be listened on (the message says which).
        """
        config = self.config
        what, port = "telnet", config.telnet_port
        try:
            self._telnet = await listen_telnet(hub, config)
            self.telnet_port = self._telnet.sockets[0].getsockname()[1]
            if config.web_port is not None:
                what, port = "the web client", config.web_port
                self._web = await listen_web(hub, config, admin)
        except OSError as error:
            raise PortalStartError(
                f"cannot listen for {what} on {config.bind}:{port}: {error.strerror or error}"
            ) from error

    def close(self) -> None:
        """Stop accepting players; those connected stay."""
        for listener in (self._telnet, self._web):
            if listener is not None:
                listener.close()
