"""The web client in Debian's Chromium against a real server: login, chat with a telnet player,
prompts, progress, colours, history, reloads, a crash and a server restart."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path
from typing import Any

from support.cli_harness import aember
from web_harness import ARTIFACTS, PASSWORD, WebGame

from ember.testing import TelnetClient

HAS_TEXT = "text => document.getElementById('output').textContent.includes(text)"
TIMEOUT = 15_000  # ms, for Playwright


class Page:
    """A browser tab on the client page, with the helpers the tests share."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.errors: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    @classmethod
    async def open(cls, browser: Any, game: WebGame) -> Page:
        tab = cls(await browser.new_page(viewport={"width": 1000, "height": 600}))
        await tab.page.goto(game.url)
        await tab.page.wait_for_selector("#state[data-state=connected]", timeout=TIMEOUT)
        return tab

    async def expect(self, text: str) -> None:
        await self.page.wait_for_function(HAS_TEXT, arg=text, timeout=TIMEOUT)

    async def command(self, line: str) -> None:
        await self.page.fill("#input", line)
        await self.page.press("#input", "Enter")

    async def login(self, name: str, *, create: bool) -> None:
        await self.page.fill("#login-name", name)
        await self.page.fill("#login-password", PASSWORD)
        await self.page.click("#login-create" if create else "#login-connect")
        await self.page.wait_for_selector(f"#account[data-account={name}]", timeout=TIMEOUT)

    async def connects(self) -> int:
        return int(await self.page.get_attribute("#state", "data-connects") or 0)

    async def state(self) -> str:
        return str(await self.page.get_attribute("#state", "data-state"))

    async def shot(self, name: str) -> None:
        await self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


async def telnet_login(port: int, name: str, *, create: bool) -> TelnetClient:
    client = await TelnetClient.connect(port)
    await client.expect("connect NAME PASSWORD")
    client.send(f"{'create' if create else 'connect'} {name} {PASSWORD}")
    await client.expect(f"Welcome, {name}")
    return client


async def test_create_an_account_and_log_in_on_the_page(browser: Any, web_game: WebGame) -> None:
    tab = await Page.open(browser, web_game)
    assert await tab.page.is_visible("#login")
    await tab.expect("connect NAME PASSWORD")
    await tab.login("pageuser", create=True)
    await tab.expect("Account pageuser created.")
    await tab.expect("Welcome, pageuser!")
    assert not await tab.page.is_visible("#login")
    output = await tab.page.text_content("#output") or ""
    assert PASSWORD not in output  # the echoed login line is masked
    await tab.shot("login-created")

    again = await Page.open(browser, web_game)  # the same account, with "Log in"
    await again.login("pageuser", create=False)
    await again.expect("Welcome, pageuser!")
    assert tab.errors == again.errors == []


async def test_say_reaches_a_telnet_player_and_back(browser: Any, web_game: WebGame) -> None:
    telly = await telnet_login(web_game.telnet_port, "telly", create=True)
    tab = await Page.open(browser, web_game)
    await tab.login("webly", create=True)
    await tab.command("say hello from the browser")
    await telly.expect('webly says, "hello from the browser"')
    telly.send("say hello from telnet ünïcode")
    await tab.expect('telly says, "hello from telnet ünïcode"')

    # One account on both: caller.msg() reaches the telnet and the web session.
    both = await telnet_login(web_game.telnet_port, "webly", create=False)
    await tab.command("say to all my sessions")
    await both.expect('You say, "to all my sessions"')
    await tab.expect('You say, "to all my sessions"')
    await tab.shot("say-with-telnet")
    for client in (telly, both):
        await client.close()
    assert tab.errors == []


