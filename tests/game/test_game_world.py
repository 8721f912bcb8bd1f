"""The world in the game: accounts play characters in rooms, say reaches the room, the login
shows the character's room, hooks at login and logout, START_LOCATION (issue 13, part 3)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from gamekit import FAST, make_developer, running_game, session_dict

import ember
from ember.game._world_setup import STARTING_ROOM_TAG, StartLocationError
from ember.testing import VirtualClock
from ember.world import Character, Room, Thing, create_object, get_world, load_world

TEMPLATE = Path(ember.__file__).parent / "template"
START = 1_900_000_000.0

HOOKS = """

from pathlib import Path

from ember import Character


class Hero(Character):
    def at_login(self):
        with open(Path(__file__).parent / "hooks.log", "a") as log:
            log.write(f"login {self.key}\\n")

    def at_logout(self):
        with open(Path(__file__).parent / "hooks.log", "a") as log:
            log.write(f"logout {self.key}\\n")
"""


def demo(tmp_path: Path, extra: str = "") -> Path:
    """A game directory holding the template's commands.py and world.py (its demo area)."""
    shutil.copy(TEMPLATE / "commands.py", tmp_path / "commands.py")
    (tmp_path / "world.py").write_text((TEMPLATE / "world.py").read_text() + extra)
    return tmp_path


