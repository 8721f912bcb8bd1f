"""What a running interactive function waits on (``flow_wait``) and its number
(``flow_number``): what the admin page lists, on a virtual clock."""

from __future__ import annotations

import asyncio
from typing import Any

from ember import delay, interactive, sleep
from ember.interaction import answer, flow_number, flow_wait
from ember.testing import virtual_time


class Player:
    """A caller that answers nothing by itself: its questions stay open."""

    def __init__(self) -> None:
        self.heard: list[str] = []

    def msg(self, text: str) -> None:
        self.heard.append(text)


@interactive
def wander(caller: Any) -> Any:
    yield 30
    reply = yield "Which way?"
    yield delay(5, str.upper, reply)
    caller.msg("Arrived.")


async def test_a_flow_shows_its_pause_its_question_and_the_task_it_awaits() -> None:
    async with virtual_time() as clock:
        player = Player()
        flow = wander(player)
        await clock.advance(0)  # the function runs to its first yield
        wait = flow_wait(flow)
        assert wait is not None and wait.kind == "pause" and wait.target == 30
        assert wait.remaining == 30
        await clock.advance(12)
        again = flow_wait(flow)
        assert again is not None and again.remaining == 18 and again.since == wait.since
        await clock.advance(18)
        asked = flow_wait(flow)
        assert asked is not None and asked.kind == "question" and asked.target == "Which way?"
        assert asked.remaining is None and asked.since == 30
        answer(player, "north")
        await clock.advance(0)
        awaiting = flow_wait(flow)
        assert awaiting is not None and awaiting.kind == "awaiting"
        assert awaiting.target.callback_name == "str.upper"  # the timed task it awaits
        await clock.advance(5)
        await flow
        assert player.heard == ["Which way?", "Arrived."]
        assert flow_wait(flow) is None  # finished: waits on nothing


async def test_an_async_function_is_running_not_waiting_and_numbers_are_never_reused() -> None:
    @interactive
    async def brood(caller: Any) -> None:
        await sleep(60)

    async with virtual_time() as clock:
        first, second = brood(Player()), wander(Player())
        await clock.advance(0)
        assert flow_wait(first) is None  # an async def function awaits without yielding
        numbers = [flow_number(first), flow_number(second)]
        assert numbers[0] != numbers[1]
        assert flow_number(first) == numbers[0]  # the same while it runs
        first.cancel()
        second.cancel()
        await asyncio.gather(first, second, return_exceptions=True)
        third = wander(Player())
        await clock.advance(0)
        assert flow_number(third) > max(numbers)
        third.cancel()
        await asyncio.gather(third, return_exceptions=True)
