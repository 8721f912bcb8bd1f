"""`scripts/play` from a fresh checkout: it installs the runtime only, with visible progress,
and its banner shows the ports the game's settings use."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from support.cli_harness import ember

from ember.testing import TelnetClient

ROOT = Path(__file__).resolve().parents[2]
# Development packages a player does not need; any of them in the venv means the dev extras.
DEV_ONLY = {"pytest", "playwright", "distributed", "mypy", "ruff", "hypothesis", "telnetlib3"}
RUNTIME = {"msgpack", "websockets", "argon2-cffi"}
INSTALL_TIMEOUT = 600.0  # seconds: a fresh venv, pip and three packages on a busy machine


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def fresh_checkout(target: Path) -> Path:
    """Copy the files git tracks (as they are in the work tree): a clone without .venv."""
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-z"], capture_output=True, check=True
    ).stdout
    for name in filter(None, listed.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def installed(venv: Path) -> set[str]:
    done = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "list", "--format=json"],
        capture_output=True,
        text=True,
        check=True,
    )
    return {package["name"].lower() for package in json.loads(done.stdout)}


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git to list the tracked files")
@pytest.mark.timeout(900)
async def test_play_installs_the_runtime_only_and_shows_the_games_ports(tmp_path: Path) -> None:
    checkout = fresh_checkout(tmp_path / "checkout")
    assert not (checkout / ".venv").exists()
    demo = tmp_path / "demo"
    done = ember("init", str(demo), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    telnet_port, web_port = free_port(), free_port()  # not 4000/4001: the banner must tell
    with (demo / "settings.py").open("a") as settings:
        settings.write(f"\nTELNET_PORT = {telnet_port}\nWEB_PORT = {web_port}\n")

    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "EMBER_VENV")}
    ours = str(Path(sys.prefix) / "bin") if sys.prefix != sys.base_prefix else None
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != ours)
    env["EMBER_DEMO_DIR"] = str(demo)
    play = await asyncio.create_subprocess_exec(
        str(checkout / "scripts" / "play"),
        cwd=checkout,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
    )
    assert play.stdout is not None
    shown: list[str] = []
    try:
        async with asyncio.timeout(INSTALL_TIMEOUT):
            while not any("Or play in a browser" in line for line in shown):
                line = await play.stdout.readline()
                if not line:
                    pytest.fail("scripts/play ended early:\n" + "".join(shown))
                shown.append(line.decode(errors="replace"))
        output = "".join(shown)
        # Visible progress while installing, and the runtime only.
        assert "installing ember and its runtime dependencies" in output, output
        assert "Successfully installed" in output, output
        # The banner tells the ports the settings chose, not Ember's defaults.
        assert f"telnet localhost {telnet_port}" in output, output
        assert f"http://localhost:{web_port}" in output, output
        addresses = [line for line in shown if "localhost" in line]
        assert not [line for line in addresses if ":4000" in line or ":4001" in line], addresses
        assert not [line for line in addresses if "localhost 4000" in line], addresses

        async with await TelnetClient.connect(telnet_port) as client:
            await client.expect("connect NAME PASSWORD")

        packages = installed(checkout / ".venv")
        assert packages >= RUNTIME, packages
        assert not (DEV_ONLY & packages), DEV_ONLY & packages
    finally:
        if play.returncode is None:
            play.send_signal(signal.SIGINT)  # Ctrl-C, as a player stops it
            try:
                async with asyncio.timeout(60):
                    await play.communicate()
            except TimeoutError:
                os.killpg(play.pid, signal.SIGKILL)
                await play.wait()
    assert play.returncode == 0 or play.returncode == -signal.SIGINT, "".join(shown)
