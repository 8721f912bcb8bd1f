"""Fixtures for the web client's tests: a real server (started by the CLI) and Debian's Chromium.

Browser tests are skipped with the reason when Chromium or Playwright is missing, unless
``EMBER_REQUIRE_BROWSER=1`` (as in ``.ci/run``) makes that a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from support.cli_harness import ember, make_game
from web_harness import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, TEST_COMMANDS, WebGame, free_port


@pytest.fixture(scope="module")
def web_game(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebGame]:
    """One server per test module (on a fixed free web port, so a restart keeps the URL)."""
    parent = tmp_path_factory.mktemp("web")
    path = make_game(parent, web_port=free_port())
    (path / "commands.py").write_text(TEST_COMMANDS)
    game = WebGame(path)
    game.start()
    try:
        yield game
    finally:
        if (path / "server" / "portal.pid").exists():
            ember("stop", cwd=path)


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    """Debian's Chromium driven by Playwright (never Playwright's own browser download)."""
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        async_playwright = None
    if async_playwright is None or shutil.which(CHROMIUM) is None:
        reason = "Playwright (pip) or Chromium (Debian chromium, at /usr/bin/chromium) is missing"
        if os.environ.get("EMBER_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            await chromium.close()
