"""Per-session input rate limits as pure code: token buckets for lines and bytes, and a verdict.

Telnet and the web client both charge what a player sends here: every received byte against a
byte bucket, every complete line against a line bucket. Bytes over the budget are not dropped;
the connection's reading pauses until the debt is paid (TCP then slows the sender down, and
the portal never holds more than one read). Lines over the budget are dropped, with one
notice per episode. A session that stays over its limits for ``abuse_seconds`` is to be
disconnected. Time is passed in, so every rule is tested without sockets or sleeping.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["INPUT_NOTICES", "InputLimiter", "InputLimits", "Settlement"]

INPUT_NOTICES = {
    "dropped": "You are sending input too fast; {count} line(s) were dropped. Slow down.",
    "abusive": "Too much input for too long; disconnecting.",
}
"""What a player over the input limits is told (``dropped`` once per episode)."""


@dataclass(frozen=True, slots=True)
class InputLimits:
    """The numbers one session's input is held to (``PortalConfig`` supplies them).

    Args:
        lines_per_second, line_burst: complete lines accepted per second, and at once.
        bytes_per_second, byte_burst: raw bytes read per second, and at once.
        abuse_seconds: how long a session may stay over a limit before it is disconnected.
    """

    lines_per_second: float = 20.0
    line_burst: int = 100
    bytes_per_second: float = 32 * 1024
    byte_burst: int = 192 * 1024
    abuse_seconds: float = 10.0

    def __post_init__(self) -> None:
        for name in ("lines_per_second", "line_burst", "bytes_per_second", "byte_burst"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive, not {getattr(self, name)!r}")
        if not self.abuse_seconds > 0:
            raise ValueError(f"abuse_seconds must be positive, not {self.abuse_seconds!r}")


@dataclass(frozen=True, slots=True)
class Settlement:
    """What to do after a batch of input was charged.

    ``pause`` is how many seconds to stop reading (0: go on), ``dropped`` the lines dropped
    since the last notice (tell the player when ``notify``), and ``abusive`` says the session
    has been over its limits for ``abuse_seconds``: disconnect it.
    """

    pause: float
    dropped: int
    notify: bool
    abusive: bool


class _Bucket:
    """A token bucket that may go into debt (bytes already read cannot be refused)."""

    __slots__ = ("burst", "rate", "tokens", "updated")

    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst, self.tokens = rate, burst, burst
        self.updated: float | None = None

    def refill(self, now: float) -> None:
        if self.updated is not None and now > self.updated:
            self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        if self.updated is None or now > self.updated:
            self.updated = now

    def wait(self, need: float) -> float:
        """Seconds until ``need`` tokens are there (0 when they are)."""
        return max(0.0, (need - self.tokens) / self.rate)


class InputLimiter:
    """One session's input budget. Charge bytes and lines as they come, then ``settle``."""

    def __init__(self, limits: InputLimits) -> None:
        self.limits = limits
        self._bytes = _Bucket(limits.bytes_per_second, float(limits.byte_burst))
        self._lines = _Bucket(limits.lines_per_second, float(limits.line_burst))
        self._over_since: float | None = None
        self._dropped = 0  # lines dropped in this episode, not yet reported
        self._told = False
        self._over_now = False
        self.total_dropped = 0

    def charge_bytes(self, size: int, now: float) -> None:
        """Count ``size`` bytes just read (they are never refused; reading pauses instead)."""
        self._bytes.refill(now)
        self._bytes.tokens -= size
        if self._bytes.tokens < 0:
            self._over_now = True

    def admit_line(self, now: float) -> bool:
        """Return whether one more complete line may go to the game (False: drop it)."""
        bucket = self._lines
        bucket.refill(now)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return True
        self._dropped += 1
        self.total_dropped += 1
        self._over_now = True
        return False

    def admit_lines(self, count: int, now: float) -> int:
        """Admit up to ``count`` lines at once; return how many (the rest are dropped)."""
        bucket = self._lines
        bucket.refill(now)
        admitted = min(count, max(0, int(bucket.tokens)))
        bucket.tokens -= admitted
        if admitted < count:
            self._dropped += count - admitted
            self.total_dropped += count - admitted
            self._over_now = True
        return admitted

    def settle(self, now: float) -> Settlement:
        """Close the batch charged since the last call and say what to do (see Settlement)."""
        over, self._over_now = self._over_now, False
        if not over:
            self._over_since = None
            self._told = False
            return Settlement(0.0, 0, False, False)
        if self._over_since is None:
            self._over_since = now
        abusive = now - self._over_since >= self.limits.abuse_seconds
        pause = max(self._bytes.wait(0.0), self._lines.wait(1.0) if self._dropped else 0.0)
        dropped, notify = self._dropped, bool(self._dropped) and not self._told
        if notify:
            self._told = True
            self._dropped = 0
        return Settlement(pause, dropped, notify, abusive)
