"""A line for a whole room is one ``multicast`` link message (issue 14, room broadcasts): every
session in the room gets it once, in order with the rest of its output; a session over its
output bound is cut off as before while the others still get the line."""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from gamekit import running_game

import ember
from ember.game._portal_link import PortalLink
from ember.link import Message, memory_link_pair
from ember.world import Character, GameObject, Room, World, create_object

TEMPLATE = Path(ember.__file__).parent / "template"
NAMES = ("Ann", "Bob", "Cid", "Dee", "Eve")


class Shouty(Character):
    """A game's character that changes every line it is sent."""

    def msg(self, text: str | None = None, **kwargs: Any) -> None:
        super().msg(None if text is None else text.upper(), **kwargs)


async def test_a_say_is_one_message_for_the_room_and_keeps_each_sessions_order(
    tmp_path: Path,
) -> None:
    shutil.copy(TEMPLATE / "world.py", tmp_path / "world.py")
    async with running_game(tmp_path) as game:
        for sid, name in enumerate(NAMES, start=1):
            await game.login(sid, name)
        await game.portal.command(5, "north", "Garden")  # Eve is elsewhere
        before = len(game.portal.multicasts)
        # Ann talks to the room while Bob pages Cid, lines sent without waiting in between:
        # Cid must see the room's lines and the pages in exactly the order they were typed.
        for number in range(10):
            await game.portal.line(1, f"say s{number}")
            await game.portal.line(2, f"page Cid = p{number}")
        await game.portal.command(1, "say end", 'You say, "end"')
        for sid in (2, 3, 4):
            await game.portal.expect(sid, 'Ann says, "end"')
        cid = [text for text in game.portal.texts(3) if text.startswith(("Ann says", "Bob pages"))]
        expected = [
            line
            for number in range(10)
            for line in (f'Ann says, "s{number}"', f"Bob pages: p{number}")
        ]
        assert cid == [*expected, 'Ann says, "end"']
        for sid in (2, 4):  # once each, in order; the speaker and Eve never
            said = [text for text in game.portal.texts(sid) if text.startswith("Ann says")]
            assert said == [f'Ann says, "s{number}"' for number in range(10)] + ['Ann says, "end"']
        assert not [text for text in game.portal.texts(5) if "Ann says" in text]
        assert not [text for text in game.portal.texts(1) if "Ann says" in text]
        # Each of Ann's lines went to Bob, Cid and Dee as one message.
        sent = game.portal.multicasts[before:]
        assert len(sent) == 11
        assert all(sorted(m.args[0]) == [2, 3, 4] for m in sent)  # type: ignore[type-var]


async def test_moving_tells_the_rooms_in_one_message_each(tmp_path: Path) -> None:
    shutil.copy(TEMPLATE / "world.py", tmp_path / "world.py")
    async with running_game(tmp_path) as game:
        for sid, name in enumerate(NAMES, start=1):
            await game.login(sid, name)
        before = len(game.portal.multicasts)
        await game.portal.command(1, "north", "Garden")
        for sid in (2, 3, 4, 5):
            await game.portal.expect(sid, "Ann leaves north.")
        leaves = [m for m in game.portal.multicasts[before:] if "leaves" in str(m.args[1])]
        assert len(leaves) == 1 and sorted(leaves[0].args[0]) == [2, 3, 4, 5]  # type: ignore[type-var]


def test_objects_with_their_own_msg_still_get_every_line() -> None:
    """msg_contents sends through the sink's deliver_many, but a class overriding msg (a
    prefix, a log) keeps getting each line through it; a sink without deliver_many gets
    deliver once per object."""

    class Sink:
        def __init__(self) -> None:
            self.calls: list[tuple[str, list[str], str | None]] = []

        def deliver(self, target: GameObject, text: str | None, options: Mapping[str, Any]) -> None:
            self.calls.append(("one", [target.key], text))

        def deliver_many(
            self, targets: list[GameObject], text: str | None, options: Mapping[str, Any]
        ) -> None:
            self.calls.append(("many", [t.key for t in targets], text))

    class OnlyDeliver:
        def __init__(self) -> None:
            self.keys: list[str] = []

        def deliver(self, target: GameObject, text: str | None, options: Mapping[str, Any]) -> None:
            self.keys.append(target.key)

    world = World()
    room = create_object(Room, "Room", world=world)
    cid = None
    for key in ("ann", "bob", "cid"):
        cid = create_object(Character, key, location=room, world=world)
    loud = create_object(Shouty, "dee", location=room, world=world)
    sink = Sink()
    world.message_sink = sink
    room.msg_contents("hello", exclude=cid)
    assert ("one", ["dee"], "HELLO") in sink.calls
    many = [call for call in sink.calls if call[0] == "many"]
    assert len(many) == 1 and sorted(many[0][1]) == ["ann", "bob"] and many[0][2] == "hello"
    plain = OnlyDeliver()
    world.message_sink = plain
    room.msg_contents("again", exclude=loud)
    assert sorted(plain.keys) == ["ann", "bob", "cid"]


async def test_a_session_over_its_bound_is_cut_and_the_others_get_the_line(
    caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    portal, game = await memory_link_pair()
    link = PortalLink(max_session_output=10_000, max_output=10_000_000)
    await link.open(tmp_path, game)
    line = "x" * 1000
    with caplog.at_level(logging.WARNING, logger="ember.game"):
        for _ in range(9):  # session 1 has ~9 kB waiting: the next 1 kB line is too much
            link.put(Message("text", (1, line)))
        link.put(Message("multicast", ([1, 2, 3], "to all\n")))  # fits for everyone
        link.put(Message("multicast", ([2, 1, 3], line)))  # session 1 is over: cut here
        link.put(Message("multicast", ([1, 2, 3], "after\n")))  # 1 is cut: not in it
    assert len([r for r in caplog.records if "session 1" in r.getMessage()]) == 1
    writer = asyncio.create_task(link.write_loop())
    try:
        got: list[Message] = []
        async with asyncio.timeout(10):
            while not any(m.name == "multicast" and m.args[1] == "after\n" for m in got):
                got.append(await portal.receive())
        shape = [(m.name, m.args[0]) for m in got if m.name != "text"]
        assert shape == [
            ("multicast", [1, 2, 3]),
            ("close", 1),
            ("multicast", [2, 3]),
            ("multicast", [2, 3]),
        ]
        await link.drain(5)
        assert link.bounds.total == 0 and link.bounds.queued == {}
    finally:
        writer.cancel()
        portal.close()
        game.close()


async def test_a_channel_line_is_one_message_for_its_members(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        for sid, name in enumerate(NAMES[:3], start=1):
            await game.login(sid, name)
        before = len(game.portal.multicasts)
        await game.portal.command(1, "pub hello all", "Ann: hello all")
        for sid in (2, 3):
            await game.portal.expect(sid, "Ann: hello all")
        sent = [m for m in game.portal.multicasts[before:] if "hello all" in str(m.args[1])]
        assert len(sent) == 1 and sorted(sent[0].args[0]) == [1, 2, 3]  # type: ignore[type-var]
