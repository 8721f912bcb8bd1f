"""Searching by name: exact before partial, aliases, ``2-sword``, and precise results."""

from __future__ import annotations

from ember.testing import WorldKit
from ember.world import Thing


def test_one_match_is_found(kit: WorldKit) -> None:
    lamp = kit.create(Thing, "brass lamp", aliases=["lantern"])
    for query in ("brass lamp", "BRASS LAMP", "lantern", "lamp", "bra", "  lamp  "):
        result = kit.character.search(query)
        assert result.found is lamp and result and not result.ambiguous, query
        assert result.message() == ""


def test_no_match_says_so(kit: WorldKit) -> None:
    result = kit.character.search("unicorn")
    assert result.found is None and result.matches == () and not result
    assert result.message() == "You see no 'unicorn' here."


def test_several_matches_are_listed_and_a_number_picks_one(kit: WorldKit) -> None:
    first = kit.create(Thing, "sword")
    second = kit.create(Thing, "rusty sword", aliases=["sword"])
    carried = kit.create(Thing, "sword", location=kit.character)
    result = kit.character.search("sword")
    assert result.ambiguous and result.found is None
    assert result.matches == (first, second, carried)  # the room first, then what one holds
    assert result.message() == (
        f"More than one 'sword' fits: 1-sword (sword #{first.id}), "
        f"2-sword (rusty sword #{second.id}), 3-sword (sword #{carried.id})."
    )
    assert kit.character.search("2-sword").found is second
    assert kit.character.search("3-SWORD").found is carried
    four = kit.character.search("4-sword")
    assert four.found is None and four.message() == "There are only 3 of 'sword' here."
    assert kit.character.search("0-sword").found is None


def test_exact_names_win_over_partial_ones(kit: WorldKit) -> None:
    sword = kit.create(Thing, "sword")
    kit.create(Thing, "swordfish")
    assert kit.character.search("sword").found is sword
    assert len(kit.character.search("swo").matches) == 2


def test_me_here_and_ids(kit: WorldKit) -> None:
    pebble = kit.create(Thing, "pebble")
    far = kit.create(Thing, "far pebble", location=kit.rooms["Garden"])
    assert kit.character.search("me").found is kit.character
    assert kit.character.search("here").found is kit.room
    assert kit.character.search(pebble.dbref).found is pebble
    assert kit.character.search(far.dbref).found is None  # not within reach
    assert kit.character.search("Hall").found is kit.room
    assert kit.character.search("Tester").found is None  # one does not find oneself by name


def test_explicit_candidates(kit: WorldKit) -> None:
    a, b = kit.create(Thing, "apple"), kit.create(Thing, "apricot")
    assert kit.character.search("ap", candidates=[b]).found is b
    assert kit.character.search("me", candidates=[a]).found is None


def test_world_wide_search_for_builders(kit: WorldKit) -> None:
    one = kit.create(Thing, "rock", location=kit.rooms["Garden"])
    two = kit.create(Thing, "Rock", location=None)
    assert kit.world.search("rock").matches == (one, two)
    assert kit.world.search("2-rock").found is two
    assert kit.world.search(f"#{one.id}").found is one
    assert kit.world.search("#99999").found is None
    assert kit.world.search("ro").found is None  # world-wide needs the whole name
    assert kit.world.search("me").found is None
