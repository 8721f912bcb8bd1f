"""Benchmark: player round trips with the admin page open and refreshing, against without it.

Run ``scripts/bench admin [--clients 50] [--rounds 40] [--pages 2]``. It starts a game with
the CLI, logs in N telnet players, and measures their round trips one at a time (idle) and
all at once (loaded), alternating four times between no admin page and ``--pages`` pages
that stay logged in over the admin WebSocket (samples pushed every second) and ask for the
sessions and the task table every second, as an open page does. The target is within 10 %.
The game's sampler runs in both cases: it is part of the server, not of the page.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path

from _common import LIFTED_LIMITS, PASSWORD, ember, login, new_game, percentile, print_columns, say
from websockets.asyncio.client import connect

from ember.game import create_account
from ember.testing import TelnetClient

ADMIN = "boss"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def admin_cookie(web_port: int) -> str:
    """Log in as the admin (WebSocket, then the ticket URL); return the Cookie header."""

    async def ticket() -> str:
        url = f"ws://127.0.0.1:{web_port}/admin/ws"
        async with connect(url, origin=f"http://localhost:{web_port}") as ws:  # type: ignore[arg-type]
            await ws.recv()
            args = {"name": ADMIN, "password": PASSWORD}
            await ws.send(json.dumps({"id": 1, "op": "login", "args": args}))
            return str(json.loads(await ws.recv())["result"]["ticket"])

    value = asyncio.run(ticket())
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        opener.open(f"http://127.0.0.1:{web_port}/admin/session?ticket={value}")
    except urllib.error.HTTPError as answer:  # the 303 with the cookie
        return str(answer.headers["Set-Cookie"]).split(";")[0]
    raise RuntimeError("no cookie")


@contextlib.asynccontextmanager
async def admin_pages(web_port: int, cookie: str, pages: int) -> AsyncIterator[None]:
    """``pages`` admin pages open in a process of their own (so decoding their messages does
    not slow the measuring clients down), each asking for sessions and tasks once a second."""
    child = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--serve-pages", str(web_port), cookie, str(pages),
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert child.stdout is not None
    await child.stdout.readline()  # "open": every page has its hello
    try:
        yield
    finally:
        child.terminate()
        await child.wait()


async def serve_pages(web_port: int, cookie: str, pages: int) -> None:
    """The child of :func:`admin_pages`: run the pages until terminated."""
    opened = asyncio.Event()
    ready = [0]

    async def page() -> None:
        url = f"ws://127.0.0.1:{web_port}/admin/ws"
        origin = f"http://localhost:{web_port}"
        async with connect(url, origin=origin, additional_headers={"Cookie": cookie}) as ws:  # type: ignore[arg-type]
            csrf = json.loads(await ws.recv())["csrf"]
            ready[0] += 1
            if ready[0] == pages:
                opened.set()
            number = 0
            while True:
                for op in ("sessions", "tasks"):
                    number += 1
                    await ws.send(json.dumps({"id": number, "op": op, "csrf": csrf}))
                deadline = time.monotonic() + 1.0
                while (left := deadline - time.monotonic()) > 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(ws.recv(), left)

    tasks = [asyncio.create_task(page()) for _ in range(pages)]
    await opened.wait()
    print("open", flush=True)
    await asyncio.gather(*tasks)


async def measure(clients: list[TelnetClient], rounds: int) -> tuple[list[float], list[float]]:
    """Round trips of ``help say``: one at a time, then all at once."""
    idle: list[float] = []
    for _ in range(max(1, rounds // 4)):
        for client in clients:
            started = time.perf_counter()
            client.send("help say")
            await client.expect("say <text>", within=30)
            idle.append(time.perf_counter() - started)
    loaded: list[float] = []

    async def player(client: TelnetClient) -> None:
        for _ in range(rounds):
            started = time.perf_counter()
            client.send("help say")
            await client.expect("say <text>", within=30)
            loaded.append(time.perf_counter() - started)

    await asyncio.gather(*(player(client) for client in clients))
    return idle, loaded


async def bench(
    game: Path, port: int, web_port: int, count: int, rounds: int, pages: int
) -> list[tuple[str, str, str, str]]:
    clients = [await login(port, f"player{i}", within=120) for i in range(count)]
    cookie = await asyncio.to_thread(admin_cookie, web_port)
    results: dict[bool, tuple[list[float], list[float]]] = {False: ([], []), True: ([], [])}
    for turn in range(4):  # alternate, so a drift of the machine's load hits both alike
        with_page = turn % 2 == 1
        say(f"round {turn + 1}/4, admin page {'open' if with_page else 'closed'}")
        context = admin_pages(web_port, cookie, pages) if with_page else contextlib.nullcontext()
        async with context:
            idle, loaded = await measure(clients, rounds)
        results[with_page][0].extend(idle)
        results[with_page][1].extend(loaded)
    for client in clients:
        await client.close()
    rows = []
    for label, index, fraction in (
        ("round trip p50, one at a time", 0, 0.5),
        ("round trip p99, one at a time", 0, 0.99),
        ("round trip p50, all at once", 1, 0.5),
        ("round trip p99, all at once", 1, 0.99),
    ):
        without = percentile(results[False][index], fraction) * 1e3
        opened = percentile(results[True][index], fraction) * 1e3
        rows.append(
            (
                f"{label}, {count} clients",
                f"{opened:.2f} ms",
                f"{without:.2f} ms",
                f"{opened / without:.2f}",
            )
        )
    return rows


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--pages", type=int, default=2)
    parser.add_argument("--serve-pages", nargs=3, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.serve_pages:
        port, cookie, pages = options.serve_pages
        await serve_pages(int(port), cookie, int(pages))
        return
    with tempfile.TemporaryDirectory(prefix="ember-bench-") as tmp:
        game, port = new_game(Path(tmp), LIFTED_LIMITS)
        for i in range(options.clients):
            await asyncio.to_thread(create_account, game, f"player{i}", PASSWORD)
        await asyncio.to_thread(create_account, game, ADMIN, PASSWORD, developer=True)
        ember(game, "start")
        status = json.loads((game / "server" / "portal-status.json").read_text())
        try:
            rows = await bench(
                game, port, int(status["web_port"]), options.clients, options.rounds, options.pages
            )
        finally:
            ember(game, "stop")
    print(f"ember bench admin (Python {sys.version.split()[0]}, {os.cpu_count()} CPUs)")
    header = ("measure", "page open", "page closed", "ratio (target <= 1.10)")
    print_columns(header, rows, min_widths=(0, 10, 12, 0))


if __name__ == "__main__":
    asyncio.run(main())
