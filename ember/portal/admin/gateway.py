"""The portal's requests to the game for /admin and /metrics: ``admin`` out, ``admin_reply`` in.

Each request gets a number and a future; the game's ``admin_reply`` with that number settles
it. Requests are bounded (``MAX_PENDING`` waiting at once, each ``TIMEOUT`` seconds), and fail
at once with a clear message while no game is serving (a reload, a crash).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from typing import Any

from ember.errors import EmberError
from ember.link import JSON, Message

__all__ = ["MAX_PENDING", "TIMEOUT", "AdminGateway", "GameUnavailableError", "RefusedError"]

TIMEOUT = 10.0  # seconds: a login hashes a password, which may wait behind others
MAX_PENDING = 64


class GameUnavailableError(EmberError):
    """No game process is serving now, or it did not answer in time."""


class RefusedError(EmberError):
    """The game refused the request; the message says why (shown to the admin as it is)."""


class AdminGateway:
    """Sends ``admin`` requests through ``send`` (False: no game serving) and awaits replies."""

    def __init__(self, send: Callable[[Message], bool], status: Callable[[], dict[str, Any]]):
        self._send = send
        #: The portal's status report (uptime, last reload, sessions), for the overview.
        self.status = status
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[JSON]] = {}

    async def call(self, op: str, **args: JSON) -> Any:
        """Ask the game; return its result.

        Raises:
            GameUnavailableError: no game is serving, too many requests wait, or no answer
                came within ``TIMEOUT`` seconds.
            RefusedError: the game answered with an error.
        """
        if len(self._waiting) >= MAX_PENDING:
            raise GameUnavailableError("Too many admin requests are waiting; try again.")
        request = next(self._ids)
        future: asyncio.Future[JSON] = asyncio.get_running_loop().create_future()
        if not self._send(Message("admin", (), {"request": request, "op": op, "args": args})):
            raise GameUnavailableError("The game is not running now (reloading?); try again.")
        self._waiting[request] = future
        try:
            async with asyncio.timeout(TIMEOUT):
                reply = await future
        except TimeoutError:
            raise GameUnavailableError("The game did not answer in time; try again.") from None
        finally:
            self._waiting.pop(request, None)
        assert isinstance(reply, dict)
        if reply.get("error"):
            raise RefusedError(str(reply["error"]))
        return reply.get("result")

    def reply(self, fields: dict[str, JSON]) -> None:
        """Settle the request the game's ``admin_reply`` answers (unknown numbers: ignored)."""
        request = fields.get("request")
        future = self._waiting.get(request) if isinstance(request, int) else None
        if future is not None and not future.done():
            future.set_result(fields)

    def game_gone(self) -> None:
        """The game's link closed: every waiting request fails now, not after its timeout."""
        for future in self._waiting.values():
            if not future.done():
                future.set_exception(GameUnavailableError("The game stopped; try again."))
