"""The TaskStore contract: every test body here runs against SQLite and PostgreSQL alike."""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
from contextlib import closing
from typing import TYPE_CHECKING, Any

import pytest

from ember.errors import StoreError, StoreThreadError
from ember.scheduling import _postgres, _sqlite
from ember.scheduling._task_store import StoredTask, TaskState, TaskStore

if TYPE_CHECKING:
    from support.task_stores import StoreFactory


async def write(store: TaskStore, batch: list[StoredTask | int]) -> None:
    """One store write of a mixed batch: tasks are upserted, plain ids deleted."""
    await store.write(
        [item.row for item in batch if isinstance(item, StoredTask)],
        [item for item in batch if isinstance(item, int)],
    )


def task(task_id: int, **changes: Any) -> StoredTask:
    """A plausible scheduled task; ``changes`` override any field."""
    fields: dict[str, Any] = {
        "state": TaskState.SCHEDULED,
        "deadline": 1_767_225_600.125,
        "remaining": None,
        "callback": json.dumps({"ref": "game.world:tick"}),
        "args": "[]",
        "kwargs": "{}",
    }
    return StoredTask(task_id, **(fields | changes))


async def test_an_empty_store_loads_nothing(store: TaskStore) -> None:
    assert await store.load() == []


async def test_written_tasks_load_back_field_for_field(store: TaskStore) -> None:
    big = json.dumps([{"n": i, "text": "x" * 100} for i in range(10_000)])  # about 1.3 MB
    tasks = [
        task(1, deadline=1_767_225_600.123456789, owner="account:7"),
        task(2, state=TaskState.PAUSED, deadline=None, remaining=0.1, error=None),
        task(3, state=TaskState.FIRING, deadline=5e-324, remaining=1.7976931348623157e308),
        task(4, state=TaskState.FAILED, error="ZeroDivisionError: division by zero"),
        task(5, state=TaskState.ORPHANED, deadline=float("inf"), error="no module 'gone'"),
        task(6, callback='{"ref": "jeu.bête:été"}', args='["héllo ☃ 𝄞 ユニコード"]'),
        task(7, args=big, kwargs=json.dumps({"k": big[:1000]}), owner="character:ü"),
        task(8, deadline=-1.5, remaining=0.0, owner=""),
        task(2**53, state=TaskState.DONE),
    ]
    await write(store, tasks)

    assert await store.load() == tasks


async def test_writing_an_existing_id_replaces_the_row(store: TaskStore) -> None:
    await write(store, [task(1, owner="account:1"), task(2)])
    paused = task(1, state=TaskState.PAUSED, deadline=None, remaining=12.5, owner=None)

    await write(store, [paused])

    assert await store.load() == [paused, task(2)]


async def test_a_deletion_removes_the_row(store: TaskStore) -> None:
    await write(store, [task(1), task(2), task(3)])

    await write(store, [2])

    assert await store.load() == [task(1), task(3)]


async def test_deleting_a_missing_id_is_harmless(store: TaskStore) -> None:
    await write(store, [task(1)])

    await write(store, [99, 1])
    await write(store, [1])

    assert await store.load() == []


async def test_an_empty_batch_changes_nothing(store: TaskStore) -> None:
    await write(store, [task(1)])

    await write(store, [])

    assert await store.load() == [task(1)]


async def test_a_batch_that_fails_midway_leaves_nothing_behind(store: TaskStore) -> None:
    before = [task(1), task(2)]
    await write(store, before)
    broken = task(5, callback=None)  # violates NOT NULL, after some rows already went in
    batch = [task(3), task(1, state=TaskState.PAUSED), task(4), broken, task(6), 2]

    with pytest.raises(StoreError) as caught:
        await write(store, batch)

    assert caught.value.__cause__ is not None
    assert await store.load() == before
    await write(store, [task(7), 1])
    assert await store.load() == [task(2), task(7)]


async def test_reserved_ids_respect_at_least_and_never_overlap(store: TaskStore) -> None:
    first = await store.reserve_ids(1, 10)
    second = await store.reserve_ids(1, 5)
    assert first >= 1
    assert second >= first + 10

    assert await store.reserve_ids(1_000, 1) == 1_000
    assert await store.reserve_ids(1, 1) == 1_001
    assert await store.reserve_ids(5, 3) == 1_002


async def test_released_ids_are_handed_out_again_only_if_none_were_reserved_since(
    store: TaskStore,
) -> None:
    first = await store.reserve_ids(1, 100)
    assert await store.release_ids(first + 3, first + 100) is True
    assert await store.reserve_ids(1, 10) == first + 3
    # The counter stands at first + 13 now, not at the end of that earlier block: refused.
    assert await store.release_ids(first + 5, first + 100) is False
    assert await store.reserve_ids(1, 1) == first + 13
    with pytest.raises(ValueError, match=r"cannot release ids 10\.\.5"):
        await store.release_ids(10, 5)


async def test_reserved_ids_exceed_every_stored_id(store: TaskStore) -> None:
    await store.reserve_ids(1, 10)
    await write(store, [task(5_000)])  # an id this store never handed out

    assert await store.reserve_ids(1, 1) == 5_001


async def test_concurrent_reservations_never_overlap(store: TaskStore) -> None:
    firsts = await asyncio.gather(*(store.reserve_ids(1, 3) for _ in range(50)))

    ids = [first + i for first in firsts for i in range(3)]
    assert len(set(ids)) == len(ids) == 150


async def test_ids_are_never_reused_after_a_restart(store_factory: StoreFactory) -> None:
    store = await store_factory()
    first = await store.reserve_ids(1, 100)
    await write(store, [task(i) for i in range(first, first + 100)])
    await write(store, [i for i in range(first, first + 100)])
    unused = await store.reserve_ids(1, 50)  # reserved but never written
    await store.close()

    reopened = await store_factory()

    assert await reopened.reserve_ids(1, 1) >= unused + 50


