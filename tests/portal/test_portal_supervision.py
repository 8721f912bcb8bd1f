"""The portal keeps players connected while the game process reloads, crashes or shuts down."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from pathlib import Path

from support.portal_harness import portal, start_portal

from ember.testing import TelnetClient


async def game_pid_of(client: TelnetClient) -> int:
    client.send("pid")
    await client.expect_bytes("game-pid=")
    return int((await client.expect_bytes(";"))[:-1])


async def test_a_killed_game_is_restarted_and_players_stay_connected(tmp_path: Path) -> None:
    async with portal(tmp_path) as running:
        client = await running.connect()
        await client.expect_bytes("Welcome")
        old = await game_pid_of(client)
        assert old == running.game_pid() == running.ready["game_pid"]
        os.kill(old, signal.SIGKILL)
        await client.expect_bytes("The game process stopped unexpectedly; restarting…")
        await client.expect_bytes("The game is back.")
        new = await game_pid_of(client)
        assert new != old
        client.send("after the crash")
        await client.expect_bytes(f"echo[{new}]: after the crash")
        assert "crashed (killed by SIGKILL)" in running.log()


async def test_input_during_a_restart_is_delivered_to_the_new_game(tmp_path: Path) -> None:
    async with portal(tmp_path) as running:
        client = await running.connect()
        await client.expect_bytes("Welcome")
        client.send("crash")  # the first crash restarts at once ...
        await client.expect_bytes("The game is back.")
        client.send("crash")  # ... a second one in a row waits a second (back-off)
        await client.expect_bytes("restarting…")
        client.send("typed while no game runs")
        client.send("and more")
        await client.expect_bytes("The game is restarting, your input will be delivered shortly.")
        late = await running.connect()  # connects while no game runs
        await client.expect_bytes("The game is back.")
        new = running.game_pid()
        await client.expect_bytes(f"echo[{new}]: typed while no game runs\r\n")
        await client.expect_bytes(f"echo[{new}]: and more\r\n")
        await late.expect_bytes(f"Welcome to the fake game (pid {new})")
        assert client.received.count(b"your input will be delivered shortly") == 1


async def test_a_reload_keeps_sessions_and_accounts(tmp_path: Path) -> None:
    async with portal(tmp_path) as running:
        alice, anon = await running.connect(), await running.connect()
        await alice.expect_bytes("Welcome")
        await anon.expect_bytes("Welcome")
        alice.send("login alice")
        await alice.expect_bytes("logged in as alice")
        old = await game_pid_of(alice)
        alice.send("reload")
        for client in (alice, anon):
            await client.expect_bytes("The game is reloading…")
            await client.expect_bytes("Reloaded.")
            assert b"(by " not in client.received  # not "Reloading… (by portal)"
        assert await game_pid_of(anon) != old
        alice.send("sync")
        await alice.expect_bytes("sync ")
        sync = json.loads(await alice.expect_bytes("\r\n"))
        assert sync["reason"] == "reload"
        accounts = {s["sid"]: s["account"] for s in sync["sessions"]}
        assert sorted(accounts.values(), key=str) == [None, "alice"]
        assert running.status()["logged_in"] == 1
        assert b"Welcome" not in alice.unmatched_bytes()  # no second login screen


async def test_sighup_reloads_the_game(tmp_path: Path) -> None:
    async with portal(tmp_path) as running:
        client = await running.connect()
        await client.expect_bytes("Welcome")
        old = await game_pid_of(client)
        running.process.send_signal(signal.SIGHUP)
        await client.expect_bytes("Reloaded.")
        assert await game_pid_of(client) != old


async def test_sigterm_shuts_the_game_down_and_closes_everyone(tmp_path: Path) -> None:
    async with portal(tmp_path) as running:
        client = await running.connect()
        await client.expect_bytes("Welcome")
        game = await game_pid_of(client)
        assert await running.stop() == 0
        rest = await client.closed_bytes()
        assert b"The server is shutting down." in rest
        assert_gone(game, running.process.pid)
        assert not (tmp_path / "server" / "portal.pid").exists()
        assert not (tmp_path / "server" / "game.pid").exists()
        log = (tmp_path / "server" / "fake-game.log").read_text().splitlines()
        assert json.loads(log[-1])[1] == "shutdown"  # the game was asked, not killed


async def test_a_game_initiated_shutdown_stops_the_portal(tmp_path: Path) -> None:
    async with portal(tmp_path) as running:
        client = await running.connect()
        await client.expect_bytes("Welcome")
        game = await game_pid_of(client)
        client.send("shutdown")
        rest = await client.closed_bytes()
        assert b"The server is shutting down." in rest
        assert await asyncio.wait_for(running.process.wait(), 10) == 0
        assert_gone(game, running.process.pid)


def assert_gone(*pids: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            continue
        raise AssertionError(f"process {pid} is still alive")


async def test_a_game_that_ignores_shutdown_is_killed(tmp_path: Path) -> None:
    async with portal(tmp_path, "--shutdown-timeout", "0.5", game_args=("--stubborn",)) as running:
        game = running.game_pid()
        assert await running.stop() == 0
        assert_gone(game, running.process.pid)
        assert f"game process {game} did not exit within 0.5 s" in running.log()


async def test_a_game_that_cannot_start_is_reported_not_retried(tmp_path: Path) -> None:
    process, ready = await start_portal(tmp_path, game_args=("--fail",))
    assert await asyncio.wait_for(process.wait(), 10) == 1
    assert "the game process failed to start: exit status 2" in ready["error"]
    assert "game-stdout.log" in ready["error"]
    assert not (tmp_path / "server" / "portal.pid").exists()


async def test_a_game_that_never_connects_counts_as_failed(tmp_path: Path) -> None:
    process, ready = await start_portal(
        tmp_path, "--game-start-timeout", "0.5", game_args=("--silent",)
    )
    assert await asyncio.wait_for(process.wait(), 10) == 1
    assert "did not connect within 0.5 s" in ready["error"]


async def test_a_reload_request_cuts_the_crash_back_off_short(tmp_path: Path) -> None:
    async with portal(tmp_path) as running:
        client = await running.connect()
        await client.expect_bytes("Welcome")
        client.send("crash")
        await client.expect_bytes("The game is back.")
        client.send("crash")  # the second crash in a row waits (back-off) ...
        await client.expect_bytes("restarting…")
        running.process.send_signal(signal.SIGHUP)  # ... unless a reload is asked for
        await client.expect_bytes("The game is reloading…")
        await client.expect_bytes("Reloaded.")
        assert b"(by " not in client.received  # who asked is logged, not shown to players
        client.send("sync")
        await client.expect_bytes('"reason": "reload"')
