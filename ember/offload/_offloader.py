"""``run_async``: start a job on an executor, deliver its outcome to callbacks on the game loop."""

from __future__ import annotations

import asyncio
import inspect
import logging
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from ember.errors import WrongThreadError
from ember.offload._cluster import ClusterExecutor
from ember.offload._executors import Executor, LoopExecutor, ThreadExecutor
from ember.offload._gil import THREAD_LAG_WARNING, THREAD_SWITCH_INTERVAL, ThreadJobGuard
from ember.offload._job import Call, Job
from ember.offload._kinds import EXECUTORS
from ember.offload._process import ProcessExecutor
from ember.offload._progress import PROGRESS_INTERVAL, ProgressRelay, current_progress_sink
from ember.offload._statistics import OffloadStatistics
from ember.scheduling import callback_name

__all__ = [
    "EXECUTORS",
    "RUN_ASYNC_RESERVED_KEYWORDS",
    "JobOptions",
    "Offloader",
    "get_offloader",
    "install_offloader",
    "run_async",
]

log = logging.getLogger("ember.offload")

Callback = Callable[..., Any]


@dataclass(frozen=True, slots=True)
class JobOptions:
    """``run_async``'s own keywords for one job, as :func:`run_async` describes them."""

    at_return: Callback | None = None
    at_return_kwargs: dict[str, Any] | None = None
    at_err: Callback | None = None
    at_err_kwargs: dict[str, Any] | None = None
    executor: str | None = None
    timeout: float | None = None

    def check(self) -> None:
        """Raise ``TypeError`` for a callback that cannot be called or keyword arguments that
        are not a dict, ``ValueError`` for a timeout that is not a positive number."""
        for label, callback in (("at_return", self.at_return), ("at_err", self.at_err)):
            if callback is not None and not callable(callback):
                raise TypeError(f"{label} must be callable, got {callback!r}")
        for label, extra in (
            ("at_return_kwargs", self.at_return_kwargs),
            ("at_err_kwargs", self.at_err_kwargs),
        ):
            if extra is not None and not isinstance(extra, dict):
                raise TypeError(f"{label} must be a dict, got {extra!r}")
        timeout = self.timeout
        if timeout is not None and not (isinstance(timeout, int | float) and timeout > 0):
            raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")


#: Keywords ``run_async`` keeps for itself; every other keyword goes to the function.
RUN_ASYNC_RESERVED_KEYWORDS = frozenset(field.name for field in fields(JobOptions))


