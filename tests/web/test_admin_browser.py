"""The admin page in Debian's Chromium against a real server: an Admin logs in and a player
cannot, the plots move while players send commands, a task is paused and cancelled from the
page (and `tasks` over telnet agrees), a session is kicked, and a page on another site can
neither frame the admin page nor open its WebSocket. Screenshots go to artifacts/web/."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from admin_harness import ADMIN, PLAYER, make_admin_game, telnet
from support.cli_harness import ember
from web_harness import ARTIFACTS, PASSWORD, WebGame

from ember.testing import TelnetClient

TIMEOUT = 20_000  # ms, for Playwright


@pytest.fixture(scope="module")
def admin_game(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebGame]:
    game = make_admin_game(tmp_path_factory.mktemp("admin-browser"))
    game.start()
    try:
        yield game
    finally:
        ember("stop", cwd=game.path)


CONSOLE_ERRORS: list[str] = []  # of every admin tab: a CSP violation or a script error


async def open_admin(browser: Any, game: WebGame, name: str = ADMIN) -> Any:
    """A new tab on /admin with the login form filled in and sent."""
    page = await browser.new_page(viewport={"width": 1100, "height": 900})
    page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
    page.on("console", lambda m: CONSOLE_ERRORS.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: CONSOLE_ERRORS.append(str(error)))
    await page.goto(f"http://localhost:{game.web_port}/admin")
    await page.wait_for_selector("#login-name", state="visible", timeout=TIMEOUT)
    await page.fill("#login-name", name)
    await page.fill("#login-password", PASSWORD)
    await page.click("#login-button")
    return page


async def logged_in(browser: Any, game: WebGame) -> Any:
    page = await open_admin(browser, game)
    await page.wait_for_selector(f"#who[data-account={ADMIN}]", timeout=TIMEOUT)
    return page


async def wait_attribute_above(page: Any, selector: str, name: str, value: float) -> float:
    found = await page.wait_for_function(
        "([selector, name, value]) => {"
        " const v = Number(document.querySelector(selector).dataset[name]);"
        " return v > value ? v : false; }",
        arg=[selector, name, value],
        timeout=TIMEOUT,
    )
    return float(await found.json_value())


@contextlib.asynccontextmanager
async def load(game: WebGame) -> AsyncIterator[None]:
    """Two players sending commands as fast as they get answers (as bench/latency.py does)."""
    clients = [await telnet(game, name) for name in (ADMIN, PLAYER)]
    stop = asyncio.Event()

    async def play(client: TelnetClient) -> None:
        number = 0
        while not stop.is_set():
            number += 1
            client.send(f"say load {number}")
            await client.expect(f"load {number}")

    tasks = [asyncio.create_task(play(client)) for client in clients]
    try:
        yield
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        for client in clients:
            await client.close()


async def test_admin_logs_in_and_the_plots_move_under_load(
    browser: Any, admin_game: WebGame
) -> None:
    page = await logged_in(browser, admin_game)
    assert await page.is_visible("#app")
    assert not await page.is_visible("#login")
    assert await page.locator("#charts .chart canvas").count() == 6
    seen = await wait_attribute_above(page, "#charts", "last", 0)
    chart = page.locator("#charts .chart").nth(2)  # commands/s
    before = await chart.screenshot()
    async with load(admin_game):
        await page.wait_for_function(
            "() => Number(document.getElementById('f-commands').textContent) > 0",
            timeout=TIMEOUT,
        )
        moved = await wait_attribute_above(page, "#charts", "last", seen)
        await wait_attribute_above(page, "#charts", "last", moved)  # one more sample drawn
        after = await chart.screenshot()
        await page.screenshot(path=str(ARTIFACTS / "admin-overview-loaded.png"))
    assert after != before  # the line of commands/s was redrawn with the load in it
    assert "MiB" in (await page.text_content("#f-rss") or "")
    await page.close()
    assert CONSOLE_ERRORS == []  # the page, uPlot included, lives within its CSP


async def test_the_overview_shows_the_stores_commit_times(
    browser: Any, admin_game: WebGame
) -> None:
    page = await logged_in(browser, admin_game)
    client = await telnet(admin_game, ADMIN)
    client.send("plant 2 kept")  # task rows to commit
    await client.expect("Planted 2.")
    client.send("create teapot")  # a world row to commit
    await client.expect("teapot")
    for fact in ("f-task-writer", "f-world-writer"):
        # "N / X.Y ms": a commit p99 above zero once the store has committed something
        await page.wait_for_function(
            f"""() => {{
                const text = document.getElementById('{fact}').textContent;
                return / \\/ [0-9.]+ ms$/.test(text) && parseFloat(text.split(' / ')[1]) > 0;
            }}""",
            timeout=TIMEOUT,
        )
    commits = page.locator("#charts .chart").nth(4)
    assert "Store commit p99" in (await commits.text_content() or "")
    await commits.screenshot(path=str(ARTIFACTS / "admin-store-commits.png"))
    await client.close()
    await page.close()
    assert CONSOLE_ERRORS == []


async def test_a_player_cannot_log_in_to_the_admin_page(browser: Any, admin_game: WebGame) -> None:
    page = await open_admin(browser, admin_game, PLAYER)
    await page.wait_for_function(
        "() => document.getElementById('login-error').textContent.length > 0", timeout=TIMEOUT
    )
    assert "may not use the admin page" in (await page.text_content("#login-error") or "")
    assert not await page.is_visible("#app")
    await page.screenshot(path=str(ARTIFACTS / "admin-refused.png"))
    await page.close()


def tasks_line(listing: str, task_id: int) -> str | None:
    match = re.search(rf"^\s*{task_id}\s.*$", listing, re.MULTILINE)
    return match.group(0) if match else None


async def test_pause_and_cancel_a_task_from_the_page(browser: Any, admin_game: WebGame) -> None:
    client = await telnet(admin_game, ADMIN)
    client.send("plant 3")
    await client.expect("Planted 3.")
    page = await logged_in(browser, admin_game)
    await page.click("nav button[data-tab=tasks]")
    await page.fill("#task-callback", "grow")
    await page.press("#task-callback", "Tab")  # `change` refreshes the table
    row = page.locator("#tasks tr[data-state=scheduled]").first
    await row.wait_for(timeout=TIMEOUT)
    task_id = int(await row.get_attribute("data-task") or 0)
    await row.locator("button[data-action=pause]").click()
    await page.wait_for_selector(
        f"#tasks tr[data-task='{task_id}'][data-state=paused]", timeout=TIMEOUT
    )
    await page.screenshot(path=str(ARTIFACTS / "admin-task-paused.png"))
    client.send("tasks")
    listing = await client.expect("tasks.")
    assert "paused" in (tasks_line(listing, task_id) or "")
    await page.locator(f"#tasks tr[data-task='{task_id}'] button[data-action=cancel]").click()
    await page.wait_for_selector(
        f"#tasks tr[data-task='{task_id}']", state="detached", timeout=TIMEOUT
    )
    assert "cancel done" in (await page.text_content("#message") or "")
    client.send("tasks")
    listing = await client.expect("tasks.")
    assert tasks_line(listing, task_id) is None
    await client.close()
    await page.close()


async def test_kick_a_session_from_the_page(browser: Any, admin_game: WebGame) -> None:
    victim = await telnet(admin_game, PLAYER)
    page = await logged_in(browser, admin_game)
    await page.click("nav button[data-tab=sessions]")
    row = page.locator("#sessions tr", has_text=PLAYER).first
    await row.wait_for(timeout=TIMEOUT)
    await page.screenshot(path=str(ARTIFACTS / "admin-sessions.png"))
    await row.locator("button[data-action=kick]").click()
    assert "disconnected by an administrator" in await victim.closed()
    await page.wait_for_function(
        "() => document.getElementById('message').textContent.includes('disconnected')",
        timeout=TIMEOUT,
    )
    await page.close()


async def test_another_site_can_neither_frame_the_page_nor_use_its_socket(
    browser: Any, admin_game: WebGame
) -> None:
    context = await browser.new_context()
    mine = await context.new_page()
    await mine.goto(f"http://localhost:{admin_game.web_port}/admin")
    await mine.fill("#login-name", ADMIN)
    await mine.fill("#login-password", PASSWORD)
    await mine.click("#login-button")
    await mine.wait_for_selector(f"#who[data-account={ADMIN}]", timeout=TIMEOUT)  # has the cookie
    admin_url = f"http://localhost:{admin_game.web_port}/admin"
    evil_html = f"""<!doctype html><body><h1>Win a prize</h1>
