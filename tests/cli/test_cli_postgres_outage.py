"""A game on real PostgreSQL whose connections are cut again and again, then lost for a while
during a reload and a stop (issue 10 items 1 and 2).

Players make persistent tasks (``mark N``, acknowledged with ``marked N``) and chat while a
separate connection runs ``pg_terminate_backend`` on the game's backends. The game reconnects by
itself; a reload and a stop while the server refuses connections finish within their deadlines;
afterwards every acknowledged task has fired exactly once.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path

import pytest
from support.cli_harness import PASSWORD, aember, make_game, new_player, portal_status, wait_exit
from support.marks import fired, mark_commands
from support.pgrole import PgRole, role_for_test

from ember.testing import TelnetClient

pytestmark = pytest.mark.postgres

DEADLINE = 6  # RELOAD_DEADLINE and STOP_DEADLINE of the game under test
FIRE_AFTER = 3.0  # seconds from `mark` to the task firing
COMMANDS = mark_commands(FIRE_AFTER)


async def mark(client: TelnetClient, numbers: range) -> None:
    for number in numbers:
        client.send(f"mark {number}")
        await client.expect(f"marked {number}", within=30.0)


async def all_fired(game: Path, count: int, within: float = 60.0) -> Counter[int]:
    """Wait (on the file the tasks write) until ``count`` distinct tasks have fired."""
    async with asyncio.timeout(within):
        while len(counts := fired(game)) < count:  # noqa: ASYNC110 - a file, not an event
            await asyncio.sleep(0.1)
    return counts


async def status_saying(game: Path, text: str, within: float = 30.0) -> str:
    """Run ``ember status`` until it shows ``text`` (its file follows within seconds)."""
    async with asyncio.timeout(within):
        while text not in (out := (await aember("status", cwd=game))[1]):  # noqa: ASYNC110
            await asyncio.sleep(0.5)
    return out


async def cut_repeatedly(role: PgRole, times: int) -> int:
    ended = 0
    for _ in range(times):
        ended += await role.terminate()
        await asyncio.sleep(0.2)  # the pace of the faults, not a synchronisation
    return ended


async def test_the_game_survives_cut_and_lost_postgres_connections(tmp_path: Path) -> None:
    async with role_for_test() as role:
        game = make_game(tmp_path)
        (game / "commands.py").write_text(COMMANDS)
        with (game / "settings.py").open("a") as settings:
            settings.write(
                f'DATABASE = "{role.url}"\nRELOAD_DEADLINE = {DEADLINE}\n'
                f"STOP_DEADLINE = {DEADLINE}\n"
            )
        code, out, err = await aember("start", cwd=game)
        assert code == 0, out + err
        try:
            port = portal_status(game)["telnet_port"]
            ann, bob = await new_player(port, "ann"), await new_player(port, "bob")

            # 1. Connections cut again and again while tasks are made and players chat.
            cutter = asyncio.create_task(cut_repeatedly(role, 15))
            await mark(ann, range(0, 30))
            for number in range(10):
                bob.send(f"say chat-{number}")
                await bob.expect(f'You say, "chat-{number}"', within=30.0)
            assert await cutter > 0
            counts = await all_fired(game, 30)
            assert set(counts) == set(range(30)) and max(counts.values()) == 1, counts

            # 2. The server goes away: the game says so, keeps answering, tasks wait.
            await role.outage()
            await mark(ann, range(30, 40))
            bob.send("say during-outage")
            await bob.expect('You say, "during-outage"')
            carl = await TelnetClient.connect(port)  # a new account cannot be stored now
            await carl.expect("connect NAME PASSWORD")
            carl.send(f"create carl {PASSWORD}")
            await carl.expect("The account database is not answering right now", within=30.0)
            await carl.close()
            out = await status_saying(game, "Store:    FAILING")
            assert "writes wait" in out, out
            ann.send("tasks")
            await ann.expect("The task store is failing")

            # 3. A reload during the outage ends within its deadline (the new game cannot
            #    start until the server is back, which `ember reload` reports).
            old_game = portal_status(game)["game_pid"]
            asked = time.monotonic()
            code, out, err = await aember("reload", cwd=game)
            await wait_exit(old_game, within=DEADLINE + 10)
            assert time.monotonic() - asked < DEADLINE + 10
            assert code != 0 and "the reload failed" in err, out + err
            ann.send("say held-in-outage")
            await role.restore()
            await ann.expect('You say, "held-in-outage"', within=60.0)
            counts = await all_fired(game, 40)
            assert set(counts) == set(range(40)) and max(counts.values()) == 1, counts

            # 4. A stop during an outage ends within its deadline; the writes it could not
            #    make are kept and written by the next start.
            await mark(ann, range(40, 45))
            await role.outage()
            await mark(ann, range(45, 50))
            asked = time.monotonic()
            code, out, err = await aember("stop", cwd=game)
            assert code == 0, out + err
            assert time.monotonic() - asked < DEADLINE + 10
        finally:
            await role.restore()
            if (game / "server" / "portal.pid").exists():
                await aember("stop", cwd=game)
        code, out, err = await aember("start", cwd=game)
        assert code == 0, out + err
        try:
            counts = await all_fired(game, 50)
            assert set(counts) == set(range(50)) and max(counts.values()) == 1, counts
        finally:
            code, out, err = await aember("stop", cwd=game)
        assert code == 0, out + err
