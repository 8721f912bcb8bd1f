"""Fixtures that run one test body against every world store: SQLite and PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from worldstore_db import POSTGRES_DSN, WorldDatabase

from ember.storage import mask_password

_unreachable: str | None = None


async def _connect_postgres() -> Any:
    global _unreachable
    if _unreachable is None:
        try:
            import asyncpg

            return await asyncpg.connect(POSTGRES_DSN, timeout=10)
        except Exception as exc:  # asyncpg missing, refused, timed out, no such database...
            _unreachable = f"{type(exc).__name__}: {exc}"
    reason = f"PostgreSQL not reachable at {mask_password(POSTGRES_DSN)}: {_unreachable}"
    if os.environ.get("EMBER_REQUIRE_POSTGRES") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[WorldDatabase]:
    """A :class:`WorldDatabase` per backend; every stored world opened on it is closed after."""
    if request.param == "sqlite":
        db = WorldDatabase("sqlite", path=tmp_path / "world.db")
    else:
        db = WorldDatabase("postgres", admin=await _connect_postgres())
    try:
        yield db
    finally:
        for stored in db.opened:
            await stored.close()
        if db.admin is not None:
            await db.admin.execute(f'DROP SCHEMA IF EXISTS "{db.schema}" CASCADE')
            await db.admin.close()
