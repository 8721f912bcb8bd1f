"""Bad input on the web endpoint, from a plain Python WebSocket client against a real server:
oversized and binary frames, invalid JSON, a flood, a wrong Origin, unknown paths."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest
from web_harness import PASSWORD, Client, WebGame
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus


async def test_oversized_frame_closes_only_that_connection(web_game: WebGame) -> None:
    bystander = await Client.open(web_game)
    hello = await bystander.expect(type="hello")
    big = await Client.open(web_game)
    await big.ws.send(json.dumps({"type": "line", "text": "x" * hello["max_message_bytes"]}))
    with pytest.raises(ConnectionClosed) as closed:
        await big.expect(type="never")
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009  # message too big
    await bystander.send(type="line", text="who")
    await bystander.expect(type="text", text="online.")


async def test_a_line_over_the_line_limit_is_refused_with_a_notice(web_game: WebGame) -> None:
    client = await Client.open(web_game)
    hello = await client.expect(type="hello")
    await client.send(type="line", text="y" * (hello["max_line_bytes"] + 1))
    error = await client.expect(type="error")
    assert error["code"] == "line_too_long" and str(hello["max_line_bytes"]) in error["message"]
    await client.send(type="line", text="who")
    await client.expect(type="text", text="online.")


async def test_binary_and_malformed_messages_are_refused_and_the_connection_goes_on(
    web_game: WebGame,
) -> None:
    client = await Client.open(web_game)
    await client.ws.send(b"\x00\x01binary")
    assert (await client.expect(type="error"))["code"] == "binary"
    await client.ws.send("{not json")
    assert (await client.expect(type="error"))["code"] == "invalid_json"
    await client.ws.send("[1, 2]")
    assert (await client.expect(type="error"))["code"] == "invalid_message"
    await client.send(type="launch")
    assert (await client.expect(type="error"))["code"] == "unknown_type"
    await client.send(type="line", text=42)
    assert (await client.expect(type="error"))["code"] == "invalid_message"
    await client.send(type="ping")
    await client.expect(type="pong")
    # Control characters are dropped, several lines in one message are several lines.
    await client.send(type="line", text=f"create bin\x07user {PASSWORD}\nsay two\x1b[31m lines")
    await client.expect(type="login", account="binuser")
    await client.expect(type="text", text='You say, "two[31m lines"')


async def test_a_flood_is_rate_limited_and_others_are_unaffected(web_game: WebGame) -> None:
    calm = await Client.open(web_game)
    await calm.expect(type="hello")
    flood = await Client.open(web_game)
    await flood.expect(type="hello")
    frame = json.dumps({"type": "line", "text": "who"})
    for _ in range(2000):
        try:
            await flood.ws.send(frame)
        except ConnectionClosed:
            break
    with pytest.raises(ConnectionClosed) as closed:
        await flood.expect(type="never")
    limited = [m for m in flood.messages if m.get("type") == "error"]
    assert limited and limited[0]["code"] == "rate_limited"
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008  # policy
    answers = sum(1 for m in flood.messages if "online." in str(m.get("text")))
    assert answers <= 70, answers  # the burst (60) and a few refills, not 2000
    started = time.monotonic()
    await calm.send(type="line", text="who")
    await calm.expect(type="text", text="online.")
    assert time.monotonic() - started < 2.0


async def test_a_wrong_origin_is_refused_and_the_pages_own_is_accepted(web_game: WebGame) -> None:
    with pytest.raises(InvalidStatus) as refused:
        await connect(web_game.ws_url, origin="http://evil.example")  # type: ignore[arg-type]
    assert refused.value.response.status_code == 403
    for host in ("localhost", "127.0.0.1"):
        origin = f"http://{host}:{web_game.web_port}"
        client = await Client.open(web_game, origin=origin)
        await client.expect(type="hello")
        await client.ws.close()


def test_the_page_is_served_and_other_paths_are_not(web_game: WebGame) -> None:
    base = f"http://127.0.0.1:{web_game.web_port}"
    for path, kind in (("/", "text/html"), ("/client.js", "javascript"), ("/client.css", "css")):
        with urllib.request.urlopen(base + path, timeout=10) as response:
            assert kind in response.headers["Content-Type"]
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert response.read()
    for path in ("/../settings.py", "/server/ember.db", "/static/client.js"):
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(base + path, timeout=10)
        assert missing.value.code == 404


async def test_deeply_nested_json_gets_an_error_not_a_traceback(web_game: WebGame) -> None:
    client = await Client.open(web_game)
    await client.expect(type="hello")
    await client.ws.send("[" * 30_000)
    error = await client.expect(type="error")
    assert error["code"] == "too_deep" and "nested deeper than" in error["message"]
    await client.send(type="line", text=f"create deepuser {PASSWORD}")
    await client.expect(type="login", account="deepuser")  # the connection still serves
    log = (web_game.path / "server" / "logs" / "portal.log").read_text()
    assert "RecursionError" not in log


async def test_many_lines_in_one_message_count_as_lines(web_game: WebGame) -> None:
    # 40 messages carried 927k lines before: now every line counts against the line limit.
    client = await Client.open(web_game)
    await client.expect(type="hello")
    await client.send(type="line", text="who\n" * 10_000)
    error = await client.expect(type="error")
    assert error["code"] == "input_limited", error
    answers = sum(1 for m in client.messages if "online." in str(m.get("text")))
    assert answers <= 100  # at most the line burst reached the game
