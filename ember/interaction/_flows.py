"""Running interactive functions: ``Flow`` handles, and the per-loop set that owns their tasks."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import traceback
import weakref
from collections.abc import Coroutine, Generator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ember.interaction._ask import QuestionAbortedError, current_caller
from ember.interaction._durable import current_run
from ember.interaction._errors import TooManyWaitingError
from ember.interaction._questions import Caller
from ember.scheduling._journal import step_hook

__all__ = [
    "Flow",
    "FlowStatistics",
    "Flows",
    "error_id",
    "get_flows",
    "report_error",
    "reported_id",
]

log = logging.getLogger("ember.interaction")

T = TypeVar("T")


# Set on an exception once it has been reported, so code that awaited the failing work (a
# command awaiting a flow) does not report it a second time. Exceptions carry a __dict__, but
# cannot be weakly referenced, so an attribute is the simplest mark that dies with them.
_ERROR_ID = "_ember_error_id"


def error_id(error: BaseException) -> str:
    """Return the short id (6 hex digits) of ``error`` for the player and the log, giving it
    one on first use. The player quotes it; searching the log for it finds the traceback."""
    found = reported_id(error)
    if found is None:
        found = secrets.token_hex(3)
        # An exception class with __slots__ cannot be marked: it is reported, unmarked.
        with contextlib.suppress(AttributeError):
            setattr(error, _ERROR_ID, found)
    return found


def reported_id(error: BaseException) -> str | None:
    """Return the error id ``error`` was reported under, or None if it has not been."""
    found = getattr(error, _ERROR_ID, None)
    return found if isinstance(found, str) else None


def report_error(caller: Caller | None, what: str, error: BaseException) -> None:
    """Log ``error`` with its traceback and an error id; tell ``caller`` in one line with that
    id (Developers: the traceback too). An error reported once already is not reported again."""
    if reported_id(error) is not None:
        log.debug("%s failed with an error reported already (error id %s)", what, error_id(error))
        return
    ident = error_id(error)
    log.error(
        "%s failed [error id %s] (caller %r): %s: %s",
        what,
        ident,
        caller,
        type(error).__name__,
        error,
        exc_info=error,
        extra={"error_id": ident},
    )
    if caller is None:
        return
    try:
        caller.msg(f"An error occurred in {what} (error id {ident}); it has been logged.")
        if getattr(caller, "is_developer", False):
            caller.msg("".join(traceback.format_exception(error)).rstrip())
    except Exception:
        log.exception("telling %r about the error failed", caller)


class Flow(Generic[T]):
    """A running interactive function: ``await flow`` gives its result (or raises its error).

    Calling an ``@interactive`` function returns one at once. ``cancel()`` stops the function
    (it receives ``asyncio.CancelledError`` where it waits, so its ``finally:`` blocks run).
    """

    __slots__ = ("_task", "caller", "durable", "name")

    def __init__(
        self, task: asyncio.Task[T], caller: Caller | None, name: str, *, durable: bool = False
    ) -> None:
        self._task, self.caller, self.name = task, caller, name
        #: Whether it is a durable flow (a reload suspends it instead of interrupting it).
        self.durable = durable

    def done(self) -> bool:
        """Return whether the function has finished (returned, failed or was cancelled)."""
        return self._task.done()

    def cancelled(self) -> bool:
        """Return whether the function was cancelled."""
        return self._task.cancelled()

    def result(self) -> T:
        """Return the result of a finished function (raises its error, or InvalidStateError)."""
        return self._task.result()

    def cancel(self) -> bool:
        """Stop the function where it waits; return False if it had finished already."""
        return self._task.cancel()

    def __await__(self) -> Generator[Any, None, T]:
        return self._task.__await__()

    def __repr__(self) -> str:
        state = "done" if self.done() else "running"
        return f"<Flow {self.name} {state} caller={self.caller!r}>"


@dataclass(frozen=True, slots=True)
class FlowStatistics:
    """A snapshot of the interactive functions of one loop, for ``bench/`` and status."""

    running: int
    started: int
    failed: int
    cancelled: int


class Flows:
    """Every interactive function running on one loop, each in a task this object owns.

    Errors are logged once here (with the traceback) and the caller told; a reload or
    shutdown calls :meth:`cancel_all`. With ``max_per_caller`` set (the server sets it from
    ``MAX_FLOWS_RUNNING``), starting one more for a caller who has that many running tells
    them and raises :class:`TooManyWaitingError` at the call.
    """

    def __init__(self, *, max_per_caller: int | None = None) -> None:
        self._running: dict[asyncio.Task[Any], Flow[Any]] = {}
        self._per_caller: dict[Caller, int] = {}
        self._started = self._failed = self._cancelled = 0
        self.max_per_caller = max_per_caller

    def start(
        self,
        work: Coroutine[Any, Any, T],
        caller: Caller | None,
        name: str,
        *,
        bounded: bool = True,
        durable: bool = False,
    ) -> Flow[T]:
        """Run ``work`` (an interactive function being driven) as a task; return its handle.

        ``bounded=False`` (a durable flow resumed after a restart) skips the per-caller bound.
        """
        limit = self.max_per_caller
        if (
            bounded
            and caller is not None
            and limit is not None
            and self._per_caller.get(caller, 0) >= limit
        ):
            work.close()
            caller.msg(
                f"You have {limit} things running already (the most allowed); {name} was not"
                " started. Wait for one to finish."
            )
            raise TooManyWaitingError(
                f"{caller!r} has {limit} interactive functions running (MAX_FLOWS_RUNNING); "
                f"{name} was not started"
            )
        if caller is not None:
            self._per_caller[caller] = self._per_caller.get(caller, 0) + 1
        task = asyncio.get_running_loop().create_task(
            self._main(work, caller, name), name=f"interactive {name}"
        )
        flow = Flow(task, caller, name, durable=durable or not bounded)
        self._running[task] = flow
        self._started += 1
        task.add_done_callback(self._finished)
        return flow

    async def _main(self, work: Coroutine[Any, Any, T], caller: Caller | None, name: str) -> T:
        current_caller.set(caller)
        # Started from inside a durable flow, a flow is not one of its steps.
        current_run.set(None)
        step_hook.set(None)
        try:
            return await work
        except QuestionAbortedError:
            raise  # the player was told; nothing to log
        except Exception as error:
            self._failed += 1
            report_error(caller, name, error)
            raise

    def _finished(self, task: asyncio.Task[Any]) -> None:
        flow = self._running.pop(task, None)
        caller = flow.caller if flow is not None else None
        if caller is not None:
            left = self._per_caller.get(caller, 1) - 1
            if left > 0:
                self._per_caller[caller] = left
            else:
                self._per_caller.pop(caller, None)
        if task.cancelled():
            self._cancelled += 1
        else:
            task.exception()  # reported in _main already: mark it retrieved

    def running(self) -> list[Flow[Any]]:
        """Return the flows still running, oldest first."""
        return list(self._running.values())

    async def cancel_all(self) -> list[Flow[Any]]:
        """Cancel every running flow, wait until each has finished; return them."""
        flows = self.running()
        for flow in flows:
            flow.cancel()
        await asyncio.gather(*(flow._task for flow in flows), return_exceptions=True)
        return flows

    def statistics(self) -> FlowStatistics:
        """Return counts of running, started, failed and cancelled flows."""
        return FlowStatistics(len(self._running), self._started, self._failed, self._cancelled)


_flows: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Flows] = weakref.WeakKeyDictionary()


def get_flows() -> Flows:
    """Return the :class:`Flows` of the running loop (created on first use)."""
    loop = asyncio.get_running_loop()
    flows = _flows.get(loop)
    if flows is None:
        flows = _flows[loop] = Flows()
    return flows
