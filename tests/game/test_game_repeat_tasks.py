"""Repeating timers in the ``tasks`` command of a running game: listed, paused, cancelled."""

from __future__ import annotations

from pathlib import Path

from gamekit import running_game

from ember.scheduling import RepeatState, repeater_of
from ember.testing import VirtualClock


async def test_a_players_repeat_is_listed_paused_and_cancelled(tmp_path: Path) -> None:
    clock = VirtualClock()
    async with running_game(tmp_path, clock=clock) as game:
        await game.login(1, "Ann")
        await game.login(2, "Bob")
        ann = game.character("Ann")
        repeater = repeater_of(game.server.scheduler)
        rep = repeater.repeat(10, ann.msg, ("Your wounds itch.",), {}, count=5)
        await clock.advance(10)
        await game.portal.expect(1, "Your wounds itch.")

        listing = await game.portal.command(1, "tasks", "1 repeating task.")
        assert f"{rep.id:>6}  10s" in listing and "4    " in listing and "scheduled" in listing
        # Bob sees nothing of Ann's, and cannot act on it by its id.
        assert "repeating" not in await game.portal.command(2, "tasks", "No timed tasks.")
        await game.portal.command(2, f"tasks/cancel {rep.id}", "No task of yours matches")

        await game.portal.command(1, f"tasks/pause {rep.id}", f"Pause repeat {rep.id}")
        await game.portal.command(1, "yes", f"Repeat {rep.id}")
        assert rep.state is RepeatState.PAUSED
        await clock.advance(60)
        assert game.portal.texts(1).count("Your wounds itch.") == 1

        await game.portal.command(1, f"tasks/do_task {rep.id}", "Run now and end repeat")
        await game.portal.command(1, "yes", "can be paused, unpaused, cancelled or removed")
        await game.portal.command(1, f"tasks/cancel {rep.id}", f"Cancel repeat {rep.id}")
        await game.portal.command(1, "yes", "cancel done")
        assert repeater.get(rep.id) is None
        await game.portal.command(1, "tasks", "No timed tasks.")
