"""The game serves while its world's stored attributes still stream in: logins, looks and
writes on objects whose chunk has not arrived, the progress in the status, a reload and an
unreadable row found late (the stream held paused by ``held_streams``, no racing)."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from gamekit import make_developer, running_game, session_dict

from ember.world import Character, Room, Thing, _stream, create_object
from ember.world._loading import NOT_LOADED
from ember.world._stream import held_streams

COINS = 300


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_stream, "CHUNK_OBJECTS", 50)


async def build(tmp_path: Path) -> None:
    """A game whose world holds a vault of coins with attributes, and Ann standing in it."""
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        vault = create_object(Room, "vault", world=game.world, attributes={"desc": "Gold."})
        for i in range(COINS):
            create_object(Thing, f"coin {i}", location=vault, attributes={"n": i, "mint": vault})
        game.character("Ann").move_to(vault, quiet=True)
        game.character("Ann").db.gold = 5


async def test_players_play_while_attributes_stream_in(tmp_path: Path) -> None:
    await build(tmp_path)
    with held_streams() as streams:
        async with running_game(tmp_path) as game:
            [stream] = streams
            world = game.world
            game.server.status_file.write_now()  # what `ember status` reads
            loading = json.loads(game.server.status_file.path.read_text())["world_loading"]
            assert loading[1] == len(world) and loading[0] < loading[1]
            coin = world.find("coin 250")[0]
            assert coin._attrs is NOT_LOADED
            # Logins look characters up by db.account_id: theirs were read before serving.
            assert all(c._attrs is not NOT_LOADED for c in world.objects_of(Character))
            await game.login(1, "Ann", new=False)
            text = await game.portal.expect(1, "Gold.")  # the room, its desc read on demand
            assert "coin 48" in text
            assert game.character("Ann").db.gold == 5
            coin.db.n = -250  # a write before its chunk
            stream.resume()
            await stream.finished()
            assert "world_loading" not in game.server.status()
            assert coin.db.n == -250 and coin.db.mint is world.find("vault")[0]
            assert world.find("coin 251")[0].db.n == 251
    async with running_game(tmp_path) as game:
        assert game.world.find("coin 250")[0].db.n == -250


async def test_a_reload_while_streaming_keeps_every_attribute(tmp_path: Path) -> None:
    await build(tmp_path)
    with held_streams() as streams:
        async with running_game(tmp_path) as game:
            await game.login(1, "Ann", new=False)
            game.world.find("coin 7")[0].db.n = 70
            streams[0].resume()  # and the game reloads at once, wherever the stream is
    sessions = [session_dict(1, account="Ann")]
    async with running_game(tmp_path, sessions=sessions, reason="reload") as game:
        stored = game.server.world_host._stored
        assert stored is not None and stored.stream is not None
        await stored.stream.finished()
        coins = {obj.key: obj.db.n for obj in game.world if obj.key.startswith("coin ")}
        assert coins == {f"coin {i}": (70 if i == 7 else i) for i in range(COINS)}
        assert game.character("Ann").db.gold == 5


async def test_an_unreadable_attribute_found_late_is_shown_to_developers(tmp_path: Path) -> None:
    await build(tmp_path)
    database = next((tmp_path / "server").glob("*.db*"))
    with closing(sqlite3.connect(database)) as conn, conn:
        (coin_id,) = conn.execute("SELECT id FROM ember_objects WHERE key = 'coin 200'").fetchone()
        for table in ("ember_attributes", "ember_attribute_log"):
            conn.execute(
                f"UPDATE {table} SET value = '[broken' WHERE object_id = ? AND name = 'n'",
                (coin_id,),
            )
    async with running_game(tmp_path) as game:
        await make_developer(game, "Dev")
        stored = game.server.world_host._stored
        assert stored is not None and stored.stream is not None
        await stored.stream.finished()
        assert game.world.get(coin_id) is not None  # still in the vault
        await game.portal.connect(2)
        await game.portal.command(2, "connect Dev password1", "stored attributes that could")
        text = await game.portal.command(2, "missing", "unreadable stored attributes")
        assert f"#{coin_id} coin 200: " in text
