"""Actions in a running game: busy, refused, alongside, interrupted by moving, ``stop``.

The template's ``dig`` (a generator), ``rest`` (async def) and ``brew`` (not interruptible)
run on a virtual clock, so their pauses take no wall time.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from gamekit import running_game

import ember
from ember import ActionInterrupted, Exit, Room, create_object
from ember.interaction import ActionBusyError, current_action
from ember.testing import RunningGame, VirtualClock

TEMPLATE = Path(ember.__file__).parent / "template" / "commands.py"


@asynccontextmanager
async def game_with_a_garden(tmp_path: Path) -> AsyncIterator[tuple[RunningGame, VirtualClock]]:
    (tmp_path / "commands.py").write_text(TEMPLATE.read_text())
    clock = VirtualClock()
    async with running_game(tmp_path, clock=clock) as game:
        await game.login(1, "Ann")
        here = game.character("Ann").location
        garden = create_object(Room, "Garden", world=game.world)
        create_object(Exit, "north", location=here, destination=garden, world=game.world)
        yield game, clock


def order(game: RunningGame, *needles: str) -> list[int]:
    texts = game.portal.texts(1)
    return [next(i for i, t in enumerate(texts) if needle in t) for needle in needles]


async def test_moving_interrupts_digging_and_the_flow_tidies_up_first(tmp_path: Path) -> None:
    async with game_with_a_garden(tmp_path) as (game, clock):
        ann = game.character("Ann")
        await game.portal.command(1, "dig", "You start digging...")
        assert ann.action is not None and ann.action.name == "digging"
        # Busy: another dig is refused with the action's message; look runs alongside.
        await game.portal.command(1, "dig", "You are busy digging (type 'stop' to stop).")
        await game.portal.command(1, "look", "Here: ")
        await clock.advance(3)
        await game.portal.command(1, "north", "Garden")
        assert ann.location is not None and ann.location.key == "Garden"
        climbed, garden = order(
            game, "You climb out of the half-dug hole (you did 'north').", "Garden"
        )
        assert climbed < garden  # the flow's words come before the new room
        assert ann.action is None
        await clock.advance(60)
        assert not any("You hit something hard" in t for t in game.portal.texts(1))


async def test_a_busy_caller_queues_typed_lines_in_order_behind_the_move(tmp_path: Path) -> None:
    async with game_with_a_garden(tmp_path) as (game, _):
        await game.portal.command(1, "rest", "You sit down by the fire.")
        await game.portal.line(1, "north")
        await game.portal.line(1, "say made it")
        await game.portal.expect(1, 'You say, "made it"')
        up, garden, said = order(
            game, "You get up before you are quite rested.", "Garden", 'You say, "made it"'
        )
        assert up < garden < said


async def test_brewing_refuses_moving_until_stop(tmp_path: Path) -> None:
    async with game_with_a_garden(tmp_path) as (game, clock):
        ann = game.character("Ann")
        start = ann.location
        await game.portal.command(1, "brew tea", "You start brewing tea...")
        await game.portal.command(
            1, "north", "You are busy brewing tea; stay by the pot (or stop)."
        )
        assert ann.location is start and ann.action is not None
        await game.portal.command(1, "stop", "You pour the half-brewed tea away.")
        assert ann.action is None
        await game.portal.command(1, "stop", "You are not busy with anything.")
        await game.portal.command(1, "north", "Garden")
        await game.portal.command(1, "brew coffee", "You start brewing coffee...")
        await clock.advance(10)
        await game.portal.expect(1, "Your coffee is ready.")
        assert ann.action is None


async def test_an_uncaught_interruption_ends_the_action_with_a_line(tmp_path: Path) -> None:
    async with game_with_a_garden(tmp_path) as (game, clock):
        ann = game.character("Ann")

        def whittle(caller: Any) -> Iterator[Any]:
            caller.msg("You whittle.")
            yield 30
            caller.msg("A fine stick.")

        action = ann.start_action("whittling", whittle(ann))
        await game.portal.expect(1, "You whittle.")
        await game.portal.command(1, "stop", "You stop whittling.")
        assert await action is None and action.reason == "you stopped"
        await clock.advance(60)
        assert "A fine stick." not in game.portal.texts(1)


async def test_bad_flows_and_errors_in_flows(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with game_with_a_garden(tmp_path) as (game, clock):
        ann = game.character("Ann")
        with pytest.raises(TypeError, match="must be a generator or a coroutine"):
            ann.start_action("waiting", 10)
        with pytest.raises(ValueError, match="needs a name"):
            ann.start_action(" ", iter(()))

        def broken(caller: Any) -> Iterator[Any]:
            yield 1
            raise RuntimeError("the spade broke")

        ann.start_action("shovelling", broken(ann))
        with pytest.raises(ActionBusyError, match="busy shovelling"):
            ann.start_action("digging", broken(ann))
        with caplog.at_level(logging.ERROR, logger="ember.interaction"):
            await clock.advance(1)
            await game.portal.expect(1, "Something went wrong while shovelling")
        failed = [r for r in caplog.records if "shovelling" in r.getMessage()]
        assert failed and failed[0].exc_info is not None  # logged with its traceback
        assert current_action(ann) is None


async def test_a_reload_interrupts_an_action_with_the_usual_notice(tmp_path: Path) -> None:
    async with game_with_a_garden(tmp_path) as (game, _):
        await game.portal.command(1, "dig", "You start digging...")
        game.server.stop("shutdown", by="test")
        await game.portal.expect(1, "digging was interrupted: the game is stopping.")
        assert await game.stopped() == "shutdown"


async def test_a_flow_tidying_up_keeps_the_caller_busy_for_a_bounded_time(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from ember.interaction import TIDY_SECONDS

    async with game_with_a_garden(tmp_path) as (game, clock):
        ann = game.character("Ann")

        def ritual(caller: Any) -> Iterator[Any]:
            try:
                yield 30
            except ActionInterrupted:
                caller.msg("You start undoing the circle.")
                yield 600  # far longer than a flow may tidy up

        ann.start_action("chanting", ritual(ann))
        await game.portal.command(1, "stop", "You start undoing the circle.")
        # Still finishing: no second interruption, no new action, refused commands say so.
        await game.portal.command(1, "stop", "You are finishing chanting already.")
        await game.portal.command(1, "dig", "You are still finishing chanting.")
        with pytest.raises(ActionBusyError):
            ann.start_action("digging", ritual(ann))
        await game.portal.command(1, "north", "Garden")  # moving is not held back
        with caplog.at_level(logging.WARNING, logger="ember.interaction"):
            await clock.advance(TIDY_SECONDS)
        assert ann.action is None
        assert any("still tidying up" in r.getMessage() for r in caplog.records)
        await game.portal.command(1, "dig", "You start digging...")


async def test_leaving_the_game_ends_the_action(tmp_path: Path) -> None:
    async with game_with_a_garden(tmp_path) as (game, clock):
        ann = game.character("Ann")
        await game.portal.command(1, "dig", "You start digging...")
        action = ann.action
        assert action is not None
        await game.portal.line(1, "quit")
        await game.portal.expect_named("close")
        await action
        assert action.reason == "you left the game" and ann.action is None
        await clock.advance(60)
        assert not any("You hit something hard" in t for t in game.portal.texts(1))


async def test_an_async_flow_may_use_its_own_asyncio_timeout(tmp_path: Path) -> None:
    import asyncio

    async with game_with_a_garden(tmp_path) as (game, _):
        ann = game.character("Ann")

        async def listen() -> str:
            try:
                async with asyncio.timeout(0.01):  # real time: a short, bounded wait
                    await asyncio.Event().wait()
            except TimeoutError:
                ann.msg("Nothing but silence.")
            return "listened"

        action = ann.start_action("listening", listen())
        assert await action == "listened"
        await game.portal.expect(1, "Nothing but silence.")
