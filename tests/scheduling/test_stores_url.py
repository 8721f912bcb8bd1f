"""store_from_url: which store and which settings each form of the URL setting gives."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from ember.errors import StoreError
from ember.scheduling import store_from_url
from ember.scheduling._postgres import PostgresTaskStore
from ember.scheduling._sqlite import SqliteTaskStore


def test_an_absolute_sqlite_url_gives_that_file() -> None:
    store = store_from_url("sqlite:///srv/game/tasks.db")

    assert isinstance(store, SqliteTaskStore)
    assert store.path == "/srv/game/tasks.db"
    assert store.url == "sqlite:///srv/game/tasks.db"


def test_a_relative_sqlite_url_is_relative_to_the_working_directory() -> None:
    store = store_from_url("sqlite://game/tasks.db")

    assert isinstance(store, SqliteTaskStore)
    assert store.path == os.path.join(os.getcwd(), "game", "tasks.db")


def test_a_plain_path_gives_an_sqlite_store(tmp_path: Path) -> None:
    store = store_from_url(str(tmp_path / "tasks.db"))

    assert isinstance(store, SqliteTaskStore)
    assert store.path == str(tmp_path / "tasks.db")
    assert store_from_url(store.url).url == store.url  # the url round-trips


async def test_a_store_from_a_url_opens_and_works(tmp_path: Path) -> None:
    store = store_from_url(f"sqlite://{tmp_path}/tasks.db")
    await store.open()
    try:
        assert await store.reserve_ids(1, 1) == 1
    finally:
        await store.close()
    assert (tmp_path / "tasks.db").exists()


@pytest.mark.parametrize("scheme", ["postgresql", "postgres", "PostgreSQL"])
def test_a_postgres_url_gives_a_postgres_store(scheme: str) -> None:
    store = store_from_url(f"{scheme}://ember@db.example:5433/game")

    assert isinstance(store, PostgresTaskStore)
    assert store.dsn == f"{scheme.lower()}://ember@db.example:5433/game"
    assert store.schema == "public"


def test_the_schema_parameter_is_ember_s_and_not_passed_to_asyncpg() -> None:
    store = store_from_url("postgresql://ember@db/game?sslmode=require&schema=mud&timeout=5")

    assert isinstance(store, PostgresTaskStore)
    assert store.schema == "mud"
    assert store.dsn == "postgresql://ember@db/game?sslmode=require&timeout=5"
    assert store.url == "postgresql://ember@db/game?sslmode=require&timeout=5&schema=mud"


def test_the_password_is_masked_in_the_url() -> None:
    store = store_from_url("postgresql://ember:s3cret@db/game?password=other&schema=mud")

    assert isinstance(store, PostgresTaskStore)
    assert store.dsn == "postgresql://ember:s3cret@db/game?password=other"
    assert "s3cret" not in store.url
    assert "other" not in store.url
    assert store.url.startswith("postgresql://ember:***@db/game?")
    assert "s3cret" not in repr(store)


@pytest.mark.parametrize("schema", ["mud-game", "1mud", 'mud"; DROP TABLE x; --', "", "a" * 64])
def test_a_schema_that_is_not_an_identifier_is_refused(schema: str) -> None:
    with pytest.raises(ValueError, match="identifier"):
        store_from_url(f"postgresql://ember@db/game?schema={schema}")


def test_two_schema_parameters_are_refused() -> None:
    with pytest.raises(ValueError, match="more than one schema"):
        store_from_url("postgresql://ember@db/game?schema=a&schema=b")


@pytest.mark.parametrize("url", ["mysql://u:hunter2@db/game", "redis://cache", "http://x/y"])
def test_an_unknown_scheme_is_refused_naming_it_and_the_accepted_forms(url: str) -> None:
    scheme = url.partition("://")[0]

    with pytest.raises(ValueError, match=f"'{scheme}'") as caught:
        store_from_url(url)

    message = str(caught.value)
    assert "sqlite:///" in message
    assert "postgresql://" in message
    assert "hunter2" not in message


@pytest.mark.parametrize("url", ["", "sqlite://"])
def test_an_empty_url_or_path_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="expected"):
        store_from_url(url)


@pytest.mark.parametrize(
    "url_of",
    [
        pytest.param(lambda tmp: f"sqlite://{tmp}/no/such/dir/tasks.db", id="sqlite-no-dir"),
        pytest.param(lambda tmp: "postgresql://ember:pw@127.0.0.1:1/game", id="postgres-refused"),
    ],
)
async def test_a_store_that_cannot_open_raises_store_error(
    url_of: Callable[[Path], str], tmp_path: Path
) -> None:
    store = store_from_url(url_of(tmp_path))

    with pytest.raises(StoreError, match=r"cannot open (task store|the task database)") as caught:
        await store.open()

    assert caught.value.__cause__ is not None
    assert ":pw@" not in str(caught.value)
    with pytest.raises(StoreError, match="closed"):
        await store.load()
