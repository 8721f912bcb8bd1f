"""Loading from stored rows: classes by name in trusted modules, missing ones flagged, bad rows
kept aside, the rest loads."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from worldbook import Door

from ember.errors import UnresolvableReferenceError
from ember.scheduling._refs import resolve_reference
from ember.testing import WorldKit
from ember.world import Exit, GameObject, Room, Thing, World, load_world, resolve_class

TRUSTED = ["ember", "worldbook"]


def _reload(snapshot: dict[int, dict[str, Any]]) -> tuple[World, Any]:
    world = World(trusted_modules=TRUSTED)
    report = load_world(snapshot.values(), world)
    return world, report


def test_a_world_comes_back_as_it_was(kit: WorldKit) -> None:
    door = kit.create(Door, "oak door", aliases=["door"], tags=["wooden"])
    door.db.open = False
    door.db.keyholder = kit.character
    door.db.path = (kit.room, [kit.rooms["Garden"], {"$odd": 1}])
    box = kit.create(Thing, "box", location=door)
    snapshot = kit.world.snapshot()
    world, report = _reload(snapshot)
    assert report.loaded == len(snapshot) and report.corrupt == () and report.dangling == 0
    assert world.snapshot() == snapshot
    loaded = world.get(door.id)
    assert type(loaded) is Door and loaded.key == "oak door" and loaded.has_tag("wooden")
    assert loaded.db.keyholder is world.get(kit.character.id)
    assert loaded.db.path == (
        world.get(kit.room.id),
        [world.get(kit.rooms["Garden"].id), {"$odd": 1}],
    )
    assert world.get(box.id) in loaded.contents
    exit_ = world.get(kit.room.exits[0].id)
    assert isinstance(exit_, Exit) and exit_.destination is world.get(kit.rooms["Garden"].id)
    assert world.search("door").found is loaded
    assert world.ids.next_id > max(snapshot)  # loaded ids are never handed out again


def test_a_missing_class_loads_as_the_base_class_flagged_and_kept(
    kit: WorldKit, caplog: pytest.LogCaptureFixture
) -> None:
    door = kit.create(Door, "door")
    snapshot = kit.world.snapshot()
    snapshot[door.id]["class"] = "worldbook:RemovedDoor"
    snapshot[kit.room.exits[0].id]["class"] = "worldbook:GoneExit"
    with caplog.at_level(logging.WARNING, logger="ember.world"):
        world, report = _reload(snapshot)
    assert type(world.get(door.id)) is GameObject
    assert report.missing_classes == world.missing_classes()
    assert report.missing_classes[door.id] == "worldbook:RemovedDoor"
    assert "worldbook:RemovedDoor" in caplog.text
    assert world.snapshot() == snapshot  # class and destination kept, not rewritten


def test_corrupt_rows_are_kept_aside_and_the_rest_loads(
    kit: WorldKit, caplog: pytest.LogCaptureFixture
) -> None:
    snapshot = kit.world.snapshot()
    rows: list[Any] = list(snapshot.values())
    bad = [
        "not a row",
        {"id": "7", "class": "ember.world:Thing", "key": "x"},
        {"id": 900, "class": "ember.world:Thing", "key": "bad\nkey"},
        {
            "id": 901,
            "class": "ember.world:Thing",
            "key": "x",
            "attributes": {"a": {"$object": "1"}},
        },
        {"id": 902, "class": "ember.world:Thing", "key": "x", "location": "Hall"},
        {"id": 903, "key": "no class"},
        {**rows[0]},  # the same id twice
    ]
    with caplog.at_level(logging.ERROR, logger="ember.world"):
        world, report = _reload({i: row for i, row in enumerate([*rows, *bad])})  # type: ignore[misc]
    assert len(report.corrupt) == len(bad)
    assert [c.row for c in report.corrupt] == bad
    assert "kept aside" in caplog.text and "appears twice" in caplog.text
    assert world.snapshot() == snapshot


def test_dangling_references_read_as_none_and_loops_are_broken(
    kit: WorldKit, caplog: pytest.LogCaptureFixture
) -> None:
    snapshot = kit.world.snapshot()
    snapshot[kit.character.id]["location"] = 9999
    snapshot[kit.character.id]["attributes"]["friend"] = {"$object": 9998}
    hall, garden = kit.room.id, kit.rooms["Garden"].id
    snapshot[hall]["location"], snapshot[garden]["location"] = garden, hall
    with caplog.at_level(logging.WARNING, logger="ember.world"):
        world, report = _reload(snapshot)
    assert report.dangling == 3  # location, attribute, and one link of the loop
    character = world.get(kit.character.id)
    assert character is not None and character.location is None and character.db.friend is None
    rooms = [world.get(hall), world.get(garden)]
    assert any(room is not None and room.location is None for room in rooms)
    assert "location loop" in caplog.text


def test_classes_resolve_only_inside_trusted_modules_on_the_whole_path() -> None:
    assert resolve_class("ember.world:Room", ["ember"]) is Room
    assert resolve_class("worldbook:Door", TRUSTED) is Door
    with pytest.raises(UnresolvableReferenceError, match="not in the trusted modules"):
        resolve_class("worldbook:Door", ["ember"])
    with pytest.raises(UnresolvableReferenceError, match=r"walks through .os., a module"):
        resolve_reference("worldbook:os.system", TRUSTED)
    with pytest.raises(UnresolvableReferenceError, match="not a game object class"):
        resolve_class("worldbook:Door.close", TRUSTED)
    with pytest.raises(UnresolvableReferenceError, match="not in the trusted modules"):
        resolve_class("os:system", TRUSTED)
    assert resolve_reference("worldbook:os.system") is not None  # unchecked without a list


def test_a_row_with_an_untrusted_class_loads_flagged_not_instantiated(kit: WorldKit) -> None:
    door = kit.create(Door, "door")
    world = World(trusted_modules=["ember"])
    report = load_world(kit.world.snapshot().values(), world)
    assert type(world.get(door.id)) is GameObject and door.id in report.missing_classes
