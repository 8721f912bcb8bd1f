"""Did-you-mean suggestions: typing slips are matched, unrelated words are not."""

from __future__ import annotations

import pytest

from ember.game.commands._suggest import edit_distance, suggest

NAMES = ["hello", "help", "look", "l", "say", "tasks", "task", "quit", "who", "wave", "reload"]


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [("", "", 0), ("say", "say", 0), ("sya", "say", 1), ("lok", "look", 1),
     ("tell", "hello", 2), ("kitten", "sitting", 3), ("", "abc", 3)],
)  # fmt: skip
def test_edit_distance(a: str, b: str, distance: int) -> None:
    assert edit_distance(a, b) == distance == edit_distance(b, a)


@pytest.mark.parametrize(
    ("word", "expected"),
    [("tell", []), ("xyzzy", []), ("nothing", []), ("x", []), ("sya", ["say"]),
     ("LOK", ["look"]), ("hepl", ["help"]), ("whoo", ["who"]), ("reloda", ["reload"]),
     ("tas", ["task", "tasks"]), ("look", [])],
)  # fmt: skip
def test_suggest(word: str, expected: list[str]) -> None:
    assert suggest(word, NAMES) == expected


def test_a_huge_word_gets_no_suggestion() -> None:
    assert suggest("x" * 100_000, NAMES) == []
    assert suggest("look" + "x" * 40, NAMES) == []
