"""Questions to a caller: one at a time per caller, in order, answered by their next line."""

from __future__ import annotations

import asyncio
import math
from collections import deque
from dataclasses import dataclass
from typing import Protocol

from ember.interaction._errors import TooManyWaitingError
from ember.scheduling import get_scheduler
from ember.scheduling._journal import step_hook

__all__ = [
    "AskedLine",
    "Caller",
    "QuestionQueues",
    "answer",
    "ask_caller",
    "cancel_questions",
    "forget_caller",
    "has_question",
    "questions",
]


class Caller(Protocol):
    """Whoever a question is put to: anything with ``msg(text)`` (an account, a session).

    If it also has ``prompt(text)``, the question is sent with that instead, so clients can
    show it as a prompt.
    """

    def msg(self, text: str) -> None:
        """Send ``text`` to the caller."""
        ...


class _Timer(Protocol):
    def cancel(self) -> None: ...


@dataclass(slots=True, eq=False)
class _PendingQuestion:
    text: str
    future: asyncio.Future[str]
    asked: bool = False
    timer: _Timer | None = None
    queued: bool = True  # still in its caller's queue
    settled: bool = False  # its future is done and _settled() has seen it


class _Queue:
    """One caller's questions, oldest first. Settled questions leave from the front only
    (a timed-out one in the middle stays until it reaches the front, or the queue is
    compacted), so answering, asking and settling are all O(1) amortised."""

    __slots__ = ("dead", "items")

    def __init__(self) -> None:
        self.items: deque[_PendingQuestion] = deque()
        self.dead = 0  # settled questions still in items

    def head(self) -> _PendingQuestion | None:
        """Drop answered questions from the front; return the oldest waiting one."""
        items = self.items
        while items and items[0].future.done():
            self._drop(items.popleft())
        return items[0] if items else None

    def live(self) -> int:
        """Return how many questions wait (settled ones excluded)."""
        return len(self.items) - self.dead

    def settle(self, question: _PendingQuestion) -> None:
        """Note that ``question`` is done; compact once settled ones outnumber the rest."""
        question.settled = True
        if not question.queued:
            return
        self.dead += 1
        if self.dead > _COMPACT_ABOVE and self.dead * 2 > len(self.items):
            kept: deque[_PendingQuestion] = deque()
            for item in self.items:
                if item.future.done():
                    self._drop(item)
                else:
                    kept.append(item)
            self.items = kept

    def _drop(self, question: _PendingQuestion) -> None:
        question.queued = False
        if question.settled:
            self.dead -= 1


_COMPACT_ABOVE = 32  # settled questions tolerated in a queue before it is compacted


