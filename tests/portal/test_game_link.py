"""The portal's outbox to the game: player input waiting for the game is bounded."""

from __future__ import annotations

import asyncio

from ember.link import Message, memory_link_pair
from ember.portal.game_link import GameLink


def line(sid: int, text: str = "x" * 36) -> Message:
    return Message("line", (sid, text))  # counted as 64 + 36 = 100


async def test_queued_input_is_bounded_per_session_and_in_total() -> None:
    portal, game = await memory_link_pair()
    try:
        link = GameLink(portal, max_session_messages=3, max_session_bytes=250, max_total_bytes=450)
        assert [link.send(line(1)) for _ in range(2)] == [None, None]
        assert link.send(line(1)) == 1  # 300 bytes would pass 250: session 1 is named
        assert link.queued(1) == (2, 200)
        assert link.send(Message("reload", (), {"by": "x"})) is None  # not input: never refused
        assert link.send(line(2)) is None and link.send(line(2)) is None
        # 500 in all would pass 450: the biggest queue not named before (session 1 was) is
        # named, and this message still goes; the next time only the sender is left.
        assert link.send(line(3)) == 2
        assert link.send(line(3)) == 3
        assert link.backlog == 6 and link.queued(3) == (1, 100)

        pump = asyncio.create_task(link.pump())
        for _ in range(6):
            await asyncio.wait_for(game.receive(), 10)
        assert link.queued(1) == (0, 0) and link.queued(2) == (0, 0)
        assert link.send(line(1)) is None  # written messages no longer count
        assert (await asyncio.wait_for(game.receive(), 10)).args[0] == 1
        pump.cancel()
    finally:
        portal.close()
        game.close()
