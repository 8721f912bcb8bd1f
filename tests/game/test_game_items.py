"""get, drop, give and inventory (issue 14, player commands): locks, hooks, the carried
bound, numbered choices and every kind of bad input."""

from __future__ import annotations

from pathlib import Path

from gamekit import FAST, running_game

from ember.world import Thing, create_object

WORLD = '''
from ember import Thing, create_object


class Anvil(Thing):
    """Too heavy: its at_pre_move refuses every move."""

    def at_pre_move(self, destination):
        return False


def at_world_start(world, start):
    create_object(Anvil, "anvil", location=start, world=world)
'''


async def test_get_drop_give_and_inventory_move_things_and_tell_the_room(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        for sid, name in ((1, "Ann"), (2, "Bob"), (3, "Cid")):
            await game.login(sid, name)
        hearth = game.character("Ann").location
        lamp = create_object(Thing, "brass lamp", location=hearth, aliases=["lamp"])
        await game.portal.command(1, "inventory", "You are carrying nothing.")
        await game.portal.command(1, "get lamp", "You pick up brass lamp.")
        await game.portal.expect(2, "Ann picks up brass lamp.")
        assert lamp.location is game.character("Ann")
        text = await game.portal.command(1, "i", "You are carrying")
        assert text == "You are carrying (1): brass lamp."
        text = await game.portal.command(2, "look", "Here:")
        assert "brass lamp" not in text
        await game.portal.command(1, "give lamp to Bob", "You give brass lamp to Bob.")
        await game.portal.expect(2, "Ann gives you brass lamp.")
        await game.portal.expect(3, "Ann gives brass lamp to Bob.")
        assert lamp.location is game.character("Bob")
        await game.portal.command(2, "give lamp TO Ann", "You give brass lamp to Ann.")
        await game.portal.command(1, "give lamp to Bob", "You give brass lamp to Bob.")
        await game.portal.command(2, "drop brass", "You drop brass lamp.")  # a partial name
        await game.portal.expect(1, "Bob drops brass lamp.")
        assert lamp.location is hearth
        # Nobody else heard their own messages twice, nor the giver's "You give".
        assert not [t for t in game.portal.texts(2) if "Ann gives brass lamp to Bob" in t]


async def test_two_swords_give_a_numbered_choice_and_a_number_picks_one(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        hearth = game.character("Ann").location
        rusty = create_object(Thing, "rusty sword", location=hearth, aliases=["sword"])
        shiny = create_object(Thing, "shiny sword", location=hearth, aliases=["sword"])
        text = await game.portal.command(1, "get sword", "More than one")
        assert text == (
            "More than one 'sword' fits:\n"
            "  1-sword (rusty sword, here)\n"
            "  2-sword (shiny sword, here)\n"
            "Type, for example, 'get 2-sword'."
        )
        assert rusty.location is hearth and shiny.location is hearth
        await game.portal.command(1, "get 2-sword", "You pick up shiny sword.")
        assert shiny.location is game.character("Ann")
        await game.portal.command(1, "get 3-sword", "There are only 1 of 'sword' here.")
        await game.portal.command(1, "get sword", "You pick up rusty sword.")  # one left here
        text = await game.portal.command(1, "drop sword", "More than one")
        assert "1-sword (rusty sword, carried)" in text or "(shiny sword, carried)" in text
        await game.portal.command(1, "drop 1-sword", "You drop")


async def test_the_get_lock_and_a_refusing_hook_keep_things_in_place(tmp_path: Path) -> None:
    (tmp_path / "world.py").write_text(WORLD)
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        await game.login(2, "Bob")
        hearth = game.character("Ann").location
        statue = create_object(Thing, "statue", location=hearth)
        statue.locks.add("get: perm(Builder)")
        await game.portal.command(1, "get statue", "You cannot pick up statue.")
        assert statue.location is hearth
        (anvil,) = game.world.find("anvil")  # made by the game's world.py
        await game.portal.command(1, "get anvil", "anvil stays where it is.")
        assert anvil.location is hearth
        await game.portal.command(1, "get Bob", "You cannot pick up Bob.")
        await game.portal.command(
            1, "get north", "You see no 'north' here."
        )  # exits are not things
        assert not [t for t in game.portal.texts(2) if "picks up" in t]


async def test_carrying_is_bounded_by_max_carried(tmp_path: Path) -> None:
    async with running_game(tmp_path, FAST.with_overrides(max_carried=3)) as game:
        await game.login(1, "Ann")
        await game.login(2, "Bob")
        hearth = game.character("Ann").location
        for number in range(200):
            create_object(Thing, f"pebble {number}", location=hearth, aliases=["pebble"])
        for number in range(3):
            await game.portal.command(1, f"get pebble {number}", f"You pick up pebble {number}.")
        text = await game.portal.command(1, "get pebble 3", "You cannot carry")
        assert text == "You cannot carry more than 3 things. Drop something first."
        assert len(game.character("Ann").contents) == 3
        for number in range(3, 6):
            await game.portal.command(2, f"get pebble {number}", "You pick up")
        await game.portal.command(1, "give pebble 0 to Bob", "Bob cannot carry any more.")
        assert len(game.character("Bob").contents) == 3
        # A room full of pebbles still looks back in a few lines: 50 names, the rest counted.
        text = await game.portal.command(1, "look", "Here:")
        assert text.endswith("and 146 more.") and len(text) < 2000
        text = await game.portal.command(1, "get pebble", "More than one")
        assert "... and 184 more." in text and len(text.splitlines()) == 13


async def test_bad_input_gets_a_clear_answer(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        await game.login(2, "Bob")
        hearth = game.character("Ann").location
        create_object(Thing, "cup", location=game.character("Ann"))
        create_object(Thing, "pot", location=hearth)
        answers = {
            "get": "Get what?",
            "drop": "Drop what?",
            "give": "Usage: give <thing> to <someone>",
            "give cup": "Usage: give <thing> to <someone>",
            "give cup to": "Usage: give <thing> to <someone>",
            "give to Bob": "Usage: give <thing> to <someone>",
            "give cup to the tower to Bob": "You carry no 'cup to the tower'.",
            "get nothing": "You see no 'nothing' here.",
            "get pot kettle": "You see no 'pot kettle' here.",  # too many words: no such name
            "drop pot": "You carry no 'pot'.",
            "give pot to Bob": "You carry no 'pot'.",
            "give cup to Zed": "There is nobody called 'Zed' here.",
            "give cup to pot": "There is nobody called 'pot' here.",
            "give cup to Ann": "You already have cup.",
            "give cup to me": "You already have cup.",
            "get 0-pot": "There are only 1 of 'pot' here.",
            "get " + "x" * 5000: "You see no '" + "x" * 5000 + "' here.",
        }
        for line, answer in answers.items():
            text = await game.portal.command(1, line, answer[:40])
            assert text == answer, line
        text = await game.portal.command(1, "inventory everything", "You are carrying")
        assert text == "You are carrying (1): cup."  # extra words are ignored
        assert not [t for t in game.portal.texts(2) if "Ann" in t and "gives" in t]
