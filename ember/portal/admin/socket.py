"""One admin page's WebSocket: the login form's request, then the page's requests and actions.

Messages from the page are JSON ``{"id": n, "op": "...", "args": {...}, "csrf": "..."}``;
each answer is ``{"type": "reply", "id": n, "ok": true, "result": ...}`` or ``"ok": false``
with an ``error``. Once logged in, the overview's new samples are pushed every second
(``{"type": "samples", ...}``). Requests are handled one at a time per page, so a page never
has more than one waiting in the game.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import os
import time
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from ember.portal.admin.auth import AdminLogin, AdminLogins
from ember.portal.admin.gateway import AdminGateway, GameUnavailableError, RefusedError

__all__ = ["ACTIONS", "MAX_ANONYMOUS", "MAX_SOCKETS", "READS", "AdminSocket", "process_rss"]

logger = logging.getLogger("ember.portal.admin")

MAX_SOCKETS = 32  # admin pages open at once, logged in
MAX_ANONYMOUS = 8  # of which at most this many without a login (at the login form)
MAX_MESSAGE = 16 * 1024
LOGIN_WINDOW = 120.0  # seconds a page without a login keeps its socket
PUSH_EVERY = 1.0  # seconds between two pushes of new samples
READS = frozenset(
    {"overview", "sessions", "tasks", "jobs", "world", "world_search", "world_object"}
)
ACTIONS = frozenset({"kick", "task", "job_cancel", "flow_cancel"})
_PAGE = os.sysconf("SC_PAGE_SIZE")


def process_rss() -> int:
    """The portal's resident memory in bytes (0 without /proc)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


class AdminSocket:
    """Serves one page: ``login`` before a session exists, everything else after."""

    def __init__(
        self,
        ws: ServerConnection,
        gateway: AdminGateway,
        logins: AdminLogins,
        login: AdminLogin | None,
    ) -> None:
        self.ws, self.gateway, self.logins, self.login = ws, gateway, logins, login
        peer = ws.remote_address
        self.address = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
        self._after = 0.0  # the newest sample sent

    async def run(self) -> None:
        """Greet the page, push samples while logged in, answer requests until it closes."""
        login = self.login
        await self._send(
            type="hello",
            account=login.account if login else None,
            csrf=login.csrf if login else None,
        )
        pusher = asyncio.create_task(self._push()) if login is not None else None
        try:
            # A page at the login form has LOGIN_WINDOW seconds to log in (it then loads the
            # ticket URL, which closes this socket): it cannot hold a place for ever.
            async with asyncio.timeout(LOGIN_WINDOW if login is None else None):
                async for frame in self.ws:
                    if isinstance(frame, bytes) or len(frame) > MAX_MESSAGE:
                        await self._send(type="reply", id=None, ok=False, error="Too large.")
                        continue
                    await self._answer(frame)
        except ConnectionClosed:
            pass
        except TimeoutError:
            await self.ws.close(4000, "log in sooner")
        finally:
            if pusher is not None:
                pusher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await pusher

    async def _send(self, **message: Any) -> None:
        await self.ws.send(json.dumps(message))

    async def _push(self) -> None:
        while True:
            if self.logins.live(self.login) is None:  # expired, or logged out on another page
                await self.ws.close(4001, "admin session expired")
                return
            with contextlib.suppress(GameUnavailableError, RefusedError):
                await self._send(type="samples", **await self.overview())
            await asyncio.sleep(PUSH_EVERY)

    async def overview(self) -> dict[str, Any]:
        """New samples since the last push, with the portal's own facts."""
        status = self.gateway.status()
        result: dict[str, Any] = {
            "uptime": time.time() - status["started_at"],
            "last_reload": status.get("last_reload"),
            "game_ready": status.get("game_ready"),
            "portal_rss": process_rss(),
        }
        account = self.login.account if self.login is not None else ""
        game = await self.gateway.call("overview", account=account, after=self._after)
        if game["samples"]:
            self._after = game["samples"][-1]["time"]
        result.update(game)
        return result

    async def _answer(self, frame: str) -> None:
        try:
            message = json.loads(frame)
        except ValueError:
            message = None
        if not isinstance(message, dict):
            await self._send(type="reply", id=None, ok=False, error="Not a JSON object.")
            return
        request_id, op = message.get("id"), message.get("op")
        given = message.get("args")
        args: dict[str, Any] = given if isinstance(given, dict) else {}
        try:
            result = await self._run(str(op), args, message.get("csrf"))
        except (GameUnavailableError, RefusedError, PermissionError, ValueError) as error:
            await self._send(type="reply", id=request_id, ok=False, error=str(error))
            return
        await self._send(type="reply", id=request_id, ok=True, result=result)

    async def _run(self, op: str, args: dict[str, Any], csrf: Any) -> Any:
        if op == "login":
            return await self._log_in(args)
        login = self.logins.live(self.login)
        if login is None:
            raise PermissionError("Your admin session has expired; log in again.")
        if not isinstance(csrf, str) or not hmac.compare_digest(csrf, login.csrf):
            logger.warning("admin page: %s sent %r without its CSRF token", login.account, op)
            raise PermissionError("The request lacks this page's CSRF token; reload the page.")
        if op == "logout":
            self.logins.logout(login)
            logger.info("admin page: %s logged out", login.account)
            return "Logged out."
        if op not in READS and op not in ACTIONS:
            raise ValueError(f"Unknown request {op!r}.")
        if op in ACTIONS:
            logger.info("admin page: %s (%s) asks %s %s", login.account, self.address, op, args)
        return await self.gateway.call(op, account=login.account, **_json_args(args))

    async def _log_in(self, args: dict[str, Any]) -> dict[str, str]:
        name, password = args.get("name"), args.get("password")
        if not isinstance(name, str) or not isinstance(password, str) or not name:
            raise ValueError("Give an account name and a password.")
        # Counted by the game's login throttles under this address, as a telnet login is.
        result = await self.gateway.call(
            "login", name=name[:200], password=password[:1024], address=self.address
        )
        account = str(result["account"])
        logger.info("admin page: %s logged in from %s", account, self.address)
        return {"ticket": self.logins.ticket(account)}


def _json_args(args: dict[str, Any]) -> dict[str, Any]:
    # Only what the game reads: small ints and strings (ids, filters, actions), no account.
    return {
        str(key): value
        for key, value in list(args.items())[:16]
        if key != "account" and isinstance(value, int | str | None) and len(str(value)) <= 200
    }
