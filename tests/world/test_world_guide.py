"""The examples of docs/world.md, run as written (so the guide cannot drift from the code)."""

from __future__ import annotations

from typing import Any

from ember import Exit, Room, Thing, create_object
from ember.testing import build_world


class Door(Thing):
    """The guide's door."""

    def at_object_creation(self) -> None:
        self.db.open = False

    def open(self) -> None:
        self.db.open = True
        assert self.location is not None
        self.location.msg_contents(f"{self.key} swings open.")


def test_the_door_opens() -> None:
    kit = build_world(["Hall", "Garden"])
    door = kit.create(Door, "door")  # in the Hall
    door.open()
    assert door.db.open
    assert kit.messages.to(kit.character) == ["door swings open."]


def test_the_objects_example() -> None:
    build_world()  # installs a world for create_object
    hall = create_object(Room, "Hall")
    garden = create_object(Room, "Garden")
    create_object(Exit, "garden", location=hall, destination=garden, aliases=["out"])
    sword = create_object(
        Thing,
        "rusty sword",
        location=hall,
        aliases=["sword"],
        tags=["weapon"],
        attributes={"damage": 3},
    )
    assert sword.db.damage == 3 and sword.has_tag("weapon")
    assert hall.exits[0].destination is garden
    orc = create_object(Thing, "orc", location=hall)
    orc.db.hp = 10
    orc.db.loot = {"gold": 3, "items": ["axe"]}
    orc.db.target = sword
    assert orc.db.hp == 10 and orc.db.target is sword
    del orc.db.hp
    assert orc.db.hp is None
    orc.db.loot = {**orc.db.loot, "items": [*orc.db.loot["items"], "shield"]}
    stored: Any = orc.world and orc.world.snapshot()[orc.id]["attributes"]["loot"]
    assert stored == {"gold": 3, "items": ["axe", "shield"]}
