"""Fixtures that run one test body against every world store: SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from support.task_stores import connect_postgres
from worldstore_db import WorldDatabase


@pytest.fixture(
    params=["sqlite", "sqlite-stream", pytest.param("postgres", marks=pytest.mark.postgres)]
)
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[WorldDatabase]:
    """A :class:`WorldDatabase` per backend; every stored world opened on it is closed after."""
    if request.param.startswith("sqlite"):
        stream = request.param == "sqlite-stream"
        db = WorldDatabase("sqlite", path=tmp_path / "world.db", stream=stream)
    else:
        db = WorldDatabase("postgres", admin=await connect_postgres())
    try:
        yield db
    finally:
        for stored in db.opened:
            await stored.close()
        if db.admin is not None:
            await db.admin.execute(f'DROP SCHEMA IF EXISTS "{db.schema}" CASCADE')
            await db.admin.close()
