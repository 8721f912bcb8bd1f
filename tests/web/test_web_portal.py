"""A web session is a portal session like a telnet one: checked against the portal tests' fake
game, message by message (login state, prompts, echo, progress, GMCP, closes, idle, shutdown)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.portal_harness import portal
from web_harness import Client
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed


class FakeGame:
    """Only what ``Client`` needs: the WebSocket address."""

    def __init__(self, web_port: int) -> None:
        self.ws_url = f"ws://127.0.0.1:{web_port}/ws"


async def test_a_web_session_carries_every_session_message(tmp_path: Path) -> None:
    async with portal(tmp_path, "--web-port", "0") as running:
        assert running.ready["web_port"] > 0
        client = await Client.open(FakeGame(running.ready["web_port"]))
        await client.expect(type="text", text="Welcome to the fake game")
        await client.send(type="info", cols=120, rows=40, client="ember-web")
        await client.send(type="line", text="whoami")
        facts = json.loads((await client.expect(type="text", text="whoami"))["text"][7:])
        assert facts["protocol"] == "web" and facts["address"].startswith("127.0.0.1:")
        assert (facts["cols"], facts["rows"]) == (120, 40)
        for line, wanted in (
            ("login ann", {"type": "login", "account": "ann"}),
            ("prompt Ready?", {"type": "prompt", "text": "Ready?"}),
            ("hide", {"type": "echo", "hidden": True}),
            ("progress", {"type": "progress", "job": "job-1", "fraction": 0.5,
                          "label": "Digging"}),
            ("logout", {"type": "login", "account": None}),
        ):  # fmt: skip
            await client.send(type="line", text=line)
            assert await client.expect(**{"type": wanted["type"]}) == wanted
        await client.send(type="gmcp", package="Core.Ping", data={"n": 1})
        await client.expect(type="text", text="gmcp Core.Ping")
        assert running.status()["logged_in"] == 0
        await client.send(type="line", text="close")
        await client.expect(type="text", text="Goodbye from the fake game.")
        with pytest.raises(ConnectionClosed) as closed:
            await client.expect(type="never")
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1000


async def test_idle_web_players_are_disconnected(tmp_path: Path) -> None:
    async with portal(tmp_path, "--web-port", "0", "--idle-timeout", "0.5") as running:
        client = await Client.open(FakeGame(running.ready["web_port"]))
        await client.expect(type="text", text="Idle for 0.5 seconds; disconnecting.")
        with pytest.raises(ConnectionClosed) as closed:
            await client.expect(type="never")
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1000


async def test_a_stopping_portal_says_it_is_going_away(tmp_path: Path) -> None:
    async with portal(tmp_path, "--web-port", "0") as running:
        client = await Client.open(FakeGame(running.ready["web_port"]))
        await client.expect(type="text", text="Welcome to the fake game")
        await running.stop()
        await client.expect(type="text", text="The server is shutting down.")
        with pytest.raises(ConnectionClosed) as closed:
            await client.expect(type="never")
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001  # going away
        with pytest.raises(ConnectionRefusedError):
            await connect(f"ws://127.0.0.1:{running.ready['web_port']}/ws")
