"""Looking and moving: ``look`` at the room or at one thing, and ``go`` through an exit
(typing an exit's name does the same, see the dispatcher)."""

from __future__ import annotations

from ember.game._look import describe, describe_object, go_through, listing
from ember.game.commands._command import Command
from ember.game.commands._targets import find, playing
from ember.world import Exit

__all__ = ["CmdGo", "CmdLook"]


class CmdLook(Command):
    """Look around, or at something or someone.

    Usage:
      look               the room: its description, exits and who and what is here
      look <thing>       something here or carried, someone here, or an exit
      look 2-<thing>     the second of several with that name

    Shows the room's name, description, exits and everything in it; or one object's
    description. An object whose 'view' lock refuses you cannot be looked at closely.
    """

    key = "look"
    aliases = ("l",)
    interrupts_action = False  # runs alongside an action
    help_category = "Looking and moving"

    def func(self) -> None:
        """Describe the caller's room, or the object the argument names."""
        looker = playing(self)
        if looker is None:
            return
        wanted = self.args
        if wanted.lower().startswith("at "):  # "look at the well"
            wanted = wanted[3:].strip()
        if not wanted:
            self.session.msg(describe(looker.location, looker))
            return
        target = find(self, looker, wanted)
        if target is None:
            return
        if target is not looker and not target.access(looker, "view", default=True):
            self.session.msg(f"You cannot make out {target.key} clearly.")
            return
        self.session.msg(describe_object(target, looker))


class CmdGo(Command):
    """Go through an exit of the room you are in.

    Usage:
      go <exit>     for example 'go north'; typing the exit's name alone ('north', 'n')
                    does the same

    The others in the room see you leave that way; those where you arrive see you come.
    """

    key = "go"
    aliases = ("walk",)
    interrupts_action = True  # walking away interrupts an action
    help_category = "Looking and moving"

    def func(self) -> None:
        """Find the exit the argument names (exact names before partial ones) and go."""
        traveller = playing(self)
        if traveller is None:
            return
        place = traveller.location
        exits = [obj for obj in place.contents if isinstance(obj, Exit)] if place else []
        ways = f"Exits: {listing([way.key for way in exits])}." if exits else "There is no exit."
        if not self.args:
            self.session.msg(f"Go where? {ways}")
            return
        way = find(
            self,
            traveller,
            self.args,
            exits,
            nothing=f"There is no exit '{self.args}' here. {ways}",
        )
        if isinstance(way, Exit):
            go_through(traveller, way, self.session)
