"""Many pending questions (issue 9): answering them is linear, and a cap refuses one more."""

from __future__ import annotations

import asyncio
import gc
import time

import pytest

from ember.interaction import QuestionQueues, TooManyWaitingError


class Caller:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def msg(self, text: str) -> None:
        self.seen.append(text)


async def answer_all(count: int) -> float:
    """Ask ``count`` questions of one caller, then answer them in bursts of a few lines per
    loop turn (as input arrives from the link), so most are still pending while earlier
    answers settle; return the seconds the answering and settling took."""
    questions, caller = QuestionQueues(), Caller()
    asked = [asyncio.create_task(questions.ask(caller, f"q{n}?")) for n in range(count)]
    await asyncio.sleep(0)  # every ask() has queued its question
    assert questions.pending() == count
    gc.collect()
    gc.disable()  # a full collection over 50,000 tasks would land in one run, not the other
    try:
        start = time.perf_counter()
        for n in range(count):
            assert questions.answer(caller, f"a{n}")
            if n % 8 == 7:
                await asyncio.sleep(0)  # a loop turn: the answered questions settle
        answers = await asyncio.gather(*asked)
        took = time.perf_counter() - start
    finally:
        gc.enable()
    assert answers[0] == "a0" and answers[-1] == f"a{count - 1}"
    assert questions.pending() == 0 and not questions.has_question(caller)
    return took


@pytest.mark.parametrize("small", [2_000, 12_500])
async def test_answering_many_pending_questions_takes_linear_time(small: int) -> None:
    # Four times the questions may take about four times as long (4x measured, with the
    # gather); quadratic would be 16x (the old queue: 20x at 2,000).
    # The smaller pair first, so the old quadratic queue fails in seconds, not minutes.
    small_took = min([await answer_all(small), await answer_all(small)])
    large_took = min([await answer_all(4 * small), await answer_all(4 * small)])
    ratio = large_took / small_took
    assert ratio < 10, f"{4 * small} questions took {ratio:.1f}x as long as {small}"


async def test_questions_that_time_out_in_the_middle_do_not_pile_up() -> None:
    questions, caller = QuestionQueues(), Caller()
    asked = [asyncio.create_task(questions.ask(caller, f"q{n}?")) for n in range(1_000)]
    await asyncio.sleep(0)
    for task in asked[1:-1]:  # all but the first and the last give up
        task.cancel()
    await asyncio.gather(*asked[1:-1], return_exceptions=True)
    assert questions.pending() == 2
    assert questions.answer(caller, "one") and questions.answer(caller, "two")
    assert await asked[0] == "one" and await asked[-1] == "two"
    assert questions.pending() == 0


async def test_one_question_more_than_the_cap_is_refused_and_the_caller_told() -> None:
    questions, caller = QuestionQueues(max_per_caller=3), Caller()
    asked = [asyncio.create_task(questions.ask(caller, f"q{n}?")) for n in range(3)]
    await asyncio.sleep(0)
    with pytest.raises(TooManyWaitingError, match="3 questions pending"):
        await questions.ask(caller, "one too many?")
    assert "You have 3 questions waiting for an answer already" in caller.seen[-1]
    assert questions.pending_for(caller) == 3 and questions.pending_for(Caller()) == 0
    assert questions.answer(caller, "a")
    assert await asked[0] == "a"
    other = asyncio.create_task(questions.ask(caller, "now there is room?"))
    await asyncio.sleep(0)
    assert not other.done()
    questions.cancel_all()
    await asyncio.gather(*asked, other, return_exceptions=True)
