"""The driver behind @interactive: pauses, questions, results, errors and cancellation."""

from __future__ import annotations

import asyncio
import logging
import re

import pytest

from ember import interactive, returnValue, sleep
from ember.interaction import Flows, get_flows
from ember.testing import SILENT, ScriptedCaller, virtual_time


@interactive
def myfunc(caller):  # type: ignore[no-untyped-def]  # the seed page's example, verbatim
    while True:
        caller.msg("Getting ready to wait ...")
        yield (5)
        caller.msg("Now 5 seconds have passed.")
        response = yield ("Do you want to wait another 5 secs?")
        if response.lower() not in ("yes", "y"):
            break


@interactive
def seed_return():  # type: ignore[no-untyped-def]  # the seed's returnValue example
    # ...
    result = 10
    # this must be used instead of `return result`
    returnValue(result)


async def test_the_seed_wait_loop_on_a_virtual_clock() -> None:
    async with virtual_time() as clock:
        caller = ScriptedCaller("yes", (2, "no"))
        await caller.play(myfunc(caller), clock)
        assert caller.transcript == [
            "Getting ready to wait ...",
            "Now 5 seconds have passed.",
            "? Do you want to wait another 5 secs?",
            "Getting ready to wait ...",
            "Now 5 seconds have passed.",
            "? Do you want to wait another 5 secs?",
        ]
        assert clock.monotonic() == 12  # 5 + 5 + the 2 s the second answer took


async def test_the_seed_return_value_example() -> None:
    assert await seed_return() == 10


async def test_return_and_return_value_deliver_results() -> None:
    @interactive
    def plain_return(caller):  # type: ignore[no-untyped-def]
        answer = yield "Number?"
        return int(answer) * 2

    @interactive
    def familiar(caller):  # type: ignore[no-untyped-def]
        answer = yield "Number?"
        returnValue(int(answer) + 1)

    async with virtual_time() as clock:
        caller = ScriptedCaller("21", "41")
        assert await caller.play(plain_return(caller), clock) == 42
        assert await caller.play(familiar(caller), clock) == 42


def test_a_generator_without_caller_is_a_type_error_naming_it() -> None:
    with pytest.raises(TypeError, match="dig has no parameter named 'caller'"):

        @interactive
        def dig(who):  # type: ignore[no-untyped-def]
            yield 5


async def test_caller_by_keyword_on_a_method_keeps_name_and_doc() -> None:
    class Mine:
        @interactive
        def dig(self, depth, caller):  # type: ignore[no-untyped-def]
            """Dig a hole."""
            yield depth
            caller.msg(f"dug {depth}")
            return depth

    assert Mine.dig.__name__ == "dig" and Mine.dig.__doc__ == "Dig a hole."
    async with virtual_time() as clock:
        caller = ScriptedCaller()
        flow = Mine().dig(3, caller=caller)
        assert not flow.done()  # returned at once
        assert await caller.play(flow, clock) == 3
        assert caller.messages == ["dug 3"] and clock.monotonic() == 3


async def test_a_caller_without_msg_is_refused_at_the_call() -> None:
    with pytest.raises(TypeError, match="needs a caller with a msg"):
        myfunc(None)
    with pytest.raises(TypeError, match="caller"):
        myfunc()


async def test_timeout_raises_inside_and_the_turn_passes(caplog: pytest.LogCaptureFixture) -> None:
    from ember import ask

    @interactive
    def quiz(caller):  # type: ignore[no-untyped-def]
        try:
            yield ask("Quick?", timeout=30)
        except TimeoutError:
            caller.msg("too slow")
        answer = yield "Again?"
        return answer

    async with virtual_time() as clock:
        caller = ScriptedCaller(SILENT, "here")
        assert await caller.play(quiz(caller), clock) == "here"
        assert caller.transcript == ["? Quick?", "too slow", "? Again?"]
        assert clock.monotonic() == 30


async def test_two_functions_ask_one_caller_in_order() -> None:
    @interactive
    def one(caller, tag):  # type: ignore[no-untyped-def]
        first = yield f"{tag} first?"
        second = yield f"{tag} second?"
        return first, second

    async with virtual_time() as clock:
        caller = ScriptedCaller("a1", "a2", "b1", "b2")
        a, b = one(caller, "A"), one(caller, "B")
        both = asyncio.gather(a, b)
        assert await caller.play(both, clock) == [("a1", "b1"), ("a2", "b2")]
        # Each question waits for the one before it, whoever asked it.
        assert caller.questions == ["A first?", "B first?", "A second?", "B second?"]


