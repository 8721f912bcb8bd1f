"""The flow journal tables: one contract, run on SQLite and on PostgreSQL."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from typing import Any

import pytest
from support.task_stores import StoreFactory

from ember.errors import StoreError
from ember.scheduling._journal import FlowRow, JournalWriter, StepRow
from ember.scheduling._sqlite import CREATE_SQL, FLOWS_SCHEMA, SqliteTaskStore

FLOW_A: FlowRow = ("aaaa", '{"function":"game.q:quest"}', '[{"$entity":["object",5]}]', "{}",
                   "object:5", "quest", 1_700_000_000.5)  # fmt: skip
FLOW_B: FlowRow = ("bbbb", '{"command":"game.c:CmdBrew"}', "[]", '{"args":"tea"}', None,
                   "brew", 1_700_000_001.0)  # fmt: skip


def step(flow: str, seq: int, value: str | None = '["yes"]', until: float | None = None) -> StepRow:
    return (flow, seq, "ask", f"question {seq}?", value, until)


async def test_an_empty_store_has_no_flows(store: Any) -> None:
    stored = await store.load_journal()
    assert (stored.flows, stored.steps) == ([], [])


async def test_flows_and_steps_load_back_field_for_field_in_order(store: Any) -> None:
    pause: StepRow = ("aaaa", 2, "pause", "5.0", None, 1_700_000_100.25)
    await store.write_journal([FLOW_B, FLOW_A], [step("bbbb", 0), pause, step("aaaa", 1),
                                                 step("aaaa", 0)], [])  # fmt: skip
    stored = await store.load_journal()
    assert stored.flows == [FLOW_A, FLOW_B]
    assert stored.steps == [step("aaaa", 0), step("aaaa", 1), pause, step("bbbb", 0)]


async def test_writing_a_step_again_replaces_its_outcome(store: Any) -> None:
    await store.write_journal([FLOW_A], [("aaaa", 0, "pause", "5.0", None, 10.0)], [])
    await store.write_journal([], [("aaaa", 0, "pause", "5.0", "[null]", 10.0)], [])
    assert (await store.load_journal()).steps == [("aaaa", 0, "pause", "5.0", "[null]", 10.0)]


async def test_deleting_a_flow_removes_it_and_all_its_steps_and_nothing_else(store: Any) -> None:
    await store.write_journal([FLOW_A, FLOW_B], [step("aaaa", 0), step("aaaa", 1),
                                                 step("bbbb", 0)], [])  # fmt: skip
    await store.write_journal([], [], ["aaaa", "never-there"])
    stored = await store.load_journal()
    assert stored.flows == [FLOW_B]
    assert stored.steps == [step("bbbb", 0)]


async def test_a_flow_written_and_deleted_in_one_batch_leaves_nothing(store: Any) -> None:
    await store.write_journal([FLOW_A], [step("aaaa", 0)], ["aaaa"])
    stored = await store.load_journal()
    assert (stored.flows, stored.steps) == ([], [])


async def test_a_batch_that_fails_midway_leaves_nothing_behind(store: Any) -> None:
    await store.write_journal([FLOW_B], [], [])
    bad: Any = ("cccc", 0, None, "k", None, None)  # kind is NOT NULL
    with pytest.raises(StoreError):
        await store.write_journal([FLOW_A], [step("aaaa", 0), bad], ["bbbb"])
    stored = await store.load_journal()
    assert (stored.flows, stored.steps) == ([FLOW_B], [])


async def test_the_journal_survives_a_restart(store_factory: StoreFactory) -> None:
    first = await store_factory()
    await first.write_journal([FLOW_A], [step("aaaa", 0)], [])  # type: ignore[attr-defined]
    await first.close()
    second: Any = await store_factory()
    stored = await second.load_journal()
    assert (stored.flows, stored.steps) == ([FLOW_A], [step("aaaa", 0)])


async def test_the_writer_commits_many_steps_in_few_batches_and_flush_waits(store: Any) -> None:
    writer = JournalWriter(store)
    writer.start()
    try:
        writer.put_flow(FLOW_A)
        for seq in range(200):
            writer.put_step(step("aaaa", seq))
        writer.put_step(("aaaa", 0, "ask", "question 0?", '["changed"]', None))  # newest wins
        await writer.flush()
        stored = await store.load_journal()
        assert len(stored.steps) == 200
        assert stored.steps[0][4] == '["changed"]'
        assert writer.statistics().batches <= 2  # group commit: not one per step
        writer.delete_flow("aaaa")
        await writer.flush()
        assert (await store.load_journal()).steps == []
    finally:
        assert await writer.close() == 0


async def test_a_version_1_task_database_gains_the_journal_tables(tmp_path: Any) -> None:
    path = tmp_path / "old.db"
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.executescript(CREATE_SQL)  # made before the journal existed (no versions table)
        conn.execute("INSERT INTO ember_meta VALUES ('next_id', 7)")
    store = SqliteTaskStore(path)
    await store.open()
    try:
        await store.write_journal([FLOW_A], [step("aaaa", 0)], [])
        assert (await store.load_journal()).flows == [FLOW_A]
        assert await store.reserve_ids(1, 1) == 7  # the task tables are untouched
    finally:
        await store.close()
    with closing(sqlite3.connect(path)) as conn:
        row = conn.execute("SELECT version FROM ember_schema_versions WHERE component='flows'")
        assert row.fetchone() == (FLOWS_SCHEMA.version,) == (1,)