async def test_prompts_progress_colours_and_history(browser: Any, web_game: WebGame) -> None:
    tab = await Page.open(browser, web_game)
    await tab.login("asker", create=True)

    await tab.command("colours")  # markup: |rred|n |h|gbold green|n |520orange|n |[bon blue
    red = tab.page.locator("#output span.fg-1", has_text="red")
    await red.wait_for(timeout=TIMEOUT)
    assert await red.evaluate("e => getComputedStyle(e).color") == "rgb(205, 49, 49)"
    green = tab.page.locator("#output span.bold.fg-2", has_text="bold green")
    assert await green.evaluate("e => getComputedStyle(e).fontWeight") == "700"
    orange = tab.page.locator("#output span.fg-208", has_text="orange")
    assert await orange.evaluate("e => getComputedStyle(e).color") == "rgb(255, 135, 0)"
    blue = tab.page.locator("#output span.bg-4", has_text="on blue")
    assert await blue.count() == 1
    output = await tab.page.text_content("#output") or ""
    assert "|r" not in output and "|520" not in output and "\ufffd" not in output

    await tab.command("quiz")
    await tab.page.wait_for_selector("#prompt:not([hidden])", timeout=TIMEOUT)
    assert await tab.page.text_content("#prompt") == "What is your quest?"
    await tab.shot("question-pending")
    assert await tab.page.locator(".prompt-line", has_text="What is your quest?").count() == 1
    await tab.command("the grail")
    await tab.expect("Your quest: the grail.")
    assert await tab.page.is_hidden("#prompt")

    await tab.command("work")
    bar = tab.page.locator(".progress")
    await bar.wait_for(timeout=TIMEOUT)
    seen = {await bar.get_attribute("data-fraction")}
    while "1" not in seen:  # the bar is updated where it is, not repeated
        seen.add(await bar.get_attribute("data-fraction"))
        await asyncio.sleep(0.05)
    await tab.expect("Crunched 10 steps.")
    assert len(seen) >= 2, seen
    assert await bar.count() == 1
    assert await bar.get_attribute("data-done") == "true"
    assert "Crunching 100%" in (await bar.text_content() or "")
    assert (await bar.get_attribute("data-job") or "").startswith("job-")
    fill = "e => e.querySelector('.fill').offsetWidth / e.querySelector('.bar').offsetWidth"
    await tab.page.wait_for_timeout(300)  # the fill's width has a 0.2 s transition
    assert await bar.evaluate(fill) == 1.0
    await tab.shot("prompt-progress-colours")

    await tab.page.press("#input", "ArrowUp")
    assert await tab.page.input_value("#input") == "work"
    await tab.page.press("#input", "ArrowUp")
    assert await tab.page.input_value("#input") == "the grail"
    await tab.page.press("#input", "ArrowDown")
    await tab.page.press("#input", "ArrowDown")
    assert await tab.page.input_value("#input") == ""
    for _ in range(6):  # the oldest kept line; the login line with the password is not kept
        await tab.page.press("#input", "ArrowUp")
    assert await tab.page.input_value("#input") == "colours"
    assert tab.errors == []


# How far the output pane is from its bottom (px), and whether its last line is in view.
HIDDEN_BELOW = (
    "() => { const o = document.getElementById('output');"
    " return o.scrollHeight - o.scrollTop - o.clientHeight; }"
)
AT_BOTTOM = (
    "() => { const o = document.getElementById('output');"
    " return o.scrollHeight - o.scrollTop - o.clientHeight <= 1; }"
)
LAST_LINE_VISIBLE = """() => {
    const o = document.getElementById('output'), last = o.lastElementChild;
    const pane = o.getBoundingClientRect(), line = last.getBoundingClientRect();
    return line.top >= pane.top && line.bottom <= pane.bottom + 1;
}"""


async def test_the_pane_follows_output_past_questions_and_progress(
    browser: Any, web_game: WebGame, tmp_path: Path
) -> None:
    tab = await Page.open(browser, web_game)
    await tab.login("follower", create=True)

    # 60 lines overflow the pane; then the question box appears and shrinks it.
    await tab.command("pick")
    await tab.page.wait_for_selector("#prompt:not([hidden])", timeout=TIMEOUT)
    await tab.expect("filler line 60")
    prompt = await tab.page.inner_text("#prompt")
    assert prompt.splitlines()[:4] == [
        "Paint it which colour?",
        "  1) red",
        "  2) green",
        "  3) blue",
    ], prompt  # one choice per line in the question box
    await tab.page.wait_for_function(AT_BOTTOM, timeout=TIMEOUT)

    await tab.command("2")  # the box goes away and the pane grows back
    await tab.expect("You picked green.")
    assert await tab.page.is_hidden("#prompt")
    await tab.page.wait_for_function(AT_BOTTOM, timeout=TIMEOUT)

    await tab.command("work")  # a bar added empty, then filled where it is
    await tab.expect("Crunched 10 steps.")
    await tab.page.wait_for_selector(".progress[data-done=true]", timeout=TIMEOUT)
    await tab.page.wait_for_timeout(300)  # let the fill's transition and any layout settle
    assert await tab.page.evaluate(HIDDEN_BELOW) <= 1
    assert await tab.page.evaluate(LAST_LINE_VISIBLE)
    assert "Crunched 10 steps." in (
        await tab.page.locator("#output > :last-child").text_content() or ""
    )
    await tab.page.screenshot(path=str(tmp_path / "following-after-question-and-progress.png"))
    assert (tmp_path / "following-after-question-and-progress.png").stat().st_size > 0

    # Scrolling up stops the following; new output then leaves the view where the reader is.
    await tab.page.evaluate("document.getElementById('output').scrollTop = 0")
    await tab.page.wait_for_function("() => !window.ember.following", timeout=TIMEOUT)
    await tab.command("say still here")
    await tab.expect('You say, "still here"')
    assert await tab.page.evaluate("document.getElementById('output').scrollTop") == 0


