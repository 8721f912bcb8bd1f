"""What runs inside a worker process or on a Dask worker: the job loop and progress plumbing.

Kept free of asyncio and game imports, so a fresh worker process starts fast.
"""

from __future__ import annotations

import pickle
import signal
import threading
import traceback
from concurrent.futures import CancelledError
from multiprocessing.connection import Connection
from typing import Any

from ember.offload._progress import reporting_to

__all__ = ["RemoteError", "RemoteTraceback", "cluster_job", "process_main"]


class RemoteTraceback(Exception):  # noqa: N818 (the name concurrent.futures uses)
    """The traceback of an error raised in a worker, attached as the error's ``__cause__``."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def __str__(self) -> str:
        return f'\n"""\n{self.text}"""'


class RemoteError(Exception):
    """Stands for an error raised in a worker whose own exception could not be sent back."""


def _error_message(error: BaseException) -> tuple[str, BaseException, str]:
    """Return ``("error", error, traceback text)``: tracebacks and causes do not pickle, so the
    text travels beside it; an error that does not pickle becomes a :class:`RemoteError`."""
    text = "".join(traceback.format_exception(error))
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        error = RemoteError(f"{type(error).__module__}.{type(error).__qualname__}: {error}")
    error.__traceback__ = None
    error.__context__ = error.__cause__ = None
    return ("error", error, text)


def process_main(conn: Connection) -> None:
    """A process worker: receive a pickled call, run it, send back the outcome; until EOF."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C is the game's to handle
    lock = threading.Lock()  # a job may report progress from its own threads

    def send(message: tuple[Any, ...]) -> None:
        with lock:
            conn.send_bytes(pickle.dumps(message, pickle.HIGHEST_PROTOCOL))

    def report(fraction: float, label: str | None) -> None:
        send(("progress", fraction, label))

    while True:
        try:
            data = conn.recv_bytes()
        except (EOFError, OSError):
            return
        try:
            func, args, kwargs = pickle.loads(data)
            with reporting_to(report):
                outcome: tuple[Any, ...] = ("ok", func(*args, **kwargs))
        except BaseException as error:
            outcome = _error_message(error)
        try:
            payload = pickle.dumps(outcome, pickle.HIGHEST_PROTOCOL)
        except Exception as error:
            what = type(outcome[1]).__qualname__
            payload = pickle.dumps(("unsendable", f"a {what} result cannot be sent back: {error}"))
        try:
            with lock:
                conn.send_bytes(payload)
        except (EOFError, OSError):
            return


def cluster_job(func: Any, args: tuple[Any, ...], kwargs: dict[str, Any], topic: str) -> Any:
    """Run one job on a Dask worker, sending ``report_progress`` calls to the game as events."""
    from distributed import get_worker

    worker = get_worker()
    key = worker.get_current_task()

    def report(fraction: float, label: str | None) -> None:
        # Dask cannot stop a running task: a cancelled one stops here, at its next report.
        task = worker.state.tasks.get(key)
        if task is None or task.state in ("cancelled", "released", "forgotten"):
            raise CancelledError(f"{getattr(func, '__qualname__', func)} was cancelled")
        worker.log_event(topic, {"fraction": fraction, "label": label})

    with reporting_to(report):
        return func(*args, **kwargs)
