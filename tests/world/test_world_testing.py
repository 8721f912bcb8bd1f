"""``ember.testing.build_world`` and the id allocator a store will drive."""

from __future__ import annotations

import pytest
from worldbook import Walker

from ember import create_object, get_world
from ember.testing import build_world
from ember.world import IdAllocator, Thing, World


def test_build_world_makes_rooms_exits_and_a_character_at_home() -> None:
    kit = build_world(["Hall", "Garden", "Cave"], character="Ann", character_class=Walker)
    hall, garden, cave = kit.rooms.values()
    assert [e.key for e in hall.exits] == ["garden"]
    assert sorted(e.key for e in garden.exits) == ["cave", "hall"]
    assert [e.destination for e in cave.exits] == [garden]
    assert isinstance(kit.character, Walker) and kit.character.key == "Ann"
    assert kit.character.location is hall and kit.character.home is hall
    assert get_world() is kit.world and create_object(Thing, "x").world is kit.world
    garden.exits[0].at_traverse(kit.character)  # not in the Garden: the exit still moves
    assert kit.character.location in (hall, cave)


def test_build_world_refuses_no_rooms() -> None:
    with pytest.raises(ValueError, match="at least one room"):
        build_world([])


def test_id_blocks_are_reserved_ahead_and_never_reused() -> None:
    asked: list[int] = []
    ids = IdAllocator(1, 11)
    world = World(ids=ids)
    ids.on_low = lambda: asked.append(ids.next_id)
    made = [world.create(Thing, "t").id for _ in range(5)]
    assert made == [1, 2, 3, 4, 5] and asked == [6]  # half of the block used: ask once
    for _ in range(5):
        world.create(Thing, "t")
    with pytest.raises(RuntimeError, match="exhausted at #11"):
        world.create(Thing, "t")
    ids.add_block(5, 100)  # a block overlapping what was used: no id is handed out twice
    assert world.create(Thing, "t").id == 11
    ids.observe(50)
    assert world.create(Thing, "t").id == 51


def test_statistics_count_what_the_world_holds() -> None:
    kit = build_world()
    kit.world.drain_changes()
    kit.character.db.hp = 1
    stats = kit.world.statistics()
    assert (stats.objects, stats.classes, stats.journal_pending) == (5, 3, 1)
    assert stats.missing_classes == 0 and stats.next_id == 6