async def test_login_lines_in_any_form_stay_out_of_the_history(
    browser: Any, web_game: WebGame
) -> None:
    tab = await Page.open(browser, web_game)
    await tab.login("historian", create=True)
    await tab.command("look")
    for line in (
        "connect/x historian hunter2-a",
        "CR historian hunter2-b",
        "  @conn historian hunter2-c",
        "Connect   historian hunter2-d",
    ):
        await tab.command(line)
    await tab.expect("connect/x historian ********")
    for _ in range(8):
        await tab.page.press("#input", "ArrowUp")
        assert "hunter2" not in await tab.page.input_value("#input")
    assert await tab.page.input_value("#input") == "look"
    output = await tab.page.text_content("#output") or ""
    assert "hunter2" not in output
    assert tab.errors == []


async def test_reload_and_crash_keep_the_page_connected(browser: Any, web_game: WebGame) -> None:
    tab = await Page.open(browser, web_game)
    await tab.login("steady", create=True)
    assert await tab.connects() == 1

    code, _, err = await aember("reload", cwd=web_game.path)
    assert code == 0, err
    await tab.expect("Reloaded.")
    await tab.command("say after the reload")
    await tab.expect('You say, "after the reload"')

    os.kill(web_game.refresh()["game_pid"], signal.SIGKILL)
    await tab.expect("restarting")
    await tab.expect("The game is back.")
    await tab.command("say after the crash")
    await tab.expect('You say, "after the crash"')
    # The same WebSocket all along: no reconnect happened, still logged in.
    assert (await tab.connects(), await tab.state()) == (1, "connected")
    assert await tab.page.get_attribute("#account", "data-account") == "steady"
    await tab.shot("after-reload-and-crash")
    assert tab.errors == []


async def test_the_page_reconnects_after_a_server_restart(browser: Any, web_game: WebGame) -> None:
    # Last in this module: it restarts the shared server.
    tab = await Page.open(browser, web_game)
    await tab.login("comeback", create=True)
    code, _, err = await aember("stop", cwd=web_game.path)
    assert code == 0, err
    await tab.expect("The server is shutting down.")
    await tab.page.wait_for_selector("#state[data-state=reconnecting]", timeout=TIMEOUT)
    await tab.shot("reconnecting")
    code, _, err = await aember("start", cwd=web_game.path)
    assert code == 0, err
    await tab.page.wait_for_selector("#state[data-state=connected]", timeout=TIMEOUT)
    assert await tab.connects() == 2
    await tab.expect("connect NAME PASSWORD")  # a new portal: log in again
    assert await tab.page.is_visible("#login")
    await tab.login("comeback", create=False)
    await tab.shot("reconnected")
    assert tab.errors == []


async def test_client_data_fills_the_status_line_and_raises_events(
    browser: Any, web_game: WebGame
) -> None:
    tab = await Page.open(browser, web_game)
    await tab.page.evaluate(
        "window.seen = []; window.addEventListener('ember:oob', e => window.seen.push(e.detail))"
    )
    await tab.login("mapper", create=True)
    await tab.command("roominfo")
    await tab.expect("Room sent.")
    await tab.command("vitals")
    await tab.expect("Vitals sent.")
    status = tab.page.locator("#gamestatus")
    await status.wait_for(timeout=TIMEOUT)
    shown = await status.text_content() or ""
    assert "The Square" in shown and "exits: n, e" in shown and "hp 7" in shown, shown
    seen = await tab.page.evaluate("window.seen")
    # Ember's own Room.Info and Char.Status at login, then what the commands sent.
    assert [item["package"] for item in seen[:2]] == ["Room.Info", "Char.Status"], seen
    assert seen[-2:] == [
        {
            "package": "Room.Info",
            "data": {"num": 12, "name": "The Square", "exits": {"n": 13, "e": 14}},
        },
        {"package": "Char.Vitals", "data": {"hp": 7, "maxhp": 20}},
    ]
    await tab.shot("status-line")
    assert tab.errors == []


async def test_the_status_line_follows_the_room_as_the_player_walks(
    browser: Any, web_game: WebGame
) -> None:
    # No game code: Ember sends Room.Info at login and after each move (the demo area).
    tab = await Page.open(browser, web_game)
    await tab.login("walker", create=True)
    status = tab.page.locator("#gamestatus")
    await tab.page.wait_for_function(
        "t => document.querySelector('#gamestatus').textContent.includes(t)",
        arg="The Hearth",
        timeout=TIMEOUT,
    )
    assert "exits: n" in (await status.text_content() or "")
    await tab.command("n")
    await tab.page.wait_for_function(
        "t => document.querySelector('#gamestatus').textContent.startsWith(t)",
        arg="Garden",
        timeout=TIMEOUT,
    )
    shown = await status.text_content() or ""
    assert shown == "Garden — exits: s, e, w", shown
    await tab.command("w")
    await tab.page.wait_for_function(
        "t => document.querySelector('#gamestatus').textContent.startsWith(t)",
        arg="Dry Meadow",
        timeout=TIMEOUT,
    )
    assert (await status.text_content()) == "Dry Meadow — exits: e, barn"
    await tab.shot("status-line-walk")
    assert tab.errors == []