async def test_a_new_account_plays_a_character_in_the_starting_room(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await game.portal.connect(1)
        await game.portal.line(1, "create Ann password1")
        shown = await game.portal.expect(1, "The Hearth")  # the login shows the room
        assert "crackling fire" in shown and shown.endswith("Here: you.")
        ann = game.character("Ann")
        assert ann.key == "Ann" and type(ann) is Character
        assert ann.location is ann.home and ann.location.has_tag(STARTING_ROOM_TAG)
        assert ann.permissions == {"Player"}
        assert [s.sid for s in game.server.players.sessions_of(ann)] == [1]
        assert get_world() is game.world  # installed: create_object finds it
        await make_developer(game, "Dev")
        await game.login(2, "Dev", new=False)
        assert game.character("Dev").permissions == {"Developer"}
        # In commands, caller is the character; py sees it as me, and the room as here.
        text = await game.portal.command(2, "py me is caller, type(me).__name__, here.key", ">>>")
        assert "(True, 'Character', 'The Hearth')" in text


async def test_say_reaches_only_the_speakers_room(tmp_path: Path) -> None:
    async with running_game(demo(tmp_path)) as game:
        for sid, name in ((1, "Ann"), (2, "Bob"), (3, "Cid")):
            await game.login(sid, name)
        await game.portal.command(2, "north", "Garden")  # Bob walks out through an exit
        assert game.character("Bob").location.key == "Garden"
        await game.portal.command(1, "say hello", 'You say, "hello"')
        await game.portal.expect(3, 'Ann says, "hello"')
        await game.portal.command(2, "say anyone?", 'You say, "anyone?"')
        await game.portal.command(1, "look", "The Hearth")  # after Bob's words would be
        assert not [t for t in game.portal.texts(2) if "Ann says" in t]
        assert not [t for t in game.portal.texts(1) if "Bob says" in t]
        text = await game.portal.command(3, "look", "The Hearth")
        assert "Exits: north." in text and "Here: you, Ann." in text
        text = await game.portal.command(1, "who", "online")
        assert "Garden" in text and "The Hearth" in text


async def test_the_login_shows_the_room_the_character_left_from(tmp_path: Path) -> None:
    async with running_game(demo(tmp_path)) as game:
        await game.login(1, "Ann")
        await game.login(2, "Bob")
        await game.portal.command(2, "north", "Garden")
        await game.portal.line(2, "quit")
        await game.portal.expect_named("close")
        assert game.character("Bob").location is None
        # While nobody plays Bob he waits nowhere; the Garden does not show him.
        await game.portal.command(1, "north", "Garden")
        assert "Bob" not in (await game.portal.command(1, "look", "Garden"))
        await game.portal.connect(3)
        await game.portal.line(3, "connect Bob password1")
        text = await game.portal.expect(3, "Garden")
        assert text.startswith("Garden") and "Here: you, Ann." in text
        await game.portal.expect(1, "Bob enters the game.")


async def test_at_login_and_at_logout_run_once_each_and_not_on_reload(tmp_path: Path) -> None:
    game_dir = demo(tmp_path, HOOKS)
    settings = FAST.with_overrides(character_class="world:Hero")
    hooks = game_dir / "hooks.log"
    async with running_game(game_dir, settings) as game:
        await make_developer(game, "Ann")  # to type reload
        await game.login(1, "Ann", new=False)
        await game.portal.connect(2)  # a second session plays the same character
        await game.portal.command(2, "connect Ann password1", "Welcome, Ann!")
        assert type(game.character("Ann")).__name__ == "Hero"
        assert hooks.read_text() == "login Ann\n"
        await game.portal.line(1, "reload")
        await game.portal.expect_named("reload")
    sessions = [session_dict(1, account="Ann"), session_dict(2, account="Ann")]
    async with running_game(game_dir, settings, sessions=sessions, reason="reload") as game:
        ann = game.character("Ann")
        assert len(game.server.players.sessions_of(ann)) == 2
        await game.portal.command(1, "look", "Here: you.")
        assert hooks.read_text() == "login Ann\n"  # restored sessions: no second at_login
        await game.portal.send("disconnect", 1)
        await game.portal.command(2, "look", "Here: you.")
        assert hooks.read_text() == "login Ann\n"  # a session is still playing
        await game.portal.send("disconnect", 2)
        await game.portal.connect(3)
    assert hooks.read_text() == "login Ann\nlogout Ann\n"


async def test_a_character_message_reaches_every_session_playing_it(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        await game.portal.connect(2)
        await game.portal.command(2, "connect Ann password1", "Welcome, Ann!")
        game.character("Ann").msg("a bell rings")
        assert await game.portal.expect(1, "a bell rings") == "a bell rings"
        assert await game.portal.expect(2, "a bell rings") == "a bell rings"


async def test_the_door_swings_shut_by_itself_through_a_persistent_delay(tmp_path: Path) -> None:
    clock = VirtualClock(START)
    async with running_game(demo(tmp_path), clock=clock) as game:
        await game.login(1, "Ann")
        await game.portal.command(1, "north", "Garden")
        await game.portal.command(1, "east", "The door is closed.")
        await game.portal.command(1, "open door", "Ann opens the door.")
        (door,) = [o for o in game.character("Ann").location.exits if o.key == "door"]
        (task,) = game.server.scheduler.tasks(owner=f"object:{door.id}")
        assert task.persistent and task.callback_name.endswith("close")
        await game.portal.command(1, "east", "Shed")
        await clock.advance(door.db.closes_after)
        await game.portal.expect(1, "The door swings shut.")
        assert not door.db.open and not door.db.other.db.open
        await game.portal.command(1, "west", "The door is closed.")


async def test_the_templates_open_and_dig_serve_players_and_builders(tmp_path: Path) -> None:
    async with running_game(demo(tmp_path)) as game:
        await game.login(1, "Ann")
        await game.portal.command(1, "north", "Garden")
        await game.portal.command(
            1, "open gate = The Hearth", "Only builders make exits; to open a door: open <door>."
        )
        await game.portal.command(
            1, "dig Cellar", "Only builders dig rooms; to dig for treasure: dig."
        )
        server = game.server
        account = server.accounts.registry.by_name("Ann")
        await server.accounts.set_permissions(account, ("Builder",))
        await game.portal.command(1, "open gate = The Hearth", "Opened gate")
        await game.portal.command(1, "dig Cellar = down, up", "Dug Cellar (#")
        await game.portal.command(1, "gate", "The Hearth")
        await game.portal.command(1, "north", "Garden")
        await game.portal.command(1, "open door", "Ann opens the door.")


async def test_a_deleted_objects_tasks_are_cancelled_with_a_log_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = VirtualClock(START)
    async with running_game(demo(tmp_path), clock=clock) as game:
        await game.login(1, "Ann")
        for way, room in (("north", "Garden"), ("west", "Dry Meadow")):
            await game.portal.command(1, way, room)
        await game.portal.command(1, "kindle", "Flames crackle up")
        await clock.advance(10)
        await game.portal.expect(1, "The fire spreads barn!")
        (barn_fire,) = [o for o in game.world.find("fire") if o.location.key == "Old Barn"]
        tasks = game.server.scheduler.tasks(owner=f"object:{barn_fire.id}")
        assert len(tasks) == 2
        named = repr(barn_fire)
        barn_fire.delete()
        assert not any(task.active() for task in tasks)
        for task in tasks:
            assert f"deleting {named}: cancelling timed task {task.id}" in caplog.text
        await clock.advance(30)  # the meadow's fire burns out; nothing fires for the barn's
        await game.portal.expect(1, "The fire dies down to ashes.")
        assert game.world.find("fire") == []


async def test_deleting_a_room_sends_its_players_home(tmp_path: Path) -> None:
    async with running_game(demo(tmp_path)) as game:
        await game.login(1, "Ann")
        await game.portal.command(1, "north", "Garden")
        garden = game.character("Ann").location
        assert garden is not None and garden.delete()
        ann = game.character("Ann")
        assert ann.location is ann.home and ann.location.key == "The Hearth"
        text = await game.portal.command(1, "look", "The Hearth")
        assert "Exits:" not in text  # the exit north led to the Garden: deleted with it
        await game.portal.command(1, "north", "Unknown command 'north'")


async def test_deleting_the_starting_room_makes_another_for_newcomers(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        hearth = game.character("Ann").location
        assert hearth is not None and hearth.delete()
        assert game.character("Ann").location is None  # nowhere left to go
        await game.login(2, "Bob")  # still welcome: a new starting room is made
        bob = game.character("Bob")
        assert bob.location is not None and bob.location is not hearth
        assert bob.location.has_tag(STARTING_ROOM_TAG) and bob.location.key == "The Hearth"
        await game.portal.command(1, "look", "You are nowhere.")


async def test_start_location_names_a_room_by_key_or_id(tmp_path: Path) -> None:
    settings = FAST.with_overrides(start_location="Dry Meadow")
    async with running_game(demo(tmp_path), settings) as game:
        await game.login(1, "Ann")
        assert game.character("Ann").location.key == "Dry Meadow"
        assert game.world.default_home is game.character("Ann").home


@pytest.mark.parametrize("setting", ["#999", "Atlantis"])
async def test_a_start_location_that_does_not_exist_stops_the_start(
    tmp_path: Path, setting: str
) -> None:
    settings = FAST.with_overrides(start_location=setting)
    with pytest.raises(StartLocationError, match=f"START_LOCATION '{setting}' names no object"):
        async with running_game(tmp_path, settings):
            pass


async def test_several_characters_per_account_pick_one_after_login(tmp_path: Path) -> None:
    settings = FAST.with_overrides(max_characters_per_account=2)
    async with running_game(tmp_path, settings) as game:
        await game.login(1, "Ann")
        await game.portal.command(1, "charcreate Zed", "Made Zed")
        await game.portal.command(1, "charcreate Max", "the limit is 2")
        await game.portal.line(1, "quit")
        await game.portal.expect_named("close")
        await game.portal.connect(2)
        await game.portal.line(2, "connect Ann password1")
        await game.portal.expect(2, "Play which character?")
        await game.portal.command(2, "zed", "The Hearth")
        (session,) = game.server.players.sessions_of(game.world.find("Zed")[0])
        assert session.sid == 2
        await game.portal.command(2, "ic Ann", "The Hearth")
        assert game.server.players.sessions_of(game.world.find("Zed")[0]) == []


async def test_world_limits_are_settings(tmp_path: Path) -> None:
    settings = FAST.with_overrides(world_max_key_length=25, world_max_attribute_bytes=100)
    async with running_game(tmp_path, settings) as game:
        with pytest.raises(ValueError, match="the limit is 25"):
            create_object(Thing, "x" * 26, world=game.world)
        room = game.world.objects_of(Room)[0]
        with pytest.raises(ValueError, match="the limit is 100 bytes"):
            room.db.notes = "y" * 200
    create_object(Thing, "x" * 26, world=ember.World())  # the defaults are back


async def test_developers_hear_of_objects_whose_class_is_gone(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await make_developer(game, "Dev")
        await game.login(1, "Dev", new=False)
        await game.portal.command(1, "missing", "Every object's class exists.")
        row = {"id": 500, "class": "commands:Vanished", "key": "statue", "aliases": []}
        row |= {"tags": [], "location": None, "home": None, "destination": None}
        load_world([row | {"attributes": {}, "locks": ""}], game.world)
        text = await game.portal.command(1, "missing", "without a class")
        assert "#500 statue: commands:Vanished" in text
        await game.portal.connect(2)
        await game.portal.command(2, "connect Dev password1", "Welcome, Dev!")
        await game.portal.expect(2, "1 object of the world have a class that no longer exists")
        await game.login(3, "Ann")
        await game.portal.command(3, "missing", "permission denied")
