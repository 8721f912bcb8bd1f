"""Helpers for CLI tests: run `ember` as a real process in a fresh game directory."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ember.testing import TelnetClient, scaled

TIMEOUT = scaled(60.0)  # a safety net; EMBER_TEST_TIMEOUT_SCALE stretches it
PASSWORD = "long-password-1"  # what new_player() creates accounts with


def ember(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m ember.cli ARGS`` in ``cwd`` and return what it did."""
    return subprocess.run(
        [sys.executable, "-m", "ember.cli", *args],
        cwd=cwd,
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def make_game(parent: Path, name: str = "game", *, port: int = 0, web_port: int = 0) -> Path:
    """``ember init`` a game on these telnet and web ports (0: any free port, see status)."""
    done = ember("init", name, cwd=parent)
    assert done.returncode == 0, done.stderr
    game = parent / name
    with (game / "settings.py").open("a") as settings:
        settings.write(f"\nTELNET_PORT = {port}\nWEB_PORT = {web_port}\n")
    return game


def portal_status(game: Path) -> dict[str, Any]:
    status: dict[str, Any] = json.loads((game / "server" / "portal-status.json").read_text())
    return status


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with contextlib.suppress(OSError):
        if Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] == "Z":
            return False
    return True


@contextlib.contextmanager
def started(game: Path) -> Iterator[dict[str, Any]]:
    """``ember start`` the game; ``ember stop`` it afterwards whatever happens."""
    done = ember("start", cwd=game)
    assert done.returncode == 0, done.stdout + done.stderr
    try:
        yield portal_status(game)
    finally:
        if (game / "server" / "portal.pid").exists():
            ember("stop", cwd=game)


async def aember(*args: str, cwd: Path, stdin: str = "") -> tuple[int, str, str]:
    """Run ``ember ARGS`` without blocking the event loop; return (status, stdout, stderr)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ember.cli", *args, cwd=cwd,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(stdin.encode()), TIMEOUT)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def new_player(port: int, name: str) -> TelnetClient:
    """Connect to the telnet ``port`` and ``create`` the account ``name`` (PASSWORD) there;
    return the client once the game has welcomed it."""
    client = await TelnetClient.connect(port)
    await client.expect("connect NAME PASSWORD")
    client.send(f"create {name} {PASSWORD}")
    await client.expect(f"Welcome, {name}")
    return client


async def wait_exit(pid: int, within: float = 20.0) -> None:
    """Wait until process ``pid`` (not our child) has ended, through a pidfd."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    loop = asyncio.get_running_loop()
    ended = loop.create_future()
    loop.add_reader(fd, lambda: ended.done() or ended.set_result(None))
    try:
        await asyncio.wait_for(ended, within)
    finally:
        loop.remove_reader(fd)
        os.close(fd)
