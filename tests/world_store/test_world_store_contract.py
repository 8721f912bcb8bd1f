"""The world store contract: every test body here runs against SQLite and PostgreSQL alike."""

from __future__ import annotations

import logging
import sqlite3
from contextlib import closing

import pytest
from worldstore_db import WorldDatabase
from worldstore_kinds import Lamp

from ember.storage import SchemaVersionError
from ember.world import Exit, GameObject, Room, Thing, World, create_object, open_world
from ember.world._limits import MAX_ATTRIBUTE_BYTES
from ember.world._store import ID_BLOCK


async def test_an_empty_store_opens_an_empty_world(database: WorldDatabase) -> None:
    stored = await database.open()
    assert len(stored.world) == 0 and stored.report.loaded == 0
    assert stored.world.ids.next_id == 1


async def test_the_world_comes_back_field_for_field(database: WorldDatabase) -> None:
    stored = await database.open()
    world = stored.world
    hall = create_object(Room, "Hall", world=world, tags=["inside"])
    garden = create_object(Room, "Gärten ☃", world=world)
    create_object(Exit, "garden", location=hall, destination=garden, aliases=["out", "g"])
    lamp = create_object(Lamp, "brass lamp", location=hall, aliases=["lamp"], world=world)
    lamp.home = garden
    lamp.db.lit = True
    lamp.db.fuel = 0.25
    lamp.db.notes = {"made": ["by", "a", "smith"], "$object": 3, "pair": (1, 2)}
    lamp.db.owner = hall
    lamp.db.nested = [[hall, {"garden": garden}], None]
    lamp.db.text = "héllo 𝄞 " * 1000
    lamp.locks.add("get: perm(Builder)")
    lamp.key = "old brass lamp"
    before = world.snapshot()
    await stored.close()

    again = await database.open()
    assert again.world.snapshot() == before
    loaded = again.world.get(lamp.id)
    assert type(loaded) is Lamp and loaded.db.owner is again.world.get(hall.id)
    assert loaded.db.notes == {"made": ["by", "a", "smith"], "$object": 3, "pair": (1, 2)}


async def test_moves_deletions_and_attribute_deletions_are_stored(
    database: WorldDatabase,
) -> None:
    stored = await database.open()
    world = stored.world
    hall, cellar = (
        create_object(Room, "Hall", world=world),
        create_object(Room, "Cellar", world=world),
    )
    box = create_object(Thing, "box", location=hall, attributes={"a": 1, "b": 2})
    coin = create_object(Thing, "coin", location=box, attributes={"worth": 5})
    await stored.flush()
    coin.move_to(cellar)
    del box.db.a
    box.delete()
    before = world.snapshot()
    await stored.flush()
    assert await database.raw("SELECT name FROM {attributes} WHERE object_id = ?", box.id) == []
    await stored.close()
    again = await database.open()
    assert again.world.snapshot() == before and again.world.get(box.id) is None
    assert again.world.get(coin.id).location is again.world.get(cellar.id)


async def test_many_writes_commit_in_few_batches(database: WorldDatabase) -> None:
    stored = await database.open()
    room = create_object(Room, "Hall", world=stored.world)
    for n in range(5000):
        room.db.counter = n
        setattr(room.db, f"a{n % 50}", n)
    await stored.flush()
    stats = stored.statistics()
    assert stats.pending == 0 and stats.batches <= 3  # one drain covers the whole burst
    await stored.close()
    again = await database.open()
    assert again.world.get(room.id).db.counter == 4999


async def test_ids_are_never_reused_after_a_restart(database: WorldDatabase) -> None:
    stored = await database.open()
    first = create_object(Thing, "first", world=stored.world)
    gone = create_object(Thing, "gone", world=stored.world)
    gone.delete()
    await stored.close()
    again = await database.open()
    newer = create_object(Thing, "newer", world=again.world)
    # The block reserved by the first run is never handed out again.
    assert newer.id > gone.id and newer.id >= first.id + ID_BLOCK


async def test_ids_beyond_the_first_block_are_reserved_as_they_are_needed(
    database: WorldDatabase,
) -> None:
    stored = await database.open(id_block=100)
    ids = [create_object(Thing, "pebble", world=stored.world).id for _ in range(55)]
    await stored.flush()  # waits for the background reservation of the next block too
    ids += [create_object(Thing, "pebble", world=stored.world).id for _ in range(100)]
    assert ids == list(range(1, 156))  # the next block queues behind the current: no jump
    await stored.close()
    again = await database.open()
    assert create_object(Thing, "later", world=again.world).id > max(ids)


