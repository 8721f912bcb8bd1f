"""Failed-login throttling per address and per account, on an injectable monotonic clock."""

from __future__ import annotations

import ipaddress
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["LoginThrottle", "ThrottleStatistics", "address_key"]

_PRUNE_ABOVE = 10_000  # keys kept before stale ones are swept
_KEY_MAX = 100  # characters of a key kept: callers pass names and addresses already checked
_IPV6_PREFIX = 64  # one IPv6 host usually holds a whole /64: throttle the network, not the host


def address_key(address: str) -> str:
    """Return the throttle key of a peer address: its host, without the port.

    ``"127.0.0.1:5123"`` gives ``"127.0.0.1"``; ``"::1:5123"`` and ``"[::1]:5123"`` give the
    IPv6 address's /64 network, since one machine can pick any address in its /64. Anything
    that does not parse is kept (cut to 100 characters) so that it is still throttled.
    """
    text = address.strip()
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else text[1:]
    candidates = [text]
    host, colon, port = text.rpartition(":")
    if colon and port.isdigit():
        candidates.insert(0, host)
    for candidate in candidates:
        try:
            ip = ipaddress.ip_address(candidate)
        except ValueError:
            continue
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is None:
            return str(ipaddress.IPv6Network((ip, _IPV6_PREFIX), strict=False))
        return str(ip.ipv4_mapped or ip) if isinstance(ip, ipaddress.IPv6Address) else str(ip)
    return (host if colon and port.isdigit() else text)[:_KEY_MAX]


@dataclass(frozen=True, slots=True)
class ThrottleStatistics:
    """A snapshot of one throttle: keys on record, the longest key, keys refused now."""

    keys: int
    longest_key: int
    blocked: int


@dataclass(slots=True)
class _Record:
    failures: deque[float] = field(default_factory=deque)
    blocked_until: float = -math.inf
    strikes: int = 0  # cooldowns served; each one doubles the next
    last: float = -math.inf
    #: The state before the latest attempt, so a successful login can be refunded.
    undo: tuple[tuple[float, ...], float, int, float] | None = None


class LoginThrottle:
    """Refuse logins for a key (an address, an account) after too many recent failures.

    After ``allowed`` failures within ``window`` seconds the key is refused for ``cooldown``
    seconds; each further lockout doubles that, up to ``cooldown_max``. A key that stays quiet
    for ``cooldown_max`` seconds starts afresh. ``clock`` is a monotonic time source (tests
    pass a virtual one, so nothing sleeps).
    """

    def __init__(
        self,
        *,
        allowed: int = 5,
        window: float = 60.0,
        cooldown: float = 30.0,
        cooldown_max: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if allowed < 1:
            raise ValueError(f"allowed failures must be at least 1, not {allowed}")
        self.allowed, self.window = allowed, window
        self.cooldown, self.cooldown_max = cooldown, max(cooldown, cooldown_max)
        self.clock = clock
        self._records: dict[str, _Record] = {}

    def wait_time(self, *keys: str) -> float:
        """Return how many seconds the longest-refused of ``keys`` must still wait (0: none)."""
        now = self.clock()
        longest = 0.0
        for key in keys:
            record = self._records.get(key[:_KEY_MAX])
            if record is not None and record.blocked_until > now:
                longest = max(longest, record.blocked_until - now)
        return longest

    def failed(self, *keys: str) -> None:
        """Count one failed login against each of ``keys``.

        Logins count an *attempt* this way before the password is checked (so parallel
        guesses cannot all pass the check first) and :meth:`refund` it when it succeeds.
        """
        now = self.clock()
        if len(self._records) > _PRUNE_ABOVE:
            self._prune(now)
        for key in keys:
            record = self._records.setdefault(key[:_KEY_MAX], _Record())
            record.undo = (
                tuple(record.failures),
                record.blocked_until,
                record.strikes,
                record.last,
            )
            if now - record.last > self.cooldown_max and record.blocked_until < now:
                record.strikes = 0
            record.last = now
            failures = record.failures
            failures.append(now)
            while failures and failures[0] <= now - self.window:
                failures.popleft()
            if len(failures) >= self.allowed:
                seconds = min(self.cooldown * 2**record.strikes, self.cooldown_max)
                record.strikes += 1
                record.blocked_until = now + seconds
                failures.clear()

    attempt = failed

    def refund(self, *keys: str) -> None:
        """Take back the latest attempt counted against each of ``keys`` (it succeeded).

        Only the latest one can be refunded; logins hold one attempt in flight per key.
        """
        for key in keys:
            record = self._records.get(key[:_KEY_MAX])
            if record is not None and record.undo is not None:
                failures, record.blocked_until, record.strikes, record.last = record.undo
                record.failures = deque(failures)
                record.undo = None

    def has_failed(self, key: str) -> bool:
        """Return whether ``key`` has a failure (or a lockout) on record."""
        record = self._records.get(key[:_KEY_MAX])
        return record is not None and (bool(record.failures) or record.strikes > 0)

    def succeeded(self, *keys: str) -> None:
        """Forget the failures of ``keys`` after a successful login."""
        for key in keys:
            self._records.pop(key[:_KEY_MAX], None)

    def statistics(self) -> ThrottleStatistics:
        """Return how many keys are on record, the longest one's length, and how many wait."""
        now = self.clock()
        return ThrottleStatistics(
            len(self._records),
            max(map(len, self._records), default=0),
            sum(1 for record in self._records.values() if record.blocked_until > now),
        )

    def _prune(self, now: float) -> None:
        stale = [
            key
            for key, record in self._records.items()
            if record.blocked_until < now
            and now - record.last > max(self.window, self.cooldown_max)
        ]
        for key in stale:
            del self._records[key]