class Offloader:
    """Owns the executors of one game loop, starts them lazily and shuts them all down.

    The server makes one from settings (``EXECUTOR_DEFAULT``, ``EXECUTOR_THREADS``,
    ``EXECUTOR_PROCESSES``, ``CLUSTER_ADDRESS``, ``EXECUTOR_THREAD_SWITCH_INTERVAL``,
    ``EXECUTOR_THREAD_LAG_WARNING``); standalone code gets a default one from
    :func:`get_offloader`.
    """

    def __init__(
        self,
        *,
        default: str = "thread",
        threads: int = 4,
        processes: int = 2,
        cluster_address: str = "",
        start_method: str | None = None,
        game_dir: Path | None = None,
        progress_interval: float = PROGRESS_INTERVAL,
        thread_switch_interval: float = THREAD_SWITCH_INTERVAL,
        thread_lag_warning: float = THREAD_LAG_WARNING,
    ) -> None:
        _check_name(default, "EXECUTOR_DEFAULT")
        self.loop = asyncio.get_running_loop()
        self.default = default
        self.progress_interval = progress_interval
        self._thread = threading.get_ident()
        self._factories: dict[str, Callable[[], Executor]] = {
            "loop": LoopExecutor,
            "thread": lambda: ThreadExecutor(
                threads,
                ThreadJobGuard(
                    switch_interval=thread_switch_interval, lag_warning=thread_lag_warning
                ),
            ),
            "process": lambda: ProcessExecutor(processes, start_method),
            "cluster": lambda: ClusterExecutor(cluster_address, game_dir=game_dir),
        }
        self.executors: dict[str, Executor] = {}
        self.jobs: set[Job] = set()
        self.closed = False
        self.finished = self.failed = 0

    def executor(self, name: str) -> Executor:
        """Return the executor called ``name``, creating it (not its workers) on first use."""
        executor = self.executors.get(name)
        if executor is None:
            executor = self.executors[name] = self._factories[name]()
        return executor

    def submit(
        self,
        func: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        options: JobOptions | None = None,
    ) -> Job:
        """Validate everything, start the job and return its handle; see :func:`run_async`."""
        options = options if options is not None else JobOptions()
        if threading.get_ident() != self._thread:
            raise WrongThreadError(
                "run_async() was called from another thread; call it on the game loop "
                "(from worker code, use call_on_loop)"
            )
        if self.closed:
            raise RuntimeError("background work is shut down (the game is stopping)")
        name = callback_name(func) if callable(func) else repr(func)
        if not callable(func):
            raise TypeError(f"run_async needs a callable, got {func!r}")
        options.check()
        where = self._where(func, options.executor)
        relay = ProgressRelay("", current_progress_sink(), interval=self.progress_interval)
        call = Call(func, tuple(args), dict(kwargs), name, relay)
        runner = self.executor(where)
        runner.check(call)
        job = Job(call, where)
        relay.name = job.key
        job.task = self.loop.create_task(
            self._drive(job, runner, options), name=f"ember-job-{job.id} {name}"
        )
        self.jobs.add(job)
        job.task.add_done_callback(lambda _: self.jobs.discard(job))
        return job

    def _where(self, func: Callable[..., Any], executor: str | None) -> str:
        is_async = inspect.iscoroutinefunction(func)
        if executor is None:
            return "loop" if is_async else self.default
        _check_name(executor, "executor")
        if is_async and executor != "loop":
            raise ValueError(
                f"{callback_name(func)} is an async def function, which runs on the game loop; "
                f"executor={executor!r} needs a plain function"
            )
        return executor

    async def _drive(self, job: Job, runner: Executor, options: JobOptions) -> None:
        timeout = options.timeout
        error: BaseException | None = None
        result: Any = None
        try:
            async with asyncio.timeout(timeout) as scope:
                result = await runner.run(job.call)
        except asyncio.CancelledError as cancelled:
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()  # handled here: the callbacks below may use timeouts
            error = asyncio.CancelledError(job.cancel_message or f"{job.name} was cancelled")
            error.__cause__ = cancelled
        except TimeoutError as raised:
            if scope.expired():
                error = TimeoutError(f"{job.name} did not finish within {timeout} s")
                error.__cause__ = raised
            else:
                error = raised
        except Exception as raised:
            error = raised
        job.call.relay.close()
        if error is None:
            self.finished += 1
            job.outcome.set_result(result)
            if options.at_return is not None:
                extra = options.at_return_kwargs or {}
                await self._callback("at_return", job, options.at_return, result, extra)
            return
        self.failed += 1
        job.outcome.set_exception(error)
        if not job.awaited:
            job.outcome.exception()  # delivered to at_err or the log: mark it retrieved
        if options.at_err is not None:
            extra = options.at_err_kwargs or {}
            await self._callback("at_err", job, options.at_err, error, extra)
        elif isinstance(error, asyncio.CancelledError):
            log.warning("background job %s on %s: %s", job.name, job.executor, error)
        elif not job.awaited:
            log.error(
                "background job %s on %s failed: %s: %s",
                job.name,
                job.executor,
                type(error).__name__,
                error,
                exc_info=error,
            )

    async def _callback(
        self, label: str, job: Job, callback: Callback, value: Any, kwargs: dict[str, Any]
    ) -> None:
        try:
            outcome = callback(value, **kwargs)
            if inspect.isawaitable(outcome):
                await outcome
        except Exception as error:
            log.error(
                "the %s callback %s of background job %s failed: %s: %s",
                label,
                callback_name(callback),
                job.name,
                type(error).__name__,
                error,
                exc_info=error,
            )

    async def close(self, reason: str = "the game is stopping") -> None:
        """Cancel every running job (their ``at_err`` gets a ``CancelledError`` naming
        ``reason``), wait for their callbacks, then stop every pool and worker process."""
        self.closed = True
        jobs = list(self.jobs)
        for job in jobs:
            job.cancel(f"{job.name} was cancelled: {reason}")
        await asyncio.gather(*(job.task for job in jobs if job.task), return_exceptions=True)
        for name, executor in list(self.executors.items()):
            try:
                await executor.shutdown()
            except Exception:
                log.exception("shutting down the %s executor failed", name)
        if _offloaders.get(self.loop) is self:
            del _offloaders[self.loop]

    def running(self, owner: str | None = None) -> list[Job]:
        """Return the jobs still running, oldest first; only those of ``owner`` if given."""
        jobs = sorted(self.jobs, key=lambda job: job.id)
        return jobs if owner is None else [job for job in jobs if job.owner == owner]

    def statistics(self) -> OffloadStatistics:
        """Return running/finished/failed counts and each started executor's statistics."""
        return OffloadStatistics(
            running=len(self.jobs),
            finished=self.finished,
            failed=self.failed,
            default=self.default,
            executors={name: ex.statistics() for name, ex in self.executors.items()},
        )


