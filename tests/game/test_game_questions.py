"""The question queue: one question at a time per caller, oldest first, never orphaned."""

from __future__ import annotations

import asyncio

import pytest

from ember.interaction import QuestionQueues


class Caller:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def msg(self, text: str) -> None:
        self.seen.append(text)


async def test_questions_are_asked_one_at_a_time_in_order() -> None:
    questions, caller = QuestionQueues(), Caller()
    first = asyncio.create_task(questions.ask(caller, "one?"))
    second = asyncio.create_task(questions.ask(caller, "two?"))
    await asyncio.sleep(0)
    assert caller.seen == ["one?"] and questions.has_question(caller)
    assert questions.answer(caller, "a")
    assert await first == "a"
    assert caller.seen == ["one?", "two?"]
    assert questions.answer(caller, "b")
    assert await second == "b"
    assert not questions.has_question(caller) and not questions.answer(caller, "c")


async def test_a_cancelled_question_passes_the_turn() -> None:
    questions, caller = QuestionQueues(), Caller()
    first = asyncio.create_task(questions.ask(caller, "one?"))
    second = asyncio.create_task(questions.ask(caller, "two?"))
    await asyncio.sleep(0)
    first.cancel()
    await asyncio.gather(first, return_exceptions=True)
    assert caller.seen == ["one?", "two?"]
    questions.answer(caller, "b")
    assert await second == "b"


async def test_timeout_and_cancel_all() -> None:
    questions, caller = QuestionQueues(), Caller()
    with pytest.raises(TimeoutError):
        await questions.ask(caller, "quick?", timeout=0)
    assert not questions.has_question(caller)
    waiting = asyncio.create_task(questions.ask(caller, "later?"))
    await asyncio.sleep(0)
    assert questions.cancel_all() == 1
    with pytest.raises(asyncio.CancelledError):
        await waiting


async def test_callers_are_independent() -> None:
    questions, ann, bob = QuestionQueues(), Caller(), Caller()
    a = asyncio.create_task(questions.ask(ann, "ann?"))
    b = asyncio.create_task(questions.ask(bob, "bob?"))
    await asyncio.sleep(0)
    questions.answer(bob, "yes")
    assert await b == "yes" and not a.done()
    questions.answer(ann, "no")
    assert await a == "no"
