"""Login limits: the throttles a password check passes, and one check in flight per key.

Three throttles count attempts *before* the password is hashed, and a successful login
takes its attempt back:

- per address (the host, not host:port; an IPv6 /64): stops one address trying many accounts;
- per account *and* address: the usual "five wrong passwords" limit, which locks out only
  the address that failed, never the owner at another one;
- per account, from anywhere: once it trips, the account is locked for every address that
  has failed against it; an address that has never failed still gets its password checked,
  so an attacker cannot lock the owner out (docs/design-notes.md, issue 9).

At most one password check runs per address and per account name: further attempts wait in
line for it, then meet the throttles with its outcome counted. Thirty parallel guesses thus
get no more evaluations than the limit allows.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from ember.errors import EmberError
from ember.game._throttle import LoginThrottle, address_key

__all__ = ["LoginAttempt", "LoginError", "LoginLimits"]


class LoginError(EmberError, PermissionError):
    """A login was refused: wrong name or password, or too many failures (message says which)."""


@dataclass(slots=True)
class LoginAttempt:
    """One password check under way; set ``succeeded`` when the password was right."""

    succeeded: bool = False


class _KeyLocks:
    """One ``asyncio.Lock`` per key, kept only while someone holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)


class LoginLimits:
    """The throttles and in-flight locks every password check goes through.

    ``async with limits.attempt(name_key, address) as attempt:`` waits for any other check
    of the same address or name, raises :class:`LoginError` if a throttle refuses, counts
    the attempt, and runs the body (the hash); set ``attempt.succeeded = True`` on success.
    ``name_key`` is None for a name that cannot exist (only the address is counted then).
    """

    def __init__(
        self,
        *,
        address: LoginThrottle | None = None,
        pair: LoginThrottle | None = None,
        account: LoginThrottle | None = None,
    ) -> None:
        self.address = address or LoginThrottle(allowed=20)
        self.pair = pair or LoginThrottle(allowed=5)
        self.account = account or LoginThrottle(allowed=10)
        self._address_locks = _KeyLocks()
        self._name_locks = _KeyLocks()

    def wait_time(self, name_key: str | None, address: str) -> float:
        """Return how long a login for ``name_key`` from ``address`` is refused (0: not)."""
        host = address_key(address)
        wait = self.address.wait_time(host)
        if name_key is not None:
            pair = _pair(name_key, host)
            wait = max(wait, self.pair.wait_time(pair))
            if self.pair.has_failed(pair):  # the account lock holds only where it failed
                wait = max(wait, self.account.wait_time(name_key))
        return wait

    def _refuse_if_throttled(self, name_key: str | None, address: str) -> None:
        wait = self.wait_time(name_key, address)
        if wait > 0:
            raise LoginError(f"Too many failed logins, try again in {int(wait) + 1} s.")

    @asynccontextmanager
    async def attempt(self, name_key: str | None, address: str) -> AsyncIterator[LoginAttempt]:
        """Wait for the checks ahead, refuse if throttled, count this attempt, run the check."""
        self._refuse_if_throttled(name_key, address)  # cheap refusal before waiting in line
        host = address_key(address)
        async with self._address_locks.hold(host):
            if name_key is None:
                self._refuse_if_throttled(None, address)
                self.address.attempt(host)
                yield LoginAttempt()  # a name that cannot exist never succeeds
                return
            async with self._name_locks.hold(name_key):
                self._refuse_if_throttled(name_key, address)
                pair = _pair(name_key, host)
                self.address.attempt(host)
                self.pair.attempt(pair)
                self.account.attempt(name_key)
                attempt = LoginAttempt()
                yield attempt
                if attempt.succeeded:
                    self.address.refund(host)
                    self.account.refund(name_key)
                    self.pair.succeeded(pair)

    def in_flight(self) -> int:
        """Return how many addresses have a password check running or waiting."""
        return len(self._address_locks)


def _pair(name_key: str, host: str) -> str:
    return f"{name_key}@{host}"
