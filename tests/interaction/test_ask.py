"""The question helpers: ask, ask_yes_no and choose, awaited and yielded."""

from __future__ import annotations

import asyncio

import pytest

from ember import QuestionAbortedError, ask, ask_yes_no, choose, interactive
from ember.interaction import QuestionQueues, questions
from ember.testing import SILENT, ScriptedCaller, virtual_time


@interactive
async def confirm(caller, question, **options):  # type: ignore[no-untyped-def]
    """The async form: helpers awaited go to the running function's caller."""
    return await ask_yes_no(question, **options)


@pytest.mark.parametrize(
    ("answers", "default", "expected"),
    [
        (["y"], None, True),
        (["NO"], None, False),
        ([" yes "], False, True),
        ([""], True, True),
        ([""], False, False),
        (["maybe", "", "n"], None, False),  # re-asked twice: no default for the empty one
    ],
)
async def test_ask_yes_no(answers: list[str], default: bool | None, expected: bool) -> None:
    async with virtual_time() as clock:
        caller = ScriptedCaller(*answers)
        assert await caller.play(confirm(caller, "Sure?", default=default), clock) is expected
        assert len(caller.questions) == len(answers)
        assert caller.questions[0].startswith("Sure? [")


async def test_ask_yes_no_gives_up_after_the_attempts_and_can_be_aborted() -> None:
    async with virtual_time() as clock:
        caller = ScriptedCaller("eh", "what", "hm")
        with pytest.raises(QuestionAbortedError):
            await caller.play(confirm(caller, "Sure?"), clock)
        # Issue 11, item 8: each retry says why, how to run a command, and warns before the
        # last try; giving up names the question.
        assert caller.questions == [
            "Sure? [y/n] ",
            "Please answer yes or no: 'eh' is neither. For a command, type /eh instead. "
            "Sure? [y/n] ",
            "Please answer yes or no: 'what' is neither. For a command, type /what instead. "
            "Last try: another answer that is not valid gives the question up. Sure? [y/n] ",
        ]
        assert caller.messages == ["No valid answer in 3 tries: giving up on 'Sure?'."]
        caller = ScriptedCaller("a")
        with pytest.raises(QuestionAbortedError):
            await caller.play(confirm(caller, "Sure?", allow_abort=True), clock)
        assert caller.questions == ["Sure? [y/n/a] "] and caller.messages == ["Aborted."]


async def test_choose_by_number_text_or_start_and_reask() -> None:
    @interactive
    def paint(caller):  # type: ignore[no-untyped-def]
        picked = []
        for _ in range(3):
            picked.append((yield choose("Colour?", ["red", "green", "blue", "brown"])))
        return picked

    async with virtual_time() as clock:
        caller = ScriptedCaller("2", "RED", "7", "b", "bl")
        assert await caller.play(paint(caller), clock) == ["green", "red", "blue"]
        # The third one was asked again after "7" (no such number) and "b" (blue or brown?).
        assert len(caller.questions) == 5
        assert caller.questions[0] == (
            "Colour?\n  1) red\n  2) green\n  3) blue\n  4) brown\nChoose 1-4: "
        )


async def test_choose_stops_after_its_attempts() -> None:
    @interactive
    def pick(caller):  # type: ignore[no-untyped-def]
        return (yield choose("Which?", ["a", "b"], attempts=2))

    async with virtual_time() as clock:
        caller = ScriptedCaller("x", "y")
        with pytest.raises(QuestionAbortedError):
            await caller.play(pick(caller), clock)
        assert "'x' is not one of the options." in caller.questions[1]


def test_helpers_validate_their_arguments() -> None:
    with pytest.raises(ValueError, match="non-empty list"):
        choose("Which?", [])
    with pytest.raises(ValueError, match="non-empty list"):
        choose("Which?", "abc")
    with pytest.raises(TypeError, match="must be a str"):
        ask(42)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="timeout"):
        ask("?", timeout=-1)
    with pytest.raises(ValueError, match="attempts"):
        ask_yes_no("?", attempts=0)


async def test_awaiting_outside_a_flow_needs_a_caller() -> None:
    with pytest.raises(RuntimeError, match="no caller"):
        await ask("Who?")
    async with virtual_time() as clock:
        caller = ScriptedCaller("me")
        assert await caller.play(ask("Who?", caller=caller), clock) == "me"


async def test_question_timeout_uses_the_scheduler_clock() -> None:
    async with virtual_time() as clock:
        caller = ScriptedCaller(SILENT)
        waiting = asyncio.ensure_future(ask("Hm?", timeout=60, caller=caller))
        await clock.advance(59)
        assert not waiting.done()
        await clock.advance(1)
        with pytest.raises(TimeoutError, match="within 60 seconds"):
            await waiting
        assert not questions.has_question(caller)


async def test_a_waiting_question_is_asked_again_through_a_new_session() -> None:
    queue = QuestionQueues()
    account, new_session = ScriptedCaller(SILENT), ScriptedCaller(SILENT)
    waiting = asyncio.ensure_future(queue.ask(account, "Still there?"))
    await asyncio.sleep(0)
    assert queue.repeat(account, via=new_session)
    assert new_session.questions == ["Still there?"] and account.questions == ["Still there?"]
    assert queue.pending() == 1
    queue.answer(account, "yes")
    assert await waiting == "yes"
    assert not queue.repeat(account)


async def test_asking_again_keeps_the_turn() -> None:
    @interactive
    def sure(caller):  # type: ignore[no-untyped-def]
        return (yield ask_yes_no("Sure?"))

    @interactive
    def name(caller):  # type: ignore[no-untyped-def]
        return (yield "Name?")

    async with virtual_time() as clock:
        caller = ScriptedCaller("maybe", "yes", "Ann")
        both = asyncio.gather(sure(caller), name(caller))
        assert await caller.play(both, clock) == [True, "Ann"]
        assert [q.split(" [")[0] for q in caller.questions] == [
            "Sure?",
            "Please answer yes or no: 'maybe' is neither. "
            "For a command, type /maybe instead. Sure?",
            "Name?",
        ]