async def test_an_error_after_a_pause_is_logged_and_told(caplog: pytest.LogCaptureFixture) -> None:
    @interactive
    def fragile(caller):  # type: ignore[no-untyped-def]
        yield 1
        raise RuntimeError("the rope broke")

    async with virtual_time() as clock:
        player, dev = ScriptedCaller(), ScriptedCaller(is_developer=True)
        with caplog.at_level(logging.ERROR, logger="ember.interaction"):
            with pytest.raises(RuntimeError, match="rope"):
                await player.play(fragile(player), clock)
            with pytest.raises(RuntimeError):
                await dev.play(fragile(dev), clock)
        [told] = player.messages
        found = re.fullmatch(
            r"An error occurred in test_an_error_after_a_pause_is_logged_and_told\.<locals>\."
            r"fragile \(error id ([0-9a-f]{6})\); it has been logged\.",
            told,
        )
        assert found is not None, told
        assert "Traceback" in dev.messages[-1] and "the rope broke" in dev.messages[-1]
        records = [r for r in caplog.records if r.exc_info]
        assert len(records) == 2
        # The id the player was given is on the log line with the traceback.
        assert f"[error id {found[1]}]" in records[0].getMessage()
        assert records[0].error_id == found[1]  # type: ignore[attr-defined]
        assert get_flows().statistics().running == 0


@pytest.mark.parametrize("bad", [None, [1, 2], True, object()])
async def test_a_bad_yield_is_a_type_error_and_closes_the_function(
    bad: object, caplog: pytest.LogCaptureFixture
) -> None:
    cleaned: list[str] = []

    @interactive
    def odd(caller):  # type: ignore[no-untyped-def]
        try:
            try:
                yield bad
            except TypeError:
                cleaned.append("caught")
            yield 1  # tries to go on: it is closed instead
            cleaned.append("went on")
        finally:
            cleaned.append("finally")

    async with virtual_time() as clock:
        caller = ScriptedCaller()
        with caplog.at_level(logging.ERROR), pytest.raises(TypeError, match="may yield a number"):
            await caller.play(odd(caller), clock)
        assert cleaned == ["caught", "finally"]
        assert "An error occurred in" in caller.messages[0]
        assert any("may yield a number" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("seconds", [-1, float("nan"), float("inf")])
async def test_a_negative_or_endless_pause_is_a_value_error(seconds: float) -> None:
    @interactive
    def wait(caller):  # type: ignore[no-untyped-def]
        yield seconds

    async with virtual_time() as clock:
        caller = ScriptedCaller()
        with pytest.raises(ValueError, match="finite number of seconds >= 0"):
            await caller.play(wait(caller), clock)
    with pytest.raises(ValueError, match="seconds >= 0"):
        await sleep(-1)
    with pytest.raises(TypeError, match="number of seconds"):
        await sleep("5")  # type: ignore[arg-type]


async def test_cancel_reaches_the_function_and_finally_runs() -> None:
    events: list[str] = []

    @interactive
    def careful(caller):  # type: ignore[no-untyped-def]
        try:
            yield 100
        except asyncio.CancelledError:
            events.append("cancelled")
            raise
        finally:
            events.append("finally")

    async with virtual_time() as clock:
        caller = ScriptedCaller()
        flow = careful(caller)
        await clock.advance(10)
        assert await get_flows().cancel_all() == [flow]
        assert flow.cancelled() and events == ["cancelled", "finally"]
        asking = myfunc(ScriptedCaller())
        await clock.advance(5)  # now waiting on the question
        asking.cancel()
        await asyncio.gather(asking, return_exceptions=True)
        assert asking.cancelled()


async def test_empty_and_huge_answers_arrive_as_typed() -> None:
    @interactive
    def echo(caller):  # type: ignore[no-untyped-def]
        first = yield "Anything?"
        second = yield "More?"
        return first, second

    huge = "x" * (100 * 1024)
    async with virtual_time() as clock:
        caller = ScriptedCaller("", huge)
        assert await caller.play(echo(caller), clock) == ("", huge)


async def test_a_caller_with_no_sessions_just_waits() -> None:
    class Offline:
        sessions: tuple[object, ...] = ()

        def msg(self, text: str) -> None:
            pass  # like an account with no session: the text is dropped

    @interactive
    def patient(caller):  # type: ignore[no-untyped-def]
        yield 1
        return (yield "Still there?")

    from ember.interaction import questions

    async with virtual_time() as clock:
        offline = Offline()
        flow = patient(offline)
        await clock.advance(1)
        assert questions.has_question(offline) and not flow.done()
        questions.answer(offline, "back")
        assert await flow == "back"


async def test_yielding_an_awaitable_and_sleep_on_the_virtual_clock() -> None:
    @interactive
    def waits(caller):  # type: ignore[no-untyped-def]
        yield sleep(4)
        value = yield asyncio.sleep(0, result="awaited")
        return value

    async with virtual_time() as clock:
        caller = ScriptedCaller()
        assert await caller.play(waits(caller), clock) == "awaited"
        assert clock.monotonic() == 4


async def test_flows_count_what_they_ran() -> None:
    flows = Flows()
    caller = ScriptedCaller()

    async def fine() -> int:
        return 1

    assert await flows.start(fine(), caller, "fine") == 1
    assert flows.statistics().started == 1 and flows.running() == []
