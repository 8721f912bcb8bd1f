"""A scripted caller: answers questions in the order given, so interactive code is tested fast."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable
from typing import TypeVar

from ember.interaction import questions, replaying
from ember.scheduling import get_scheduler
from ember.testing._clock import VirtualClock, settle

__all__ = ["SILENT", "ScriptedCaller"]

T = TypeVar("T")

SILENT = None
"""An entry of the script that never answers (to test a question's timeout)."""

Answer = str | tuple[float, str] | None


class ScriptedCaller:
    """Stands in for a player: records what it is sent and answers each question from a script.

    Each entry answers one question, in order: a ``str`` at once, ``(seconds, str)`` after
    that much (virtual) time, :data:`SILENT` never. ``messages`` holds every ``msg()`` text,
    ``questions`` every question, ``transcript`` both in order (questions start with ``? ``).
    :meth:`play` runs an interactive function to its end on a virtual clock, moving time on
    whenever the function waits.

    Example::

        async def test_wait_loop():
            async with virtual_time() as clock:
                caller = ScriptedCaller("yes", (3, "no"))
                await caller.play(myfunc(caller), clock)
                assert caller.questions == ["Do you want to wait another 5 secs?"] * 2
                assert clock.monotonic() == 13
    """

    def __init__(self, *answers: Answer, name: str = "tester", is_developer: bool = False) -> None:
        self.script: deque[Answer] = deque(answers)
        self.name = name
        self.is_developer = is_developer
        self.messages: list[str] = []
        self.questions: list[str] = []
        self.transcript: list[str] = []

    def msg(self, text: str) -> None:
        """Record ``text`` (not while a durable flow replays: a player would not see it)."""
        if replaying():
            return
        self.messages.append(text)
        self.transcript.append(text)

    def prompt(self, text: str) -> None:
        """Record the question ``text`` and answer it with the next entry of the script."""
        if replaying():
            return
        self.questions.append(text)
        self.transcript.append(f"? {text}")
        if not self.script:
            return  # play() reports a question left without an answer
        entry = self.script.popleft()
        if entry is None:
            return
        delay, line = entry if isinstance(entry, tuple) else (0.0, entry)
        if delay > 0:
            clock = get_scheduler().clock
            clock.call_at(clock.monotonic() + delay, lambda: self.say(line))
        else:
            asyncio.get_running_loop().call_soon(self.say, line)

    def say(self, line: str) -> bool:
        """Type ``line`` now: it answers the oldest pending question; False if none waits."""
        return questions.answer(self, line)

    async def play(self, work: Awaitable[T], clock: VirtualClock, *, limit: float = 86_400) -> T:
        """Await ``work`` (a :class:`~ember.Flow`, a coroutine), moving ``clock`` on to the
        next timer whenever everything waits. Raises ``AssertionError`` if it waits for an
        answer the script does not give, or runs past ``limit`` seconds of virtual time."""
        task = asyncio.ensure_future(work)
        start = clock.monotonic()
        try:
            while True:
                await settle()
                if task.done():
                    return task.result()
                due = clock.next_due()
                if due is None:
                    raise AssertionError(
                        f"the function waits with nothing due; last question "
                        f"{self.questions[-1] if self.questions else None!r}, script left "
                        f"{list(self.script)!r}"
                    )
                if due - start > limit:
                    raise AssertionError(f"still running after {limit} s of virtual time")
                await clock.advance(max(0.0, due - clock.monotonic()))
        finally:
            if not task.done():
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)

    def __repr__(self) -> str:
        return f"<ScriptedCaller {self.name}>"
