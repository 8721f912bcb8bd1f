"""Permissions: the hierarchy, case-insensitive names, unknown names refused where given."""

from __future__ import annotations

import pytest

from ember import PERMISSIONS, UnknownPermissionError, has_permission
from ember.testing import WorldKit
from ember.world import World, load_world, normalize_permission


def test_the_hierarchy_is_ordered_and_each_includes_those_below() -> None:
    assert PERMISSIONS == ("Player", "Builder", "Admin", "Developer")
    for rank, held in enumerate(PERMISSIONS):
        for other, required in enumerate(PERMISSIONS):
            assert has_permission({held}, required) is (rank >= other), (held, required)


def test_names_ignore_case_and_spaces() -> None:
    assert normalize_permission(" builder ") == "Builder"
    assert has_permission({"ADMIN"}, "builder")
    assert has_permission(["player", "developer"], "Admin")


def test_unknown_names_are_refused_where_given_and_grant_nothing_where_held() -> None:
    with pytest.raises(UnknownPermissionError, match="unknown permission 'Wizard'; the perm"):
        normalize_permission("Wizard")
    with pytest.raises(ValueError, match="unknown permission 'Wizard'"):
        has_permission({"Admin"}, "Wizard")
    with pytest.raises(UnknownPermissionError, match="unknown permission 3"):
        normalize_permission(3)
    assert not has_permission({"Wizard", "superuser", 7}, "Player")  # type: ignore[arg-type]
    assert not has_permission(set(), "Player")


def test_characters_are_players_until_told_otherwise(kit: WorldKit) -> None:
    player = kit.character
    assert player.permissions == {"Player"}
    player.permissions = {"builder", "Player"}
    assert player.permissions == {"Builder", "Player"}
    with pytest.raises(UnknownPermissionError):
        player.permissions = {"Builder", "Wizard"}
    assert player.permissions == {"Builder", "Player"}  # unchanged by the refused set
    with pytest.raises(TypeError, match="not the str"):
        player.permissions = "Builder"
    with pytest.raises(AttributeError):
        player.permissions.add("Admin")  # type: ignore[attr-defined]


def test_permissions_are_not_stored_with_the_character(kit: WorldKit) -> None:
    kit.character.permissions = {"Developer"}
    assert "permissions" not in kit.world.snapshot()[kit.character.id]
    again = World()
    load_world(kit.world.snapshot().values(), again)
    loaded = again.get(kit.character.id)
    assert getattr(loaded, "permissions", None) == {"Player"}  # they will come from the account
