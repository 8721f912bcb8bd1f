"""Failed-login throttling per address and per account, on an injectable monotonic clock."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["LoginThrottle"]

_PRUNE_ABOVE = 10_000  # keys kept before stale ones are swept


@dataclass(slots=True)
class _Record:
    failures: deque[float] = field(default_factory=deque)
    blocked_until: float = -math.inf
    strikes: int = 0  # cooldowns served; each one doubles the next
    last: float = -math.inf


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
            record = self._records.get(key)
            if record is not None and record.blocked_until > now:
                longest = max(longest, record.blocked_until - now)
        return longest

    def failed(self, *keys: str) -> None:
        """Count one failed login against each of ``keys``."""
        now = self.clock()
        if len(self._records) > _PRUNE_ABOVE:
            self._prune(now)
        for key in keys:
            record = self._records.setdefault(key, _Record())
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

    def succeeded(self, *keys: str) -> None:
        """Forget the failures of ``keys`` after a successful login."""
        for key in keys:
            self._records.pop(key, None)

    def _prune(self, now: float) -> None:
        stale = [
            key
            for key, record in self._records.items()
            if record.blocked_until < now
            and now - record.last > max(self.window, self.cooldown_max)
        ]
        for key in stale:
            del self._records[key]
