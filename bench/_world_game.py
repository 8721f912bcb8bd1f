"""World benchmark, game part (``bench/world.py`` runs it): a real game started with the
``ember`` CLI and a real telnet client.

Rows: ``ember start`` until the first login is answered, with a stored world of 100,000
objects and 1,000,000 attributes beside the same game with only the demo area and the crowd
(its second start: the first builds them);
``look`` in a room holding 1,000 objects beside ``help say`` round trips of the same client.
"""

from __future__ import annotations

import asyncio
import json
import logging
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import LIFTED_LIMITS, PASSWORD, ember, in_child, login, new_game, percentile, say

from ember.game import create_account
from ember.game._look import MAX_LISTED
from ember.game.settings import load_settings
from ember.layout import GameLayout

CROWD = 1_000
# Appended to the bench game's world.py: the starting room holds CROWD pebbles.
CROWD_CODE = f"""

_build_demo = at_world_start


def at_world_start(world: World, start: Room) -> None:
    _build_demo(world, start)
    if not any(obj.key == "pebble 0" for obj in start.contents):
        for i in range({CROWD}):
            create_object(Thing, f"pebble {{i}}", location=start)
"""
# How the crowded room's line ends: look lists MAX_LISTED names (the looker first) and
# counts the rest.
ROOM_SHOWN = f"and {CROWD - (MAX_LISTED - 1):,} more."


async def first_login(port: int) -> None:
    """Log in once the game answers (the room, with its crowd, shown at login)."""
    client = await login(port, "looker", within=300)
    await client.expect(ROOM_SHOWN, within=60)
    await client.close()


def timed_start(game: Path, port: int) -> float:
    """Seconds from ``ember start`` until the first login is answered (then stopped)."""
    started = time.perf_counter()
    ember(game, "start")
    try:
        asyncio.run(first_login(port))
        return time.perf_counter() - started
    finally:
        ember(game, "stop")


async def look_timings(port: int, rounds: int, status: Path) -> tuple[list[float], list[float]]:
    """Round trips of ``look`` in the crowded room and of ``help say``, taking turns, once
    every stored attribute is in memory (the row before measures the time while they stream)."""
    client = await login(port, "looker", within=300)
    await client.expect(ROOM_SHOWN, within=60)  # the room shown at login
    since = time.time()
    while still_loading(status, since):  # wait in round trips, as the player would
        client.send("help say")
        await client.expect("say <text>", within=30)
    looks: list[float] = []
    trivial: list[float] = []
    for _ in range(rounds):
        for command, reply, samples in (
            ("look", ROOM_SHOWN, looks),
            ("help say", "say <text>", trivial),
        ):
            started = time.perf_counter()
            client.send(command)
            try:
                await client.expect(reply, within=30)
            except TimeoutError:
                raise SystemExit(f"no {reply!r} after {command!r}: {client.tail(600)!r}") from None
            samples.append(time.perf_counter() - started)
    await client.close()
    return looks, trivial


def still_loading(status: Path, since: float) -> bool:
    """Whether the game's status file says its attributes still stream in (a file written
    before ``since`` does not count: it may predate the world)."""
    try:
        data = json.loads(status.read_text())
    except (OSError, ValueError):
        return True
    return "world_loading" in data or float(data.get("updated", 0)) < since


async def streaming_round_trips(port: int, status: Path) -> tuple[list[float], list[float]]:
    """``help say`` round trips from the first login while the world's attributes stream
    in, then as many once they all are (the status file tells)."""
    client = await login(port, "looker", within=300)
    await client.expect(ROOM_SHOWN, within=60)
    since = time.time()
    during: list[float] = []
    after: list[float] = []
    loading = True
    while loading or len(after) < max(len(during), 200):
        for _ in range(20):
            started = time.perf_counter()
            client.send("help say")
            await client.expect("say <text>", within=30)
            (during if loading else after).append(time.perf_counter() - started)
        loading = loading and still_loading(status, since)
    await client.close()
    return during, after


def quietly_fill(database: str, objects: int) -> list[float]:
    """``fill`` the game's database from this process, which cannot import the game's own
    classes (its door loads as a plain GameObject here, untouched): their warnings say so
    once per object, expected here, so they are kept out of the bench's output."""
    from world import fill  # the store part's filler (bench/world.py imports this module)

    logging.getLogger("ember.world").setLevel(logging.ERROR)
    asyncio.run(fill(database, objects))
    return [0]


def game_rows(add: Callable[..., Any], objects: int, rounds: int) -> None:
    """Add the start-up and ``look`` rows measured on one game of the bench's own."""
    with tempfile.TemporaryDirectory(prefix="ember-bench-") as tmp:
        game, port = new_game(Path(tmp), LIFTED_LIMITS)
        with (game / "world.py").open("a") as out:
            out.write(CROWD_CODE)
        create_account(game, "looker", PASSWORD)
        say("game: first start (builds the demo area and the crowd), then a timed one")
        timed_start(game, port)
        # The best of two starts each: a start on a loaded machine varies by seconds.
        empty = min(timed_start(game, port) for _ in range(2))
        database = load_settings(game).database_url(game)
        say(f"game: adding {objects:,} objects x 10 attributes to its database")
        in_child(lambda: quietly_fill(database, objects))
        say(f"game: ember start to first login, {objects:,} more objects")
        full = min(timed_start(game, port) for _ in range(2))
        add(f"ember start to first login, {objects:,} objects + {objects * 10:,} attributes",
            full, empty, "s", "<= 2 s", full <= 2.0)  # fmt: skip
        say("game: help say round trips while the attributes stream in, then after")
        ember(game, "start")
        try:
            during, after = asyncio.run(streaming_round_trips(port, GameLayout(game).game_status))
        finally:
            ember(game, "stop")
        if during:
            add(f"help say round trip while attributes stream in, p99 ({len(during)} samples)",
                percentile(during, 0.99), percentile(after, 0.99), "ms")  # fmt: skip
        say(f"game: look in a room of {CROWD:,} and help say, in turns")
        ember(game, "start")
        try:
            looks, trivial = asyncio.run(look_timings(port, rounds, GameLayout(game).game_status))
        finally:
            ember(game, "stop")
    for fraction, name in ((0.5, "p50"), (0.99, "p99")):
        ours, base = percentile(looks, fraction), percentile(trivial, fraction)
        target = ("<= 2 ms", ours <= 2e-3) if name == "p99" else ("-", None)
        add(f"look in a room of {CROWD:,} objects over telnet, {name}", ours, base, "ms", *target)
