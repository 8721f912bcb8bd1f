"""Accounts play characters: which characters an account has, which sessions play each, and
the world's message sink that turns ``character.msg()`` into text on those sessions.

A character belongs to the account whose id is in its ``db.account_id``; an account has up
to ``MAX_CHARACTERS_PER_ACCOUNT`` of them. A session plays at most one character; several
sessions of one account may play the same one, and all of them see its messages.
``at_login`` runs when a character's first session starts playing it and ``at_logout`` when
its last one stops (logout, quit, disconnect); restoring the sessions after a reload
(``quiet``) runs neither.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ember.errors import EmberError
from ember.game._kept import keep_message, show_kept
from ember.game._world_setup import starting_room
from ember.game.accounts import Account
from ember.game.channels import join_default_channels
from ember.game.sessions import Session, msg_sessions
from ember.game.settings import CLIENT_DATA
from ember.interaction import ask_caller, stop_action
from ember.world import Character, GameObject, World, create_object, normalize_permission

__all__ = ["CharacterLimitError", "Players", "permissions_for"]

log = logging.getLogger("ember.game")

#: The attribute naming the account a character belongs to, and when it was last played.
ACCOUNT_ATTRIBUTE, LAST_PLAYED_ATTRIBUTE = "account_id", "last_played"
#: Where a character stood when its last session left (it waits nowhere until it is back).
AWAY_ATTRIBUTE = "prelogout_location"
#: The Character method that builds each default client data package (None: not sent).
CLIENT_DATA_HOOKS = {
    "Room.Info": "at_gmcp_room_info",
    "Char.Vitals": "at_gmcp_vitals",
    "Char.Status": "at_gmcp_status",
}


class CharacterLimitError(EmberError, ValueError):
    """The account has as many characters as ``MAX_CHARACTERS_PER_ACCOUNT`` allows."""


def permissions_for(account: Account) -> set[str]:
    """The character permissions an account gives: its known permissions (a Developer
    account plays a Developer), else Player. Names outside the hierarchy grant nothing."""
    held = set()
    for name in account.permissions:
        try:
            held.add(normalize_permission(name))
        except ValueError:
            continue
    return held or {"Player"}


class Players:
    """The characters of accounts and the sessions playing them (the world's message sink)."""

    def __init__(
        self,
        world: World,
        *,
        start: GameObject,
        character_class: type[Character] = Character,
        max_per_account: int = 1,
        wall: Callable[[], float] = time.time,
        kept_max: int = 50,
        client_data: Iterable[str] = CLIENT_DATA,
    ) -> None:
        self.world = world
        self._start = start
        self.character_class = character_class
        self.max_per_account = max_per_account
        self._wall = wall
        self.kept_max = kept_max  # KEPT_MESSAGES_MAX: msg(keep=True) to nobody playing
        self._playing: dict[int, list[Session]] = {}  # character id -> sessions playing it
        #: The default client data packages sent (the ``CLIENT_DATA`` setting).
        self.client_data = frozenset(client_data)

    @property
    def start(self) -> GameObject:
        """Where new characters start (and homeless ones go). If a builder deleted it, the
        starting room takes its place (made again if it was the one deleted), with a warning."""
        if self._start.deleted:
            gone, self._start = self._start, starting_room(self.world)
            self.world.default_home = self._start
            log.warning("the start location %r was deleted; using %r", gone, self._start)
        return self._start

    # -- characters of accounts ----------------------------------------------------------------

    def characters_of(self, account: Account) -> list[Character]:
        """The account's characters, oldest first."""
        return [
            character
            for character in self.world.objects_of(Character)
            if character.get_attribute(ACCOUNT_ATTRIBUTE) == account.id
        ]

    def create_for(self, account: Account, key: str | None = None) -> Character:
        """Make a character for ``account`` (named after it by default) in the start location,
        which is also its home; raises :class:`CharacterLimitError` over the limit."""
        have = len(self.characters_of(account))
        if have >= self.max_per_account:
            raise CharacterLimitError(
                f"{account.name} has {have} character{'s' if have != 1 else ''}; the limit "
                f"is {self.max_per_account} (MAX_CHARACTERS_PER_ACCOUNT)"
            )
        character = create_object(
            self.character_class,
            key or account.name,
            location=self.start,
            home=self.start,
            world=self.world,
            attributes={ACCOUNT_ATTRIBUTE: account.id},
        )
        join_default_channels(self.world, character)
        log.info("made character %r for account %r", character, account.name)
        return character

    def last_played(self, account: Account) -> Character | None:
        """The character ``account`` played last (or its only one); ``None`` if it has none."""
        characters = self.characters_of(account)
        if not characters:
            return None
        return max(characters, key=lambda c: c.get_attribute(LAST_PLAYED_ATTRIBUTE) or 0.0)

    # -- sessions playing characters -----------------------------------------------------------

    def sessions_of(self, character: GameObject) -> list[Session]:
        """The sessions playing ``character`` now."""
        return list(self._playing.get(character.id, ()))

    def play(self, session: Session, character: Character, *, quiet: bool = False) -> None:
        """Make ``session`` play ``character``; its first session runs ``at_login`` unless
        ``quiet`` (sessions restored after a reload)."""
        if session.character is character:
            return
        self.stop_playing(session, quiet=quiet)
        playing = self._playing.setdefault(character.id, [])
        first = not playing
        playing.append(session)
        session.character = character
        if session.account is not None:
            character.permissions = permissions_for(session.account)
        if first and not quiet:
            character.db.last_played = self._wall()
            _hook(character, "at_login")
            show_kept(character, session)

    def stop_playing(self, session: Session, *, quiet: bool = False) -> Character | None:
        """Stop ``session`` playing its character (if any); the last session to leave runs
        ``at_logout`` unless ``quiet``. Returns the character it played."""
        character, session.character = session.character, None
        if character is None:
            return None
        playing = self._playing.get(character.id, [])
        if session in playing:
            playing.remove(session)
        if not playing:
            self._playing.pop(character.id, None)
            if not quiet and not character.deleted:
                stop_action(character, "you left the game", by=None)  # docs/actions.md
                _hook(character, "at_logout")
                self._put_away(character)
        return character

    def _put_away(self, character: Character) -> None:
        """Take a character nobody plays out of its room (so rooms hold who is playing), to
        come back where it was at its next login."""
        if character.deleted or character.location is None:
            return
        place = character.location
        character.db.prelogout_location = place
        if character.move_to(None, quiet=True):
            place.msg_contents(f"{character.key} leaves the game.")

    def bring_back(self, character: Character) -> None:
        """Put a character that is nowhere back where it left, else home, else the start."""
        if character.location is not None:
            return
        for place in (character.get_attribute(AWAY_ATTRIBUTE), character.home, self.start):
            if place is not None and not place.deleted and character.move_to(place, quiet=True):
                place.msg_contents(f"{character.key} enters the game.", exclude=character)
                break
        character.delete_attribute(AWAY_ATTRIBUTE)

    # -- the message sink ------------------------------------------------------------------------

    def deliver(self, target: GameObject, text: str | None, options: Mapping[str, Any]) -> None:
        """Send ``text`` to every session playing ``target`` (a prompt with ``prompt=True``),
        with client data ``oob=(package, data)`` if given. With ``keep=True`` and nobody
        playing it, the text is kept for its next login."""
        sessions = self._playing.get(target.id)
        if not sessions:
            if options.get("keep") and text is not None:
                keep_message(target, text, self.kept_max, self._wall)
            return
        if options.get("prompt") and text is not None:
            for session in sessions:
                session.prompt(text)
            return
        oob = options.get("oob")
        for session in sessions:
            session.msg(text, oob=oob)

    def deliver_many(
        self, targets: Iterable[GameObject], text: str | None, options: Mapping[str, Any]
    ) -> None:
        """Send ``text`` to every session playing any of ``targets`` (``msg_contents``): one
        link message for all of them. Prompts and client data go target by target as in
        :meth:`deliver`; with ``keep=True`` a target nobody plays keeps the text."""
        if text is None or options.get("prompt") or options.get("oob") is not None:
            for target in targets:
                self.deliver(target, text, options)
            return
        sessions: list[Session] = []
        for target in targets:
            playing = self._playing.get(target.id)
            if playing:
                sessions.extend(playing)
            elif options.get("keep"):
                keep_message(target, text, self.kept_max, self._wall)
        msg_sessions(sessions, text)

    def moved(self, obj: GameObject, source: GameObject | None) -> None:
        """After any move (the world calls it): a played character's clients get Room.Info."""
        if obj.id in self._playing and "Room.Info" in self.client_data:
            self.send_client_data(obj, ("Room.Info",))

    def send_client_data(
        self, character: GameObject, packages: Iterable[str] = CLIENT_DATA
    ) -> None:
        """Send those of ``packages`` that ``CLIENT_DATA`` allows to whoever plays
        ``character``, each built by its ``at_gmcp_*`` method (``None``: not sent). An error
        in game code is logged with its traceback and the package skipped."""
        for package in packages:
            hook = getattr(character, CLIENT_DATA_HOOKS.get(package, ""), None)
            if package not in self.client_data or hook is None:
                continue
            try:
                data = hook()
                if data is not None:
                    character.msg(oob=(package, data))
            except Exception:  # game code: the move or login goes on
                log.exception("sending %s for %r failed", package, character)

    async def ask(self, target: GameObject, question: str, timeout: float | None) -> str:  # noqa: ASYNC109
        """Ask ``question`` of whoever plays ``target``; their next line answers it."""
        return await ask_caller(target, question, timeout=timeout)


def _hook(character: Character, name: str) -> None:
    try:
        getattr(character, name)()
    except Exception:  # game code: logged, the login or logout goes on
        log.exception("%s of %r failed", name, character)
