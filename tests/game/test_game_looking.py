"""look at things, go through exits, and who (issue 14, player commands)."""

from __future__ import annotations

import shutil
from pathlib import Path

from gamekit import FAST, make_developer, running_game

import ember
from ember.world import Exit, Thing, create_object

TEMPLATE = Path(ember.__file__).parent / "template"


def demo(tmp_path: Path) -> Path:
    """A game directory with the template's demo area (a Garden north of the Hearth)."""
    shutil.copy(TEMPLATE / "world.py", tmp_path / "world.py")
    shutil.copy(TEMPLATE / "commands.py", tmp_path / "commands.py")
    return tmp_path


async def test_look_at_things_people_exits_and_yourself(tmp_path: Path) -> None:
    async with running_game(demo(tmp_path)) as game:
        await game.login(1, "Ann")
        await game.login(2, "Bob")
        ann = game.character("Ann")
        well = create_object(Thing, "old well", location=ann.location, aliases=["well"])
        well.db.desc = "Moss grows on its stones."
        create_object(Thing, "bucket", location=well)
        create_object(Thing, "coin", location=ann)
        text = await game.portal.command(1, "look well", "old well")
        assert text == "old well\nMoss grows on its stones.\nInside: bucket."
        await game.portal.command(1, "look at zzz", "You see no 'zzz' here.")
        await game.portal.command(1, "look at the", "The Hearth")  # the room is one candidate
        await game.portal.command(1, "look at old", "Moss grows")  # "look at <thing>"
        text = await game.portal.command(1, "look coin", "coin")  # carried
        assert text == "coin\nYou see nothing special."
        text = await game.portal.command(1, "look Bob", "Bob")
        assert text == "Bob\nYou see nothing special."
        game.character("Bob").db.desc = "A tall man in a green coat."
        await game.portal.command(1, "l bob", "A tall man in a green coat.")
        await game.portal.command(1, "look north", "north leads to Garden.")
        await game.portal.command(1, "look me", "Ann (you)")
        text = await game.portal.command(1, "look here", "The Hearth")
        assert "Exits: north." in text and "Here: you, Bob, old well." in text
        await game.portal.command(1, "look nothing", "You see no 'nothing' here.")


async def test_the_view_lock_keeps_a_thing_from_close_looks(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        await make_developer(game, "Dev")
        await game.login(2, "Dev", new=False)
        box = create_object(Thing, "box", location=game.character("Ann").location)
        box.db.desc = "A plain box."
        box.locks.add("view: perm(Builder)")
        await game.portal.command(1, "look box", "You cannot make out box clearly.")
        await game.portal.command(2, "look box", "A plain box.")


async def test_go_and_exit_names_move_and_the_rooms_hear_it(tmp_path: Path) -> None:
    async with running_game(demo(tmp_path)) as game:
        for sid, name in ((1, "Ann"), (2, "Bob"), (3, "Cid")):
            await game.login(sid, name)
        await game.portal.command(3, "go north", "Garden")
        await game.portal.expect(1, "Cid leaves north.")
        await game.portal.command(1, "go nor", "Garden")  # a partial exit name
        await game.portal.expect(2, "Ann leaves north.")
        await game.portal.expect(3, "Ann arrives.")
        await game.portal.command(1, "s", "The Hearth")  # an alias typed alone
        await game.portal.expect(3, "Ann leaves south.")
        await game.portal.expect(2, "Ann arrives.")
        await game.portal.command(3, "go door", "The door is closed.")  # the Door refuses
        assert game.character("Cid").location.key == "Garden"
        # A traverse lock refuses too; a teleport is no walk through an exit.
        north = next(o for o in game.character("Ann").location.contents if isinstance(o, Exit))
        north.locks.add("traverse: perm(Builder)")
        await game.portal.command(1, "north", "You cannot go north.")
        garden = game.character("Cid").location
        game.character("Bob").move_to(garden)
        await game.portal.expect(1, "Bob leaves.")
        await game.portal.expect(3, "Bob arrives.")


async def test_bad_input_to_go_and_look(tmp_path: Path) -> None:
    async with running_game(demo(tmp_path)) as game:
        await game.login(1, "Ann")
        await game.portal.command(1, "go", "Go where? Exits: north.")
        text = await game.portal.command(1, "go nowhere", "There is no exit")
        assert text == "There is no exit 'nowhere' here. Exits: north."
        await game.portal.command(1, "go north south", "There is no exit 'north south' here.")
        await game.portal.command(1, "north", "Garden")
        garden = game.character("Ann").location
        hearth = game.world.find("The Hearth")[0]
        create_object(Exit, "southwest", location=garden, destination=hearth)
        text = await game.portal.command(1, "go sou", "More than one")  # two exits start so
        assert "1-sou (south, here)" in text and "2-sou (southwest, here)" in text
        await game.portal.command(1, "go 2-sou", "The Hearth")
        await game.portal.command(1, "look " + "y" * 10_000, "You see no")


async def test_who_lists_characters_and_admins_see_accounts(tmp_path: Path) -> None:
    settings = FAST.with_overrides(max_characters_per_account=2)
    async with running_game(demo(tmp_path), settings) as game:
        await game.login(1, "Ann")
        await game.portal.command(1, "charcreate Zed", "Made Zed")
        await game.portal.command(1, "ic Zed", "The Hearth")
        await make_developer(game, "Dev")
        await game.portal.connect(2)
        await game.portal.line(2, "connect Dev password1")
        await game.portal.expect(2, "Welcome, Dev!")
        await game.login(3, "Bob")
        await game.portal.command(3, "north", "Garden")
        text = await game.portal.command(3, "who", "online")
        lines = text.splitlines()
        assert lines[0].split() == ["Name", "Idle", "Where"]
        assert lines[1].startswith("Bob") and lines[1].endswith("Garden")
        assert lines[2].startswith("Dev") and lines[3].startswith("Zed ")
        assert "Ann" not in text  # the account behind Zed is not for players
        assert lines[-1] == "3 accounts online."
        text = await game.portal.command(2, "who", "online")
        assert "Zed (Ann)" in text  # Developers include Admin
        await game.portal.connect(4)
        text = await game.portal.command(4, "who", "online")  # the login screen: no places
        assert "Where" not in text and "Garden" not in text and "Zed" in text
