"""Output waiting in the game for the portal is bounded per session and in all (issue 9): the
session that floods is closed with a notice and a log line; others' output all arrives."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from ember.game._portal_link import OutputBounds, PortalLink
from ember.link import Message, memory_link_pair

LINE = "x" * 1000


async def test_a_flooding_session_is_closed_and_others_keep_every_line(
    caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    portal, game = await memory_link_pair()
    link = PortalLink(max_session_output=100_000, max_output=10_000_000)
    await link.open(tmp_path, game)
    # Nothing is written yet (the write loop has not started): everything waits in the game.
    with caplog.at_level(logging.WARNING, logger="ember.game"):
        for _ in range(1_000):  # ~1 MB for session 1, far past its 100 kB
            link.put(Message("text", (1, LINE)))
        for number in range(50):
            link.put(Message("text", (2, f"line {number}")))
    assert link.bounds.queued[1] <= 100_000
    assert [r for r in caplog.records if "session 1" in r.getMessage()], caplog.text
    writer = asyncio.create_task(link.write_loop())
    try:
        got: list[Message] = []
        async with asyncio.timeout(10):
            while sum(1 for m in got if m.args[0] == 2) < 50:
                got.append(await portal.receive())
        to_one = [m for m in got if m.args[0] == 1]
        texts = [m for m in to_one if m.name == "text"]
        closes = [m for m in to_one if m.name == "close"]
        assert 0 < len(texts) * len(LINE) <= 100_000
        assert len(closes) == 1 and "Too much output" in str(closes[0].kwargs["reason"])
        assert [m.args[1] for m in got if m.args[0] == 2] == [f"line {n}" for n in range(50)]
        await link.drain(5)
        assert link.bounds.total == 0 and link.bounds.queued == {}
    finally:
        writer.cancel()
        portal.close()
        game.close()


def test_past_the_total_the_session_with_the_most_waiting_is_cut() -> None:
    bounds = OutputBounds(max_session=1_000, max_total=1_500)
    assert bounds.admit(1, 900) == (True, None)
    assert bounds.admit(2, 300) == (True, None)
    # Session 2 speaks next, but session 1 holds the most: 1 is cut, 2's line is queued.
    assert bounds.admit(2, 400) == (True, 1)
    assert bounds.admit(1, 10) == (False, None)  # dropped from now on, no second cut
    bounds.sent(1, 900)
    assert 1 not in bounds.cut and bounds.total == 700


def test_only_output_to_a_session_is_counted() -> None:
    assert OutputBounds.size(Message("text", (3, "hello"))) == (3, 64 + 5)
    assert OutputBounds.size(Message("progress", (3, "job-1", 0.5), {"label": None})) == (3, 64)
    assert OutputBounds.size(Message("ready", (), {"commands_error": None})) is None
    assert OutputBounds.size(Message("close", (3,), {"reason": "bye"})) is None
