"""A real MUD client, Debian's TinTin++, driven in tmux against a real server."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from support.cli_harness import ember, make_game, started

from ember.testing import TelnetClient

TINTIN = shutil.which("tt++") or shutil.which("tt++", path="/usr/games")


def tmux(*args: str) -> str:
    return subprocess.run(
        ["tmux", *args], capture_output=True, text=True, check=True, timeout=30
    ).stdout


async def screen_shows(session: str, wanted: str, within: float = 20.0) -> str:
    """Poll the tmux pane until ``wanted`` is on it (tmux offers no event to wait on)."""
    async with asyncio.timeout(within):
        while True:  # a terminal screen offers no event to await
            screen = tmux("capture-pane", "-p", "-J", "-S", "-200", "-t", session)
            if wanted in screen:
                return screen
            await asyncio.sleep(0.1)


@contextlib.asynccontextmanager
async def tintin_player(tintin: str, port: int, name: str) -> AsyncIterator[str]:
    """TinTin++ in a tmux session of its own, connected to ``port`` and logged in as ``name``
    (password long-password-1); yield the session, which is killed afterwards."""
    session = f"ember-{uuid.uuid4().hex[:8]}"
    tmux("new-session", "-d", "-s", session, "-x", "160", "-y", "50", tintin)
    try:
        tmux("send-keys", "-t", session, f"#session mud 127.0.0.1 {port}", "Enter")
        await screen_shows(session, "connect NAME PASSWORD")
        tmux("send-keys", "-t", session, f"connect {name} long-password-1", "Enter")
        await screen_shows(session, f"Welcome, {name}")
        yield session
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            tmux("kill-session", "-t", session)


@pytest.fixture
def tintin() -> str:
    if TINTIN is None or shutil.which("tmux") is None:
        reason = "TinTin++ (Debian tintin++) or tmux is not installed"
        if os.environ.get("EMBER_REQUIRE_TINTIN") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return TINTIN


async def test_tintin_plays_beside_a_telnet_client(tmp_path: Path, tintin: str) -> None:
    game = make_game(tmp_path)
    for name in ("tinuser", "rawuser"):
        done = ember("account", "create", name, cwd=game, stdin="long-password-1\n")
        assert done.returncode == 0, done.stderr
    with started(game) as status:
        port = int(status["telnet_port"])
        async with (
            tintin_player(tintin, port, "tinuser") as session,
            await TelnetClient.connect(port) as raw,
        ):
            raw.send("connect rawuser long-password-1")
            await raw.expect("Welcome, rawuser")
            tmux("send-keys", "-t", session, "say héllo from tintin ✓", "Enter")
            await raw.expect('tinuser says, "héllo from tintin ✓"')
            raw.send("say hi back")
            await screen_shows(session, 'rawuser says, "hi back"')


async def test_tintin_shows_progress_as_whole_lines(tmp_path: Path, tintin: str) -> None:
    # TinTin++ shows the server's output line by line: a line rewritten in place (CR, ESC[K)
    # came out blank or stale there, so it gets a whole line now and then instead.
    game = make_game(tmp_path)
    done = ember("account", "create", "tinuser", cwd=game, stdin="long-password-1\n")
    assert done.returncode == 0, done.stderr
    with started(game) as status:
        async with tintin_player(tintin, int(status["telnet_port"]), "tinuser") as session:
            tmux("send-keys", "-t", session, "crunch/thread 5", "Enter")
            screen = await screen_shows(session, "Crunched ", within=60)
    lines = screen.splitlines()
    start = next(i for i, line in enumerate(lines) if "Crunching for 5 s" in line)
    end = next(i for i, line in enumerate(lines) if "Crunched " in line)
    shown = [line.strip() for line in lines[start + 1 : end]]
    # Only whole progress lines between the start and the end: no blank or stale ones.
    assert all(re.fullmatch(r"Crunching: \d{1,3}%", line) for line in shown), screen
    assert len(shown) >= 2 and shown[-1] == "Crunching: 100%", screen


async def test_tintin_receives_gmcp_through_its_event(tmp_path: Path, tintin: str) -> None:
    # TinTin++ refuses GMCP by default; a script agrees to it (DO GMCP) and shows the data.
    from support.client_data_game import COMMANDS

    game = make_game(tmp_path)
    (game / "commands.py").write_text(COMMANDS)
    done = ember("account", "create", "tinuser", cwd=game, stdin="long-password-1\n")
    assert done.returncode == 0, done.stderr
    session = f"ember-{uuid.uuid4().hex[:8]}"
    with started(game) as status:
        port = int(status["telnet_port"])
        tmux("new-session", "-d", "-s", session, "-x", "160", "-y", "50", tintin)
        try:
            # TinTin++ refuses GMCP unless asked to agree (DO GMCP: FF FD C9).
            agree = "#event {IAC WILL GMCP} {#send {\\xFF\\xFD\\xC9\\}}"
            event = "#event {IAC SB GMCP Char.Vitals IAC SE} {#showme {vitals-event: %1}}"
            for line in (agree, event, f"#session mud 127.0.0.1 {port}"):
                tmux("send-keys", "-t", session, line, "Enter")
            await screen_shows(session, "connect NAME PASSWORD")
            tmux("send-keys", "-t", session, "connect tinuser long-password-1", "Enter")
            await screen_shows(session, "Welcome, tinuser")
            tmux("send-keys", "-t", session, "vitals", "Enter")
            screen = await screen_shows(session, "Vitals sent.")
            screen = await screen_shows(session, 'vitals-event: Char.Vitals {"hp":7,"maxhp":20}')
        finally:
            with contextlib.suppress(subprocess.CalledProcessError):
                tmux("kill-session", "-t", session)
    # The data came before the text it goes with.
    assert screen.index("vitals-event: Char.Vitals {") < screen.rindex("Vitals sent."), screen


async def test_tintin_receives_room_info_after_each_move(tmp_path: Path, tintin: str) -> None:
    # No game code: Ember sends Room.Info at login and after every move (the demo area).
    game = make_game(tmp_path)
    done = ember("account", "create", "tinuser", cwd=game, stdin="long-password-1\n")
    assert done.returncode == 0, done.stderr
    session = f"ember-{uuid.uuid4().hex[:8]}"
    with started(game) as status:
        port = int(status["telnet_port"])
        tmux("new-session", "-d", "-s", session, "-x", "200", "-y", "50", tintin)
        try:
            agree = "#event {IAC WILL GMCP} {#send {\\xFF\\xFD\\xC9\\}}"
            event = "#event {IAC SB GMCP Room.Info IAC SE} {#showme {room-event: %1}}"
            for line in (agree, event, f"#session mud 127.0.0.1 {port}"):
                tmux("send-keys", "-t", session, line, "Enter")
            await screen_shows(session, "connect NAME PASSWORD")
            tmux("send-keys", "-t", session, "connect tinuser long-password-1", "Enter")
            await screen_shows(session, '"name":"The Hearth"')
            tmux("send-keys", "-t", session, "n", "Enter")
            await screen_shows(session, '"name":"Garden"')
            tmux("send-keys", "-t", session, "w", "Enter")
            screen = await screen_shows(session, '"name":"Dry Meadow"')
        finally:
            with contextlib.suppress(subprocess.CalledProcessError):
                tmux("kill-session", "-t", session)
    events = [line for line in screen.splitlines() if line.startswith("room-event: ")]
    assert len(events) == 3, screen  # login, north, west: one each
    assert '"area":"demo:area"' in events[1] and '"exits":{"s":' in events[1], events
