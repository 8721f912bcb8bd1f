"""What each running interactive function waits on, for the admin page and status views.

Nothing is recorded for this while nobody looks: :func:`flow_wait` reads what a generator
function yielded from its driver's suspended coroutine (``inspect.getcoroutinelocals`` on
the task's await chain), so the kind and the target (a pause's seconds, a question's text,
a job awaited) cost nothing until asked. How long a pause has left needs when it began:
once the admin page has listed flows (:func:`watch_waits`), the driver notes the time of
each yield (:func:`note_wait`; before that it costs one flag test per yield); a pause that
began before anybody looked shows without its time left.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import numbers
import weakref
from dataclasses import dataclass
from typing import Any

from ember.interaction._ask import Question
from ember.interaction._flows import Flow
from ember.scheduling import Clock, get_scheduler

__all__ = ["Wait", "flow_number", "flow_wait", "note_wait", "watch_waits"]

_DRIVER = "_drive_generator"  # the coroutine (ember.interaction._driver) holding `yielded`
_DEPTH = 16  # awaits followed down from a flow's task at most


class _Note:
    """The last yield of one task while somebody watches: what, when, and whose clock."""

    __slots__ = ("clock", "since", "yielded")

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.yielded: Any = None
        self.since = 0.0


_notes: weakref.WeakKeyDictionary[asyncio.Task[Any], _Note] = weakref.WeakKeyDictionary()
_numbers: weakref.WeakKeyDictionary[asyncio.Task[Any], int] = weakref.WeakKeyDictionary()
_counter = itertools.count(1)
_watched = False  # set by watch_waits() or the first flow_wait(): from then on, yields are timed


@dataclass(frozen=True, slots=True)
class Wait:
    """What a running interactive function waits on.

    ``kind`` is ``"pause"`` (``target``: its seconds; ``remaining``: seconds left, None when
    the pause began before anybody asked), ``"question"`` (``target``: the question's text)
    or ``"awaiting"`` (``target``: the awaited object, a ``Job`` or a ``Task`` for example).
    """

    kind: str
    target: Any
    remaining: float | None = None


def note_wait(yielded: Any) -> None:
    """Note when the running task's interactive function yielded (once anybody watches)."""
    if not _watched:
        return
    task = asyncio.current_task()
    if task is None:
        return
    note = _notes.get(task)
    if note is None:
        note = _notes[task] = _Note(get_scheduler().clock)
    note.yielded, note.since = yielded, note.clock.monotonic()


def watch_waits() -> None:
    """Time every yield from now on, so pauses show their time left (the admin page calls
    this when it lists flows, even while none runs; it stays on for the process)."""
    global _watched
    _watched = True


def _yielded(flow: Flow[Any]) -> tuple[bool, Any]:
    """``(True, value)`` when ``flow``'s generator waits at a yield of ``value``."""
    coroutine: Any = flow._task.get_coro()
    for _ in range(_DEPTH):
        code = getattr(coroutine, "cr_code", None)
        if code is None:
            break
        if code.co_name == _DRIVER:
            names = inspect.getcoroutinelocals(coroutine)
            return ("yielded" in names, names.get("yielded"))
        coroutine = coroutine.cr_await
    return False, None


def flow_wait(flow: Flow[Any]) -> Wait | None:
    """Return what ``flow`` waits on now, or None (finished, an ``async def`` function, or
    one that has not reached its first ``yield`` yet)."""
    watch_waits()
    if flow.done():
        return None
    found, yielded = _yielded(flow)
    if not found:
        return None
    if isinstance(yielded, str):
        return Wait("question", yielded)
    if isinstance(yielded, Question):
        return Wait("question", yielded.text)
    if isinstance(yielded, numbers.Real) and not isinstance(yielded, bool):
        note = _notes.get(flow._task)
        left = None
        if note is not None and note.yielded is yielded:
            left = max(0.0, note.since + float(yielded) - note.clock.monotonic())
        return Wait("pause", float(yielded), left)
    return Wait("awaiting", yielded)


def flow_number(flow: Flow[Any]) -> int:
    """A number naming ``flow`` while it runs (given at first ask, never given again)."""
    number = _numbers.get(flow._task)
    if number is None:
        number = _numbers[flow._task] = next(_counter)
    return number
