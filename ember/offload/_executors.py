"""The executor interface, and the two in-process executors: the game loop and a thread pool."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import inspect
import threading
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, Protocol, TypeVar

from ember.errors import WrongThreadError
from ember.offload._gil import ThreadJobGuard
from ember.offload._job import Call
from ember.offload._progress import reporting_to
from ember.offload._statistics import ExecutorStatistics, LoopStatistics, ThreadStatistics

__all__ = ["Executor", "LoopExecutor", "ThreadExecutor", "call_on_loop"]

_T = TypeVar("_T")

_job_loop: ContextVar[asyncio.AbstractEventLoop | None] = ContextVar("ember_job_loop", default=None)


class Executor(Protocol):
    """Where jobs run. ``check`` runs at the ``run_async`` call (so bad input fails there);
    ``run`` runs the call and returns its result, stopping it when cancelled."""

    name: str

    def check(self, call: Call) -> None:
        """Raise if ``call`` cannot run here (e.g. cannot be sent to a process)."""

    async def run(self, call: Call) -> Any:
        """Run ``call``, return its result or raise its error."""

    async def shutdown(self) -> None:
        """Stop every worker; nothing is left running afterwards."""

    def statistics(self) -> ExecutorStatistics:
        """Return a snapshot of counts (a frozen record) for ``tasks``/``bench``."""


class LoopExecutor:
    """Runs ``async def`` functions (and, if asked, plain ones) on the game loop itself."""

    name = "loop"

    def __init__(self) -> None:
        self.started = 0

    def check(self, call: Call) -> None:
        """Anything can run on the loop."""

    async def run(self, call: Call) -> Any:
        """Await the coroutine (or call the plain function) with progress reporting on."""
        self.started += 1
        with reporting_to(call.report):
            result = call.func(*call.args, **call.kwargs)
            if inspect.isawaitable(result):
                result = await result
        return result

    async def shutdown(self) -> None:
        """Nothing to stop: the jobs themselves are cancelled by the offloader."""

    def statistics(self) -> LoopStatistics:
        """Return how many jobs were started."""
        return LoopStatistics(started=self.started)


class ThreadExecutor:
    """Runs plain functions in threads, at most ``size`` at once: for blocking I/O and C code
    that releases the GIL.

    Cancelling is best effort: a thread cannot be stopped from outside, so a cancelled job's
    next ``report_progress`` raises ``CancelledError`` inside it, and its result is dropped.
    The threads are daemon threads, so one stuck in a call that never returns cannot hold up
    a reload (``concurrent.futures`` would join it at exit). ``guard`` keeps the loop
    responsive meanwhile (a shorter GIL switch interval, a warning for CPU-heavy jobs).
    """

    name = "thread"

    def __init__(self, size: int, guard: ThreadJobGuard | None = None) -> None:
        self.size = size
        self.guard = guard if guard is not None else ThreadJobGuard()
        self._slots: asyncio.Semaphore | None = None
        self.started = 0
        self.running = 0

    def check(self, call: Call) -> None:
        """Any callable can run in a thread."""

    async def run(self, call: Call) -> Any:
        """Run the call in a thread; progress and the outcome hop back to the loop."""
        loop = asyncio.get_running_loop()
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.size)
        cancelled = threading.Event()

        def report(fraction: float, label: str | None) -> None:
            if cancelled.is_set():
                raise asyncio.CancelledError(f"{call.name} was cancelled")
            loop.call_soon_threadsafe(call.report, fraction, label)

        def work() -> Any:
            _job_loop.set(loop)
            with reporting_to(report):
                return call.func(*call.args, **call.kwargs)

        async with self._slots:
            answer: asyncio.Future[Any] = loop.create_future()

            def target() -> None:
                try:
                    # A fresh context: the job sees none of the caller's context variables.
                    result = contextvars.Context().run(work)
                except BaseException as error:
                    _deliver(loop, answer, None, error)
                else:
                    _deliver(loop, answer, result, None)

            self.started += 1
            self.running += 1
            key = self.started
            try:
                thread = threading.Thread(target=target, name="ember-offload", daemon=True)
                thread.start()
                self.guard.started(key, call.name, thread.ident)
                return await answer
            except asyncio.CancelledError:
                cancelled.set()
                raise
            finally:
                self.guard.ended(key)
                self.running -= 1

    async def shutdown(self) -> None:
        """Nothing to stop: jobs were cancelled; threads still running are abandoned."""

    def statistics(self) -> ThreadStatistics:
        """Return the limit, jobs started and running."""
        return ThreadStatistics(size=self.size, started=self.started, running=self.running)


def _deliver(
    loop: asyncio.AbstractEventLoop,
    answer: asyncio.Future[Any],
    result: Any,
    error: BaseException | None,
) -> None:
    def settle() -> None:
        if answer.done():  # cancelled meanwhile: nobody wants it
            return
        if error is not None:
            answer.set_exception(error)
        else:
            answer.set_result(result)

    with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits any more
        loop.call_soon_threadsafe(settle)


def call_on_loop(func: Callable[..., _T], /, *args: Any, **kwargs: Any) -> _T:
    """From a job running in a worker thread, run ``func(*args, **kwargs)`` on the game loop
    and return its result (or raise its error). Game state is only safe to touch this way.

    ``func`` may be a plain function or an ``async def``. The worker thread waits meanwhile.

    Raises:
        WrongThreadError: called on the game loop itself (call ``func`` directly there), or
            outside a thread job started by ``run_async`` (process and cluster jobs run in
            another process: return data to ``at_return`` instead).

    Example::

        def work(name):
            data = slow_download()
            room = call_on_loop(find_room, name)   # safe: runs on the game loop
            return len(data)
    """
    loop = _job_loop.get()
    if loop is None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            raise WrongThreadError(
                f"call_on_loop({getattr(func, '__name__', func)!r}) works only inside a job "
                "that run_async runs in a thread; a process or cluster job cannot reach the "
                "game loop: return the data and use at_return"
            ) from None
        raise WrongThreadError(
            "call_on_loop() was called on the game loop itself, where it would wait forever; "
            "call the function directly"
        )
    if inspect.iscoroutinefunction(func):
        result: _T = asyncio.run_coroutine_threadsafe(func(*args, **kwargs), loop).result()
        return result

    async def on_loop() -> _T:
        return func(*args, **kwargs)

    return asyncio.run_coroutine_threadsafe(on_loop(), loop).result()
