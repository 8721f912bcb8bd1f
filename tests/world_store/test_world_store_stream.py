"""Stored attributes streamed in after the objects (SQLite, ``open_world(stream=True)``):
objects touched before their chunk read their own at once, a write made before the chunk
wins over it, stopping mid-stream loses nothing, an unreadable row found late is reported.

The stream is held paused (``held_streams``) so each test decides when chunks arrive."""

from __future__ import annotations

import logging
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from ember.world import (
    Room,
    SqliteWorldStore,
    StoredWorld,
    Thing,
    _stream,
    create_object,
    open_world,
)
from ember.world._loading import NOT_LOADED
from ember.world._stream import AttributeStream, held_streams

THINGS = 120


async def build(path: Path) -> dict[int, dict[str, object]]:
    """A stored world: a room and THINGS things with a few attributes (one a reference);
    return the snapshot as it was stored."""
    stored = await open_world(SqliteWorldStore(path))
    hall = create_object(Room, "Hall", world=stored.world, attributes={"desc": "A hall."})
    for i in range(THINGS):
        create_object(
            Thing, f"t{i}", location=hall, attributes={"n": i, "name": f"t{i}", "home_of": hall}
        )
    await stored.flush()
    await stored.store.fold()  # type: ignore[attr-defined]
    hall.db.desc = "A big hall."  # in the attribute log, over the folded table's row
    del stored.world.find("t3")[0].db.name  # a deletion in the log
    snapshot = stored.world.snapshot()
    await stored.close()
    return snapshot


async def open_held(path: Path) -> tuple[StoredWorld, AttributeStream]:
    with held_streams() as streams:
        stored = await open_world(SqliteWorldStore(path), stream=True)
    [stream] = streams
    assert stored.stream is stream
    return stored, stream


async def reopened(path: Path) -> dict[int, dict[str, object]]:
    """The world as stored, loaded whole (no streaming)."""
    stored = await open_world(SqliteWorldStore(path))
    try:
        return stored.world.snapshot()
    finally:
        await stored.close()


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_stream, "CHUNK_OBJECTS", 25)  # several chunks of a small world


