"""Look-alike names refused at creation, and one rule for login lines (issue 9)."""

from __future__ import annotations

from pathlib import Path

import pytest
from gamekit import running_game

from ember.game._names import name_skeleton
from ember.game.commands._dispatch import is_login_line


@pytest.mark.parametrize(
    ("taken", "look_alike"),
    [("Alice", "AIice"), ("Alice", "A1ice"), ("Bob", "B0b"), ("Mom", "Morn"), ("Will", "VViII"),
     ("sam_x", "Sam-X"), ("Oslo", "0s1o"), ("Sage", "5age")],
)  # fmt: skip
def test_look_alike_names_share_a_skeleton(taken: str, look_alike: str) -> None:
    assert name_skeleton(taken) == name_skeleton(look_alike)


def test_different_names_keep_different_skeletons() -> None:
    names = ["Alice", "Alicia", "Bob", "Rob", "Ann", "Anna", "Mo", "Dara", "Clara"]
    assert len({name_skeleton(name) for name in names}) == len(names)


async def test_a_look_alike_name_is_refused_at_account_creation(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await game.login(1, "Alice")
        await game.portal.connect(2)
        text = await game.portal.command(2, "create AIice password1", "looks too much like")
        assert "'AIice' looks too much like the account 'Alice'" in text
        await game.portal.command(2, "create Alicia password1", "Welcome, Alicia!")
        assert game.server.accounts.registry.by_name("AIice") is None


def test_one_rule_decides_what_a_login_line_is() -> None:
    for line in ("connect Ann pw", "  CONNECT Ann pw", "con Ann pw", "connect/x Ann pw",
                 "create Ann pw", "cr/quiet Ann pw", "conn"):  # fmt: skip
        assert is_login_line(line), line
    for line in ("connector Ann pw", "say connect Ann pw", "", "crunch 5", "look"):
        assert not is_login_line(line), line


async def test_switches_on_connect_and_create_are_refused(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await game.server.accounts.create("Ann", "password1")
        await game.portal.connect(1)
        await game.portal.command(1, "connect/x Ann password1", "connect takes no switches")
        await game.portal.command(1, "create/x Bob password1", "create takes no switches")
        assert game.server.sessions.get(1).account is None  # type: ignore[union-attr]
        assert game.server.accounts.registry.by_name("Bob") is None
        await game.portal.command(1, "connect Ann password1", "Welcome, Ann!")
