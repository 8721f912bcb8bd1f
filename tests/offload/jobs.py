"""Module-level job functions for the offload tests (worker processes import them by name)."""

from __future__ import annotations

import os
import sys
import threading
import time

from ember.offload import report_progress


class Unpicklable:
    """Holds a lock, so it cannot be pickled."""

    def __init__(self) -> None:
        self.lock = threading.Lock()


def add(a: int, b: int = 0, *, scale: int = 1) -> int:
    return (a + b) * scale


def where() -> tuple[int, int]:
    """Return (pid, thread id) of wherever the job ran."""
    return os.getpid(), threading.get_ident()


def boom(message: str) -> None:
    raise KeyError(message)


def sleep_forever() -> None:
    while True:
        time.sleep(0.05)
        report_progress(0.5, "waiting")


def spin(seconds: float, label: str = "Crunching") -> int:
    """Pure-Python CPU work for ``seconds``, reporting progress; returns the loop count."""
    start = time.monotonic()
    count = 0
    while (elapsed := time.monotonic() - start) < seconds:
        for _ in range(2000):
            count += 1
        report_progress(elapsed / seconds, label)
    report_progress(1.0, label)
    return count


def unpicklable_result() -> Unpicklable:
    return Unpicklable()


def pid_then_sleep(path: str) -> None:
    """Write this worker's pid to ``path``, then run until killed."""
    with open(path, "w") as file:
        file.write(str(os.getpid()))
    while True:
        time.sleep(0.05)


def switch_interval() -> float:
    """Return the GIL switch interval as the job sees it."""
    return sys.getswitchinterval()


def doze(seconds: float) -> None:
    """Sleep for ``seconds`` (blocking, but off the CPU and without the GIL)."""
    time.sleep(seconds)


def burn(seconds: float) -> int:
    """Pure-Python CPU work for ``seconds`` that never releases the GIL by itself."""
    end = time.monotonic() + seconds
    count = 0
    while time.monotonic() < end:
        count += 1
    return count
