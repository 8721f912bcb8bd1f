"""Helpers for portal tests: run a real portal (with the fake game) and talk to it over TCP."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shlex
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ember.testing import TelnetClient, scaled

FAKE_GAME = Path(__file__).parents[1] / "portal" / "fake_game.py"
TIMEOUT = scaled(10.0)  # a safety net; EMBER_TEST_TIMEOUT_SCALE stretches it


@dataclass
class RunningPortal:
    """A portal process started by ``portal()``; ``ready`` is its first status report."""

    process: asyncio.subprocess.Process
    game_dir: Path
    ready: dict[str, Any]

    @property
    def port(self) -> int:
        return int(self.ready["telnet_port"])

    async def connect(self) -> TelnetClient:
        """A raw client on the telnet port: it answers no negotiation, as a bare socket."""
        return await TelnetClient.connect(self.port, answer_options=False)

    def status(self) -> dict[str, Any]:
        return json.loads((self.game_dir / "server" / "portal-status.json").read_text())

    def game_pid(self) -> int:
        return int((self.game_dir / "server" / "game.pid").read_text())

    def log(self) -> str:
        path = self.game_dir / "server" / "logs" / "portal.log"
        return path.read_text() if path.exists() else ""

    async def stop(self) -> int:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), TIMEOUT + 5)


async def read_ready(reader: asyncio.StreamReader) -> dict[str, Any]:
    line = await asyncio.wait_for(reader.readline(), TIMEOUT)
    assert line, "the portal closed its ready pipe without a report"
    report: dict[str, Any] = json.loads(line)
    return report


async def start_portal(
    game_dir: Path, *extra: str, game_args: tuple[str, ...] = ()
) -> tuple[asyncio.subprocess.Process, dict[str, Any]]:
    """Start ``python -m ember.portal`` with the fake game; return it and its ready report."""
    (game_dir / "server").mkdir(parents=True, exist_ok=True)
    read_fd, write_fd = os.pipe()
    game = shlex.join([sys.executable, str(FAKE_GAME), str(game_dir), *game_args])
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ember.portal", str(game_dir), "--telnet-port", "0",
        "--game-command", game, "--ready-fd", str(write_fd), "--log-level", "DEBUG", *extra,
        pass_fds=(write_fd,),
    )  # fmt: skip
    os.close(write_fd)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    transport, _ = await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(read_fd, "rb")
    )
    try:
        return process, await read_ready(reader)
    except BaseException:
        await stop_process(process)
        raise
    finally:
        transport.close()


async def stop_process(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), TIMEOUT + 5)
        except TimeoutError:
            process.kill()
            await process.wait()


@contextlib.asynccontextmanager
async def portal(
    game_dir: Path, *extra: str, game_args: tuple[str, ...] = ()
) -> AsyncIterator[RunningPortal]:
    """Start a portal with the fake game on a free port; stop it afterwards."""
    process, ready = await start_portal(game_dir, *extra, game_args=game_args)
    try:
        assert "error" not in ready, ready
        yield RunningPortal(process, game_dir, ready)
    finally:
        await stop_process(process)
