"""Game objects: creation, ids, names, tags, hooks and the bad names the issue lists."""

from __future__ import annotations

import re

import pytest
from worldbook import EVENTS, Door, Fragile, Statue

from ember import EmberError, NotPersistableError
from ember.testing import WorldKit
from ember.world import (
    MAX_KEY_LENGTH,
    Character,
    InvalidNameError,
    MoveError,
    ObjectDeletedError,
    Room,
    Thing,
    World,
    create_object,
)


def test_objects_get_increasing_ids_shown_with_a_hash(kit: WorldKit) -> None:
    first = kit.create(Thing, "pebble")
    second = kit.create(Thing, "stone")
    assert second.id == first.id + 1
    assert first.dbref == f"#{first.id}" and first.entity_id == first.id
    assert repr(first) == f"<Thing #{first.id} 'pebble'>" and str(first) == "pebble"
    assert kit.world.get(first.id) is first and first in kit.world
    assert first.location is kit.room and first in kit.room.contents


def test_calling_the_class_directly_is_refused_with_the_way_to_do_it() -> None:
    with pytest.raises(TypeError, match="create_object"):
        Thing()


def test_create_object_uses_the_location_world_then_the_installed_one(kit: WorldKit) -> None:
    other = World()
    room = create_object(Room, "Elsewhere", world=other)
    assert create_object(Thing, "cup", location=room).world is other
    assert create_object(Thing, "plate").world is kit.world  # the installed world


def test_two_objects_may_share_a_key(kit: WorldKit) -> None:
    a, b = kit.create(Thing, "sword"), kit.create(Thing, "Sword")
    assert a.id != b.id
    assert kit.world.find("SWORD") == [a, b]


@pytest.mark.parametrize(
    ("key", "why"),
    [
        ("bad\nname", "U+000A"),
        ("bell\x07", "U+0007"),
        ("esc\x1b[31mred", "U+001B"),
        ("zero\u200bwidth", "U+200B"),
        ("rtl\u202eevil", "U+202E"),
        ("", "empty"),
        ("   ", "empty"),
        (" padded", "leading or trailing"),
        ("x" * (MAX_KEY_LENGTH + 1), f"limit is {MAX_KEY_LENGTH}"),
    ],
)
def test_bad_names_are_refused_with_the_reason(kit: WorldKit, key: str, why: str) -> None:
    before = len(kit.world)
    with pytest.raises(InvalidNameError, match=re.escape(why)) as caught:
        kit.create(Thing, key)
    assert isinstance(caught.value, EmberError) and isinstance(caught.value, ValueError)
    assert len(kit.world) == before  # nothing half-made
    thing = kit.create(Thing, "fine")
    with pytest.raises(InvalidNameError, match=re.escape(why)):
        thing.key = key
    with pytest.raises(InvalidNameError, match=re.escape(why)):
        thing.aliases = ["ok", key]
    with pytest.raises(InvalidNameError, match=re.escape(why)):
        thing.add_tag(key)
    assert (thing.key, thing.aliases, thing.tags) == ("fine", (), frozenset())


def test_a_key_at_the_limit_and_unicode_names_are_fine(kit: WorldKit) -> None:
    assert kit.create(Thing, "x" * MAX_KEY_LENGTH).key == "x" * MAX_KEY_LENGTH
    assert kit.create(Thing, "épée d'or ✓").key == "épée d'or ✓"
    with pytest.raises(InvalidNameError, match="must be a str"):
        kit.create(Thing, 42)  # type: ignore[arg-type]


def test_renaming_and_aliases_update_the_name_index(kit: WorldKit) -> None:
    lamp = kit.create(Thing, "lamp", aliases=["light", "light"])
    assert lamp.aliases == ("light",)
    lamp.key = "lantern"
    lamp.aliases = ["torch"]
    assert kit.world.find("lamp") == [] and kit.world.find("light") == []
    assert kit.world.find("lantern") == [lamp] and kit.world.find("torch") == [lamp]
    with pytest.raises(InvalidNameError, match="list of names"):
        lamp.aliases = "torch"  # type: ignore[assignment]


def test_tags(kit: WorldKit) -> None:
    thing = kit.create(Thing, "coin", tags=["gold", "loot"])
    thing.add_tag("shiny")
    assert thing.tags == {"gold", "loot", "shiny"} and thing.has_tag("gold")
    assert thing.remove_tag("gold") and not thing.remove_tag("gold")
    assert thing.tags == {"loot", "shiny"}


def test_objects_by_class_include_subclasses(kit: WorldKit) -> None:
    door = kit.create(Door, "door")
    pebble = kit.create(Thing, "pebble")
    assert kit.world.objects_of(Door) == [door]
    assert kit.world.objects_of(Thing) == [door, pebble]
    assert kit.world.objects_of(Character) == [kit.character]


def test_creation_hook_runs_once_and_a_failing_one_leaves_nothing(kit: WorldKit) -> None:
    statue = kit.create(Statue, "statue")
    assert [("created", statue.id)] == EVENTS and statue.db.created is True
    count = len(kit.world)
    with pytest.raises(RuntimeError, match="cracked"):
        kit.create(Fragile, "vase")
    assert len(kit.world) == count and kit.world.find("vase") == []
    assert [o.key for o in kit.room.contents].count("vase") == 0


def test_a_class_defined_in_a_function_is_refused_at_creation(kit: WorldKit) -> None:
    class Local(Thing):
        pass

    with pytest.raises(NotPersistableError, match="inside a function"):
        kit.create(Local, "ghost")


def test_untrusted_classes_are_refused_at_creation() -> None:
    world = World(trusted_modules=["ember"])
    assert create_object(Room, "fine", world=world).key == "fine"
    with pytest.raises(NotPersistableError, match="trusted"):
        create_object(Door, "door", world=world)


def test_only_exits_have_a_destination(kit: WorldKit) -> None:
    with pytest.raises(TypeError, match="only exits"):
        kit.create(Thing, "box", destination=kit.room)


def test_places_must_be_live_objects_of_the_same_world(kit: WorldKit) -> None:
    other = create_object(Room, "Far", world=World())
    with pytest.raises(MoveError, match="another world"):
        kit.create(Thing, "box", location=other)
    gone = kit.create(Room, "Gone")
    gone.delete()
    with pytest.raises(ObjectDeletedError, match="deleted"):
        kit.create(Thing, "box", home=gone)
    with pytest.raises(TypeError, match="must be a game object"):
        kit.create(Thing, "box", location="Hall")  # type: ignore[arg-type]


def test_ndb_is_in_memory_and_reads_none_when_unset(kit: WorldKit) -> None:
    thing = kit.create(Thing, "orb")
    assert thing.ndb.glow is None
    thing.ndb.glow = {1, 2}  # anything goes in memory
    assert thing.ndb.glow == {1, 2}
    assert kit.world.drain_changes()[-1].object_id == thing.id  # only the creation
    assert "glow" not in kit.world.snapshot()[thing.id]["attributes"]


def test_messages_go_through_the_sink(kit: WorldKit) -> None:
    other = kit.create(Character, "Ann")
    kit.character.msg("hello", channel="say")
    kit.room.msg_contents("a bell rings", exclude=other)
    kit.room.msg_contents("thunder", exclude=[kit.character, other])
    assert kit.messages.to(kit.character) == ["hello", "a bell rings"]
    assert kit.messages.to(other) == []
    assert kit.messages.deliveries[0].options == {"channel": "say"}
