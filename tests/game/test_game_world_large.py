"""A large world through the game's own reload and stop/start: every object, place and
attribute comes back, and the player finds their room. CI builds 5,000 objects;
EMBER_STRESS=1 builds 100,000 (issue 13: "reload and stop/start with 100,000 objects")."""

from __future__ import annotations

import os
from pathlib import Path

from gamekit import running_game, session_dict

from ember.world import Room, Thing, create_object

OBJECTS = 100_000 if os.environ.get("EMBER_STRESS") == "1" else 5_000
ROOMS = 50


async def test_a_large_world_survives_the_games_reload_and_stop_start(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        world = game.world
        rooms = [create_object(Room, f"vault {i}", world=world) for i in range(ROOMS)]
        for i in range(OBJECTS - ROOMS):
            create_object(
                Thing,
                f"coin {i}",
                location=rooms[i % ROOMS],
                attributes={"n": i, "minted_in": rooms[(i + 1) % ROOMS]},
                world=world,
            )
            if i % 20_000 == 0:
                await game.server.world_host.flush()  # a bulk builder lets ids be reserved
        ann = game.character("Ann")
        ann.move_to(rooms[7], quiet=True)
        ann.db.gold = 12
        total = len(world)
        before = world.snapshot()

    sessions = [session_dict(1, account="Ann")]
    async with running_game(tmp_path, sessions=sessions, reason="reload") as game:
        assert len(game.world) == total and game.world.snapshot() == before
        coin = game.world.find("coin 4321")[0]
        assert coin.db.n == 4321 and coin.db.minted_in is game.world.find("vault 22")[0]
        assert coin.location is game.world.find("vault 21")[0]
        text = await game.portal.command(1, "look", "vault 7")
        assert text.startswith("vault 7") and "coin 7," in text
        game.character("Ann").db.gold = 13

    async with running_game(tmp_path) as game:  # a stop and a start: nobody comes back
        assert len(game.world) == total
        assert game.character("Ann").db.gold == 13
        assert game.character("Ann").location is game.world.find("vault 7")[0]
