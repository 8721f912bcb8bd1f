"""A background job: what to call, and the awaitable, cancellable handle ``run_async`` returns."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Callable, Generator, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from ember.errors import EmberError
from ember.offload._progress import ProgressRelay, ProgressSink
from ember.scheduling._journal import step_hook

__all__ = [
    "Call",
    "ExecutorUnavailableError",
    "Job",
    "NotSendableError",
    "WorkerLostError",
    "jobs_owned_by",
]

_ids = itertools.count(1)

_owner: ContextVar[str | None] = ContextVar("ember_job_owner", default=None)


@contextlib.contextmanager
def jobs_owned_by(owner: str | None) -> Iterator[None]:
    """Within the block (and in tasks created in it), jobs started belong to ``owner`` (a key
    such as ``"account:7"``), so the ``tasks`` command can show a player their own jobs."""
    token = _owner.set(owner)
    try:
        yield
    finally:
        _owner.reset(token)


class NotSendableError(EmberError, TypeError):
    """A function, argument or result cannot be sent to (or back from) a process or cluster."""


class ExecutorUnavailableError(EmberError, RuntimeError):
    """The executor asked for is not configured (no ``CLUSTER_ADDRESS``) or not installed."""


class WorkerLostError(EmberError, RuntimeError):
    """The worker process running a job exited before answering."""


@dataclass(slots=True)
class Call:
    """One function call to run somewhere, with its loop-side progress relay."""

    func: Callable[..., Any]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    name: str
    relay: ProgressRelay
    #: Filled in by an executor's ``check`` (the pickled call for a process pool).
    payload: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    def report(self, fraction: float, label: str | None) -> None:
        """Take a progress report on the loop thread."""
        self.relay.update(fraction, label)


class Job:
    """The handle of one background job, returned by :func:`ember.run_async` at once.

    ``await job`` gives the function's result or raises its error (also a ``TimeoutError``
    or ``asyncio.CancelledError``); ``job.cancel()`` stops it (for a thread: only once it
    next calls ``report_progress``; a process is killed; a Dask task is released);
    ``job.progress`` is the last reported fraction.
    """

    def __init__(self, call: Call, executor: str) -> None:
        self.id = next(_ids)
        self.call = call
        self.name = call.name
        self.executor = executor
        self.task: asyncio.Task[None] | None = None
        self.outcome: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.awaited = False
        self.cancel_message: str | None = None
        #: Who started it (see :func:`jobs_owned_by`), and when (monotonic seconds).
        self.owner = _owner.get()
        self.started = time.monotonic()

    @property
    def key(self) -> str:
        """The job's name in ``progress`` link messages (``job-<id>``)."""
        return f"job-{self.id}"

    @property
    def progress(self) -> float | None:
        """The last fraction the job reported, or None."""
        return self.call.relay.fraction

    @property
    def label(self) -> str | None:
        """The label of the last progress report, or None."""
        return self.call.relay.label

    @property
    def elapsed(self) -> float:
        """Seconds since the job started."""
        return time.monotonic() - self.started

    def done(self) -> bool:
        """Whether the job has finished (with a result, an error or by cancellation)."""
        return self.outcome.done()

    def cancel(self, message: str | None = None) -> bool:
        """Stop the job; its ``at_err`` gets a ``CancelledError``. False if already done."""
        if self.outcome.done() or self.task is None:
            return False
        self.cancel_message = message or f"{self.name} was cancelled"
        return self.task.cancel(self.cancel_message)

    def result(self) -> Any:
        """Return the result of a finished job (or raise its error)."""
        return self.outcome.result()

    def set_progress_sink(self, sink: ProgressSink | None) -> None:
        """Send this job's progress to ``sink(job_key, fraction, label)`` from now on."""
        self.call.relay.sink = sink

    async def _wait(self) -> Any:
        try:
            return await asyncio.shield(self.outcome)
        except asyncio.CancelledError:
            if not self.outcome.done():  # the awaiting task was cancelled: so is the job
                self.cancel()
            raise

    def __await__(self) -> Generator[Any, None, Any]:
        self.awaited = True
        hook = step_hook.get()
        if hook is not None:  # awaited by an async def durable flow: one of its steps
            step = hook(self)
            if step is not None:
                return step.__await__()
        return self._wait().__await__()

    def __repr__(self) -> str:
        state = "done" if self.done() else "running"
        return f"<Job {self.id} {self.name} on {self.executor} {state}>"
