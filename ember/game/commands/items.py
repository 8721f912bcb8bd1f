"""Handling things: ``get``, ``drop``, ``give <thing> to <someone>`` and ``inventory``.

Things move with ``move_to`` (quietly: these commands say what happened themselves), so
the objects' move hooks run and may refuse. ``get`` checks the thing's ``get`` lock;
``MAX_CARRIED`` bounds what one character carries.
"""

from __future__ import annotations

import re

from ember.game._look import listing
from ember.game.commands._command import Command
from ember.game.commands._targets import find, playing
from ember.world import Character, Exit, GameObject, MoveError

__all__ = ["CmdDrop", "CmdGet", "CmdGive", "CmdInventory"]

_GIVE = re.compile(r"(\S.*)\s+to\s+(\S.*)$", re.IGNORECASE)


def _full(command: Command, bearer: GameObject) -> bool:
    """Whether ``bearer`` carries ``MAX_CARRIED`` things already."""
    return len(bearer.contents) >= command.context.settings.max_carried


def _move(command: Command, thing: GameObject, destination: GameObject) -> bool:
    """Move ``thing`` (hooks run, quietly); tell the player if it did not move."""
    try:
        moved = thing.move_to(destination, quiet=True)
    except MoveError as error:
        command.session.msg(f"{thing.key} cannot go there: {error}.")
        return False
    if not moved:
        command.session.msg(f"{thing.key} stays where it is.")
    return moved


class CmdGet(Command):
    """Pick something up from the room.

    Usage:
      get <thing>       for example 'get sword'
      get 2-<thing>     the second of several with that name

    Some things are locked against being picked up; you can carry MAX_CARRIED things.
    """

    key = "get"
    aliases = ("take",)
    help_category = "Items"

    def func(self) -> None:
        """Find the thing in the room, check its ``get`` lock and the carried bound, take it."""
        taker = playing(self)
        if taker is None:
            return
        if not self.args:
            self.session.msg("Get what?")
            return
        place = taker.location
        here = (
            [o for o in place.contents if o is not taker and not isinstance(o, Exit)]
            if place
            else []
        )
        thing = find(self, taker, self.args, here)
        if thing is None or place is None:
            return
        if isinstance(thing, Character):
            self.session.msg(f"You cannot pick up {thing.key}.")
            return
        if not thing.access(taker, "get"):
            self.session.msg(f"You cannot pick up {thing.key}.")
            return
        if _full(self, taker):
            limit = self.context.settings.max_carried
            self.session.msg(f"You cannot carry more than {limit:,} things. Drop something first.")
            return
        if _move(self, thing, taker):
            self.session.msg(f"You pick up {thing.key}.")
            place.msg_contents(f"{taker.key} picks up {thing.key}.", exclude=taker)


class CmdDrop(Command):
    """Put down something you carry.

    Usage:
      drop <thing>
    """

    key = "drop"
    help_category = "Items"

    def func(self) -> None:
        """Find the thing among what the caller carries and put it in the room."""
        dropper = playing(self)
        if dropper is None:
            return
        if not self.args:
            self.session.msg("Drop what?")
            return
        thing = find(
            self,
            dropper,
            self.args,
            dropper.contents,
            nothing=f"You carry no '{self.args}'.",
        )
        if thing is None:
            return
        place = dropper.location
        if place is None:
            self.session.msg("There is nowhere to drop it.")
            return
        if _move(self, thing, place):
            self.session.msg(f"You drop {thing.key}.")
            place.msg_contents(f"{dropper.key} drops {thing.key}.", exclude=dropper)


class CmdGive(Command):
    """Give something you carry to someone in the room.

    Usage:
      give <thing> to <someone>
    """

    key = "give"
    help_category = "Items"

    def func(self) -> None:
        """Find the thing (carried) and the receiver (a character here), then hand it over."""
        giver = playing(self)
        if giver is None:
            return
        parts = _GIVE.match(self.args)  # the last " to " splits: "give key to the tower to Bob"
        if parts is None:
            self.session.msg("Usage: give <thing> to <someone>")
            return
        what, whom = parts.group(1), parts.group(2)
        thing = find(self, giver, what, giver.contents, nothing=f"You carry no '{what.strip()}'.")
        if thing is None:
            return
        place = giver.location
        people = [o for o in place.contents if isinstance(o, Character)] if place else []
        receiver = find(
            self, giver, whom, people, nothing=f"There is nobody called '{whom.strip()}' here."
        )
        if receiver is None or place is None:
            return
        if receiver is giver:
            self.session.msg(f"You already have {thing.key}.")
            return
        if _full(self, receiver):
            self.session.msg(f"{receiver.key} cannot carry any more.")
            return
        if _move(self, thing, receiver):
            self.session.msg(f"You give {thing.key} to {receiver.key}.")
            receiver.msg(f"{giver.key} gives you {thing.key}.")
            place.msg_contents(
                f"{giver.key} gives {thing.key} to {receiver.key}.", exclude=(giver, receiver)
            )


class CmdInventory(Command):
    """List what you carry.

    Usage:
      inventory     (or 'i', 'inv')
    """

    key = "inventory"
    aliases = ("i", "inv")
    interrupts_action = False  # runs alongside an action
    help_category = "Items"

    def func(self) -> None:
        """One line naming what the caller carries (counted beyond the first fifty)."""
        bearer = playing(self)
        if bearer is None:
            return
        carried = [thing.key for thing in bearer.contents]
        if not carried:
            self.session.msg("You are carrying nothing.")
            return
        self.session.msg(f"You are carrying ({len(carried):,}): {listing(carried)}.")
