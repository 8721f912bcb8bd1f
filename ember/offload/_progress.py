"""Progress of background jobs: ``report_progress`` in job code, throttled on both ends.

One vocabulary throughout: job code *reports* (``report_progress``, a ``Reporter`` set by
``reporting_to`` in whatever thread, process or Dask worker runs it); each report reaches the
loop as ``Call.report`` and its job's ``ProgressRelay``, which throttles it and hands it to the
job's *progress sink* (``ProgressSink``): the one that was current when the job started
(``progress_sink``, set by the game around each command), or one set later with
``Job.set_progress_sink``. The game's sink sends the link message ``progress`` to a session.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar

__all__ = [
    "PROGRESS_INTERVAL",
    "ProgressRelay",
    "ProgressSink",
    "progress_sink",
    "report_progress",
]

#: Seconds between two progress updates of one job reaching a player (the last one always does).
PROGRESS_INTERVAL = 0.25
#: Seconds between two reports a worker sends to the game (a cheap first filter).
_WORKER_INTERVAL = 0.05

ProgressSink = Callable[[str, float, str | None], None]
"""Where a job's progress goes: ``sink(job_name, fraction, label)``, called on the game loop."""

Reporter = Callable[[float, str | None], None]

_reporter: ContextVar[Reporter | None] = ContextVar("ember_progress_reporter", default=None)
_sink: ContextVar[ProgressSink | None] = ContextVar("ember_progress_sink", default=None)


def report_progress(fraction: float, label: str | None = None) -> None:
    """Report how far the running background job is, from 0.0 to 1.0, with an optional label.

    Call it from a function run by :func:`ember.run_async`, whatever executor runs it
    (the loop, a thread, a process or a Dask worker). The player who started the job sees one
    updating line (telnet) or bar (web), at most every ``PROGRESS_INTERVAL`` seconds. Outside
    a job it does nothing, so the function still runs when called directly.

    Raises:
        ValueError: ``fraction`` is not a finite number.

    Example::

        def crunch(n):
            for i in range(n):
                ...
                report_progress(i / n, "Crunching")
    """
    fraction = float(fraction)
    if not math.isfinite(fraction):
        raise ValueError(f"progress fraction must be finite, not {fraction!r}")
    reporter = _reporter.get()
    if reporter is not None:
        reporter(min(1.0, max(0.0, fraction)), label)


@contextlib.contextmanager
def reporting_to(reporter: Reporter | None) -> Iterator[None]:
    """Make ``report_progress`` call ``reporter`` (worker-side throttled) inside the block."""
    token = _reporter.set(throttled(reporter) if reporter is not None else None)
    try:
        yield
    finally:
        _reporter.reset(token)


def throttled(reporter: Reporter, interval: float = _WORKER_INTERVAL) -> Reporter:
    """Return a reporter passing on the first report, then one per ``interval``, and 1.0."""
    last = -math.inf

    def report(fraction: float, label: str | None) -> None:
        nonlocal last
        now = time.monotonic()
        if fraction >= 1.0 or now - last >= interval:
            last = now
            reporter(fraction, label)

    return report


@contextlib.contextmanager
def progress_sink(sink: ProgressSink | None) -> Iterator[None]:
    """Send the progress of jobs started inside the block to ``sink`` (the game sets this
    around each command, so a job's progress reaches the player who typed it)."""
    token = _sink.set(sink)
    try:
        yield
    finally:
        _sink.reset(token)


def current_progress_sink() -> ProgressSink | None:
    """Return the sink jobs started now would report to."""
    return _sink.get()


class ProgressRelay:
    """Loop side of one job's progress: keeps the latest value and passes it on throttled.

    The first update goes out at once; later ones at most every ``interval`` seconds (the
    newest value wins); a fraction of 1.0 and the last value before the job ends are never lost.
    """

    def __init__(
        self, name: str, sink: ProgressSink | None, *, interval: float = PROGRESS_INTERVAL
    ) -> None:
        self.name, self.sink, self.interval = name, sink, interval
        self.fraction: float | None = None
        self.label: str | None = None
        self.sent = 0
        self._sent_at = -math.inf
        self._pending = False
        self._timer: asyncio.TimerHandle | None = None
        self.closed = False

    def update(self, fraction: float, label: str | None) -> None:
        """Take a report (on the loop thread); reports trailing the job's end are dropped."""
        if self.closed:
            return
        self.fraction, self.label = fraction, label
        self._pending = True
        now = time.monotonic()
        if fraction >= 1.0 or now - self._sent_at >= self.interval:
            self.flush()
        elif self._timer is None:
            delay = self._sent_at + self.interval - now
            self._timer = asyncio.get_running_loop().call_later(delay, self.flush)

    def close(self) -> None:
        """The job ended: send what is waiting, then ignore late reports."""
        self.flush()
        self.closed = True

    def flush(self) -> None:
        """Send the newest report now if one is waiting."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._pending or self.fraction is None:
            return
        self._pending = False
        self._sent_at = time.monotonic()
        if self.sink is not None:
            self.sent += 1
            self.sink(self.name, self.fraction, self.label)
