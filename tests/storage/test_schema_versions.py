"""Schema versions (issue 12 item 1): an older schema is upgraded in one transaction at start,
a newer one refuses to start naming both versions; on SQLite and on PostgreSQL, through the
helpers and through the real task and account stores."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from support.pgrole import ADMIN_DSN, role_for_test

from ember.errors import StoreError
from ember.game._account_store import account_store_from_url
from ember.scheduling import store_from_url
from ember.storage import (
    VERSIONS_TABLE,
    Schema,
    SchemaVersionError,
    SqliteConnection,
    upgrade_postgres,
    upgrade_sqlite,
)

V1 = "CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT NOT NULL)"
V2 = "ALTER TABLE things ADD COLUMN colour TEXT; CREATE INDEX things_name ON things (name)"
BROKEN = "ALTER TABLE things ADD COLUMN size INTEGER; ALTER TABLE no_such_table ADD COLUMN x INT"


def schema(*steps: str) -> Schema:
    return Schema("things", ("things",), steps)


# -- SQLite --------------------------------------------------------------------------------


def sqlite_version(path: Path, component: str) -> int | None:
    with sqlite3.connect(path) as conn:
        row = conn.execute(
            f"SELECT version FROM {VERSIONS_TABLE} WHERE component = ?", (component,)
        ).fetchone()
    return None if row is None else int(row[0])


def columns(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [row[1] for row in conn.execute("PRAGMA table_info(things)")]


def upgrade(path: Path, wanted: Schema) -> int:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        return upgrade_sqlite(conn, wanted, str(path))
    finally:
        conn.close()


def test_sqlite_fresh_database_gets_every_step_and_its_version(tmp_path: Path) -> None:
    path = tmp_path / "game.db"
    assert upgrade(path, schema(V1, V2)) == 0
    assert columns(path) == ["id", "name", "colour"]
    assert sqlite_version(path, "things") == 2
    assert upgrade(path, schema(V1, V2)) == 2  # up to date: nothing to do


def test_sqlite_older_schema_is_upgraded_keeping_rows(tmp_path: Path) -> None:
    path = tmp_path / "game.db"
    upgrade(path, schema(V1))
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO things (name) VALUES ('lamp')")
    assert upgrade(path, schema(V1, V2)) == 1
    assert columns(path) == ["id", "name", "colour"]
    assert sqlite_version(path, "things") == 2
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT name, colour FROM things").fetchall() == [("lamp", None)]


def test_sqlite_a_failing_upgrade_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "game.db"
    upgrade(path, schema(V1))
    with pytest.raises(sqlite3.OperationalError, match="no_such_table"):
        upgrade(path, schema(V1, V2, BROKEN))
    assert columns(path) == ["id", "name"]  # V2 and half of BROKEN rolled back with it
    assert sqlite_version(path, "things") == 1


def test_sqlite_newer_schema_refuses_naming_both_versions(tmp_path: Path) -> None:
    path = tmp_path / "game.db"
    upgrade(path, schema(V1, V2))
    with pytest.raises(
        SchemaVersionError, match=r"version 2, but this Ember knows versions up to 1"
    ):
        upgrade(path, schema(V1))
    assert sqlite_version(path, "things") == 2


def test_sqlite_tables_made_before_versions_count_as_version_1(tmp_path: Path) -> None:
    path = tmp_path / "game.db"
    with sqlite3.connect(path) as conn:
        conn.execute(V1)
    assert upgrade(path, schema(V1, V2)) == 1
    assert columns(path) == ["id", "name", "colour"]


def set_sqlite_version(path: Path, component: str, version: int) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute(
            f"UPDATE {VERSIONS_TABLE} SET version = ? WHERE component = ?", (version, component)
        )


async def test_sqlite_task_and_account_stores_refuse_a_newer_schema(tmp_path: Path) -> None:
    path = tmp_path / "game.db"
    tasks, accounts = store_from_url(str(path)), account_store_from_url(str(path))
    await tasks.open()
    await accounts.open()
    await tasks.close()
    await accounts.close()
    # tasks: version 2 adds the persistent repeats (issue 15); accounts: 2 adds disabled
    assert sqlite_version(path, "tasks") == 2 and sqlite_version(path, "accounts") == 2
    set_sqlite_version(path, "tasks", 7)
    set_sqlite_version(path, "accounts", 3)
    with pytest.raises(StoreError, match=r"tasks tables in .*game.db .* version 7.* up to 2"):
        await store_from_url(str(path)).open()
    with pytest.raises(StoreError, match=r"accounts tables .* version 3.* up to 2"):
        await account_store_from_url(str(path)).open()


async def test_sqlite_connection_reports_a_newer_schema_and_stays_closed(tmp_path: Path) -> None:
    path = tmp_path / "game.db"
    upgrade(path, schema(V1, V2))
    db = SqliteConnection(path, what="the thing database")
    with pytest.raises(SchemaVersionError):
        await db.open(lambda conn: upgrade_sqlite(conn, schema(V1), db.path))
    with pytest.raises(StoreError, match="closed"):
        await db.run("read", lambda conn: conn.execute("SELECT 1").fetchone())


# -- PostgreSQL ----------------------------------------------------------------------------


def pg_schema(name: str, *steps: str) -> Schema:
    steps = tuple(
        s.replace("things_name", "i").replace("things", f'"{name}".things') for s in steps
    )
    return Schema("things", ("things",), steps)


async def pg_version(admin: Any, name: str, component: str) -> int | None:
    value = await admin.fetchval(
        f'SELECT version FROM "{name}".{VERSIONS_TABLE} WHERE component = $1', component
    )
    return None if value is None else int(value)


async def pg_columns(admin: Any, name: str) -> list[str]:
    rows = await admin.fetch(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_schema = $1 AND table_name = 'things' ORDER BY ordinal_position",
        name,
    )
    return [row[0] for row in rows]


@pytest.mark.postgres
async def test_postgres_upgrades_in_one_transaction_and_refuses_newer() -> None:
    async with role_for_test() as role:
        admin, name = role.admin, role.name
        assert await upgrade_postgres(admin, pg_schema(name, V1), name, "db") == 0
        await admin.execute(f"INSERT INTO \"{name}\".things (id, name) VALUES (1, 'lamp')")
        assert await pg_version(admin, name, "things") == 1

        with pytest.raises(Exception, match="no_such_table"):
            await upgrade_postgres(admin, pg_schema(name, V1, V2, BROKEN), name, "db")
        assert await pg_columns(admin, name) == ["id", "name"]  # all or nothing
        assert await pg_version(admin, name, "things") == 1

        assert await upgrade_postgres(admin, pg_schema(name, V1, V2), name, "db") == 1
        assert await pg_columns(admin, name) == ["id", "name", "colour"]
        assert await pg_version(admin, name, "things") == 2
        assert await admin.fetchval(f'SELECT name FROM "{name}".things') == "lamp"

        with pytest.raises(SchemaVersionError, match=r"version 2, but this Ember knows .* to 1"):
            await upgrade_postgres(admin, pg_schema(name, V1), name, "db")


@pytest.mark.postgres
async def test_postgres_task_and_account_stores_refuse_a_newer_schema() -> None:
    async with role_for_test() as role:
        tasks, accounts = store_from_url(role.url), account_store_from_url(role.url)
        await tasks.open()
        await accounts.open()
        await tasks.close()
        await accounts.close()
        admin, name = role.admin, role.name
        assert await pg_version(admin, name, "tasks") == 2  # 2: the persistent repeats
        assert await pg_version(admin, name, "accounts") == 2  # step 2: disabled
        await admin.execute(f'UPDATE "{name}".{VERSIONS_TABLE} SET version = version + 4')
        with pytest.raises(StoreError, match=r"tasks tables .* schema version 6.* up to 2"):
            await store_from_url(role.url).open()
        with pytest.raises(StoreError, match=r"accounts tables .* schema version 6.* up to 2"):
            await account_store_from_url(role.url).open()


@pytest.mark.postgres
async def test_postgres_tables_made_before_versions_open_without_create_rights() -> None:
    """A store made before versions were kept counts as version 1. Its upgrade to the
    current version (2 for tasks: the repeat tables) needs the right to create tables, so a
    role granted nothing but the use of existing tables is refused with the database's
    reason; once the owner has opened it (upgraded), that role starts and is only read."""
    async with role_for_test() as role:
        admin, name = role.admin, role.name
        store = store_from_url(role.url)
        await store.open()
        await store.close()
        await admin.execute(f'DROP TABLE "{name}".{VERSIONS_TABLE}')
        await admin.execute(f'DROP TABLE "{name}".ember_repeats, "{name}".ember_repeat_marks')
        await admin.execute(f'ALTER SCHEMA "{name}" OWNER TO postgres')
        await admin.execute(f'ALTER TABLE "{name}".ember_tasks OWNER TO postgres')
        await admin.execute(f'ALTER TABLE "{name}".ember_meta OWNER TO postgres')
        await admin.execute(f'REVOKE CREATE ON SCHEMA "{name}" FROM "{name}"')
        await admin.execute(f'GRANT USAGE ON SCHEMA "{name}" TO "{name}"')
        with pytest.raises(StoreError, match="permission denied for schema"):
            await store_from_url(role.url).open()
        owner = store_from_url(f"{ADMIN_DSN}?schema={name}")
        await owner.open()  # the owner upgrades it to version 2
        await owner.close()
        await admin.execute(
            f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "{name}" TO "{name}"'
        )
        store = store_from_url(role.url)
        await store.open()
        try:
            assert await store.reserve_ids(1, 5) >= 1
        finally:
            await store.close()