class QuestionQueues:
    """Pending questions per caller: FIFO, one shown at a time, resolved by :meth:`answer`.

    The server routes each input line through :meth:`answer` first; only lines that answer
    nothing run as commands. Game code uses the module-level :func:`ask`. With
    ``max_per_caller`` set (the server sets it from ``MAX_QUESTIONS_PENDING``), asking a
    caller who already has that many questions pending tells them and raises
    :class:`TooManyWaitingError`.
    """

    def __init__(self, *, max_per_caller: int | None = None) -> None:
        self._queues: dict[Caller, _Queue] = {}
        self.max_per_caller = max_per_caller

    async def ask(
        self,
        caller: Caller,
        text: str,
        *,
        timeout: float | None = None,  # noqa: ASYNC109 - the scheduler's clock, not asyncio's
        first: bool = False,
    ) -> str:
        """Put ``text`` to ``caller`` and return their next line of input.

        Questions to one caller are asked one at a time, oldest first; this one is shown once
        the earlier ones are answered. Raises ``TimeoutError`` once ``timeout`` seconds (on
        the scheduler's clock, so ``ember.testing.virtual_time()`` drives it) have passed since
        the call, and ``asyncio.CancelledError`` when cancelled (a reload cancels every
        question). A ``timeout`` of 0 times out at once; a negative or NaN one is a
        ``ValueError``. With ``first=True`` (asking again after an invalid answer) it goes
        ahead of the questions not shown yet. :class:`TooManyWaitingError` (the caller is
        told) when ``max_per_caller`` questions wait already.
        """
        if not isinstance(text, str):
            raise TypeError(f"a question must be a str, got {type(text).__name__}: {text!r}")
        if timeout is not None and not timeout >= 0:  # also catches NaN
            raise ValueError(f"question timeout must be >= 0 seconds or None, got {timeout!r}")
        if timeout == 0:
            raise TimeoutError(f"no time was given to answer {text!r}")
        queue = self._queues.get(caller)
        if queue is None:
            queue = self._queues[caller] = _Queue()
        limit = self.max_per_caller
        if limit is not None and queue.live() >= limit and not first:
            caller.msg(
                f"You have {limit} questions waiting for an answer already (the most allowed);"
                " answer those first."
            )
            raise TooManyWaitingError(
                f"{caller!r} has {limit} questions pending (MAX_QUESTIONS_PENDING); "
                f"{text[:60]!r} was not asked"
            )
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        question = _PendingQuestion(text, future)
        if timeout is not None and timeout < math.inf:
            clock = get_scheduler().clock
            question.timer = clock.call_at(
                clock.monotonic() + timeout, lambda: _time_out(question, timeout)
            )
        head = queue.head()
        if first and not (head is not None and head.asked):
            queue.items.appendleft(question)  # asking again after a bad answer: before the others
        else:
            queue.items.append(question)
        future.add_done_callback(lambda _: self._settled(caller, question))
        if queue.items[0] is question:
            self._show(caller, question)
        return await future

    def has_question(self, caller: Caller) -> bool:
        """Return whether a question to ``caller`` waits for an answer."""
        queue = self._queues.get(caller)
        return queue is not None and queue.head() is not None

    def answer(self, caller: Caller, line: str) -> bool:
        """Give ``line`` to the oldest pending question of ``caller``; False if there is none."""
        queue = self._queues.get(caller)
        if queue is None:
            return False
        question = queue.head()
        if question is None:
            return False
        question.future.set_result(line)
        return True

    def repeat(self, caller: Caller, via: Caller | None = None) -> bool:
        """Show the oldest pending question of ``caller`` again, through ``via`` if given (the
        session that just logged in, say); return whether there was one."""
        queue = self._queues.get(caller)
        question = queue.head() if queue is not None else None
        if question is None:
            return False
        self._show(via if via is not None else caller, question)
        return True

    def pending(self) -> int:
        """Return how many questions wait for an answer, over all callers."""
        return sum(queue.live() for queue in self._queues.values())

    def pending_for(self, caller: Caller) -> int:
        """Return how many questions to ``caller`` wait for an answer."""
        queue = self._queues.get(caller)
        return queue.live() if queue is not None else 0

    def cancel_all(self) -> int:
        """Cancel every pending question (reload and shutdown); return how many there were."""
        pending = [q for queue in self._queues.values() for q in queue.items if not q.future.done()]
        self._queues.clear()
        for question in pending:
            question.future.cancel()
        return len(pending)

    def forget(self, caller: Caller) -> int:
        """Cancel every pending question of ``caller``, who will never answer (a connection
        that closed before logging in); return how many there were. Each asker receives
        ``asyncio.CancelledError``, as on a reload, instead of waiting for its timeout."""
        queue = self._queues.pop(caller, None)
        pending = [
            question
            for question in (queue.items if queue is not None else ())
            if not question.future.done()
        ]
        for question in pending:
            question.future.cancel()
        return len(pending)

    def _show(self, caller: Caller, question: _PendingQuestion) -> None:
        question.asked = True
        send = getattr(caller, "prompt", None) or caller.msg
        send(question.text)

    def _settled(self, caller: Caller, question: _PendingQuestion) -> None:
        if question.timer is not None:
            question.timer.cancel()
        queue = self._queues.get(caller)
        if queue is None or not question.queued:
            question.settled = True
            if queue is not None and not queue.items:
                del self._queues[caller]
            return
        was_first = queue.items[0] is question
        queue.settle(question)
        head = queue.head()
        if head is None:
            del self._queues[caller]
        elif was_first and not head.asked:
            # Next loop turn: the function that got this answer replies before the next question.
            asyncio.get_running_loop().call_soon(self._show_next, caller)

    def _show_next(self, caller: Caller) -> None:
        queue = self._queues.get(caller)
        head = queue.head() if queue is not None else None
        if head is not None and not head.asked:
            self._show(caller, head)


def _time_out(question: _PendingQuestion, timeout: float) -> None:
    if not question.future.done():
        question.future.set_exception(
            TimeoutError(f"no answer to {question.text!r} within {timeout:g} seconds")
        )


@dataclass(frozen=True, slots=True)
class AskedLine:
    """A question :func:`ask_caller` (``caller.ask()``) puts inside an ``async def`` durable
    flow, handed to its journal as a step (recorded like ``yield "text"``)."""

    caller: Caller
    text: str
    timeout: float | None


questions = QuestionQueues()
"""The process-wide question queues the server answers from (one game loop per process)."""


async def ask_caller(
    caller: Caller,
    text: str,
    *,
    timeout: float | None = None,  # noqa: ASYNC109 - the scheduler's clock, not asyncio's
    first: bool = False,
) -> str:
    """Ask ``caller`` a question and return their next line of input (see :class:`QuestionQueues`).

    Example::

        answer = await ask_caller(caller, "Really drop the sword? [yes/no]")
        if answer.strip().lower() in ("y", "yes"):
            ...
    """
    hook = step_hook.get()
    if hook is not None and not first:  # in an async def durable flow: one of its steps
        step = hook(AskedLine(caller, text, timeout))
        if step is not None:
            answered: str = await step
            return answered
    return await questions.ask(caller, text, timeout=timeout, first=first)


def answer(caller: Caller, line: str) -> bool:
    """Resolve the oldest pending question of ``caller`` with ``line``; False if none waits."""
    return questions.answer(caller, line)


def has_question(caller: Caller) -> bool:
    """Return whether a question to ``caller`` waits for an answer."""
    return questions.has_question(caller)


def forget_caller(caller: Caller) -> int:
    """Cancel every pending question of ``caller`` (see :meth:`QuestionQueues.forget`)."""
    return questions.forget(caller)


def cancel_questions() -> int:
    """Cancel every pending question; return how many were cancelled."""
    return questions.cancel_all()
