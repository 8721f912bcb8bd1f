"""Actions: a flow a character is busy with, which other commands wait for or interrupt.

``start_action(caller, "digging", flow)`` runs ``flow`` (a generator that yields like an
``@interactive`` function, or a coroutine) as the caller's one current action. While it
runs, the dispatcher asks each new command what to do (its ``interrupts_action``): refuse
with the action's busy message, run alongside, or interrupt. An interruption raises
:class:`ActionInterrupted` inside the flow, at the ``yield`` or ``await`` where it waits, with
the reason; the flow may catch it to tidy up ("You climb out of the hole.") or let it end
the action (then the caller hears "You stop digging.").

The flow is driven here step by step rather than cancelled, so what it receives is a real
exception it can name, not a bare ``asyncio.CancelledError``.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Coroutine
from typing import Any

from ember.interaction._driver import drive
from ember.interaction._questions import Caller
from ember.scheduling import get_scheduler

__all__ = [
    "TIDY_SECONDS",
    "Action",
    "ActionBusyError",
    "ActionInterrupted",
    "cancel_actions",
    "current_action",
    "start_action",
    "stop_action",
]

log = logging.getLogger("ember.interaction")

_actions: dict[int, Action] = {}  # id(caller) -> its running action
#: Seconds an interrupted flow may go on tidying up ("You climb out ...") before it is ended.
TIDY_SECONDS = 10.0


class ActionInterrupted(Exception):  # noqa: N818 - it is an event the flow acts on
    """Raised inside an action's flow where it waits, when a command interrupts it.

    ``reason`` says why in words (``"you moved north"``, ``"you stopped"``); ``by`` is the
    command word that did it, or ``None``.
    """

    def __init__(self, reason: str, by: str | None = None) -> None:
        super().__init__(reason)
        self.reason, self.by = reason, by


class ActionBusyError(RuntimeError):
    """``start_action`` while the caller is busy with another action."""


class Action:
    """One running action of a caller: its name, whether commands may interrupt it, its
    task. ``await action`` waits for its end and gives the flow's result (None if it ended
    by an interruption it did not catch)."""

    def __init__(self, caller: Caller, name: str, interruptible: bool, message: str | None) -> None:
        self.caller = caller
        self.name = name
        self.interruptible = interruptible
        self.message = message or (
            f"You are busy {name} (type 'stop' to stop)." if interruptible else
            f"You are busy {name}."
        )  # fmt: skip
        self.reason: str | None = None  # set once interrupted
        loop = asyncio.get_running_loop()
        self._interrupt: asyncio.Future[ActionInterrupted] = loop.create_future()
        self._settled = asyncio.Event()
        self.task: asyncio.Task[Any] | None = None

    @property
    def running(self) -> bool:
        """Whether the flow has not ended yet."""
        return self.task is not None and not self.task.done()

    @property
    def busy(self) -> bool:
        """Whether it can still be interrupted: running and not interrupted yet (a flow
        tidying up after its interruption is running but no longer busy)."""
        return self.running and self.reason is None

    def interrupt(self, reason: str, by: str | None = None) -> bool:
        """Raise :class:`ActionInterrupted` in the flow where it waits; return whether it was
        busy. The flow gets it once: a second call does nothing."""
        if not self.busy:
            return False
        self.reason = reason
        self._settled.clear()
        self._interrupt.set_result(ActionInterrupted(reason, by))
        clock = get_scheduler().clock
        clock.call_at(clock.monotonic() + TIDY_SECONDS, self._overdue)
        return True

    def _overdue(self) -> None:
        """The flow had :data:`TIDY_SECONDS` after its interruption and still runs: end it."""
        if self.running:
            assert self.task is not None
            log.warning(
                "action %r of %r was still tidying up %s s after its interruption; cancelled",
                self.name,
                self.caller,
                TIDY_SECONDS,
            )
            self.task.cancel()

    async def settled(self) -> None:
        """Return once the flow has taken an interruption in: it waits again or has ended."""
        if self.running:
            await self._settled.wait()

    def __await__(self) -> Any:
        assert self.task is not None
        return self.task.__await__()

    def __repr__(self) -> str:
        state = "interrupted" if self.reason else "running" if self.running else "ended"
        return f"<Action {self.name!r} {state}>"

    # -- driving the flow ----------------------------------------------------------------------

    async def _drive(self, coro: Coroutine[Any, Any, Any]) -> Any:
        """Run ``coro`` like a task would, but throw the interruption in where it waits."""
        error: BaseException | None = None
        while True:
            try:
                yielded = coro.send(None) if error is None else coro.throw(error)
            except StopIteration as stop:
                return stop.value
            finally:
                self._settled.set()
            error = None
            if yielded is None:  # a bare yield: let others run once
                await asyncio.sleep(0)
                continue
            yielded._asyncio_future_blocking = False
            if not self._interrupt.done():
                try:
                    await asyncio.wait((yielded, self._interrupt), return_when="FIRST_COMPLETED")
                except asyncio.CancelledError as cancel:
                    # As a task would: the flow gets the cancellation where it waits (the game
                    # stops, or its own asyncio.timeout() expired and turns it into an error).
                    yielded.cancel()
                    error = cancel
                    continue
            if not yielded.done():  # interrupted while waiting
                yielded.cancel()
                error = self._interrupt.result()
                # A flow tidying up may wait again; it is not interrupted twice.
                self._interrupt = asyncio.get_running_loop().create_future()


def current_action(caller: object) -> Action | None:
    """The action ``caller`` is busy with, or None. An interrupted action that is still
    tidying up counts (``action.reason`` is set then): until it ends, no other starts."""
    action = _actions.get(id(caller))
    if action is not None and action.caller is caller and action.running:
        return action
    return None


def start_action(
    caller: Caller,
    name: str,
    flow: Any,
    *,
    interruptible: bool = True,
    message: str | None = None,
) -> Action:
    """Make ``caller`` busy with ``name`` while ``flow`` runs; return the :class:`Action`.

    ``flow`` is a generator (it may ``yield`` seconds to pause, a question to ask, or an
    awaitable, as in an ``@interactive`` function), a coroutine, or a function taking no
    arguments that returns either. ``name`` reads after "You are busy ..." and "You stop
    ...": ``"digging"``. ``interruptible=False`` makes every command that would interrupt it
    wait instead (refused with ``message``); ``stop`` still ends it. Raises
    :class:`ActionBusyError` when ``caller`` is busy already, ``TypeError`` for a flow of
    another kind.

    Example::

        def dig(caller):
            caller.msg("You start digging.")
            try:
                yield 10
            except ActionInterrupted as why:
                caller.msg(f"You climb out of the hole ({why.reason}).")
                return
            caller.msg("You found a gem!")

        caller.start_action("digging", dig(caller))
    """
    if not callable(getattr(caller, "msg", None)):
        raise TypeError(f"an action needs a caller with a msg() method, got {caller!r}")
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"an action needs a name such as 'digging', got {name!r}")
    busy = current_action(caller)
    if busy is not None:
        raise ActionBusyError(f"{caller!r} is busy {busy.name} already: {busy.message}")

    work = flow() if callable(flow) and not inspect.isgenerator(flow) else flow
    if inspect.isgenerator(work):
        coro: Coroutine[Any, Any, Any] = drive(work, caller, name=name)
    elif inspect.iscoroutine(work):
        coro = work
    else:
        raise TypeError(
            f"an action's flow must be a generator or a coroutine (or a function returning "
            f"one), got {type(work).__name__}: {work!r:.60}"
        )
    action = Action(caller, name, interruptible, message)
    _actions[id(caller)] = action
    action.task = asyncio.get_running_loop().create_task(_run(action, coro), name=f"action {name}")
    return action


def stop_action(caller: object, reason: str = "you stopped", by: str | None = "stop") -> bool:
    """End ``caller``'s action (interruptible or not); return whether it was busy with one
    (an action already tidying up after an interruption is not interrupted again)."""
    action = current_action(caller)
    return action is not None and action.interrupt(reason, by)


async def cancel_actions() -> list[Action]:
    """Cancel every running action (the game stops); return them, for the notices."""
    running = [action for action in _actions.values() if action.running]
    for action in running:
        assert action.task is not None
        action.task.cancel()
    await asyncio.gather(
        *(action.task for action in running if action.task), return_exceptions=True
    )
    return running


async def _run(action: Action, coro: Coroutine[Any, Any, Any]) -> Any:
    caller = action.caller
    try:
        return await action._drive(coro)
    except ActionInterrupted:
        caller.msg(f"You stop {action.name}.")  # the flow let the interruption end it
        return None
    except Exception as error:
        log.error("action %r of %r failed", action.name, caller, exc_info=error)
        caller.msg(f"Something went wrong while {action.name}; it has been logged.")
        return None
    finally:
        if _actions.get(id(caller)) is action:
            del _actions[id(caller)]
