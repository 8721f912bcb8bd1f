"""Helpers for the web tests: the browser's settings, the test game, and a WebSocket client."""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path
from typing import Any, Protocol

from support.cli_harness import ember, portal_status
from support.client_data_game import COMMANDS as CLIENT_DATA_COMMANDS
from websockets.asyncio.client import ClientConnection, connect

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "web"
PASSWORD = "long-password-1"

# Commands the test game adds, written with the public API: an @interactive question, a
# run_async job reporting progress, colour markup, and client data
# (tests/support/client_data_game.py).
TEST_COMMANDS = (
    '''
import time

from ember import Command, choose, interactive, report_progress, run_async


@interactive
def quest(caller):
    answer = yield "What is your quest?"
    caller.msg(f"Your quest: {answer}.")


def crunch(steps):
    for step in range(1, steps + 1):
        time.sleep(0.1)
        report_progress(step / steps, "Crunching")
    return steps


class CmdQuiz(Command):
    """Ask a question from an @interactive function: the page shows it as a prompt."""

    key = "quiz"

    def func(self):
        quest(self.caller)


class CmdWork(Command):
    """Run a job in a thread with run_async; its progress reaches the page as a bar."""

    key = "work"

    def func(self):
        caller = self.caller
        run_async(crunch, 10, at_return=lambda steps: caller.msg(f"Crunched {steps} steps."))


class CmdPick(Command):
    """Fill the pane, then ask a question with numbered choices (the pane shrinks under it)."""

    key = "pick"

    async def func(self):
        for number in range(1, 61):
            self.caller.msg(f"filler line {number}")
        colour = await choose("Paint it which colour?", ["red", "green", "blue"])
        self.caller.msg(f"You picked {colour}.")


class CmdColours(Command):
    """Show colours with markup: red, bold green, xterm orange (208), and an unclosed blue."""

    key = "colours"

    def func(self):
        self.caller.msg("|rred|n |h|gbold green|n |520orange|n |[bon blue")
'''
    + CLIENT_DATA_COMMANDS
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class WebGame:
    """A game directory with a running server; ``url`` is its web client page."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.status: dict[str, Any] = {}

    def start(self) -> None:
        done = ember("start", cwd=self.path)
        assert done.returncode == 0, done.stdout + done.stderr
        self.status = portal_status(self.path)

    def refresh(self) -> dict[str, Any]:
        self.status = portal_status(self.path)
        return self.status

    @property
    def telnet_port(self) -> int:
        return int(self.status["telnet_port"])

    @property
    def web_port(self) -> int:
        return int(self.status["web_port"])

    @property
    def url(self) -> str:
        return f"http://localhost:{self.web_port}/"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.web_port}/ws"


class HasWebSocket(Protocol):
    """Anything with the WebSocket address of a running portal."""

    @property
    def ws_url(self) -> str: ...


class Client:
    """A WebSocket client that keeps every decoded message and waits for matching ones."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.messages: list[dict[str, Any]] = []
        self._seen = 0

    @classmethod
    async def open(cls, game: HasWebSocket, **options: Any) -> Client:
        return cls(await connect(game.ws_url, **options))

    async def send(self, **message: Any) -> None:
        await self.ws.send(json.dumps(message))

    async def expect(self, within: float = 10.0, **fields: Any) -> dict[str, Any]:
        """Wait for the next message (after earlier matches) having these fields; text is a
        substring match."""
        async with asyncio.timeout(within):
            while True:
                while self._seen < len(self.messages):
                    message = self.messages[self._seen]
                    self._seen += 1
                    if all(
                        (key == "text" and value in str(message.get(key)))
                        or (key != "text" and message.get(key) == value)
                        for key, value in fields.items()
                    ):
                        return message
                self.messages.append(json.loads(await self.ws.recv()))
