"""The account store on both databases, and the whole game on PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from gamekit import FAST, make_developer, running_game, session_dict
from support.pgrole import ADMIN_DSN, connect_admin

from ember.game._account_store import DuplicateAccountError, account_store_from_url
from ember.testing import VirtualClock


async def _postgres_url() -> AsyncIterator[str]:
    admin = await connect_admin()
    schema = f"ember_game_{uuid.uuid4().hex[:12]}"
    try:
        yield f"{ADMIN_DSN}?schema={schema}"
    finally:
        await admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await admin.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield str(tmp_path / "accounts.db")
        return
    async for url in _postgres_url():
        yield url


async def test_account_store_contract(database_url: str) -> None:
    store = account_store_from_url(database_url)
    await store.open()
    try:
        ann = await store.insert("Ann", "ann", "hash-1", (), 1.5)
        dev = await store.insert("Dev", "dev", "hash-2", ("Developer",), 2.5)
        assert ann.id != dev.id
        with pytest.raises(DuplicateAccountError):
            await store.insert("ANN", "ann", "hash-3", (), 3.0)
        await store.set_password_hash(ann.id, "hash-new")
        await store.set_permissions(ann.id, ("Developer", "Builder"))
    finally:
        await store.close()
    store = account_store_from_url(database_url)
    await store.open()
    try:
        loaded = await store.load_all()
    finally:
        await store.close()
    assert [(r.name, r.password_hash, r.permissions) for r in loaded] == [
        ("Ann", "hash-new", ("Developer", "Builder")),
        ("Dev", "hash-2", ("Developer",)),
    ]
    assert loaded[0].created == 1.5


@pytest.mark.postgres
async def test_the_game_on_postgresql(tmp_path: Path) -> None:
    async for url in _postgres_url():
        settings = FAST.with_overrides(database=url)
        clock = VirtualClock(1_800_000_000.0)
        async with running_game(tmp_path, settings, clock=clock) as game:
            await make_developer(game, "Dev")
            await game.login(1, "Dev", new=False)
            await game.portal.command(1, 'py delay(30, me.msg, "pg hi", persistent=True)', ">>>")
            await game.portal.line(1, "reload")
            assert await game.stopped() == "reload"
        clock = VirtualClock(1_800_000_000.0)
        sessions = [session_dict(1, account="Dev")]
        async with running_game(tmp_path, settings, clock=clock, sessions=sessions) as game:
            await clock.advance(30)
            await game.portal.expect(1, "pg hi")
        assert not (tmp_path / "server" / "ember.db").exists()


async def test_an_account_table_of_version_1_is_upgraded_keeping_accounts(
    database_url: str,
) -> None:
    """A database made before accounts could be disabled gets the column (none disabled)."""
    store = account_store_from_url(database_url)
    await store.open()
    try:
        ann = await store.insert("Ann", "ann", "hash-1", ("Builder",), 1.5)
    finally:
        await store.close()
    await _downgrade_to_version_1(database_url)
    store = account_store_from_url(database_url)
    await store.open()
    try:
        (loaded,) = await store.load_all()
        assert (loaded.name, loaded.permissions, loaded.disabled) == ("Ann", ("Builder",), False)
        await store.set_disabled(ann.id, True)
        assert (await store.find("ann")).disabled is True  # type: ignore[union-attr]
    finally:
        await store.close()


async def _downgrade_to_version_1(url: str) -> None:
    """Make the table as version 1 made it: no ``disabled`` column, version row 1."""
    if "://" not in url:
        import sqlite3

        with sqlite3.connect(url) as conn:
            conn.execute("ALTER TABLE ember_accounts DROP COLUMN disabled")
            conn.execute(
                "UPDATE ember_schema_versions SET version = 1 WHERE component = 'accounts'"
            )
        return
    schema = url.rpartition("schema=")[2]
    admin = await connect_admin()
    try:
        await admin.execute(f'ALTER TABLE "{schema}".ember_accounts DROP COLUMN disabled')
        versions = f'"{schema}".ember_schema_versions'
        await admin.execute(f"UPDATE {versions} SET version = 1 WHERE component = 'accounts'")
    finally:
        await admin.close()
