"""Real PostgreSQL: stores reconnect after their connection is cut, and the write-behind keeps
and retries every write, in order, across an outage (issue 10 item 1)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

import pytest
from support.pgrole import PgRole, role_for_test

from ember.errors import StoreError
from ember.game._account_store import PostgresAccountStore
from ember.scheduling._durable import task_writer
from ember.scheduling._postgres import PostgresTaskStore

pytestmark = pytest.mark.postgres
T = TypeVar("T")


async def twice(call: Callable[[], Awaitable[T]]) -> T:
    """Run ``call``; if it fails with a StoreError (the connection was found cut), once more."""
    try:
        return await call()
    except StoreError:
        return await call()


@asynccontextmanager
async def task_store(role: PgRole) -> AsyncIterator[PostgresTaskStore]:
    """The role's task store, opened; closed afterwards."""
    store = PostgresTaskStore(role.dsn, schema=role.name)
    await store.open()
    try:
        yield store
    finally:
        await store.close()


def row(task_id: int, state: str = "scheduled") -> tuple[object, ...]:
    return (task_id, state, 1.0e9 + task_id, None, '"m:f"', "[]", "{}", None, None)


async def test_the_task_store_reconnects_after_its_backend_is_terminated() -> None:
    async with role_for_test() as role, task_store(role) as store:
        await store.write([row(1)], [])  # type: ignore[list-item]
        assert await role.terminate() == 1
        # A call finds the connection gone: it fails saying so, or (when asyncpg has
        # already seen the connection close) reconnects at once; the next one works.
        await twice(lambda: store.write([row(2)], []))  # type: ignore[list-item]
        assert [t.id for t in await store.load()] == [1, 2]
        stats = store.connection_statistics()
        assert stats.connects == 2 and stats.losses == 1 and not stats.failing


async def test_the_account_store_reconnects_after_its_backend_is_terminated() -> None:
    async with role_for_test() as role:
        accounts = PostgresAccountStore(role.dsn, role.dsn, schema=role.name)
        await accounts.open()
        try:
            await accounts.insert("Ann", "ann", "hash", (), 1.0)
            for _ in range(3):  # again and again, as a flapping server would
                await role.terminate()
                found = await twice(lambda: accounts.find("ann"))
                assert found is not None and found.name == "Ann"
            stats = accounts.connection_statistics()
            assert stats.losses == 3 and stats.connects == 4 and not stats.failing
        finally:
            await accounts.close()


async def test_writes_wait_through_an_outage_and_are_written_once_in_order() -> None:
    async with role_for_test() as role, task_store(role) as store:
        writer = task_writer(store)
        writer.start()
        try:
            writer.put(row(1))  # type: ignore[arg-type]
            await writer.flush()
            await role.outage()
            for task_id in range(2, 12):
                writer.put(row(task_id))  # type: ignore[arg-type]
            writer.delete(1)
            writer.put(row(5, "paused"))  # type: ignore[arg-type]  # the newer write wins
            async with asyncio.timeout(20):
                while not writer.statistics().failing:  # noqa: ASYNC110 - nothing to await
                    await asyncio.sleep(0.02)
            stats = writer.statistics()
            assert stats.failing and stats.pending == 11 and stats.last_error
            await role.restore()
            async with asyncio.timeout(30):
                await writer.flush()
            tasks = {t.id: t.state.value for t in await store.load()}
            assert sorted(tasks) == list(range(2, 12))
            assert tasks[5] == "paused"
            assert not writer.statistics().failing
        finally:
            await writer.close()


async def test_a_close_that_cannot_flush_in_time_hands_back_every_write() -> None:
    async with role_for_test() as role, task_store(role) as store:
        writer = task_writer(store)
        writer.start()
        await role.outage()
        writer.put(row(7))  # type: ignore[arg-type]
        writer.delete(8)
        left = await writer.close(give_up_after=1.0)
        assert left == {7: row(7), 8: None}
