"""``ember world dump FILE`` / ``ember world load FILE``: real processes, a real game
directory, the game's SQLite database, and a move of the world to PostgreSQL and back."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path

import pytest
from support.cli_harness import ember, make_game, started

from ember.world import Exit, Room, Thing, create_object, open_world


async def build(url: str) -> dict[int, object]:
    stored = await open_world(url)
    world = stored.world
    hall, garden = (
        create_object(Room, "Hall", world=world),
        create_object(Room, "Garden", world=world),
    )
    create_object(Exit, "garden", location=hall, destination=garden, aliases=["out"])
    sword = create_object(Thing, "sword", location=hall, attributes={"dmg": 3, "maker": garden})
    sword.locks.add("get: perm(Builder)")
    snapshot = world.snapshot()
    await stored.close()
    return snapshot  # type: ignore[return-value]


async def snapshot_of(url: str) -> dict[int, object]:
    stored = await open_world(url)
    try:
        return stored.world.snapshot()  # type: ignore[return-value]
    finally:
        await stored.close()


def database(game: Path) -> str:
    return str(game / "server" / "ember.db")


def test_dump_and_load_move_a_world_between_games(tmp_path: Path) -> None:
    first, second = make_game(tmp_path, "first"), make_game(tmp_path, "second")
    made = asyncio.run(build(database(first)))
    dump = ember("world", "dump", str(tmp_path / "world.json"), cwd=first)
    assert dump.returncode == 0 and "Wrote 4 objects" in dump.stdout, dump.stderr
    text = (tmp_path / "world.json").read_text()
    assert json.loads(text)["format"] == "ember-world" and len(text.splitlines()) == 6
    load = ember("world", "load", str(tmp_path / "world.json"), cwd=second)
    assert load.returncode == 0 and "Loaded 4 objects" in load.stdout, load.stderr
    assert asyncio.run(snapshot_of(database(second))) == made
    again = ember("world", "load", str(tmp_path / "world.json"), cwd=second)
    assert again.returncode == 1 and "--replace" in again.stderr
    replaced = ember("world", "load", "--replace", str(tmp_path / "world.json"), cwd=second)
    assert replaced.returncode == 0 and asyncio.run(snapshot_of(database(second))) == made


def test_load_refuses_a_bad_file_and_changes_nothing(tmp_path: Path) -> None:
    game = make_game(tmp_path)
    bad = tmp_path / "bad.json"
    bad.write_text('{"format":"ember-world","version":1,"next_id":3,"objects":[\n'
                   '{"id":1,"class":"ember.world:Room","key":"ok"},\n'
                   '{"id":2,"class":"ember.world:Thing","key":"bad\\u0007"}\n]}')  # fmt: skip
    done = ember("world", "load", str(bad), cwd=game)
    assert done.returncode == 1 and "1 objects cannot be loaded" in done.stderr, done.stderr
    assert asyncio.run(snapshot_of(database(game))) == {}
    bad.write_text("[1, 2")
    done = ember("world", "load", str(bad), cwd=game)
    assert done.returncode == 1 and "cannot read the world file" in done.stderr


@pytest.mark.postgres
def test_a_world_moves_to_postgresql_and_back(tmp_path: Path) -> None:
    try:
        import asyncpg

        asyncio.run(
            asyncio.wait_for(asyncpg.connect("postgresql://postgres@127.0.0.1:5432/test"), 5)
        )
    except Exception as error:
        pytest.skip(f"PostgreSQL not reachable: {error}")
    game = make_game(tmp_path)
    made = asyncio.run(build(database(game)))
    assert ember("world", "dump", str(tmp_path / "w.json"), cwd=game).returncode == 0
    pg = make_game(tmp_path, "pg")
    schema = f"ember_test_{uuid.uuid4().hex[:12]}"
    with (pg / "settings.py").open("a") as settings:
        settings.write(
            f'\nDATABASE = "postgresql://postgres@127.0.0.1:5432/test?schema={schema}"\n'
        )
    done = ember("world", "load", str(tmp_path / "w.json"), cwd=pg)
    assert done.returncode == 0, done.stderr
    url = f"postgresql://postgres@127.0.0.1:5432/test?schema={schema}"
    assert asyncio.run(snapshot_of(url)) == made


def test_load_is_refused_while_the_server_runs_and_dump_works(tmp_path: Path) -> None:
    game = make_game(tmp_path)
    asyncio.run(build(database(game)))
    with started(game):
        refused = ember("world", "load", "--replace", str(tmp_path / "none.json"), cwd=game)
        assert refused.returncode == 1 and "`ember stop` first" in refused.stderr
        dump = ember("world", "dump", str(tmp_path / "w.json"), cwd=game)
        # The running game stores its own world too (the starting room, the demo area), so
        # the dump holds the four built objects and what the game made at start.
        assert dump.returncode == 0 and "Wrote " in dump.stdout, dump.stderr
        dumped = (tmp_path / "w.json").read_text()
        for key in ('"Hall"', '"Garden"', '"garden"', '"sword"', '"The Hearth"'):
            assert key in dumped, key
