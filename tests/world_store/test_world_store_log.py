"""The SQLite world store's attribute log: appended writes, the fold, an upgrade from version 1."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from ember.world import Room, SqliteWorldStore, Thing, _store_sqlite, create_object, open_world


def counts(path: Path) -> tuple[int, int]:
    """(rows in ember_attributes, rows in the attribute log)."""
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute(_store_sqlite.COUNT_SQL).fetchone()  # type: ignore[no-any-return]


async def test_values_come_back_from_the_log_and_after_a_fold(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    stored = await open_world(SqliteWorldStore(path))
    hall = create_object(Room, "Hall", world=stored.world)
    box = create_object(Thing, "box", location=hall, attributes={"a": 1, "b": 2, "c": 3})
    gone = create_object(Thing, "gone", location=hall, attributes={"x": 1})
    await stored.flush()
    assert counts(path) == (0, 4)  # every attribute write so far is in the log
    assert isinstance(stored.store, SqliteWorldStore)
    await stored.store.fold()
    assert counts(path) == (4, 0)
    box.db.a = 10  # newer than the table's row
    del box.db.b  # deleted after it was folded
    box.db.c = 30
    box.db.c = 31  # two writes, the newest wins
    box.db.d = None  # a stored null is a value, not a deletion
    gone.db.x = 2
    gone.delete()  # its log row stays until the next fold, and is not loaded
    before = stored.world.snapshot()
    await stored.close()

    again = await open_world(SqliteWorldStore(path))
    assert again.world.snapshot() == before
    loaded = again.world.get(box.id)
    assert loaded is not None and loaded._attrs == {"a": 10, "c": 31, "d": None}
    await again.store.fold()  # type: ignore[attr-defined]
    await again.close()
    assert counts(path) == (3, 0)  # box's a, c, d; nothing of the deleted object
    third = await open_world(SqliteWorldStore(path))
    assert third.world.snapshot() == before
    await third.close()


async def test_the_writer_folds_once_the_log_is_as_large_as_the_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_store_sqlite, "FOLD_AT_LEAST", 10)
    path = tmp_path / "w.db"
    stored = await open_world(SqliteWorldStore(path))
    hall = create_object(Room, "Hall", world=stored.world)
    things = [create_object(Thing, f"t{i}", location=hall) for i in range(30)]
    for i, thing in enumerate(things[:5]):
        thing.db.n = i
    await stored.flush()
    assert counts(path) == (0, 5)  # under the floor of 10: no fold
    for i, thing in enumerate(things):
        thing.db.n = i * 2
    del things[0].db.n  # in the same batch: its deletion wins, and the fold applies it
    await stored.flush()
    assert counts(path) == (29, 0)  # 35 >= max(10, 0): folded after that batch
    for thing in things[:20]:
        thing.db.m = 1
    await stored.flush()
    assert counts(path) == (29, 20)  # 20 < 29 rows in the table: the log waits
    before = stored.world.snapshot()
    await stored.close()
    again = await open_world(SqliteWorldStore(path))
    assert again.world.snapshot() == before
    await again.close()


async def test_a_corrupt_value_in_the_log_is_kept_aside_not_replaced_by_an_older_one(
    tmp_path: Path,
) -> None:
    path = tmp_path / "w.db"
    stored = await open_world(SqliteWorldStore(path))
    box = create_object(Thing, "box", world=stored.world, attributes={"hp": 1})
    await stored.flush()
    await stored.store.fold()  # type: ignore[attr-defined]
    box.db.hp = 2
    await stored.close()
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("UPDATE ember_attribute_log SET value = '{not json' WHERE name = 'hp'")
    again = await open_world(SqliteWorldStore(path))
    assert [c.row for c in again.report.corrupt] == [(box.id, "hp", "{not json")]
    assert again.world.get(box.id).db.hp is None  # type: ignore[union-attr]
    await again.close()


def make_version_1(
    path: Path, rows: list[tuple[Any, ...]], attributes: list[tuple[Any, ...]]
) -> None:
    """A world database as Ember wrote it at schema version 1 (no attribute log)."""
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.executescript(_store_sqlite.CREATE_SQL)
        conn.execute(
            "CREATE TABLE ember_schema_versions (component TEXT PRIMARY KEY, version INTEGER)"
        )
        conn.execute("INSERT INTO ember_schema_versions VALUES ('world', 1)")
        conn.executemany(f"INSERT INTO ember_objects VALUES ({','.join('?' * 9)})", rows)
        conn.executemany("INSERT INTO ember_attributes VALUES (?, ?, ?)", attributes)


async def test_a_version_1_database_is_upgraded_and_keeps_its_world(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    hall = (1, "ember.world:Room", "Hall", None, None, None, "[]", "[]", "")
    box = (2, "ember.world:Thing", "box", 1, None, None, '["crate"]', "[]", "")
    make_version_1(path, [hall, box], [(2, "hp", "7"), (2, "owner", '{"$object":1}')])
    stored = await open_world(SqliteWorldStore(path))
    loaded = stored.world.get(2)
    assert loaded is not None and loaded.location is stored.world.get(1)
    assert loaded.db.hp == 7 and loaded.db.owner is stored.world.get(1)
    loaded.db.hp = 8
    await stored.close()
    with closing(sqlite3.connect(path)) as conn:
        version = conn.execute(
            "SELECT version FROM ember_schema_versions WHERE component = 'world'"
        ).fetchone()
    assert version == (_store_sqlite.SCHEMA.version,) and counts(path) == (2, 1)
    again = await open_world(SqliteWorldStore(path))
    assert again.world.get(2).db.hp == 8  # type: ignore[union-attr]
    await again.close()


async def test_an_object_with_a_bad_attribute_name_is_kept_aside_whole(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    stored = await open_world(SqliteWorldStore(path))
    hall = create_object(Room, "Hall", world=stored.world)
    bad = create_object(Thing, "bad", location=hall, attributes={"hp": 1})
    inside = create_object(Thing, "pebble", location=bad)
    await stored.close()
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("INSERT INTO ember_attributes VALUES (?, '_private', '1')", (bad.id,))
    again = await open_world(SqliteWorldStore(path))
    [kept] = again.report.corrupt
    assert kept.row["id"] == bad.id and "_private" in kept.reason  # type: ignore[index]
    assert again.world.get(bad.id) is None and again.world.find("bad") == []
    pebble = again.world.get(inside.id)
    assert pebble is not None and pebble.location is None  # its place is gone: nowhere
    assert again.report.dangling == 1
    await again.close()