def _check_name(name: object, what: str) -> None:
    if name not in EXECUTORS:
        raise ValueError(f"{what} must be one of {', '.join(map(repr, EXECUTORS))}, not {name!r}")


_offloaders: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Offloader] = (
    weakref.WeakKeyDictionary()
)


def get_offloader() -> Offloader:
    """Return the running loop's offloader, creating a default one (threads) on first use."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        raise WrongThreadError(
            "run_async() needs the game's running asyncio loop: call it from game code (a "
            "command, a callback) or async code, not from a worker thread"
        ) from None
    offloader = _offloaders.get(loop)
    if offloader is None or offloader.closed:
        offloader = _offloaders[loop] = Offloader()
    return offloader


def install_offloader(offloader: Offloader) -> Offloader:
    """Make ``offloader`` the one ``run_async`` uses on its loop (the server does this)."""
    _offloaders[offloader.loop] = offloader
    return offloader


def run_async(
    func: Callable[..., Any],
    /,
    *args: Any,
    at_return: Callback | None = None,
    at_return_kwargs: dict[str, Any] | None = None,
    at_err: Callback | None = None,
    at_err_kwargs: dict[str, Any] | None = None,
    executor: str | None = None,
    timeout: float | None = None,
    **kwargs: Any,
) -> Job:
    """Run ``func(*args, **kwargs)`` in the background; return a :class:`Job` handle at once.

    Where it runs: an ``async def`` on the game loop; a plain function on ``executor``:
    ``"thread"`` (a bounded pool, for blocking I/O), ``"process"`` (worker processes, for
    CPU-heavy pure Python), ``"cluster"`` (Dask, ``CLUSTER_ADDRESS``) or ``"loop"``; by
    default ``EXECUTOR_DEFAULT`` from settings. The keywords in
    ``RUN_ASYNC_RESERVED_KEYWORDS`` are run_async's own; all others go to ``func``.

    ``at_return(result, **at_return_kwargs)`` and ``at_err(error, **at_err_kwargs)`` run on
    the game loop, so they may touch game state. ``error`` is the original exception (from
    a process or cluster: the same type, with the worker's traceback as ``__cause__``), a
    ``TimeoutError`` after ``timeout`` seconds, or ``asyncio.CancelledError`` if the job was
    cancelled (also by a reload). Without ``at_err`` (and nobody awaiting), the error is
    logged with its traceback and the function's name. ``await job`` also gives the result.

    Raises (at the call, nothing is started):
        ValueError: an unknown executor, an ``async def`` sent elsewhere, a bad timeout.
        NotSendableError: ``func`` or an argument cannot be sent to a process or cluster.
        ExecutorUnavailableError: ``"cluster"`` without ``CLUSTER_ADDRESS`` (or Dask).
        WrongThreadError: called from a worker thread instead of the game loop.

    Example::

        def at_return_function(r):
            self.caller.msg(f"The final value is {r}")

        run_async(long_running_function, at_return=at_return_function, executor="process")
    """
    options = JobOptions(
        at_return=at_return,
        at_return_kwargs=at_return_kwargs,
        at_err=at_err,
        at_err_kwargs=at_err_kwargs,
        executor=executor,
        timeout=timeout,
    )
    return get_offloader().submit(func, args, kwargs, options)
