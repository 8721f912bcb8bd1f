"""What a command sees of the running game: the narrow ``GameContext`` protocol.

Commands get this context as ``self.context`` (``self.server`` is the same object, kept for
existing game code), not the game server: the server is one implementation, a test may be
another. The world is one attribute here (the character in play is the command's
``caller``); the context never widens to the whole server.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, Literal, Protocol, runtime_checkable

from ember.game._players import Players
from ember.game.accounts import Account, Accounts
from ember.game.sessions import Session, SessionRegistry
from ember.game.settings import Settings
from ember.offload import Offloader
from ember.scheduling import Scheduler
from ember.world import Character, World

__all__ = ["GameContext", "StopKind"]

#: Why the game stops: asked to reload, asked to shut down, or the portal went away.
StopKind = Literal["reload", "shutdown", "link-lost"]


@runtime_checkable
class GameContext(Protocol):
    """The running game as commands use it.

    Attributes:
        settings: the game's settings (read only; read once at start).
        sessions: every connected session (``sessions.get(sid)``, ``sessions.idle(s)``,
            ``sessions.close(session, text)``).
        accounts: the accounts (``accounts.registry.online()`` is who is online;
            ``accounts.create``/``accounts.authenticate`` for the login commands).
        scheduler: the timed tasks (``scheduler.tasks(owner=...)``, ``scheduler.get(id)``).
        offloader: the background-work pools of ``run_async`` (``None`` before start).
        world: the game's world, every game object (``world.get(2)``, ``world.search("#2")``).
        players: the characters of accounts and the sessions playing them
            (``players.characters_of(account)``, ``players.sessions_of(character)``).
        stopping: whether a reload or shutdown is under way (no new work should start).
    """

    @property
    def settings(self) -> Settings:
        """The game's settings."""

    @property
    def sessions(self) -> SessionRegistry:
        """Every connected session, by sid."""

    @property
    def accounts(self) -> Accounts:
        """The accounts, loaded at start."""

    @property
    def scheduler(self) -> Scheduler:
        """The scheduler of timed tasks."""

    @property
    def offloader(self) -> Offloader | None:
        """The pools ``run_async`` uses, or ``None`` before start."""

    @property
    def world(self) -> World:
        """The game's world."""

    @property
    def players(self) -> Players:
        """The characters accounts play and the sessions playing them."""

    @property
    def stopping(self) -> bool:
        """Whether a reload or shutdown is under way."""

    def login(self, session: Session, account: Account) -> None:
        """Log ``account`` in on ``session``: greet, play its character, show its room."""

    def play(self, session: Session, character: Character, *, quiet: bool = False) -> None:
        """Make ``session`` play ``character`` and (unless ``quiet``) show where it is."""

    def request_reload(self, *, by: str = "") -> None:
        """Reload the game's code once the new code is known to load (else say why not)."""

    def stop(self, kind: StopKind = "shutdown", *, by: str = "") -> None:
        """Stop the game: ``"reload"`` (no code check) or ``"shutdown"``."""

    def status_changed(self) -> None:
        """Note that who is online changed (``ember status`` is rewritten soon)."""

    def spawn(self, coroutine: Coroutine[Any, Any, Any], *, name: str) -> asyncio.Task[Any]:
        """Run ``coroutine`` as a task the game owns: cancelled on reload or shutdown."""

    def store_health(self) -> dict[str, Any]:
        """Whether the task store takes writes, how many wait, and the last error."""
