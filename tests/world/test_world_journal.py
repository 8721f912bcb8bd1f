"""The change journal: ordered records that replay onto a snapshot to give the live world."""

from __future__ import annotations

import copy

import pytest
from worldbook import Nest

from ember.testing import WorldKit
from ember.world import (
    AliasesChanged,
    AttributeSet,
    HomeChanged,
    KeyChanged,
    ObjectCreated,
    TagsChanged,
    Thing,
    World,
    apply_changes,
)


def test_replaying_the_whole_journal_gives_the_live_world(kit: WorldKit) -> None:
    bag = kit.create(Thing, "bag", attributes={"size": 3}, tags=["b", "a"])
    coin = kit.create(Thing, "coin", location=bag)
    coin.db.value = 5
    coin.key = "gold coin"
    coin.aliases = ["coin"]
    coin.add_tag("gold")
    coin.home = kit.room
    coin.move_to(kit.character)
    del bag.db.size
    kit.rooms["Garden"].delete()
    assert apply_changes({}, kit.world.drain_changes()) == kit.world.snapshot()


def test_records_are_frozen_and_say_what_changed(kit: WorldKit) -> None:
    kit.world.drain_changes()
    coin = kit.create(Thing, "coin", aliases=["c"], tags=["t"], attributes={"v": 1})
    coin.key = "gold"
    coin.aliases = ["g"]
    coin.add_tag("u")
    coin.home = None
    coin.db.v = 2
    assert kit.world.drain_changes() == [
        ObjectCreated(
            coin.id, "ember.world:Thing", "coin",
            kit.room.id, kit.room.id, None, ("c",), ("t",), {"v": 1},
        ),
        KeyChanged(coin.id, "gold"),
        AliasesChanged(coin.id, ("g",)),
        TagsChanged(coin.id, ("t", "u")),
        HomeChanged(coin.id, None),
        AttributeSet(coin.id, "v", 2),
    ]  # fmt: skip
    record = KeyChanged(1, "x")
    with pytest.raises(AttributeError):
        record.key = "y"  # type: ignore[misc]
    assert not hasattr(record, "__dict__")


def test_every_prefix_replays_to_a_consistent_world(kit: WorldKit) -> None:
    base = kit.world.snapshot()
    kit.world.drain_changes()
    box = kit.create(Thing, "box")
    for i in range(5):
        box.db.count = i
    box.move_to(kit.rooms["Garden"])
    changes = kit.world.drain_changes()
    for cut in range(len(changes) + 1):
        state = apply_changes(base, changes[:cut])
        if box.id in state:
            assert state[box.id]["location"] in (kit.room.id, kit.rooms["Garden"].id)
            count = state[box.id]["attributes"].get("count")
            # attribute writes are a prefix of those made: never a later one without the earlier
            assert count in (None, *range(5))
            assert count is None or cut >= 2 + count


def test_apply_changes_leaves_its_input_alone(kit: WorldKit) -> None:
    base = kit.world.snapshot()
    frozen = copy.deepcopy(base)
    kit.world.drain_changes()
    kit.character.db.hp = 1
    kit.character.move_to(kit.rooms["Garden"])
    kit.rooms["Garden"].delete()
    after = apply_changes(base, kit.world.drain_changes())
    assert base == frozen and after == kit.world.snapshot() and after != base


def test_a_failed_creation_is_undone_in_the_journal_too(kit: WorldKit) -> None:
    start = kit.world.snapshot()
    kit.world.drain_changes()
    with pytest.raises(RuntimeError, match="nest fell"):
        kit.create(Nest, "nest")
    (egg,) = kit.world.find("egg")
    assert egg.location is None and kit.world.find("nest") == []
    assert apply_changes(start, kit.world.drain_changes()) == kit.world.snapshot()


def test_a_change_to_an_unknown_object_is_an_error() -> None:
    with pytest.raises(KeyError):
        apply_changes({}, [KeyChanged(7, "x")])
    with pytest.raises(TypeError, match="not a change record"):
        apply_changes({}, ["nonsense"])  # type: ignore[list-item]


def test_a_world_without_journal_records_nothing() -> None:
    world = World()
    world.create(Thing, "x")
    with pytest.raises(RuntimeError, match="journal=True"):
        world.drain_changes()
