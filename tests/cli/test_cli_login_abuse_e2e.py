"""Login throttles on a real server over telnet (issue 9): every connection from 127.0.0.1
comes from a new port, so a throttle keyed on ``ip:port`` would give each one fresh tries."""

from __future__ import annotations

import asyncio
from pathlib import Path

from support.cli_harness import aember, make_game, portal_status

from ember.testing import TelnetClient

FAST = "\nHASH_TIME_COST = 1\nHASH_MEMORY_COST = 8\nHASH_PARALLELISM = 1\n"
WRONG = "Wrong account name or password."
REFUSED = "Too many failed logins"


async def login_reply(port: int, line: str) -> str:
    """Open a new connection, send one login line, return the reply, close."""
    async with await TelnetClient.connect(port) as client:
        await client.expect("connect NAME PASSWORD")
        await client.expect("quit")
        client.send(line)
        await client.expect("\n")
        while not any(word in client.text for word in (WRONG, REFUSED, "Welcome, ")):
            await client.expect("\n")
        return client.text


async def test_throttles_hold_across_connections_and_parallel_guesses(tmp_path: Path) -> None:
    game = make_game(tmp_path)
    with (game / "settings.py").open("a") as settings:
        settings.write(FAST)
    code, out, err = await aember("start", cwd=game)
    assert code == 0, out + err
    try:
        port = portal_status(game)["telnet_port"]
        async with await TelnetClient.connect(port) as owner:
            await owner.expect("connect NAME PASSWORD")
            owner.send("create Ann long-password-1")
            await owner.expect("Welcome, Ann!")

        # 30 guesses at once, each on its own connection: at most the limit are evaluated.
        guesses = [f"connect Ann guess-{n}" for n in range(29)] + ["connect Ann long-password-1"]
        replies = await asyncio.gather(*(login_reply(port, line) for line in guesses))
        evaluated = [r for r in replies if WRONG in r]
        assert len(evaluated) == 5, replies
        assert REFUSED in replies[-1] and "Welcome, Ann" not in replies[-1]

        # 20 failures from 127.0.0.1 (5 above, 15 here), each on a new connection ...
        for n in range(15):
            assert WRONG in await login_reply(port, f"connect Nobody{n} long-password-1")
        # ... and a new connection is still throttled, for any account.
        assert REFUSED in await login_reply(port, "connect Bob long-password-1")
    finally:
        await aember("stop", cwd=game)
