"""Players in the world: opening it at start, logging in to a character, resuming after a
reload, and the notices Developers get at login.

A mixin of :class:`~ember.game.server.GameServer` (as :mod:`ember.game._link_messages` is),
so the server module stays about the process's life cycle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ember.game._codecheck import trusted_modules
from ember.game._look import describe
from ember.game._players import Players
from ember.game._world_setup import (
    WorldHost,
    character_class,
    run_world_module,
    start_location,
    starting_room,
)
from ember.game.channels import start_channels
from ember.game.settings import CLIENT_DATA
from ember.interaction import choose, questions
from ember.world import Character, World

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Coroutine
    from pathlib import Path

    from ember.game.accounts import Account
    from ember.game.commands import GameCommands
    from ember.game.sessions import Session, SessionRegistry
    from ember.game.settings import Settings
    from ember.scheduling import Scheduler

__all__ = ["Playing"]


class Playing:
    """The game server's handling of characters: see the module docstring."""

    if TYPE_CHECKING:
        game_dir: Path
        settings: Settings
        sessions: SessionRegistry
        game_commands: GameCommands
        world_host: WorldHost
        world_error: str | None
        _players: Players | None
        _scheduler: Scheduler | None

        def spawn(self, coroutine: Coroutine[Any, Any, Any], *, name: str) -> asyncio.Task[Any]: ...

        def status_changed(self) -> None: ...

    @property
    def world(self) -> World:
        """The game's world: every game object (opened at start)."""
        return self.world_host.world

    @property
    def players(self) -> Players:
        """The characters accounts play and the sessions playing them (made at start)."""
        if self._players is None:
            raise RuntimeError("the game server has not started: no world yet")
        return self._players

    async def _open_world(self) -> None:
        """Open the world, make sure of the starting room and START_LOCATION, run world.py.

        Before the portal's ``sync`` (restored sessions play their characters) and before
        stored tasks are restored (a persistent task on an object finds it).
        """
        assert self._scheduler is not None
        trusted = trusted_modules(self.game_dir)
        world = await self.world_host.open(
            self.settings, self.game_dir, scheduler=self._scheduler, trusted_modules=trusted
        )
        # world.py builds around the starting room first, so START_LOCATION may name a
        # room it makes.
        starting = starting_room(world)
        self.world_error = run_world_module(self.game_dir, world, starting)
        start = start_location(world, self.settings.start_location, starting)
        start_channels(world, self.settings)
        world.default_home = start
        players = Players(
            world,
            start=start,
            character_class=character_class(self.settings.character_class, trusted),
            max_per_account=self.settings.max_characters_per_account,
            kept_max=self.settings.kept_messages_max,
            client_data=self.settings.client_data,
        )
        world.message_sink = players
        self._players = players
        self.sessions.leaving = players.stop_playing

    def login(self, session: Session, account: Account) -> None:
        """Log ``account`` in on ``session``: tell the portal, greet, play its character
        (made now if it has none) and show where it stands; with several, ask which."""
        self.sessions.login(session, account)
        session.msg(f"Welcome, {account.name}!")
        players = self.players
        characters = players.characters_of(account)
        if not characters:
            characters = [players.create_for(account)]
        if len(characters) == 1:
            self.play(session, characters[0])
        else:
            self.spawn(self._choose_character(session, account), name="ember-choose-character")
        self.warn_developer(session)
        questions.repeat(account, via=session)  # a question asked while it was away
        self.status_changed()

    def play(self, session: Session, character: Character, *, quiet: bool = False) -> None:
        """Make ``session`` play ``character`` and, unless ``quiet``, show its surroundings."""
        self.players.play(session, character, quiet=quiet)
        nowhere = character.location is None
        self.players.bring_back(character)  # from where it waited while nobody played it
        if not quiet:
            # The data first: a client's triggers on the room's text then see it current.
            # Coming back was a move, which sent Room.Info already.
            later = ("Char.Vitals", "Char.Status")
            self.players.send_client_data(character, later if nowhere else CLIENT_DATA)
            session.msg(describe(character.location, character))
            questions.repeat(character, via=session)

    def resume(self, session: Session) -> None:
        """After a reload's ``sync``: ``session`` plays its account's last character again,
        silently (no ``at_login``, no look), made anew if the world lost it."""
        account = session.account
        if account is None:
            return
        character = self.players.last_played(account)
        if character is None:
            character = self.players.create_for(account)
        self.play(session, character, quiet=True)

    async def _choose_character(self, session: Session, account: Account) -> None:
        names = [c.key for c in self.players.characters_of(account)]
        picked = await choose("Play which character?", names, caller=account)
        if session.account is account and session.character is None:
            found = [c for c in self.players.characters_of(account) if c.key == picked]
            if found:
                self.play(session, found[0])

    def warn_developer(self, session: Session) -> None:
        """Tell a Developer on ``session`` what went wrong at start: the game's commands
        module or world.py failed, or objects lost their class."""
        if session.account is None or not session.account.is_developer:
            return
        error = self.game_commands.error
        if error:
            session.msg(
                "Developer notice: the game's commands module failed to load, so only the "
                f"default commands are available. See server/logs/game.log.\n{error.rstrip()}"
            )
        if self.world_error:
            session.msg(f"Developer notice: {self.world_error} (see server/logs/game.log).")
        missing = len(self.world.missing_classes()) if self._players is not None else 0
        if missing:
            session.msg(
                f"Developer notice: {missing} object{'s' if missing != 1 else ''} of the world "
                "have a class that no longer exists; type 'missing' to list them."
            )
        damaged = len(self.world.damaged_objects()) if self._players is not None else 0
        if damaged:
            session.msg(
                f"Developer notice: {damaged} object{'s' if damaged != 1 else ''} of the world "
                "have stored attributes that could not be read; type 'missing' to list them."
            )
