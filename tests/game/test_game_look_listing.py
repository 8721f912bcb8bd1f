"""What ``look`` lists of a crowded room: at most MAX_LISTED names, the rest counted, exits
always named wherever they are in the contents (issue 13's crowded-room row)."""

from __future__ import annotations

from ember.game._look import MAX_LISTED, describe, listing
from ember.world import Character, Exit, Room, Thing, World


def crowded(things: int) -> tuple[Room, Character]:
    """A room holding its looker, ``things`` pebbles, then an exit (after all of them)."""
    world = World()
    room = world.create(Room, "Hall")
    looker = world.create(Character, "Ann", location=room)
    for i in range(things):
        world.create(Thing, f"pebble {i}", location=room)
    world.create(Exit, "north", location=room, destination=room)
    return room, looker


def test_a_crowded_room_names_the_first_and_counts_the_rest() -> None:
    room, looker = crowded(1_000)
    lines = describe(room, looker).split("\n")
    assert lines[0] == "Hall"
    assert lines[1] == "Exits: north."  # the exit arrived last and is still named
    shown = [f"pebble {i}" for i in range(MAX_LISTED - 1)]
    assert lines[2] == f"Here: you, {', '.join(shown)} and {1_000 - len(shown):,} more."


def test_a_room_of_exactly_the_listed_number_counts_none() -> None:
    room, looker = crowded(MAX_LISTED - 1)
    assert describe(room, looker).endswith(f"pebble {MAX_LISTED - 2}.")
    room, looker = crowded(MAX_LISTED)
    assert describe(room, looker).endswith(f"pebble {MAX_LISTED - 2} and 1 more.")


def test_a_looker_elsewhere_is_not_you() -> None:
    room, _ = crowded(2)
    assert describe(room).endswith("Here: Ann, pebble 0, pebble 1.")


def test_listing_counts_names_beyond_the_limit_and_those_not_given() -> None:
    assert listing(["a", "b", "c"], limit=2) == "a, b and 1 more"
    assert listing(["a", "b"], limit=2, more=3) == "a, b and 3 more"
    assert listing(["a", "b", "c"], limit=2, more=1_000) == "a, b and 1,001 more"
    assert listing(["a", "b"]) == "a, b"
