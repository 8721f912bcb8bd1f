"""`ember start/status/reload/stop` and accounts against the real portal and game processes."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from support.cli_harness import aember, alive, make_game, portal_status, wait_exit

from ember.testing import TelnetClient

PASSWORD = "correct horse battery"


async def test_start_reload_stop_keeps_players_then_leaves_nothing(tmp_path: Path) -> None:
    game = make_game(tmp_path)
    code, out, err = await aember("account", "create", "alice", "--developer", cwd=game,
                                  stdin=PASSWORD + "\n")  # fmt: skip
    assert code == 0, err
    assert "Created the account alice (Developer)." in out
    code, out, err = await aember("start", cwd=game)
    assert code == 0, out + err
    status = portal_status(game)
    portal_pid, first_game = status["pid"], status["game_pid"]
    assert f"telnet localhost {status['telnet_port']}" in out
    try:
        client = await TelnetClient.connect(status["telnet_port"])
        await client.expect("connect NAME PASSWORD")
        client.send(f"connect alice {PASSWORD}")
        await client.expect("Welcome, alice")
        client.send("wave")  # the template's example command
        await client.expect("You wave.")

        code, out, _ = await aember("status", cwd=game)
        assert code == 0
        assert f"pid {portal_pid}, telnet on 127.0.0.1:{status['telnet_port']}" in out
        assert f"pid {first_game} (connected)" in out
        assert "Sessions: 1 (1 logged in)" in out
        assert "Pending tasks: " in out

        code, out, err = await aember("reload", cwd=game)
        assert code == 0, err
        await client.expect("Reloaded.")
        second_game = portal_status(game)["game_pid"]
        assert second_game != first_game
        assert not alive(first_game)
        client.send("who")
        await client.expect("alice")  # still logged in, at once
    finally:
        code, out, err = await aember("stop", cwd=game)
    assert code == 0, err
    assert "The server is shutting down." in await client.closed(within=15)
    for pid in (portal_pid, first_game, second_game):
        assert not alive(pid), pid
    assert not (game / "server" / "portal.pid").exists()
    assert not (game / "server" / "game.pid").exists()
    code, out, _ = await aember("status", cwd=game)
    assert code == 3 and "not running" in out


async def test_start_twice_says_already_running(tmp_path: Path) -> None:
    game = make_game(tmp_path)
    assert (await aember("start", cwd=game))[0] == 0
    try:
        code, _, err = await aember("start", cwd=game)
        assert code == 1
        assert "already running" in err
    finally:
        assert (await aember("stop", cwd=game))[0] == 0


async def test_foreground_start_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    game = make_game(tmp_path)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ember.cli", "start", "--foreground", cwd=game,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    assert process.stdout is not None
    try:
        async with asyncio.timeout(20):
            while b"Connect with: telnet" not in await process.stdout.readline():
                pass
        game_pid = portal_status(game)["game_pid"]
        process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(process.wait(), 20) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    await wait_exit(game_pid)
    assert not alive(game_pid)


async def test_a_killed_portal_takes_its_game_along(tmp_path: Path) -> None:
    game = make_game(tmp_path)
    assert (await aember("start", cwd=game))[0] == 0
    status = portal_status(game)
    os.kill(status["pid"], signal.SIGKILL)
    await wait_exit(status["pid"])
    await wait_exit(status["game_pid"])  # the kernel's parent-death signal
    assert not alive(status["game_pid"])
    code, out, _ = await aember("status", cwd=game)
    assert code == 3
    assert "Removed stale pid files: portal.pid, game.pid" in out


async def test_account_create_reads_stdin_and_refuses_duplicates(tmp_path: Path) -> None:
    game = make_game(tmp_path)
    code, out, err = await aember("account", "create", "bob", cwd=game, stdin=PASSWORD + "\n")
    assert code == 0, err
    assert "Created the account bob." in out
    code, _, err = await aember("account", "create", "Bob", cwd=game, stdin=PASSWORD + "\n")
    assert code == 1
    assert "bob" in err.lower()
    code, _, err = await aember("account", "create", "carol", cwd=game, stdin="")
    assert code == 1
    assert "no password" in err


async def test_start_reports_a_game_that_cannot_start(tmp_path: Path) -> None:
    game = make_game(tmp_path)
    with (game / "settings.py").open("a") as settings:
        settings.write(f'DATABASE = "{tmp_path}/missing/folder/game.db"\n')
    code, _, err = await aember("start", cwd=game)
    assert code == 1
    # The cause in one line: the database file that cannot be opened, then how the game ended.
    assert "the game process failed to start: cannot open the account database" in err
    assert "missing/folder/game.db: unable to open database file; check that its folder" in err
    assert "(exit status 1)" in err
    assert "game.log" in err
    assert not (game / "server" / "portal.pid").exists()
    assert (await aember("status", cwd=game))[0] == 3
