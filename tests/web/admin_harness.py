"""A game for the admin page's tests: web port, /metrics with a token, an admin and a player.

``AdminClient`` speaks the admin page's WebSocket protocol as the page's script does: it
logs in, trades the ticket for the cookie over HTTP, and sends requests with the CSRF token.
"""

from __future__ import annotations

import asyncio
import http.client
import json
from pathlib import Path
from typing import Any

from support.cli_harness import ember, make_game
from web_harness import PASSWORD, TEST_COMMANDS, WebGame, free_port
from websockets.asyncio.client import ClientConnection, connect

from ember.testing import TelnetClient

ADMIN = "boss"
PLAYER = "pleb"
TOKEN = "scrape-token-1"

# Timed tasks to look at from the page: `plant N` schedules N tasks bound to the caller.
ADMIN_COMMANDS = (
    TEST_COMMANDS
    + '''

from ember import delay


def grow(name):
    pass


FLAKY = []


def flaky(name):
    FLAKY.append(name)
    if len(FLAKY) == 1:
        raise RuntimeError("the first try fails")


class CmdFlaky(Command):
    """Schedule a task that fails the first time it runs (and wait for that)."""

    key = "flaky"

    async def func(self):
        task = delay(0, flaky, "once")
        try:
            await task
        except RuntimeError:
            self.caller.msg(f"Task {task.id} failed as planned.")


def trudge(steps):
    for step in range(1, steps + 1):
        time.sleep(0.05)
        report_progress(step / steps, "Trudging")
    return steps


class CmdTrudge(Command):
    """A background job of about ten seconds that reports its progress."""

    key = "trudge"

    def func(self):
        caller = self.caller
        run_async(
            trudge,
            200,
            at_return=lambda steps: caller.msg("Trudged."),
            at_err=lambda error: caller.msg(f"Trudge stopped: {type(error).__name__}."),
        )
        caller.msg("Trudging off.")


@interactive
def linger(caller):
    yield 600
    caller.msg("Lingered.")


@interactive
def haul(caller):
    steps = yield run_async(trudge, 200)
    caller.msg(f"Hauled {steps}.")


class CmdLinger(Command):
    """Start an interactive function that pauses ten minutes (`linger`), or one that waits
    on a background job (`linger job`)."""

    key = "linger"

    def func(self):
        (haul if self.args.strip() == "job" else linger)(self.caller)
        self.caller.msg("Lingering.")


class CmdPlant(Command):
    """Schedule N timed tasks an hour away (for the admin page's task table); `plant N kept`
    makes them persistent (written to the task store)."""

    key = "plant"

    def func(self):
        count, _, kept = (self.args or "1").partition(" ")
        for number in range(int(count)):
            delay(3600 + number, grow, f"seed {number}", persistent=kept == "kept")
        self.caller.msg(f"Planted {count}.")
'''
)


def make_admin_game(parent: Path) -> WebGame:
    """A stopped game with /metrics on (token ``TOKEN``), a Developer and a plain player."""
    path = make_game(parent, web_port=free_port())
    (path / "commands.py").write_text(ADMIN_COMMANDS)
    with (path / "settings.py").open("a") as settings:
        settings.write(f"\nMETRICS = True\nMETRICS_TOKEN = {TOKEN!r}\n")
    for name, extra in ((ADMIN, ["--developer"]), (PLAYER, [])):
        done = ember("account", "create", name, *extra, cwd=path, stdin=PASSWORD + "\n")
        assert done.returncode == 0, done.stdout + done.stderr
    return WebGame(path)


def http_get(
    game: WebGame, path: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], str]:
    """GET ``path`` from the web port; return status, headers (lower-case names) and body."""
    connection = http.client.HTTPConnection("127.0.0.1", game.web_port, timeout=15)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        body = response.read().decode()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        connection.close()


async def aget(
    game: WebGame, path: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], str]:
    """``http_get`` without blocking the loop."""
    return await asyncio.to_thread(http_get, game, path, headers)


class AdminClient:
    """One admin page's WebSocket, driven as the page's script drives it."""

    def __init__(self, ws: ClientConnection, hello: dict[str, Any]) -> None:
        self.ws = ws
        self.hello = hello
        self.csrf: str | None = hello.get("csrf")
        self.samples: list[dict[str, Any]] = []
        self._id = 0

    @classmethod
    async def open(
        cls, game: WebGame, cookie: str | None = None, origin: str | None = None
    ) -> AdminClient:
        headers = {"Cookie": cookie} if cookie else {}
        ws = await connect(
            f"ws://127.0.0.1:{game.web_port}/admin/ws",
            origin=origin or f"http://localhost:{game.web_port}",  # type: ignore[arg-type]
            additional_headers=headers,
        )
        hello = json.loads(await ws.recv())
        assert hello["type"] == "hello"
        return cls(ws, hello)

    async def call(self, op: str, csrf: str | None = "", **args: Any) -> dict[str, Any]:
        """Send a request; return its reply (``ok`` and ``result`` or ``error``)."""
        self._id += 1
        token = self.csrf if csrf == "" else csrf
        await self.ws.send(json.dumps({"id": self._id, "op": op, "args": args, "csrf": token}))
        async with asyncio.timeout(20):
            while True:
                message = json.loads(await self.ws.recv())
                if message["type"] == "samples":
                    self.samples.append(message)
                elif message.get("id") == self._id:
                    return dict(message)

    async def ok(self, op: str, **args: Any) -> Any:
        reply = await self.call(op, **args)
        assert reply["ok"], reply
        return reply["result"]

    async def next_samples(self) -> dict[str, Any]:
        async with asyncio.timeout(20):
            while True:
                message = json.loads(await self.ws.recv())
                if message["type"] == "samples":
                    self.samples.append(message)
                    return dict(message)

    async def close(self) -> None:
        await self.ws.close()


async def admin_cookie(game: WebGame, name: str = ADMIN, password: str = PASSWORD) -> str:
    """Log in over the WebSocket and trade the ticket; return the ``Cookie`` header value."""
    page = await AdminClient.open(game)
    try:
        ticket = (await page.ok("login", name=name, password=password))["ticket"]
    finally:
        await page.close()
    status, headers, _ = await aget(game, f"/admin/session?ticket={ticket}")
    assert status == 303, status
    return headers["set-cookie"].split(";")[0]


async def telnet(game: WebGame, name: str) -> TelnetClient:
    """Log ``name`` (an existing account, the shared password) in over telnet."""
    client = await TelnetClient.connect(game.telnet_port)
    await client.expect("connect NAME PASSWORD")
    client.send(f"connect {name} {PASSWORD}")
    await client.expect(f"Welcome, {name}")
    return client
