"""What each running interactive function waits on, for the admin page and status views.

The driver notes what a generator function yielded, and when, each time it yields (one
``current_task()`` and one weak-dict store: the note dies with the task). :func:`flow_wait`
turns the note into a :class:`Wait` when somebody asks: a pause with the time it has left, a
question with its text, or the object awaited (a background job, a timed task, ...).
``async def`` functions are not noted (they await directly): they show as running.
"""

from __future__ import annotations

import asyncio
import itertools
import numbers
import weakref
from dataclasses import dataclass
from typing import Any

from ember.interaction._ask import Question
from ember.interaction._flows import Flow
from ember.scheduling import get_scheduler

__all__ = ["Wait", "flow_number", "flow_wait", "note_wait"]

_notes: weakref.WeakKeyDictionary[asyncio.Task[Any], tuple[Any, float]] = (
    weakref.WeakKeyDictionary()
)
_numbers: weakref.WeakKeyDictionary[asyncio.Task[Any], int] = weakref.WeakKeyDictionary()
_counter = itertools.count(1)


@dataclass(frozen=True, slots=True)
class Wait:
    """What a running interactive function waits on.

    ``kind`` is ``"pause"`` (``target``: its seconds, ``remaining``: seconds left),
    ``"question"`` (``target``: the question's text) or ``"awaiting"`` (``target``: the
    awaited object, a ``Job`` or a ``Task`` for example). ``since`` is when the wait began,
    on the scheduler's clock (``clock.monotonic()``).
    """

    kind: str
    target: Any
    since: float
    remaining: float | None = None


def note_wait(yielded: Any) -> None:
    """Remember what the running task's interactive function yielded, and when."""
    task = asyncio.current_task()
    if task is not None:
        _notes[task] = (yielded, get_scheduler().clock.monotonic())


def flow_wait(flow: Flow[Any]) -> Wait | None:
    """Return what ``flow`` waits on now, or None (an ``async def`` function, or one that
    has not reached its first ``yield`` yet)."""
    note = _notes.get(flow._task)
    if note is None or flow.done():
        return None
    yielded, since = note
    if isinstance(yielded, str):
        return Wait("question", yielded, since)
    if isinstance(yielded, Question):
        return Wait("question", yielded.text, since)
    if isinstance(yielded, numbers.Real) and not isinstance(yielded, bool):
        left = since + float(yielded) - get_scheduler().clock.monotonic()
        return Wait("pause", float(yielded), since, max(0.0, left))
    return Wait("awaiting", yielded, since)


def flow_number(flow: Flow[Any]) -> int:
    """A number naming ``flow`` while it runs (given at first ask, never given again)."""
    number = _numbers.get(flow._task)
    if number is None:
        number = _numbers[flow._task] = next(_counter)
    return number
