"""Odd input reaching the game: huge lines, odd characters, malformed link messages."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from gamekit import running_game


async def test_a_huge_line_gets_a_short_answer(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        await game.login(2, "Bob")
        text = await game.portal.command(1, "x" * (1024 * 1024), "Unknown command")
        assert len(text) < 200 and "xxx..." in text
        await game.portal.command(2, "look", "Here:")  # the other player is unaffected
        await game.portal.connect(3)
        text = await game.portal.command(3, "connect " + "A" * 100_000 + " pw", "Wrong account")
        assert len(text) < 100


async def test_odd_characters(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        await game.login(2, "Bob")
        await game.portal.command(1, "say héllo ☃ 𝄞", 'You say, "héllo ☃ 𝄞"')
        await game.portal.expect(2, 'Ann says, "héllo ☃ 𝄞"')
        await game.portal.command(1, "ñ", "Unknown command 'ñ'")
        await game.portal.command(1, "   look   ", "The Hearth")


async def test_malformed_link_messages_are_logged_and_dropped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        with caplog.at_level(logging.WARNING, logger="ember.game"):
            await game.portal.send("line")  # no sid, no text
            await game.portal.send("line", "one", 2)  # wrong types
            await game.portal.send("teleport", 1)  # unknown
            await game.portal.send("connect")  # no sid
            await game.portal.command(1, "look", "The Hearth")
        messages = " ".join(r.getMessage() for r in caplog.records)
        assert "handling link message 'line' failed" in messages
        assert "ignored unknown link message 'teleport'" in messages
        assert not game.task.done()
