"""A real game in-process for tests: a scripted portal on a memory link, a running server.

``running_game(game_dir)`` starts a :class:`~ember.game.GameServer` on ``game_dir`` (its
``commands.py`` is loaded as in a real game) behind a :class:`FakePortal`; a test then logs in
and types lines as a player would, and awaits the output::

    async with running_game(tmp_path) as game:
        await game.login(1, "alice")
        await game.portal.command(1, "look", "The Hearth")

See docs/testing.md ("Testing your commands").
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ember.game import GameServer, Settings
from ember.link import JSON, LinkStream, Message, memory_link_pair
from ember.scheduling import Clock
from ember.testing._scale import scaled
from ember.world import Character, World

__all__ = [
    "FAST_SETTINGS",
    "WAIT",
    "FakePortal",
    "RunningGame",
    "running_game",
    "session_dict",
]

#: Settings with cheap password hashing (argon2 at its defaults costs ~150 ms a hash).
FAST_SETTINGS = Settings(hash_time_cost=1, hash_memory_cost=8, hash_parallelism=1)
#: Seconds any wait of the kit allows (a safety net only: every wait ends as soon as the
#: expected message arrives), times ``EMBER_TEST_TIMEOUT_SCALE``.
WAIT = scaled(10.0)


class FakePortal:
    """The portal's side of the link, scripted by a test: send input, await output."""

    def __init__(self, stream: LinkStream) -> None:
        self.stream = stream
        self.received: list[Message] = []
        #: The ``multicast`` messages received (each also in ``received`` as one ``text``
        #: per session, where the portal would write it).
        self.multicasts: list[Message] = []
        self.auto_held = True  # answer `stopping` with `held` at once, as the portal does
        self._cursor: dict[object, int] = {}
        self._arrived = asyncio.Condition()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.stream:
            if message.name == "stopping" and self.auto_held:  # the portal holds input now
                await self.stream.send(Message("held"))
            async with self._arrived:
                if message.name == "multicast":
                    # One line for many sessions: kept as the `text` each would get, in place.
                    self.multicasts.append(message)
                    sids, text = message.args[0], message.args[1]
                    assert isinstance(sids, list)
                    self.received.extend(Message("text", (sid, text)) for sid in sids)
                else:
                    self.received.append(message)
                self._arrived.notify_all()

    async def send(self, name: str, *args: JSON, **kwargs: JSON) -> None:
        """Send one portal-to-game message."""
        await self.stream.send(Message(name, args, kwargs))

    async def connect(self, sid: int, address: str | None = None) -> None:
        """Open a new session and wait for its login screen."""
        await self.send("connect", sid, **session_dict(sid, address=address))
        await self.expect(sid, "connect NAME PASSWORD")

    async def line(self, sid: int, text: str) -> None:
        """Send one line of input from session ``sid``."""
        await self.send("line", sid, text)

    async def command(self, sid: int, text: str, expected: str) -> str:
        """Send ``text`` and return the first later output to ``sid`` containing ``expected``."""
        self._cursor[sid] = len(self.received)  # earlier, unread output does not count
        await self.line(sid, text)
        return await self.expect(sid, expected)

    async def expect(self, sid: int, pattern: str, *, regex: bool = False) -> str:
        """Return the next ``text``/``prompt`` to ``sid`` containing ``pattern`` (consumed)."""

        def matches(message: Message) -> bool:
            if message.name not in ("text", "prompt") or message.args[0] != sid:
                return False
            text = _text(message)
            return bool(re.search(pattern, text)) if regex else pattern in text

        found = await self.expect_message(matches, key=sid, what=f"{pattern!r} for {sid}")
        return _text(found)

    async def expect_message(
        self, predicate: Any, *, key: object = None, what: str = ""
    ) -> Message:
        """Return the next message (after the cursor of ``key``) that satisfies ``predicate``."""
        async with self._arrived:
            while True:
                start = self._cursor.get(key, 0)
                for index in range(start, len(self.received)):
                    if predicate(self.received[index]):
                        self._cursor[key] = index + 1
                        return self.received[index]
                if self._reader.done():
                    raise AssertionError(f"link closed before {what}; got {self.texts()}")
                try:
                    async with asyncio.timeout(WAIT):
                        await self._arrived.wait()
                except TimeoutError:
                    raise AssertionError(f"no {what} within {WAIT} s; got {self.texts()}") from None

    async def expect_named(self, name: str) -> Message:
        """Return the next message called ``name``."""
        return await self.expect_message(lambda m: m.name == name, key=name, what=name)

    def texts(self, sid: int | None = None) -> list[str]:
        """Return every text sent so far (to ``sid``, or to anyone)."""
        return [
            _text(m)
            for m in self.received
            if m.name in ("text", "prompt") and (sid is None or m.args[0] == sid)
        ]

    async def close(self) -> None:
        """Close the portal's end of the link."""
        self.stream.close()
        await self.stream.wait_closed()
        self._reader.cancel()
        await asyncio.gather(self._reader, return_exceptions=True)


