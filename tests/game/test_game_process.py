"""``python -m ember.game`` as a real process behind a stand-in portal on the real Unix socket."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from gamekit import WAIT, FakePortal, session_dict

from ember.game import create_account
from ember.link import LinkStream, serve_link, socket_path_for

FAST_SETTINGS = "HASH_TIME_COST = 1\nHASH_MEMORY_COST = 8\nHASH_PARALLELISM = 1\n"


@asynccontextmanager
async def portal_for(game_dir: Path) -> AsyncIterator[asyncio.Queue[FakePortal]]:
    """Listen on the game's link socket; each game process that connects arrives on the queue."""
    arrivals: asyncio.Queue[FakePortal] = asyncio.Queue()

    async def on_connect(stream: LinkStream) -> None:
        portal = FakePortal(stream)
        await arrivals.put(portal)
        await asyncio.gather(portal._reader, return_exceptions=True)

    server = await serve_link(socket_path_for(game_dir), "portal", on_connect)
    try:
        yield arrivals
    finally:
        server.close()
        await server.wait_closed()


async def start_game(game_dir: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ember.game", str(game_dir), stderr=asyncio.subprocess.PIPE
    )


async def exit_status(process: asyncio.subprocess.Process) -> int:
    async with asyncio.timeout(WAIT):
        return await process.wait()


async def test_game_process_reload_and_sigterm(tmp_path: Path) -> None:
    (tmp_path / "settings.py").write_text(FAST_SETTINGS)
    await asyncio.to_thread(create_account, tmp_path, "Dev", "password1", developer=True)
    async with portal_for(tmp_path) as arrivals:
        first = await start_game(tmp_path)
        async with asyncio.timeout(WAIT):
            portal = await arrivals.get()
        await portal.send("sync", sessions=[], reason="start")
        await portal.connect(1)
        await portal.command(1, "connect Dev password1", "Welcome, Dev!")
        await portal.command(1, 'py delay(5, caller.msg, "after reload", persistent=True)', ">>>")
        status_file = tmp_path / "server" / "game-status.json"
        await portal.line(1, "reload")
        assert (await portal.expect_named("reload")).kwargs == {"by": "Dev"}
        assert await exit_status(first) == 0
        assert not status_file.exists()

        second = await start_game(tmp_path)
        async with asyncio.timeout(WAIT):
            portal = await arrivals.get()
        await portal.send("sync", sessions=[session_dict(1, account="Dev")], reason="reload")
        assert await portal.expect(1, "after reload") == "after reload"
        await portal.command(1, "look", "Here: you.")
        status = json.loads(status_file.read_text())
        assert status["pid"] == second.pid and status["accounts"] == ["Dev"]
        second.send_signal(signal.SIGTERM)
        assert (await portal.expect_named("shutdown")).kwargs == {"by": "SIGTERM"}
        assert await exit_status(second) == 0
    log = (tmp_path / "server" / "logs" / "game.log").read_text()
    assert "game started" in log and "game reload requested by Dev" in log
    assert "game shutdown requested by SIGTERM" in log


async def test_a_bad_setting_stops_the_game_process_with_a_message(tmp_path: Path) -> None:
    (tmp_path / "settings.py").write_text("TELNET_PROT = 4100\n")
    process = await start_game(tmp_path)
    assert process.stderr is not None
    async with asyncio.timeout(WAIT):
        err = (await process.stderr.read()).decode()
    assert await exit_status(process) == 2
    assert "unknown setting TELNET_PROT" in err and "did you mean TELNET_PORT?" in err


def test_create_account_offline(tmp_path: Path) -> None:
    (tmp_path / "settings.py").write_text(FAST_SETTINGS)
    record = create_account(tmp_path, "Ann", "password1")
    assert record.name == "Ann" and record.permissions == ()
    assert (tmp_path / "server" / "ember.db").exists()
    import pytest

    from ember.game.accounts import AccountError, DuplicateAccountError

    with pytest.raises(DuplicateAccountError, match="already exists"):
        create_account(tmp_path, "ann", "password2")
    with pytest.raises(AccountError, match="3 to 30 characters"):
        create_account(tmp_path, "A", "password2")
    assert os.path.exists(tmp_path / "server" / "ember.db")
