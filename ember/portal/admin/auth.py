"""Who is logged in to /admin: one-time tickets, signed session cookies and CSRF tokens.

The password is checked by the game (its throttles count the attempt). On success the
portal hands the page a *ticket*: random, single use, valid ``TICKET_SECONDS``. The page
trades it at ``/admin/session?ticket=...`` for the session cookie — ``HttpOnly``,
``SameSite=Strict``, ``Path=/admin`` — because websockets serves only GET requests and a
cookie can only be set by an HTTP response. The cookie's value is a random token and its
HMAC under a key made when the portal starts, so a forged or altered cookie is refused before
any lookup, and every cookie dies with the portal process. Each login also has a CSRF token
the page must send with every request over its WebSocket.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie

__all__ = ["COOKIE", "AdminLogin", "AdminLogins"]

COOKIE = "ember_admin"
TICKET_SECONDS = 30.0
IDLE_SECONDS = 30 * 60.0  # a login unused this long expires
MAX_SECONDS = 12 * 3600.0  # and every login after this long
MAX_LOGINS = 64  # the oldest goes when more log in
MAX_TICKETS = 64


@dataclass(slots=True)
class AdminLogin:
    """One logged-in admin: the account, the CSRF token, and when it was made and last used."""

    token: str
    account: str
    csrf: str
    created: float
    used: float


class AdminLogins:
    """The logins and tickets of one portal process (kept in memory, bounded)."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._key = secrets.token_bytes(32)
        self._logins: OrderedDict[str, AdminLogin] = OrderedDict()
        self._tickets: OrderedDict[str, tuple[str, float]] = OrderedDict()

    # -- tickets -----------------------------------------------------------------------------

    def ticket(self, account: str) -> str:
        """Return a new single-use ticket for ``account`` (after the game checked it)."""
        ticket = secrets.token_urlsafe(32)
        self._tickets[ticket] = (account, self._clock() + TICKET_SECONDS)
        while len(self._tickets) > MAX_TICKETS:
            self._tickets.popitem(last=False)
        return ticket

    def redeem(self, ticket: str) -> tuple[AdminLogin, str] | None:
        """Trade a ticket for a login and its cookie value; None if unknown, used or stale."""
        found = self._tickets.pop(ticket, None)
        if found is None or found[1] < self._clock():
            return None
        now = self._clock()
        token = secrets.token_urlsafe(32)
        login = AdminLogin(token, found[0], secrets.token_urlsafe(32), now, now)
        self._logins[token] = login
        while len(self._logins) > MAX_LOGINS:
            self._logins.popitem(last=False)
        return login, f"{token}.{self._sign(token)}"

    # -- cookies -----------------------------------------------------------------------------

    def _sign(self, token: str) -> str:
        return hmac.new(self._key, token.encode(), hashlib.sha256).hexdigest()

    def from_cookie_header(self, header: str | None) -> AdminLogin | None:
        """Return the live login of the request's ``Cookie`` header, or None.

        None for a missing, malformed, forged (bad signature), logged-out or expired cookie.
        """
        if not header or len(header) > 8192:
            return None
        try:
            morsel = SimpleCookie(header).get(COOKIE)
        except CookieError:
            return None
        if morsel is None:
            return None
        token, _, signature = morsel.value.partition(".")
        if not hmac.compare_digest(signature.encode(), self._sign(token).encode()):
            return None
        return self.live(self._logins.get(token))

    def live(self, login: AdminLogin | None) -> AdminLogin | None:
        """Return ``login`` if it has not expired (noting its use now), else drop it."""
        if login is None or self._logins.get(login.token) is not login:
            return None
        now = self._clock()
        if now - login.used > IDLE_SECONDS or now - login.created > MAX_SECONDS:
            del self._logins[login.token]
            return None
        login.used = now
        return login

    def logout(self, login: AdminLogin) -> None:
        """End ``login`` (its cookie no longer works)."""
        self._logins.pop(login.token, None)

    @staticmethod
    def set_cookie(value: str) -> str:
        """The ``Set-Cookie`` header value for a login's cookie."""
        return (
            f"{COOKIE}={value}; Path=/admin; HttpOnly; SameSite=Strict; Max-Age={int(MAX_SECONDS)}"
        )
