"""The kinds of object every MUD has: rooms, exits between them, characters and things."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ember.interaction import Action, current_action, start_action, stop_action
from ember.world._changes import DestinationChanged
from ember.world._client_data import char_status, char_vitals, room_info
from ember.world._moving import going_through
from ember.world._object import GameObject
from ember.world._perms import normalize_permission

__all__ = ["Character", "Exit", "Room", "Thing"]

_PLAYER = frozenset({"Player"})


class Room(GameObject):
    """A place. Rooms usually have no location themselves; exits lead between them."""

    __slots__ = ()

    @property
    def exits(self) -> list[Exit]:
        """The exits in this room, in order of creation."""
        return [obj for obj in (self._contents or {}).values() if isinstance(obj, Exit)]


class Exit(GameObject):
    """A way out of the room it is in, leading to ``destination``.

    An exit whose destination was deleted is deleted with it; if its ``at_object_delete``
    refuses, it stays with ``destination`` ``None`` ("broken") and :meth:`at_traverse` says
    so instead of moving anyone.
    """

    __slots__ = ("_destination",)

    _destination: GameObject | None

    @property
    def destination(self) -> GameObject | None:
        """Where the exit leads; ``None`` when it leads nowhere (broken)."""
        destination = self._destination
        return destination if destination is not None and destination._world is not None else None

    @destination.setter
    def destination(self, value: GameObject | None) -> None:
        world = self._live_world()
        if value is not None:
            world._check_member(value, "destination")
        world._link_exit(self, value)
        world._record(DestinationChanged(self._id, value._id if value is not None else None))

    @property
    def broken(self) -> bool:
        """Whether the exit leads nowhere."""
        return self.destination is None

    def at_traverse(self, traveller: GameObject) -> bool:
        """Move ``traveller`` through the exit; return whether it went. Override to add
        locks or messages."""
        destination = self.destination
        if destination is None:
            traveller.msg(f"{self._key} leads nowhere.")
            return False
        with going_through(self):  # so the room left hears "Ann leaves north."
            return traveller.move_to(destination)


class Character(GameObject):
    """A being in the world, played by an account or driven by the game.

    ``permissions`` (default ``{"Player"}``) is what locks check; it is held in memory
    only, because it will come from the account playing the character.
    """

    __slots__ = ("_permissions",)

    _permissions: frozenset[str]

    @property
    def permissions(self) -> frozenset[str]:
        """The permission names this character holds (see :data:`ember.PERMISSIONS`)."""
        return getattr(self, "_permissions", _PLAYER)

    @permissions.setter
    def permissions(self, names: Iterable[str]) -> None:
        if isinstance(names, str):
            raise TypeError(f"permissions must be a set of names, not the str {names!r}")
        self._permissions = frozenset(normalize_permission(name) for name in names)

    def prompt(self, text: str) -> None:
        """Send ``text`` as a prompt (a question; no newline added) to whoever plays this."""
        self.msg(text, prompt=True)

    async def ask(self, question: str, timeout: float | None = None) -> str:  # noqa: ASYNC109
        """Ask ``question`` and return the player's next line (``TimeoutError`` after
        ``timeout`` seconds). Answered through the world's message sink: the game asks the
        sessions playing this character; without a player it raises ``RuntimeError``."""
        world = self._live_world()
        ask: Any = getattr(world.message_sink, "ask", None)
        if ask is None:
            raise RuntimeError(f"nobody can answer for {self!r}: no game plays it")
        answer: str = await ask(self, question, timeout)
        return answer

    # -- actions (docs/actions.md) -------------------------------------------------------------

    def start_action(
        self, name: str, flow: Any, *, interruptible: bool = True, message: str | None = None
    ) -> Action:
        """Be busy with ``name`` (``"digging"``) while ``flow`` runs: commands meanwhile are
        refused with ``message``, run alongside, or interrupt it, each as it declares
        (``interrupts_action``); see :func:`ember.interaction.start_action`."""
        return start_action(self, name, flow, interruptible=interruptible, message=message)

    @property
    def action(self) -> Action | None:
        """The action this character is busy with, or None."""
        return current_action(self)

    def stop_action(self, reason: str = "you stopped") -> bool:
        """End the current action (its flow gets ``ActionInterrupted(reason)``)."""
        return stop_action(self, reason)

    def at_login(self) -> None:
        """Called when an account starts playing this character (its first session; not
        again when a reload restores the sessions)."""

    def at_logout(self) -> None:
        """Called when the last session playing this character logs out or disconnects
        (not on a reload)."""

    # The client data the game sends about this character (GMCP; docs/talking-to-clients.md):
    # each returns the package's data, or None to send nothing. Override to change them.

    def at_gmcp_room_info(self) -> dict[str, Any] | None:
        """``Room.Info`` (at login and after each move): room number, name, area, exits."""
        return room_info(self)

    def at_gmcp_vitals(self) -> dict[str, Any] | None:
        """``Char.Vitals`` (at login): ``db.hp``, ``db.maxhp``... when the character has them."""
        return char_vitals(self)

    def at_gmcp_status(self) -> dict[str, Any] | None:
        """``Char.Status`` (at login): the character's name, room and area."""
        return char_status(self)


class Thing(GameObject):
    """An object that is neither room, exit nor character: a sword, a chest, a fire."""

    __slots__ = ()