async def test_a_missing_class_loads_as_a_base_object_and_is_not_rewritten(
    database: WorldDatabase, caplog: pytest.LogCaptureFixture
) -> None:
    stored = await database.open()
    lamp = create_object(Lamp, "lamp", world=stored.world)
    await stored.close()
    await database.raw(
        "UPDATE {objects} SET class = ? WHERE id = ?", "worldstore_kinds:Gone", lamp.id
    )
    with caplog.at_level(logging.WARNING, logger="ember.world"):
        again = await database.open()
    assert again.report.missing_classes == {lamp.id: "worldstore_kinds:Gone"}
    assert type(again.world.get(lamp.id)) is GameObject and "no longer resolves" in caplog.text
    again.world.get(lamp.id).key = "renamed lamp"  # a change writes the row again
    await again.flush()
    rows = await database.raw("SELECT class, key FROM {objects} WHERE id = ?", lamp.id)
    assert rows == [("worldstore_kinds:Gone", "renamed lamp")]


async def test_a_corrupt_row_is_kept_aside_and_the_rest_loads(
    database: WorldDatabase, caplog: pytest.LogCaptureFixture
) -> None:
    stored = await database.open()
    hall = create_object(Room, "Hall", world=stored.world)
    bad = create_object(Thing, "bad", location=hall, attributes={"ok": 1, "broken": 2})
    good = create_object(Thing, "good", location=hall, attributes={"hp": 7})
    await stored.close()
    await database.raw("UPDATE {objects} SET key = ? WHERE id = ?", "bad\x07bell", bad.id)
    # SQLite keeps recent attribute writes in its log table: corrupt the value there too.
    tables = ["{attributes}"] + (["ember_attribute_log"] if database.kind == "sqlite" else [])
    for table in tables:
        await database.raw(
            f"UPDATE {table} SET value = ? WHERE object_id = ? AND name = ?",
            "{not json",
            bad.id,
            "broken",
        )
    with caplog.at_level(logging.ERROR, logger="ember.world"):
        again = await database.open()
    reasons = [c.reason for c in again.report.corrupt]
    if database.stream:  # the attributes of an object kept aside are never read
        assert len(reasons) == 1 and "the key" in reasons[0], reasons
    else:
        assert len(reasons) == 2 and any("attribute value" in r for r in reasons), reasons
    assert f"#{bad.id}" in caplog.text or f"{bad.id}" in caplog.text
    assert again.world.get(bad.id) is None and again.world.get(good.id).db.hp == 7
    # Kept aside: the rows are still in the database, untouched.
    assert await database.raw("SELECT key FROM {objects} WHERE id = ?", bad.id) == [
        ("bad\x07bell",)
    ]
    newer = create_object(Thing, "newer", world=again.world)
    assert newer.id > bad.id


async def test_an_attribute_at_the_size_limit_is_stored_whole(database: WorldDatabase) -> None:
    stored = await database.open()
    box = create_object(Thing, "box", world=stored.world)
    box.db.big = "é" * ((MAX_ATTRIBUTE_BYTES - 2) // 2)  # 2 bytes each in UTF-8, plus quotes
    box.db.small = 1
    await stored.close()
    again = await database.open()
    loaded = again.world.get(box.id)
    assert loaded is not None and loaded.db.big == box.db.big and loaded.db.small == 1


async def test_a_newer_schema_is_refused(database: WorldDatabase) -> None:
    stored = await database.open()
    await stored.close()
    await database.raw(
        "UPDATE "
        + (
            "ember_schema_versions"
            if database.kind == "sqlite"
            else '"{s}".ember_schema_versions'.replace("{s}", database.schema)
        )
        + " SET version = 99 WHERE component = 'world'"
    )
    with pytest.raises(SchemaVersionError, match=r"world tables .* version 99"):
        await open_world(database.new_store())


async def test_open_world_refuses_a_world_that_is_not_empty(database: WorldDatabase) -> None:
    world = World(journal=True)
    create_object(Room, "Hall", world=world)
    with pytest.raises(ValueError, match="empty world"):
        await open_world(database.new_store(), world)


def test_sqlite_tables_are_what_the_docs_say(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    async def make() -> None:
        stored = await open_world(str(tmp_path / "w.db"))
        await stored.close()

    asyncio.run(make())
    with closing(sqlite3.connect(tmp_path / "w.db")) as conn:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"ember_objects", "ember_attributes", "ember_world_meta"} <= names
