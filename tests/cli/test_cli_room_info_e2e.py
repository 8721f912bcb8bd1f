"""Room.Info as a mapper sees it: telnetlib3's client walking the demo area of a game started by
the CLI receives Room.Info at login and after every move, and each exit's number leads to
the room it names."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import telnetlib3
from support.cli_harness import PASSWORD, TIMEOUT, ember, make_game, started
from telnetlib3.telopt import GMCP


async def test_telnetlib3_receives_room_info_on_every_move(tmp_path: Path) -> None:
    game = make_game(tmp_path)
    done = ember("account", "create", "walker", cwd=game, stdin=PASSWORD + "\n")
    assert done.returncode == 0, done.stderr
    with started(game) as status:
        reader, writer = await telnetlib3.open_connection(
            "127.0.0.1", int(status["telnet_port"]), encoding="utf8", connect_minwait=0.05
        )
        data: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        writer.set_ext_callback(GMCP, lambda package, value: data.put_nowait((package, value)))
        text = ""

        async def until(wanted: str) -> None:
            nonlocal text
            async with asyncio.timeout(TIMEOUT):
                while wanted not in text:
                    chunk = await reader.read(4096)
                    assert chunk, f"closed while waiting for {wanted!r}; got {text[-300:]!r}"
                    text += chunk

        async def next_room() -> dict[str, Any]:
            async with asyncio.timeout(TIMEOUT):
                while True:
                    package, value = await data.get()
                    if package == "Room.Info":
                        assert isinstance(value, dict)
                        return value

        try:
            await until("connect NAME PASSWORD")
            writer.write(f"connect walker {PASSWORD}\r\n")
            room = await next_room()
            await until("Welcome, walker")
            assert set(room) == {"num", "name", "area", "exits"}
            assert room["exits"].get("n") is not None, room  # the demo garden lies north
            start = room
            # A walk through the demo area (docs: ember/template/world.py); every step must
            # bring the room the previous Room.Info's exit numbered.
            walk = [("n", "Garden"), ("w", "Dry Meadow"), ("barn", "Old Barn"),
                    ("out", "Dry Meadow"), ("e", "Garden"), ("s", None)]  # fmt: skip
            for direction, name in walk:
                expected_num = room["exits"][direction]
                writer.write(direction + "\r\n")
                arrived = await next_room()
                assert arrived["num"] == expected_num, (direction, room, arrived)
                if name is not None:
                    assert arrived["name"] == name
                    assert arrived["area"] == "demo:area"
                room = arrived
            assert room == start  # back where the walk began, the same data
            # A way that does not exist moves nobody and sends no Room.Info.
            writer.write("xyzzy\r\nn\r\n")
            assert (await next_room())["name"] == "Garden"
        finally:
            writer.close()
