"""Builder commands in a game run in-process: permissions granted and revoked while playing,
who controls what, a game's own class made with create, names with control characters
(which a real portal already drops) and the build budget refilling with time."""

from __future__ import annotations

from pathlib import Path

from gamekit import FAST, running_game

from ember.game.commands import Command
from ember.testing import VirtualClock
from ember.world import Room

LAMP = '''
from ember import Thing


class Lamp(Thing):
    """A game's own class of thing."""

    def at_object_creation(self):
        self.db.lit = False
'''


async def grant(game: object, name: str, *permissions: str) -> None:
    server = game.server  # type: ignore[attr-defined]
    account = server.accounts.registry.by_name(name)
    await server.accounts.set_permissions(account, permissions)


async def test_permission_follows_the_account_on_the_next_line(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await game.login(1, "Bea")
        await game.portal.command(1, "dig Attic", "dig: permission denied (you need Builder).")
        await grant(game, "Bea", "Builder")
        await game.portal.command(1, "dig Attic", "Dug Attic (#")
        await grant(game, "Bea", "Admin")  # Admin includes Builder
        await game.portal.command(1, "find Attic", "1 found for 'Attic':")
        await grant(game, "Bea")
        await game.portal.command(1, "find Attic", "find: permission denied")


async def test_builders_control_what_they_made_and_admins_everything(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        for sid, name in ((1, "Bea"), (2, "Bob"), (3, "Ada")):
            await game.login(sid, name)
        await grant(game, "Bea", "Builder")
        await grant(game, "Bob", "Builder")
        await grant(game, "Ada", "Admin")
        await game.portal.command(1, "create lute", "Created lute (#")
        lute = game.world.find("lute")[0]
        await game.portal.command(1, "teleport lute = here", "Teleported lute")
        await game.portal.command(2, "desc lute = Mine!", "You do not control lute (#")
        await game.portal.command(2, "destroy lute", "You do not control lute (#")
        await game.portal.command(3, "desc lute = Out of tune.", "Described lute (#")
        assert lute.db.desc == "Out of tune."
        await game.portal.command(1, "name lute = old lute;lute", "Renamed lute (#")
        assert (lute.key, lute.aliases) == ("old lute", ("lute",))
        # The starting room is nobody's: Admins only.
        await game.portal.command(1, "desc A dusty room.", "You do not control")
        await game.portal.command(3, "desc A dusty room.", "Described")


async def test_create_makes_a_game_class_from_a_trusted_module_only(tmp_path: Path) -> None:
    (tmp_path / "things.py").write_text(LAMP)
    async with running_game(tmp_path) as game:
        await game.login(1, "Bea")
        await grant(game, "Bea", "Builder")
        await game.portal.command(1, "create lamp : things.Lamp", "Created lamp (#")
        await game.portal.command(1, "examine lamp", "class: things:Lamp")
        (lamp,) = game.world.find("lamp")
        assert type(lamp).__name__ == "Lamp" and lamp.db.lit is False
        assert lamp.location is game.character("Bea")
        await game.portal.command(1, "create x : json.JSONDecoder", "not in the trusted modules")
        await game.portal.command(1, "create x : things.LAMP", "no class 'things.LAMP'")
        await game.portal.command(1, "create x : ember.game.Settings", "not a game object class")
        assert game.world.find("x") == []


async def test_names_and_texts_with_control_characters_are_refused(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await game.login(1, "Bea")
        await grant(game, "Bea", "Builder")
        await game.portal.command(1, "dig Kit\x1b[2Jchen", "control character U+001B")
        await game.portal.command(1, "dig Hall = north;n\u200b, south", "U+200B")
        await game.portal.command(1, "create orb", "Created orb (#")
        await game.portal.command(1, "desc orb = Bright\x07", "control character U+0007")
        await game.portal.command(1, "name orb = Orb\u202e", "U+202E")
        assert game.world.find("Hall") == [] and game.world.find("orb")[0].db.desc is None


async def test_the_build_budget_refills_with_time(tmp_path: Path) -> None:
    clock = VirtualClock()
    settings = FAST.with_overrides(build_objects_per_minute=6)
    async with running_game(tmp_path, settings, clock=clock) as game:
        await game.login(1, "Bea")
        await grant(game, "Bea", "Builder")
        await game.portal.command(1, "dig One = one, back", "Dug One")  # 3 objects
        await game.portal.command(1, "dig Two = two, back", "Dug Two")  # 6
        await game.portal.command(1, "dig Three", "try again in 10 s")
        await game.portal.command(1, "dig Big = big, back", "try again in 30 s")
        await clock.advance(10)
        await game.portal.command(1, "dig Three", "Dug Three")
        rooms = {room.key for room in game.world.objects_of(Room)}
        assert {"One", "Two", "Three"} <= rooms and "Big" not in rooms


def test_command_permission_follows_the_hierarchy() -> None:
    class CmdBuild(Command):
        key = "build"
        permission = "Builder"

    class CmdSecret(Command):
        key = "secret"
        permission = "Wizard"  # a game's own name, outside the hierarchy: held as is

    class Holder:
        def __init__(self, *names: str) -> None:
            self.permissions = names

    assert CmdBuild.allowed(Holder("Developer")) and CmdBuild.allowed(Holder("Builder"))
    assert not CmdBuild.allowed(Holder("Player")) and not CmdBuild.allowed(object())
    assert CmdSecret.allowed(Holder("Wizard")) and not CmdSecret.allowed(Holder("Developer"))


async def test_teleporting_to_a_character_lands_beside_it(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await game.login(1, "Bea")
        await game.login(2, "Bob")
        await grant(game, "Bea", "Builder")
        await game.portal.command(1, "dig Loft", "Dug Loft (#")
        await game.portal.command(1, "tel Loft", "Loft")
        await game.portal.command(1, "create guard : Character", "Created guard (#")
        await game.portal.command(1, "create coin", "Created coin (#")
        await game.portal.command(1, "teleport coin = guard", "Teleported coin")
        bea, bob = game.character("Bea"), game.character("Bob")
        (guard,) = game.world.find("guard")
        (coin,) = game.world.find("coin")
        assert guard.location is bea.location and coin.location is guard
        await game.portal.command(1, "tel Bob", "Here: you")
        assert bea.location is bob.location
