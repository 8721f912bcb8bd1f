"""Questions to a caller: one at a time per caller, in order, answered by their next line."""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass
from typing import Protocol

__all__ = ["Caller", "Questions", "answer", "ask", "cancel_questions", "has_question", "questions"]


class Caller(Protocol):
    """Whoever a question is put to: anything with ``msg(text)`` (an account, a session).

    If it also has ``prompt(text)``, the question is sent with that instead, so clients can
    show it as a prompt.
    """

    def msg(self, text: str) -> None:
        """Send ``text`` to the caller."""
        ...


@dataclass(slots=True)
class _Question:
    text: str
    future: asyncio.Future[str]
    asked: bool = False


class Questions:
    """Pending questions per caller: FIFO, one shown at a time, resolved by :meth:`answer`.

    The server routes each input line through :meth:`answer` first; only lines that answer
    nothing run as commands. Game code uses the module-level :func:`ask`.
    """

    def __init__(self) -> None:
        self._queues: dict[Caller, deque[_Question]] = {}

    async def ask(self, caller: Caller, text: str, *, timeout: float | None = None) -> str:  # noqa: ASYNC109
        """Put ``text`` to ``caller`` and return their next line of input.

        Questions to one caller are asked one at a time, oldest first; this one is shown once
        the earlier ones are answered. Raises ``TimeoutError`` after ``timeout`` seconds and
        ``asyncio.CancelledError`` when cancelled (a reload cancels every question).
        """
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        queue = self._queues.setdefault(caller, deque())
        question = _Question(text, future)
        queue.append(question)
        future.add_done_callback(lambda _: self._settled(caller, question))
        if len(queue) == 1:
            self._show(caller, question)
        if timeout is None:
            return await future
        return await asyncio.wait_for(future, timeout)

    def has_question(self, caller: Caller) -> bool:
        """Return whether a question to ``caller`` waits for an answer."""
        return bool(self._queues.get(caller))

    def answer(self, caller: Caller, line: str) -> bool:
        """Give ``line`` to the oldest pending question of ``caller``; False if there is none."""
        queue = self._queues.get(caller)
        while queue:
            question = queue[0]
            if not question.future.done():
                question.future.set_result(line)
                return True
            queue.popleft()
        return False

    def repeat(self, caller: Caller) -> None:
        """Show the oldest pending question again (after a reconnect, say)."""
        queue = self._queues.get(caller)
        if queue:
            self._show(caller, queue[0])

    def cancel_all(self) -> int:
        """Cancel every pending question (reload and shutdown); return how many there were."""
        pending = [q for queue in self._queues.values() for q in queue if not q.future.done()]
        self._queues.clear()
        for question in pending:
            question.future.cancel()
        return len(pending)

    def _show(self, caller: Caller, question: _Question) -> None:
        question.asked = True
        send = getattr(caller, "prompt", None) or caller.msg
        send(question.text)

    def _settled(self, caller: Caller, question: _Question) -> None:
        queue = self._queues.get(caller)
        if queue is None:
            return
        was_first = bool(queue) and queue[0] is question
        try:
            queue.remove(question)
        except ValueError:
            return
        if not queue:
            del self._queues[caller]
        elif was_first and not queue[0].asked:
            self._show(caller, queue[0])


questions = Questions()
"""The process-wide question queues the server answers from (one game loop per process)."""


async def ask(caller: Caller, text: str, *, timeout: float | None = None) -> str:  # noqa: ASYNC109
    """Ask ``caller`` a question and return their next line of input (see :class:`Questions`).

    Example::

        answer = await ask(caller, "Really drop the sword? [yes/no]")
        if answer.strip().lower() in ("y", "yes"):
            ...
    """
    return await questions.ask(caller, text, timeout=timeout)


def answer(caller: Caller, line: str) -> bool:
    """Resolve the oldest pending question of ``caller`` with ``line``; False if none waits."""
    return questions.answer(caller, line)


def has_question(caller: Caller) -> bool:
    """Return whether a question to ``caller`` waits for an answer."""
    return questions.has_question(caller)


def cancel_questions() -> int:
    """Cancel every pending question; return how many were cancelled."""
    return questions.cancel_all()
