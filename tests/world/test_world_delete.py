"""Deleting: contents go home, exits to the room go too, hooks may refuse."""

from __future__ import annotations

import logging

import pytest
from worldbook import Statue, StuckExit

from ember.testing import WorldKit
from ember.world import (
    Character,
    Exit,
    ObjectDeleted,
    ObjectDeletedError,
    ObjectMoved,
    Room,
    Thing,
)


def test_deleting_a_room_with_players_sends_them_home(kit: WorldKit) -> None:
    garden = kit.rooms["Garden"]
    ann = kit.create(Character, "Ann", location=garden, home=kit.room)
    bob = kit.create(Character, "Bob", location=garden, home=kit.room)
    onlooker = kit.create(Thing, "onlooker")
    kit.messages.clear()
    assert garden.delete() is True
    assert garden.deleted and kit.world.get(garden.id) is None
    assert ann.location is kit.room and bob.location is kit.room
    assert kit.messages.to(onlooker) == ["Ann arrives.", "Bob arrives."]


def test_without_a_usable_home_contents_go_to_the_deleted_objects_location(kit: WorldKit) -> None:
    chest = kit.create(Thing, "chest")
    coin = kit.create(Thing, "coin", location=chest, home=chest)  # its home is dying
    ring = kit.create(Thing, "ring", location=chest)  # home: the world's default_home
    gem = kit.create(Thing, "gem", location=chest)
    gem.home = None
    kit.world.default_home = None
    chest.delete()
    assert coin.location is kit.room and gem.location is kit.room
    assert ring.location is kit.room  # its home was the Hall


def test_nested_contents_travel_with_their_holder(kit: WorldKit) -> None:
    crate = kit.create(Thing, "crate", location=kit.rooms["Garden"])
    box = kit.create(Thing, "box", location=crate, home=kit.room)
    pearl = kit.create(Thing, "pearl", location=box, home=crate)
    crate.delete()
    assert box.location is kit.room and pearl.location is box


def test_exits_to_and_in_a_deleted_room_are_deleted_too(kit: WorldKit) -> None:
    garden = kit.rooms["Garden"]
    to_garden, to_hall = kit.room.exits[0], garden.exits[0]
    garden.delete()
    assert to_garden.deleted and to_hall.deleted
    assert kit.room.exits == [] and kit.world.objects_of(Exit) == []


def test_an_exit_to_a_deleted_room_is_refused_naming_the_room(kit: WorldKit) -> None:
    gone = kit.create(Room, "Gone")
    way = kit.create(Exit, "way", location=kit.room, destination=kit.room)
    gone.delete()
    with pytest.raises(ObjectDeletedError, match=r"destination .*Gone.* was deleted"):
        kit.create(Exit, "into the void", location=kit.room, destination=gone)
    with pytest.raises(ObjectDeletedError, match=r"destination .*Gone.* was deleted"):
        way.destination = gone
    assert way.destination is kit.room
    assert [obj.key for obj in kit.room.exits].count("into the void") == 0


def test_an_exit_that_refuses_deletion_is_kept_broken(
    kit: WorldKit, caplog: pytest.LogCaptureFixture
) -> None:
    cellar = kit.create(Room, "Cellar", location=None)
    stuck = kit.create(StuckExit, "down", destination=cellar)
    with caplog.at_level(logging.WARNING, logger="ember.world"):
        cellar.delete()
    assert not stuck.deleted and stuck.broken and stuck.destination is None
    assert "broken" in caplog.text and "down" in caplog.text
    assert kit.world.snapshot()[stuck.id]["destination"] is None
    assert stuck.at_traverse(kit.character) is False
    assert kit.messages.to(kit.character) == ["down leads nowhere."]


def test_at_object_delete_may_refuse(kit: WorldKit) -> None:
    statue = kit.create(Statue, "statue")
    statue.db.fixed = True
    kit.world.drain_changes()
    assert statue.delete() is False and not statue.deleted
    assert kit.world.drain_changes() == []
    statue.db.fixed = False
    assert statue.delete() is True


def test_deleting_twice_is_harmless_and_a_deleted_object_cannot_move(kit: WorldKit) -> None:
    thing = kit.create(Thing, "thing")
    assert thing.delete() is True and thing.delete() is False
    assert thing.location is None and thing not in kit.room.contents
    with pytest.raises(ObjectDeletedError):
        thing.move_to(kit.room)
    with pytest.raises(ObjectDeletedError):
        kit.character.move_to(thing)
    with pytest.raises(ObjectDeletedError):
        thing.key = "again"
    thing.msg("nobody hears this")  # a no-op, not an error


def test_deletion_records_moves_before_the_deletion(kit: WorldKit) -> None:
    garden = kit.rooms["Garden"]
    to_garden, to_hall = kit.room.exits[0], garden.exits[0]
    kit.character.move_to(garden)
    kit.world.drain_changes()
    garden.delete()
    assert kit.world.drain_changes() == [
        ObjectDeleted(to_garden.id),
        ObjectDeleted(to_hall.id),
        ObjectMoved(kit.character.id, garden.id, kit.room.id),
        ObjectDeleted(garden.id),
    ]


def test_deleting_the_default_home_forgets_it(kit: WorldKit) -> None:
    assert kit.world.default_home is kit.room
    kit.room.delete()
    assert kit.world.default_home is None
    assert kit.character.location is None  # home and default home were the Hall