async def test_tasks_survive_a_restart(store_factory: StoreFactory) -> None:
    store = await store_factory()
    tasks = [task(1), task(2, state=TaskState.PAUSED, deadline=None, remaining=3.25)]
    await write(store, tasks)
    await store.close()

    reopened = await store_factory()

    assert await reopened.load() == tasks


async def test_load_returns_tasks_in_id_order(store: TaskStore) -> None:
    ids = list(range(1, 201))
    random.Random(7).shuffle(ids)
    for start in range(0, 200, 50):
        await write(store, [task(i) for i in ids[start : start + 50]])

    assert [t.id for t in await store.load()] == list(range(1, 201))


async def test_a_row_with_an_unknown_state_is_set_aside(store_factory: StoreFactory) -> None:
    store = await store_factory()
    await write(store, [task(1), task(4)])
    await store_factory.raw_insert(2, "exploded", 1.0, None, "cb", "[]", "{}", None, None)
    await store_factory.raw_insert(3, "Scheduled", 2.0, None, "cb", "[]", "{}", "x:1", "old")

    loaded = await store.load()

    assert [t.id for t in loaded] == [1, 2, 3, 4]
    assert loaded[0] == task(1)
    assert loaded[3] == task(4)
    assert loaded[1].state is TaskState.ORPHANED
    assert "'exploded'" in (loaded[1].error or "")
    assert loaded[2].state is TaskState.ORPHANED
    assert "'Scheduled'" in (loaded[2].error or "")
    assert "old" in (loaded[2].error or "")
    assert (loaded[2].deadline, loaded[2].owner) == (2.0, "x:1")


async def test_using_a_closed_store_raises(store: TaskStore) -> None:
    await store.close()
    await store.close()  # closing twice is harmless

    with pytest.raises(StoreError, match="closed"):
        await store.load()
    with pytest.raises(StoreError, match="closed"):
        await write(store, [task(1)])
    with pytest.raises(StoreError, match="closed"):
        await store.reserve_ids(1, 1)
    with pytest.raises(StoreError, match="already opened"):
        await store.open()


async def test_using_a_store_before_open_raises(store_factory: StoreFactory) -> None:
    store = store_factory.new()

    with pytest.raises(StoreError, match="not open"):
        await store.load()
    with pytest.raises(StoreError, match="not open"):
        await write(store, [task(1)])
    with pytest.raises(StoreError, match="not open"):
        await store.reserve_ids(1, 1)


async def test_using_a_store_from_another_thread_raises(store: TaskStore) -> None:
    def load_in_a_thread_with_its_own_loop() -> object:
        return asyncio.run(store.load())

    with pytest.raises(StoreThreadError):
        await asyncio.to_thread(load_in_a_thread_with_its_own_loop)

    assert await store.load() == []


async def test_writes_never_scan_the_table(store_factory: StoreFactory) -> None:
    store = await store_factory()
    if store_factory.kind == "sqlite":
        _check_sqlite_plans(store_factory)
    else:
        await _check_postgres_plans(store_factory, store)


def _check_sqlite_plans(factory: StoreFactory) -> None:
    """Every per-task statement seeks by primary key; ``load`` needs no sort."""
    with closing(sqlite3.connect(factory.path)) as conn:

        def plan(sql: str) -> list[str]:
            args = (None,) * sql.count("?")
            return [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", args)]

        assert plan(_sqlite.DELETE_SQL) == [
            "SEARCH ember_tasks USING INTEGER PRIMARY KEY (rowid=?)"
        ]
        assert plan(_sqlite.MAX_ID_SQL) == ["SEARCH ember_tasks"]  # the last rowid, no scan
        assert plan(_sqlite.GET_NEXT_ID_SQL)[0].startswith("SEARCH ember_meta USING INDEX")
        assert plan(_sqlite.SELECT_ALL_SQL) == ["SCAN ember_tasks"]  # rowid order: no TEMP B-TREE
        # SQLite gives an INSERT no query plan, so read its bytecode: the conflict check is a
        # rowid seek (NotExists), and there is no loop over the table (Rewind ... Next).
        args = (None,) * _sqlite.UPSERT_SQL.count("?")
        opcodes = [row[1] for row in conn.execute(f"EXPLAIN {_sqlite.UPSERT_SQL}", args)]
        assert "NotExists" in opcodes
        assert "Rewind" not in opcodes
        assert "Next" not in opcodes


async def _check_postgres_plans(factory: StoreFactory, store: TaskStore) -> None:
    """With 20,000 analysed rows, per-task statements use the primary key index."""
    await write(store, [task(i) for i in range(1, 20_001)])
    await factory.admin.execute(f'ANALYZE "{factory.schema}".ember_tasks')

    async def plan(template: str, *args: object) -> str:
        sql = _postgres.qualify(template, factory.schema)
        rows = await factory.admin.fetch(f"EXPLAIN {sql}", *args)
        return "\n".join(row[0] for row in rows)

    delete = await plan(_postgres.DELETE_SQL, 12_345)
    assert "Index Scan using ember_tasks_pkey" in delete, delete
    max_id = await plan(_postgres.MAX_ID_SQL)
    assert "Index Only Scan Backward using ember_tasks_pkey" in max_id, max_id
    upsert = await plan(_postgres.UPSERT_SQL, 7, "paused", None, 1.0, "cb", "[]", "{}", None, None)
    assert "Conflict Arbiter Indexes: ember_tasks_pkey" in upsert, upsert
    for text in (delete, max_id, upsert):
        assert "Seq Scan" not in text, text
