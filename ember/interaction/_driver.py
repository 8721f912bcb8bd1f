"""The driver behind ``@interactive`` and generator commands: pause, ask, resume as they yield."""

from __future__ import annotations

import asyncio
import functools
import inspect
import math
import numbers
from collections.abc import Awaitable, Callable, Generator
from typing import Any, NoReturn, ParamSpec, overload

from ember.interaction._ask import Question
from ember.interaction._durable_flows import call_durable, durable_flows
from ember.interaction._errors import ReturnValue
from ember.interaction._flow_values import _Pause, close_on
from ember.interaction._flows import Flow, get_flows
from ember.interaction._questions import Caller, questions
from ember.interaction._waits import note_wait
from ember.scheduling import get_scheduler
from ember.scheduling._journal import step_hook
from ember.scheduling._refs import encode_callback

__all__ = ["ReturnValue", "drive", "interactive", "returnValue", "sleep"]

P = ParamSpec("P")


def returnValue(value: Any) -> NoReturn:  # noqa: N802 - the familiar name
    """End the running interactive function with ``value`` as its result.

    Kept for familiarity: in Ember a plain ``return value`` does the same.

    Example::

        @interactive
        def roll(caller):
            yield 1
            returnValue(4)
    """
    raise ReturnValue(value)


def _seconds(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{what} needs a number of seconds, got {type(value).__name__}: {value!r}")
    seconds = float(value)
    if not 0 <= seconds < math.inf:
        raise ValueError(f"{what} needs a finite number of seconds >= 0, got {value!r}")
    return seconds


async def sleep(seconds: float) -> None:
    """Pause the calling coroutine for ``seconds`` without holding anyone else up.

    Time is the scheduler's clock, so ``ember.testing.virtual_time()`` drives it. A negative,
    NaN or infinite value is a ``ValueError``; 0 just lets others run.

    Example::

        caller.msg("You start digging...")
        await sleep(10)
        caller.msg("You found a gem!")
    """
    seconds = _seconds(seconds, "sleep()")
    hook = step_hook.get()
    if hook is not None:  # an async def durable flow: the pause is one of its steps
        step = hook(_Pause(seconds))
        if step is not None:
            await step
            return
    if seconds == 0:
        await asyncio.sleep(0)
        return
    await _pause(seconds)


def _pause(seconds: float) -> asyncio.Future[None]:
    """Return a future the scheduler's clock resolves after ``seconds`` (its timer goes when
    the future is done or cancelled: no coroutine frame, which keeps waiting functions small)."""
    clock = get_scheduler().clock
    woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    timer = clock.call_at(clock.monotonic() + seconds, functools.partial(_wake, woken))
    woken.add_done_callback(lambda _: timer.cancel())
    return woken


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _wait_for(yielded: Any, caller: Caller | None, what: str) -> Awaitable[Any]:
    """Return what to await for one ``yield``; TypeError/ValueError for what cannot be."""
    note_wait(yielded)  # for the admin page: what this function waits on, since when
    if isinstance(yielded, str):
        if caller is None:
            raise TypeError(f"{what} asked {yielded!r} but has no caller to ask")
        return questions.ask(caller, yielded)
    if isinstance(yielded, Question):
        return yielded.put(yielded.to(caller))
    if isinstance(yielded, numbers.Real) and not isinstance(yielded, bool):
        seconds = _seconds(yielded, f"{what}: yield")
        return _pause(seconds) if seconds else asyncio.sleep(0)
    if inspect.isawaitable(yielded):
        return yielded
    raise TypeError(
        f"{what} yielded {yielded!r} ({type(yielded).__name__}); an interactive function may "
        "yield a number of seconds to pause, a question (a str, or ask(), ask_yes_no(), "
        "choose()) or an awaitable"
    )


async def drive(work: Any, caller: Caller | None, *, name: str = "") -> Any:
    """Run ``work`` to its end and return its result; plain values come back as they are.

    ``work`` is what a command's ``func`` or an interactive function returned: a generator
    (driven by its yields: a number pauses, a question asks ``caller``, an awaitable is
    awaited), a coroutine or another awaitable. ``returnValue(x)`` anywhere gives ``x``.
    """
    what = name or getattr(work, "__qualname__", type(work).__name__)
    try:
        if inspect.isgenerator(work):
            return await _drive_generator(work, caller, what)
        if inspect.isawaitable(work):
            return await work
        return work
    except ReturnValue as done:
        return done.value


async def _drive_generator(gen: Generator[Any, Any, Any], caller: Caller | None, what: str) -> Any:
    value: Any = None
    error: BaseException | None = None
    while True:
        try:
            yielded = gen.send(value) if error is None else gen.throw(error)
        except StopIteration as stop:
            return stop.value
        value, error = None, None
        try:
            waiting = _wait_for(yielded, caller, what)
        except (TypeError, ValueError, RuntimeError) as bad:  # RuntimeError: no one to ask
            close_on(gen, bad)  # raised at the yield, so the traceback shows the line
        try:
            value = await waiting
        except asyncio.CancelledError as cancel:
            close_on(gen, cancel)
        except Exception as failed:  # TimeoutError, QuestionAbortedError, ...: raised at the yield
            error = failed


@overload
def interactive(func: Callable[P, Any], /) -> Callable[P, Flow[Any]]: ...
@overload
def interactive(
    *, durable: bool = False
) -> Callable[[Callable[P, Any]], Callable[P, Flow[Any]]]: ...


def interactive(func: Callable[P, Any] | None = None, /, *, durable: bool = False) -> Any:
    """Make a generator function pause and ask as it yields; calling it returns at once.

    The function needs a parameter named ``caller`` (positional or keyword): whoever its
    questions go to (anything with ``msg()``). Inside it, ``yield 5`` pauses five seconds,
    ``answer = yield "Question?"`` asks the caller and resumes with their next line of input
    (that line does not run as a command), ``yield ask_yes_no(...)`` / ``yield choose(...)``
    ask with the helpers, and ``return value`` or ``returnValue(value)`` ends it with a
    result. Calling it returns a :class:`Flow` at once; ``await`` it for the result.

    With ``@interactive(durable=True)`` each completed step is journaled in the task store
    and the function survives a reload or a crash: it is replayed from its start with the
    recorded outcomes, then goes on live (docs/durable-flows.md). It must then be a
    module-level function and its arguments storable like a persistent ``delay``'s
    (``NotPersistableError`` at the call otherwise).

    A plain (non-generator) function may be decorated too and needs no ``caller``: it cannot
    pause, but ``returnValue`` works in it. Errors are logged and the caller told in one line.

    Raises ``TypeError`` here when a generator function has no ``caller`` parameter, and at
    the call when the ``caller`` passed has no ``msg()``.

    Example::

        @interactive
        def myfunc(caller):
            while True:
                caller.msg("Getting ready to wait ...")
                yield 5
                caller.msg("Now 5 seconds have passed.")
                response = yield "Do you want to wait another 5 secs?"
                if response.lower() not in ("yes", "y"):
                    break
    """
    if func is None:
        return functools.partial(_decorate, durable=durable)
    return _decorate(func, durable=durable)


def _decorate(func: Callable[P, Any], *, durable: bool) -> Callable[P, Flow[Any]]:
    if not callable(func):
        raise TypeError(f"@interactive needs a function, got {func!r}")
    name = getattr(func, "__qualname__", repr(func))
    parameters = inspect.signature(func).parameters
    has_caller = "caller" in parameters
    if not has_caller and (durable or inspect.isgeneratorfunction(func)):
        raise TypeError(
            f"@interactive function {name} has no parameter named 'caller': add one, it is "
            "who the function's questions go to"
        )
    positional = [
        p.name
        for p in parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    index = positional.index("caller") if "caller" in positional else None
    default = parameters["caller"].default if has_caller else None

    def find_caller(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if index is not None and index < len(args):
            return args[index]
        if "caller" in kwargs:
            return kwargs["caller"]
        if default is not inspect.Parameter.empty:
            return default
        inspect.signature(func).bind(*args, **kwargs)  # raises the usual TypeError
        return None

    @functools.wraps(func)
    def start(*args: P.args, **kwargs: P.kwargs) -> Flow[Any]:
        caller: Any = None
        if has_caller:
            caller = find_caller(args, kwargs)
            if not callable(getattr(caller, "msg", None)):
                raise TypeError(f"{name} needs a caller with a msg() method, got {caller!r}")
        if durable:
            ref = encode_callback(start, get_scheduler().entities)  # by reference, or refused
            run = durable_flows().new_run(ref, args, kwargs, caller, name)
            return durable_flows().start(call_durable(func, args, kwargs, caller, run), run)
        return get_flows().start(_call(func, args, kwargs, caller, name), caller, name)

    if durable:
        start.__ember_durable__ = func  # type: ignore[attr-defined]
        start.__ember_caller__ = find_caller  # type: ignore[attr-defined]
    return start


async def _call(
    func: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    caller: Caller | None,
    name: str,
) -> Any:
    try:
        work = func(*args, **kwargs)
        if inspect.isgenerator(work):  # the usual case, one coroutine frame less than drive()
            return await _drive_generator(work, caller, name)
    except ReturnValue as done:
        return done.value
    return await drive(work, caller, name=name)