<iframe id="frame" src="{admin_url}" width="600" height="400"></iframe>
<script>
  window.socketResult = "pending";
  const ws = new WebSocket("ws://localhost:{admin_game.web_port}/admin/ws");
  ws.onmessage = (event) => {{ window.socketResult = "message: " + event.data; }};
  ws.onclose = () => {{ if (window.socketResult === "pending") window.socketResult = "closed"; }};
</script></body>"""
    evil = await context.new_page()
    await evil.route(
        "http://evil.example/",
        lambda route: route.fulfill(body=evil_html, content_type="text/html"),
    )
    await evil.goto("http://evil.example/")
    await evil.wait_for_function("() => window.socketResult !== 'pending'", timeout=TIMEOUT)
    assert await evil.evaluate("window.socketResult") == "closed"  # refused: no hello at all
    frame = next(f for f in evil.frames if f is not evil.main_frame)
    await evil.wait_for_load_state("load")
    assert await frame.query_selector("#app") is None
    assert await frame.query_selector("#login") is None
    await evil.screenshot(path=str(ARTIFACTS / "admin-framed-refused.png"))
    await context.close()


async def test_thousands_of_tasks_page_in_the_browser(browser: Any, admin_game: WebGame) -> None:
    client = await telnet(admin_game, PLAYER)
    client.send("plant 2000")
    await client.expect("Planted 2000.")
    await client.close()
    page = await logged_in(browser, admin_game)
    await page.click("nav button[data-tab=tasks]")
    await page.fill("#task-callback", "grow")
    await page.press("#task-callback", "Tab")
    await page.wait_for_function(
        "() => Number(document.getElementById('task-range').dataset.total) >= 2000",
        timeout=TIMEOUT,
    )
    assert await page.locator("#tasks tr").count() == 50
    first = await page.locator("#tasks tr").first.get_attribute("data-task")
    await page.click("#task-next")
    await page.wait_for_function(
        "() => document.getElementById('task-range').textContent.startsWith('51–100 of')",
        timeout=TIMEOUT,
    )
    assert await page.locator("#tasks tr").first.get_attribute("data-task") != first
    await page.select_option("#task-state", "failed")
    await page.wait_for_function(
        "() => document.getElementById('task-range').textContent === 'none'", timeout=TIMEOUT
    )
    await page.screenshot(path=str(ARTIFACTS / "admin-tasks-paged.png"))
    await page.close()


async def test_the_world_tab_counts_finds_and_shows_objects(
    browser: Any, admin_game: WebGame
) -> None:
    page = await logged_in(browser, admin_game)
    await page.click("nav button[data-tab=world]")
    await page.wait_for_selector("#world-classes tr", timeout=TIMEOUT)
    assert "objects" in (await page.text_content("#world-total") or "")
    await page.fill("#world-query", "#1")
    await page.press("#world-query", "Enter")
    row = page.locator("#world-found tr").first
    await row.wait_for(timeout=TIMEOUT)
    assert (await row.locator("td").first.text_content()) == "#1"
    await row.locator("button[data-action=show]").click()
    await page.wait_for_selector("#world-object h3", timeout=TIMEOUT)
    assert (await page.text_content("#world-object h3") or "").startswith("#1 ")
    await page.screenshot(path=str(ARTIFACTS / "admin-world.png"))
    await page.fill("#world-query", "no such thing anywhere")
    await page.press("#world-query", "Enter")
    await page.wait_for_function(
        "() => document.getElementById('message').textContent === 'Nothing found.'",
        timeout=TIMEOUT,
    )
    await page.close()


async def test_a_pausing_flow_is_shown_and_cancelled_from_the_page(
    browser: Any, admin_game: WebGame
) -> None:
    page = await logged_in(browser, admin_game)
    await page.click("nav button[data-tab=jobs]")  # watched from now: pauses are timed
    await page.wait_for_selector("#flows[data-time]", state="attached", timeout=TIMEOUT)
    client = await telnet(admin_game, ADMIN)
    client.send("linger")
    await client.expect("Lingering.")
    row = page.locator("#flows tr", has_text="linger").first
    await row.wait_for(timeout=TIMEOUT)
    text = await row.text_content() or ""
    assert "a pause of 600 s" in text and ADMIN in text
    assert re.search(r"\d+\.\d s", text)  # the time it has left
    number = await row.get_attribute("data-flow")
    await page.screenshot(path=str(ARTIFACTS / "admin-flows.png"))
    await row.locator("button[data-action=cancel]").click()  # confirmed by the dialog handler
    await page.wait_for_selector(f"#flows tr[data-flow='{number}']", state="detached",
                                 timeout=TIMEOUT)  # fmt: skip
    assert f"Interactive function {number} (linger) cancelled." in (
        await page.text_content("#message") or ""
    )
    await client.expect("linger was stopped by an administrator.")
    await client.close()
    await page.close()
    assert CONSOLE_ERRORS == []