def _text(message: Message) -> str:
    """The text of a ``text`` message without the newline that ends every one."""
    text = str(message.args[1])
    if message.name == "text":
        assert text.endswith("\n"), f"text messages are whole lines: {text!r}"
        text = text[:-1]
    return text


def session_dict(
    sid: int, *, address: str | None = None, account: str | None = None
) -> dict[str, JSON]:
    """Return a session dict as the portal sends it."""
    return {
        "sid": sid,
        "protocol": "telnet",
        "address": address or f"10.0.0.{sid}",
        "account": account,
        "cols": 80,
        "rows": 24,
        "ttype": None,
        "connected_at": 1_800_000_000.0,
    }


@dataclass
class RunningGame:
    """A game server running against a :class:`FakePortal` (what :func:`running_game` gives).

    ``server`` is the game server, ``portal`` the scripted portal, ``game_dir`` the game
    directory, ``world`` the game's world (``character(name)`` finds an account's
    character in it); ``extra`` is free for the test's own notes.
    """

    server: GameServer
    portal: FakePortal
    task: asyncio.Task[str]
    game_dir: Path
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def world(self) -> World:
        """The game's world (every game object), as game code sees it through ``ember``."""
        return self.server.world

    def character(self, account: str) -> Character:
        """The character the account called ``account`` played last (``LookupError`` if the
        account or its character does not exist)."""
        found = self.server.accounts.registry.by_name(account)
        character = self.server.players.last_played(found) if found is not None else None
        if character is None:
            raise LookupError(f"no character of an account {account!r}")
        return character

    async def make_developer(self, name: str, password: str = "password1") -> None:
        """Create a Developer account directly (as ``ember account create --developer``)."""
        await self.server.accounts.create(name, password, developer=True)

    async def stopped(self) -> str:
        """Wait for the server to finish and return why it stopped."""
        async with asyncio.timeout(WAIT):
            return await self.task

    async def login(
        self, sid: int, name: str, password: str = "password1", *, new: bool = True
    ) -> None:
        """Connect session ``sid`` and create (or log in to, ``new=False``) an account; return
        once the game said "Welcome"."""
        await self.portal.connect(sid)
        verb = "create" if new else "connect"
        await self.portal.command(sid, f"{verb} {name} {password}", f"Welcome, {name}!")


@asynccontextmanager
async def running_game(
    game_dir: Path,
    settings: Settings = FAST_SETTINGS,
    *,
    clock: Clock | None = None,
    sessions: list[dict[str, JSON]] | None = None,
    reason: str = "start",
) -> AsyncIterator[RunningGame]:
    """Run a :class:`~ember.game.GameServer` on ``game_dir`` behind a :class:`FakePortal`.

    Args:
        game_dir: the game directory; its ``commands.py`` (if any) is loaded as in a real
            game, and the database goes to ``game_dir/server``.
        settings: the game's settings (default: :data:`FAST_SETTINGS`).
        clock: a clock for the scheduler (e.g. :class:`~ember.testing.VirtualClock`).
        sessions: session dicts (:func:`session_dict`) the portal hands over at start.
        reason: the ``sync`` reason (``"start"`` or ``"reload"``).

    Yields the :class:`RunningGame` once the game is ready; on exit the game shuts down.
    Raises what the game's start raised.
    """
    portal_stream, game_stream = await memory_link_pair()
    portal = FakePortal(portal_stream)
    server = GameServer(game_dir, settings, clock=clock)
    await portal.send("sync", sessions=list(sessions or []), reason=reason)
    task = asyncio.create_task(server.run(link=game_stream))
    async with asyncio.timeout(WAIT):
        ready = asyncio.create_task(server.ready.wait())
        await asyncio.wait([ready, task], return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            ready.cancel()
            task.result()  # raises what start() raised
    running = RunningGame(server, portal, task, game_dir)
    try:
        yield running
    finally:
        if not task.done():
            server.stop("shutdown", by="test")
        async with asyncio.timeout(WAIT):
            await asyncio.gather(task, return_exceptions=True)
        await portal.close()
        _forget_game_modules(game_dir)


def _forget_game_modules(game_dir: Path) -> None:
    """Drop the game directory from ``sys.path`` and its modules (``world.py``,
    ``commands.py``) from ``sys.modules``: a later game of the same test run imports its
    own, and a plain ``import world.weather`` there must not find this game's ``world``."""
    root = os.path.realpath(game_dir)
    sys.path[:] = [entry for entry in sys.path if os.path.realpath(entry or ".") != root]
    root += os.sep
    for name, module in list(sys.modules.items()):
        where = getattr(module, "__file__", None)
        if isinstance(where, str) and os.path.realpath(where).startswith(root):
            del sys.modules[name]
