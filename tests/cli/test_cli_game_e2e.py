"""Two players on a real server started by the CLI: chat, permissions, reloads, a crash."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from support.cli_harness import aember, alive, make_game, portal_status, wait_exit

from ember.testing import TelnetClient

PASSWORD = "long-password-1"


async def login(port: int, name: str, *, create: bool) -> TelnetClient:
    client = await TelnetClient.connect(port)
    await client.expect("connect NAME PASSWORD")
    client.send(f"{'create' if create else 'connect'} {name} {PASSWORD}")
    await client.expect(f"Welcome, {name}")
    return client


async def both_answer(ann: TelnetClient, bob: TelnetClient, marker: str) -> None:
    """Both players run a command at once and get its answer: still connected, logged in."""
    ann.send(f"say {marker}-ann")
    bob.send(f"say {marker}-bob")
    await ann.expect(f'You say, "{marker}-ann"')
    await bob.expect(f'You say, "{marker}-bob"')


async def test_two_players_through_reloads_and_a_crash(tmp_path: Path) -> None:
    game = make_game(tmp_path)
    code, _, err = await aember(
        "account", "create", "ann", "--developer", cwd=game, stdin=PASSWORD + "\n"
    )
    assert code == 0, err
    code, out, err = await aember("start", cwd=game)
    assert code == 0, out + err
    status = portal_status(game)
    port, portal_pid = status["telnet_port"], status["pid"]
    game_pids = [status["game_pid"]]
    try:
        ann = await login(port, "ann", create=False)
        bob = await login(port, "bob", create=True)  # a new account, from the login screen

        ann.send("say hello bob")
        await bob.expect('ann says, "hello bob"')
        bob.send("who")
        who = await bob.expect("bob")
        assert "ann" in who

        for command in ("py 1+1", "reload"):
            bob.send(command)
            await bob.expect("permission denied")
        ann.send("py 6*7")
        await ann.expect("42")

        # A persistent delay made before a reload fires after it (the reload takes ~1-2 s).
        ann.send("py from ember import delay; delay(4, me.msg, 'it is later', persistent=True)")
        await ann.expect("persistent scheduled")
        code, _, err = await aember("reload", cwd=game)
        assert code == 0, err
        game_pids.append(portal_status(game)["game_pid"])
        await both_answer(ann, bob, "after-cli-reload")
        await ann.expect("it is later")

        # The reload command does the same from inside the game.
        ann.send("reload")
        await ann.expect("Reloaded.")
        await bob.expect("Reloaded.")
        await both_answer(ann, bob, "after-command-reload")
        game_pids.append(portal_status(game)["game_pid"])

        # A game process killed outright is restarted by the portal; nobody is dropped.
        os.kill(game_pids[-1], signal.SIGKILL)
        await ann.expect("restarting")
        await bob.expect("restarting")
        await both_answer(ann, bob, "after-crash")
        game_pids.append(portal_status(game)["game_pid"])
        assert len(set(game_pids)) == 4, game_pids
        assert portal_status(game)["pid"] == portal_pid
    finally:
        code, _, err = await aember("stop", cwd=game)
    assert code == 0, err
    await ann.closed()
    await bob.closed()
    await wait_exit(portal_pid)
    for pid in (portal_pid, *game_pids):
        assert not alive(pid), pid
