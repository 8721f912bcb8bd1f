"""Fixtures that run one test body against every task store: SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from support.task_stores import StoreFactory, connect_postgres

from ember.scheduling._task_store import TaskStore


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def store_factory(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[StoreFactory]:
    """A :class:`StoreFactory` per backend; every store it opened is closed afterwards."""
    if request.param == "sqlite":
        factory = StoreFactory("sqlite", path=tmp_path / "tasks.db")
    else:
        factory = StoreFactory("postgres", admin=await connect_postgres())
    try:
        yield factory
    finally:
        for store in factory.opened:
            await store.close()
        if factory.admin is not None:
            await factory.admin.execute(f'DROP SCHEMA IF EXISTS "{factory.schema}" CASCADE')
            await factory.admin.close()


@pytest.fixture
async def store(store_factory: StoreFactory) -> TaskStore:
    """An opened, empty store of each backend."""
    return await store_factory()
