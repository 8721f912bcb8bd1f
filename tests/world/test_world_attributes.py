"""Stored attributes: JSON values and object references, refused at assignment otherwise."""

from __future__ import annotations

import math
import re

import pytest

from ember import EmberError
from ember.testing import WorldKit, build_world
from ember.world import (
    MAX_ATTRIBUTE_BYTES,
    MAX_KEY_LENGTH,
    AttributeSet,
    AttributeTooLargeError,
    InvalidNameError,
    ObjectDeletedError,
    Thing,
    UnstorableValueError,
)


def test_values_are_stored_read_and_deleted(kit: WorldKit) -> None:
    orc = kit.create(Thing, "orc")
    orc.db.hp = 10
    orc.db.name = "Grub"
    orc.db.loot = {"gold": 3, "items": ["axe", None, 1.5, True]}
    orc.db.spot = (1, 2)
    assert (orc.db.hp, orc.db.name, orc.db.spot) == (10, "Grub", (1, 2))
    assert orc.db.loot == {"gold": 3, "items": ["axe", None, 1.5, True]}
    assert orc.db.missing is None and orc.get_attribute("missing", 7) == 7
    assert list(orc.db) == ["hp", "name", "loot", "spot"] and "hp" in orc.db
    del orc.db.hp
    assert orc.db.hp is None and not orc.delete_attribute("hp")
    assert orc.attribute_names() == ["name", "loot", "spot"]


def test_references_to_objects_are_stored_by_id(kit: WorldKit) -> None:
    orc = kit.create(Thing, "orc")
    orc.db.target = kit.character
    orc.db.party = [kit.character, {"leader": kit.room}]
    assert orc.db.target is kit.character
    row = kit.world.snapshot()[orc.id]["attributes"]
    assert row["target"] == {"$object": kit.character.id}
    assert row["party"] == [{"$object": kit.character.id}, {"leader": {"$object": kit.room.id}}]


def _bad_values(kit: WorldKit) -> list[tuple[object, str]]:
    other_world_thing = build_world(install=False).character
    gone = kit.create(Thing, "gone")
    gone.delete()
    return [
        ({1, 2}, "db.bag is a set"),
        (print, "db.bag is a builtin_function_or_method"),
        (lambda: None, "db.bag is a function"),
        (other_world_thing, "db.bag is <Character #.* 'Tester'>, an object of another world"),
        (gone, "db.bag is <Thing #.* 'gone' deleted>, which was deleted"),
        (math.nan, "db.bag is the float nan"),
        ([1, [2, {3, 4}]], r"db.bag\[1\]\[1\] is a set"),
        ({"ok": 1, 2: "x"}, "db.bag has the key 2 of type int"),
        ({"inner": {"deep": b"bytes"}}, r"db.bag\['inner'\]\['deep'\] is a bytes"),
        (object(), "db.bag is a object"),
    ]


def test_unstorable_values_are_refused_at_assignment_naming_attribute_and_type(
    kit: WorldKit,
) -> None:
    bag = kit.create(Thing, "bag")
    bag.db.bag = "before"
    kit.world.drain_changes()
    for value, message in _bad_values(kit):
        kit.world.drain_changes()
        with pytest.raises(UnstorableValueError, match=message) as caught:
            bag.db.bag = value
        assert isinstance(caught.value, EmberError) and isinstance(caught.value, TypeError)
        assert bag.db.bag == "before"  # unchanged
        assert kit.world.drain_changes() == []  # nothing journaled
    with pytest.raises(UnstorableValueError, match=r"db\.other is a set"):
        kit.create(Thing, "box", attributes={"other": {1}})
    assert kit.world.find("box") == []


def test_the_size_limit_is_checked_at_assignment(kit: WorldKit) -> None:
    box = kit.create(Thing, "box")
    # A JSON string of exactly the limit: the text plus its two quotes.
    box.db.fits = "a" * (MAX_ATTRIBUTE_BYTES - 2)
    with pytest.raises(AttributeTooLargeError, match=re.escape("1,048,577 bytes")) as caught:
        box.db.big = "a" * (MAX_ATTRIBUTE_BYTES - 1)
    assert isinstance(caught.value, ValueError) and "db.big" in str(caught.value)
    with pytest.raises(AttributeTooLargeError, match=r"db\.chunks"):
        box.db.chunks = ["é" * 1000] * 600  # 2 bytes per character in UTF-8: 1.2 MB
    with pytest.raises(AttributeTooLargeError, match=r"db\.wide"):
        box.db.wide = "✓" * (MAX_ATTRIBUTE_BYTES // 3)  # 3 bytes each, short in characters
    assert box.db.big is None and box.db.chunks is None and box.db.wide is None


@pytest.mark.parametrize("name", ["_private", "has space", "1st", "", 7])
def test_attribute_names_must_be_identifiers(kit: WorldKit, name: str) -> None:
    with pytest.raises(InvalidNameError, match="identifier"):
        kit.character.set_attribute(name, 1)
    with pytest.raises(InvalidNameError, match="identifier"):
        kit.create(Thing, "box", attributes={name: 1})


def test_attribute_names_have_the_key_length_limit(kit: WorldKit) -> None:
    kit.character.set_attribute("a" * MAX_KEY_LENGTH, 1)
    with pytest.raises(InvalidNameError, match=f"the limit is {MAX_KEY_LENGTH}"):
        kit.character.set_attribute("a" * (MAX_KEY_LENGTH + 1), 1)


def test_a_value_that_contains_itself_is_refused(kit: WorldKit) -> None:
    loop: list[object] = [1]
    loop.append(loop)
    with pytest.raises(UnstorableValueError, match=r"db\.loop is nested too deeply"):
        kit.character.db.loop = loop


def test_a_reference_to_a_deleted_object_reads_as_none(kit: WorldKit) -> None:
    sword = kit.create(Thing, "sword")
    kit.character.db.weapon = sword
    kit.character.db.bag = [sword, 1]
    sword.delete()
    assert kit.character.db.weapon is None
    # The stored form keeps the id, as the journal recorded it (a reload reads it as None).
    stored = kit.world.snapshot()[kit.character.id]["attributes"]
    assert stored == {"weapon": {"$object": sword.id}, "bag": [{"$object": sword.id}, 1]}


def test_a_deleted_object_cannot_be_given_attributes(kit: WorldKit) -> None:
    thing = kit.create(Thing, "thing")
    thing.delete()
    with pytest.raises(ObjectDeletedError, match="deleted"):
        thing.db.x = 1


def test_each_assignment_is_one_journal_record_with_the_stored_form(kit: WorldKit) -> None:
    kit.world.drain_changes()
    kit.character.db.hp = 5
    kit.character.db.friend = kit.room
    del kit.character.db.hp
    changes = kit.world.drain_changes()
    assert changes[:2] == [
        AttributeSet(kit.character.id, "hp", 5),
        AttributeSet(kit.character.id, "friend", {"$object": kit.room.id}),
    ]
    assert len(changes) == 3
