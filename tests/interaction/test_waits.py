"""What a running interactive function waits on (``flow_wait``) and its number
(``flow_number``): what the admin page lists, on a virtual clock."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from ember import delay, interactive, sleep
from ember.interaction import Wait, _waits, answer, flow_number, flow_wait
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
    yield 10
    yield delay(5, str.upper, reply)
    caller.msg("Arrived.")


async def test_a_flow_shows_its_pause_its_question_and_the_task_it_awaits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_waits, "_watched", False)  # as in a fresh process: nobody asked yet
    async with virtual_time() as clock:
        player = Player()
        flow = wander(player)
        await clock.advance(0)  # the function runs to its first yield
        # Its kind and seconds, read from the driver; when it began was not noted (unwatched).
        assert flow_wait(flow) == Wait("pause", 30.0, None)
        await clock.advance(30)
        assert flow_wait(flow) == Wait("question", "Which way?")
        answer(player, "north")
        await clock.advance(0)
        assert flow_wait(flow) == Wait("pause", 10.0, 10.0)  # watched now: timed
        await clock.advance(4)
        assert flow_wait(flow) == Wait("pause", 10.0, 6.0)
        await clock.advance(6)
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
