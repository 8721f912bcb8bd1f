"""Moving: the hooks in order, refusals, loops refused, one journal record per move."""

from __future__ import annotations

import logging

import pytest
from worldbook import EVENTS, Coin, Grumpy, Walker, Watcher

from ember.testing import WorldKit, build_world
from ember.world import Exit, MoveError, ObjectMoved, Room, Thing
from ember.world._moving import going_through


def test_hooks_run_in_order_and_rooms_hear_it(kit: WorldKit) -> None:
    a = kit.create(Watcher, "A", location=None)
    b = kit.create(Watcher, "B", location=None)
    bob = kit.create(Walker, "Bob", location=a)
    ann = kit.create(Thing, "Ann", location=a)
    cat = kit.create(Thing, "Cat", location=b)
    kit.messages.clear()
    assert bob.move_to(b) is True
    assert EVENTS == [
        ("pre", "Bob", "B"),
        ("leave", "A", "Bob", "B"),
        ("receive", "B", "Bob", "A"),
        ("post", "Bob", "A"),
    ]
    assert kit.messages.to(ann) == ["Bob leaves."]
    assert kit.messages.to(cat) == ["Bob arrives."]
    assert bob.location is b and bob in b.contents and bob not in a.contents


def test_a_quiet_move_tells_nobody(kit: WorldKit) -> None:
    garden = kit.rooms["Garden"]
    watcher = kit.create(Thing, "watcher", location=garden)
    kit.messages.clear()
    kit.character.move_to(garden, quiet=True)
    assert kit.messages.to(watcher) == []


def test_at_pre_move_may_refuse_and_nothing_changes(kit: WorldKit) -> None:
    closed = kit.create(Room, "Vault", location=None, tags=["closed"])
    bob = kit.create(Walker, "Bob")
    kit.world.drain_changes()
    assert bob.move_to(closed) is False
    assert bob.location is kit.room and kit.world.drain_changes() == []


def test_an_object_cannot_go_into_itself_or_its_own_contents(kit: WorldKit) -> None:
    bag = kit.create(Thing, "bag")
    box = kit.create(Thing, "box", location=bag)
    coin = kit.create(Thing, "coin", location=box)
    with pytest.raises(MoveError, match="into itself"):
        bag.move_to(bag)
    with pytest.raises(MoveError, match=r"inside .* loop"):
        bag.move_to(coin)
    with pytest.raises(MoveError, match="loop"):
        kit.room.move_to(coin)
    assert bag.location is kit.room and coin.location is box
    coin.move_to(bag)  # outwards is fine
    assert coin.location is bag


def test_moving_into_another_world_is_refused(kit: WorldKit) -> None:
    elsewhere = build_world(install=False).room
    with pytest.raises(MoveError, match="another world"):
        kit.character.move_to(elsewhere)


def test_one_record_per_move_with_both_ends(kit: WorldKit) -> None:
    garden = kit.rooms["Garden"]
    kit.world.drain_changes()
    kit.character.move_to(garden)
    kit.character.move_to(None)
    assert kit.world.drain_changes() == [
        ObjectMoved(kit.character.id, kit.room.id, garden.id),
        ObjectMoved(kit.character.id, garden.id, None),
    ]
    kit.character.move_to(None)  # already there: no record, no hooks
    assert kit.world.drain_changes() == []


def test_a_failing_notification_hook_is_logged_and_the_move_stands(
    kit: WorldKit, caplog: pytest.LogCaptureFixture
) -> None:
    grumpy = kit.create(Grumpy, "Grumpy", location=None)
    with caplog.at_level(logging.ERROR, logger="ember.world"):
        assert kit.character.move_to(grumpy) is True
    assert kit.character.location is grumpy
    record = next(r for r in caplog.records if "at_object_receive" in r.getMessage())
    assert "Grumpy" in record.getMessage() and record.exc_info is not None


def test_exits_move_travellers_to_their_destination(kit: WorldKit) -> None:
    (exit_,) = kit.room.exits
    assert isinstance(exit_, Exit) and exit_.destination is kit.rooms["Garden"]
    assert exit_.at_traverse(kit.character) is True
    assert kit.character.location is kit.rooms["Garden"]


def test_contents_is_a_copy_in_arrival_order(kit: WorldKit) -> None:
    a, b = kit.create(Thing, "a"), kit.create(Thing, "b")
    listing = kit.room.contents
    listing.clear()
    assert kit.room.contents[-2:] == [a, b]
    a.move_to(kit.character)
    a.move_to(kit.room)
    assert kit.room.contents[-2:] == [b, a]


def test_objects_that_redefine_equality_still_move(kit: WorldKit) -> None:
    first, second = kit.create(Coin, "coin"), kit.create(Coin, "coin")
    assert first == second  # and so unhashable
    second.move_to(kit.character)
    assert first in kit.room.contents and kit.character.contents == [second]
    second.delete()
    assert kit.character.contents == []


def test_walking_through_an_exit_names_it_to_the_room_left(kit: WorldKit) -> None:
    hall, garden = kit.rooms["Hall"], kit.rooms["Garden"]
    ann = kit.create(Thing, "Ann", location=hall)
    cat = kit.create(Thing, "Cat", location=garden)
    way = next(obj for obj in hall.exits if obj.key == "garden")
    kit.messages.clear()
    assert way.at_traverse(kit.character) is True
    assert kit.messages.to(ann) == ["Tester leaves garden."]
    assert kit.messages.to(cat) == ["Tester arrives."]
    kit.messages.clear()
    kit.character.move_to(hall)  # no exit taken: a teleport says only that it leaves
    assert kit.messages.to(cat) == ["Tester leaves."]
    # A move made while walking, of something else to elsewhere, does not borrow the exit.
    kit.messages.clear()
    with going_through(way):
        kit.create(Thing, "ball", location=hall).move_to(None)
    assert kit.messages.to(ann) == ["ball leaves."]
