"""A tiny game process for portal tests: a real link peer that echoes lines and obeys commands.

Run as ``python fake_game.py GAME_DIR [--stubborn | --fail | --silent]``: ``--stubborn``
ignores SIGTERM and shutdown requests, ``--fail`` exits 2 at once, ``--silent`` never
connects. Each line a player types comes back as ``echo[<pid>]: <line>``; a few words do more:

- ``pid``: ``game-pid=<pid>;``;  ``sync``: the last ``sync`` as JSON (``sync {...}``)
- ``login NAME``: sends ``login``;  ``logout``;  ``prompt TEXT``;  ``hide`` / ``show`` (echo)
- ``reload`` / ``shutdown``: announces it and exits 0;  ``crash``: exits 3 at once
- ``flood N``: N bytes of text in 64 KiB messages;  ``close``: closes the session
- ``progress``: a ``progress`` message at 50 %;  GMCP from a client comes back as ``gmcp ...``
- ``spam N``: N numbered lines;  ``whoami``: this session's facts as JSON (``whoami {...}``)
New connections get ``Welcome to the fake game (pid <pid>).`` and received messages are
appended to ``server/fake-game.log`` as JSON lines. When a session disconnects, the others are
told ``left: <sid>``.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import IO, Any

from ember.link import LinkStream, Message, connect_link, link_from_environment

Say = Callable[[int, str], Awaitable[None]]


def open_log(game_dir: Path) -> IO[str]:
    return open(game_dir / "server" / "fake-game.log", "a", encoding="utf-8")


async def main(game_dir: Path, stubborn: bool) -> int:
    path, secret = link_from_environment(game_dir)
    stream = await connect_link(path, role="game", secret=secret)
    log = open_log(game_dir)
    pid = os.getpid()
    last_sync: dict[str, Any] = {}
    sessions: dict[int, dict[str, Any]] = {}

    async def text(sid: int, value: str) -> None:
        await stream.send(Message("text", (sid, value + "\n")))

    async with stream:
        async for message in stream:
            log.write(json.dumps([pid, message.name, message.args, message.kwargs]) + "\n")
            log.flush()
            if message.name == "sync":
                last_sync = dict(message.kwargs)
                for session in message.kwargs["sessions"]:
                    sessions[session["sid"]] = dict(session)
                await stream.send(Message("ready"))  # serving: the portal sends held input
            elif message.name == "connect":
                sessions[message.args[0]] = dict(message.kwargs)
                await text(message.args[0], f"Welcome to the fake game (pid {pid}).")
            elif message.name == "info":
                sessions.setdefault(message.args[0], {}).update(message.kwargs)
            elif message.name == "line" and message.args[1] == "whoami":
                facts = sessions.get(message.args[0], {})
                await text(message.args[0], "whoami " + json.dumps(facts, sort_keys=True))
            elif message.name == "gmcp":
                sid, package, data = message.args
                await text(int(str(sid)), f"gmcp {package} {json.dumps(data, sort_keys=True)}")
            elif message.name == "disconnect":
                sessions.pop(message.args[0], None)
                for sid in sessions:
                    await text(sid, f"left: {message.args[0]}")
            elif message.name == "shutdown" and stubborn:
                continue
            elif message.name in ("shutdown", "reload"):
                await stream.send(Message(message.name, (), {"by": "portal"}))
                return 0
            elif message.name == "line":
                sid, line = message.args
                if await command(stream, int(str(sid)), str(line), pid, last_sync, text):
                    return 0
    return 0


async def command(
    stream: LinkStream, sid: int, line: str, pid: int, last_sync: dict[str, Any], text: Say
) -> bool:
    word, _, rest = line.partition(" ")
    if word == "pid":
        await text(sid, f"game-pid={pid};")
    elif word == "sync":
        await text(sid, "sync " + json.dumps(last_sync, sort_keys=True))
    elif word == "login":
        await stream.send(Message("login", (sid, rest)))
        await text(sid, f"logged in as {rest}")
    elif word == "logout":
        await stream.send(Message("logout", (sid,)))
    elif word == "prompt":
        await stream.send(Message("prompt", (sid, rest)))
    elif word in ("hide", "show"):
        await stream.send(Message("echo", (sid, word == "hide")))
    elif word in ("reload", "shutdown"):
        await stream.send(Message(word, (), {"by": "fake"}))
        return True
    elif word == "crash":
        os._exit(3)
    elif word == "flood":
        left = int(rest)
        while left > 0:
            size = min(left, 65536)
            await stream.send(Message("text", (sid, "x" * size)))
            left -= size
    elif word == "spam":
        for number in range(int(rest)):
            await text(sid, f"spam {number}")
    elif word == "freeze":
        await text(sid, "frozen")
        # A stalled game: it reads nothing from the link meanwhile.
        time.sleep(float(rest))  # noqa: ASYNC251
        await text(sid, "thawed")
    elif word == "progress":
        await stream.send(Message("progress", (sid, "job-1", 0.5), {"label": "Digging"}))
    elif word == "close":
        await stream.send(Message("close", (sid,), {"reason": "Goodbye from the fake game."}))
    else:
        await text(sid, f"echo[{pid}]: {line}")
    return False


if __name__ == "__main__":
    if "--fail" in sys.argv:
        sys.exit(2)
    if "--silent" in sys.argv:  # never connects
        signal.pause()
    if "--stubborn" in sys.argv:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    sys.exit(asyncio.run(main(Path(sys.argv[1]), "--stubborn" in sys.argv)))