async def test_attributes_are_read_on_demand_before_their_chunk(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    before = await build(path)
    stored, stream = await open_held(path)
    world = stored.world
    assert stream.progress() == (0, THINGS + 1) and not stream.done
    assert world.statistics().attributes_total == THINGS + 1
    hall, t5, t3, t7, t9 = (world.find(name)[0] for name in ("Hall", "t5", "t3", "t7", "t9"))
    assert t5._attrs is NOT_LOADED
    assert t5.db.n == 5 and t5.db.home_of is hall  # a read, a reference resolved
    assert hall.db.desc == "A big hall."  # the log's value over the table's
    assert sorted(t3.attribute_names()) == ["home_of", "n"] and "name" not in t3.db  # log: deleted
    assert t7.delete_attribute("n") and t7.db.n is None
    t9.db.n = 900
    assert stream.progress() == (5, THINGS + 1)

    stream.resume()
    await stream.finished()
    assert stream.progress() == (THINGS + 1, THINGS + 1)
    assert all(obj._attrs is not NOT_LOADED for obj in world)
    assert world.find("t100")[0].db.home_of is hall and world.find("t100")[0].db.n == 100
    assert t7.db.n is None and t9.db.n == 900  # the chunk did not bring the stored values back
    expected = world.snapshot()
    await stored.close()
    assert world.snapshot() == expected  # all in memory: the closed store is not needed
    assert expected != before and await reopened(path) == expected


async def test_a_write_before_the_chunk_arrives_wins(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    await build(path)
    stored, stream = await open_held(path)
    stream.start()  # held: it reads its first chunk, then waits before applying it
    await stream.holding_chunk()  # the rows of t0..t23 are read: older than what follows
    t2 = stored.world.find("t2")[0]
    t2.db.n = -2  # reads t2's stored attributes first, then writes
    t4 = stored.world.find("t4")[0]
    del t4.db.name
    await stored.flush()  # the new values are committed before the held chunk is applied
    stream.resume()
    await stream.finished()
    assert t2.db.n == -2 and t2.db.name == "t2"  # its other attributes are there too
    assert t4.db.name is None and t4.db.n == 4
    expected = stored.world.snapshot()
    await stored.close()
    assert await reopened(path) == expected


async def test_deleting_an_object_before_its_chunk(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    await build(path)
    stored, stream = await open_held(path)
    t8 = stored.world.find("t8")[0]
    assert t8.delete()
    assert t8.db.n == 8  # read before it went: a deleted object still shows what it held
    stream.resume()
    await stream.finished()
    expected = stored.world.snapshot()
    await stored.close()
    assert await reopened(path) == expected and t8.id not in expected


async def test_stopping_while_streaming_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    before = await build(path)
    stored, stream = await open_held(path)
    stream.start()
    await stream.holding_chunk()
    t1 = stored.world.find("t1")[0]
    t1.db.n = 1000
    stream.resume()  # the stream runs on while the world closes: stopped wherever it is
    await stored.close()
    assert not stream.done
    after = await reopened(path)
    t1_row = after[t1.id]
    assert t1_row["attributes"] == {**before[t1.id]["attributes"], "n": 1000}  # type: ignore[dict-item]
    assert {k: v for k, v in after.items() if k != t1.id} == {
        k: v for k, v in before.items() if k != t1.id
    }
    with pytest.raises(Exception, match="closed before every object's attributes"):
        next(obj for obj in stored.world if obj._attrs is NOT_LOADED).db.n  # noqa: B018


async def test_a_snapshot_while_streaming_reads_the_rest_first(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    before = await build(path)
    stored, stream = await open_held(path)
    assert stored.world.snapshot() == before
    assert stream.done  # nothing was left to stream
    await stored.close()


async def test_an_unreadable_row_found_while_streaming_is_reported_not_dropped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "w.db"
    await build(path)
    with closing(sqlite3.connect(path)) as conn, conn:
        bad_id, late_id = (
            conn.execute("SELECT id FROM ember_objects WHERE key = ?", (key,)).fetchone()[0]
            for key in ("t60", "t61")
        )
        for object_id in (bad_id, late_id):
            conn.execute(
                "UPDATE ember_attributes SET value = '{not json'"
                " WHERE object_id = ? AND name = 'n'",
                (object_id,),
            )
        conn.execute(  # a name game code could never have written
            "INSERT INTO ember_attributes VALUES (?, '_private', '1')", (late_id,)
        )
    stored, stream = await open_held(path)
    world = stored.world
    bad, late = world.get(bad_id), world.get(late_id)
    assert bad is not None and late is not None  # in the world, where players may stand
    with caplog.at_level(logging.ERROR, logger="ember.world"):
        assert bad.db.n is None and bad.db.name == "t60"  # on demand: found at once
        assert list(world.damaged_objects()) == [bad_id]
        stream.resume()
        await stream.finished()
    assert set(world.damaged_objects()) == {bad_id, late_id}
    assert "_private" in world.damaged_objects()[late_id]
    assert sorted(late.attribute_names()) == ["home_of", "name"]  # the readable ones
    assert f"object #{late_id} has an unreadable stored attribute" in caplog.text
    late.db.name = "renamed"  # other attributes are written as usual
    await stored.close()
    with closing(sqlite3.connect(path)) as conn:
        kept = conn.execute(
            "SELECT name, value FROM ember_attributes WHERE object_id = ? ORDER BY name",
            (late_id,),
        ).fetchall()
    assert ("n", "{not json") in kept and ("_private", "1") in kept  # untouched


async def test_a_world_without_attributes_is_done_at_once(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    stored = await open_world(SqliteWorldStore(path), stream=True)
    create_object(Room, "Hall", world=stored.world)
    await stored.close()
    again = await open_world(SqliteWorldStore(path), stream=True)
    assert again.stream is not None
    await again.stream.finished()
    assert again.world.find("Hall")[0].db.desc is None
    await again.close()


async def test_a_fold_while_streaming_changes_no_value(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    before = await build(path)
    stored, stream = await open_held(path)
    hall = stored.world.find("Hall")[0]
    stream.start()
    await stream.holding_chunk()  # the log is read, the first chunk's table rows too
    for name in ("t0", "t1", "t2", "t3", "t4", "t5"):
        stored.world.find(name)[0].db.n = -1  # read on demand, then written
    await stored.flush()
    await stored.store.fold()  # type: ignore[attr-defined]  # as the writer does when due
    assert counts(path)[1] == 0  # folded: the stream's log rows are in the table now
    stream.resume()
    await stream.finished()
    assert hall.db.desc == "A big hall." and stored.world.find("t3")[0].db.name is None
    expected = stored.world.snapshot()
    await stored.close()
    written = {f"t{i}" for i in range(6)}
    changed = {obj_id for obj_id, row in before.items() if row["key"] in written}
    assert {k: v for k, v in expected.items() if k not in changed} == {
        k: v for k, v in before.items() if k not in changed
    }
    assert await reopened(path) == expected


def counts(path: Path) -> tuple[int, int]:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute(  # type: ignore[no-any-return]
            "SELECT (SELECT count(*) FROM ember_attributes),"
            " (SELECT count(*) FROM ember_attribute_log)"
        ).fetchone()
