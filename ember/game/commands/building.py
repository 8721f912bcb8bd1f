"""Builder commands that make, move and unmake objects: dig, open, create, teleport, destroy.

Each needs the Builder permission (Admins and Developers hold it too); changing an existing
object needs its ``control`` lock; new objects count against the builder's budget. See
docs/building.md.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from ember.errors import EmberError, UnresolvableReferenceError
from ember.game._look import describe
from ember.game._players import ACCOUNT_ATTRIBUTE
from ember.game.commands._building_kit import (
    BUILDER,
    BuilderCommand,
    controls,
    describe_exit,
    find_target,
    owner_lock,
    parse_names,
    split_assign,
    take_budget,
)
from ember.game.commands._command import Command
from ember.interaction import ask_yes_no
from ember.world import (
    Character,
    Exit,
    GameObject,
    InvalidNameError,
    MoveError,
    Room,
    Thing,
    resolve_class,
)

__all__ = ["BUILDER", "CmdCreateObject", "CmdDestroy", "CmdDig", "CmdOpen", "CmdTeleport"]

#: Class names ``create`` accepts without a module.
_SHORT_CLASSES: dict[str, type[GameObject]] = {
    "thing": Thing,
    "room": Room,
    "character": Character,
}


def _exit_here(place: GameObject, key: str, aliases: tuple[str, ...]) -> Exit | None:
    """An exit in ``place`` already answering to ``key`` or one of ``aliases``."""
    wanted = {name.lower() for name in (key, *aliases)}
    for obj in place.contents:
        if isinstance(obj, Exit) and wanted & {n.lower() for n in (obj.key, *obj.aliases)}:
            return obj
    return None


def _make(command: Command, cls: type[GameObject], who: Character, key: str, **options: Any) -> Any:
    """Create an object of the game's world that the builder ``who`` controls."""
    obj = command.context.world.create(cls, key, **options)
    obj.locks.add(owner_lock(who))
    return obj


class CmdDig(BuilderCommand):
    """Make a room, and exits to it and back.

    Usage:
      dig <room>[;aliases]
      dig <room>[;aliases] = <exit there>[;aliases]
      dig <room>[;aliases] = <exit there>[;aliases], <exit back>[;aliases]

    Example: dig Kitchen = north;n, south;s
    makes the room Kitchen, an exit north (alias n) from here to it and an exit south
    (alias s) from it back here. One room per dig.
    """

    key = "dig"
    aliases = ("@dig",)

    def build(self, who: Character) -> None:
        """Check everything first, then make the room and its exits in one go."""
        if not self.args:
            self.session.msg("Usage: dig <room>[;aliases] [= <exit there>, <exit back>]")
            return
        room_text, exits_text = split_assign(self.args)
        if "," in room_text:
            count = room_text.count(",") + 1
            self.session.msg(
                f"dig makes one room at a time; that names {count:,}. Dig them one by one"
                " (dig <room> = <exit there>, <exit back>)."
            )
            return
        exit_texts = [] if exits_text is None else [p.strip() for p in exits_text.split(",")]
        if len(exit_texts) > 2:
            self.session.msg(
                f"dig makes at most two exits (there, and back); that names {len(exit_texts)}."
            )
            return
        here = who.location
        try:
            key, aliases = parse_names(room_text, "the room")
            exits = [parse_names(text, "an exit") for text in exit_texts]
        except InvalidNameError as error:
            self.session.msg(f"dig: {error}.")
            return
        if exits and here is None:
            self.session.msg("You stand nowhere, so there is nowhere for exits to start.")
            return
        if exits and here is not None and (clash := _exit_here(here, *exits[0])) is not None:
            self.session.msg(f"There is already an exit {clash.key} ({clash.dbref}) here.")
            return
        if not take_budget(self, 1 + len(exits)):
            return
        room = _make(self, Room, who, key, aliases=aliases)
        made = [f"Dug {room.key} ({room.dbref})."]
        if exits:
            there = _make(self, Exit, who, exits[0][0], aliases=exits[0][1], location=here,
                          destination=room)  # fmt: skip
            made.append(f"Exit {describe_exit(there)}.")
        if len(exits) > 1:
            back = _make(self, Exit, who, exits[1][0], aliases=exits[1][1], location=room,
                         destination=here)  # fmt: skip
            made.append(f"Exit {describe_exit(back)}.")
        self.session.msg(" ".join(made))


class CmdOpen(BuilderCommand):
    """Make an exit from the room you stand in.

    Usage:
      open <exit>[;aliases] = <destination>

    The destination is a room's name or id: open east;e = #12
    """

    key = "open"
    aliases = ("@open",)

    def build(self, who: Character) -> None:
        """Make the exit here, leading to the destination."""
        exit_text, target_text = split_assign(self.args)
        if not exit_text or not target_text:
            self.session.msg("Usage: open <exit>[;aliases] = <destination room or #id>")
            return
        if "," in exit_text:
            count = exit_text.count(",") + 1
            self.session.msg(f"open makes one exit at a time; that names {count:,}.")
            return
        here = who.location
        if here is None:
            self.session.msg("You stand nowhere, so there is nowhere for an exit to start.")
            return
        try:
            key, aliases = parse_names(exit_text, "the exit")
        except InvalidNameError as error:
            self.session.msg(f"open: {error}.")
            return
        destination = find_target(self, who, target_text)
        if destination is None:
            return
        if destination is here:
            self.session.msg("An exit leading to the room it is in would go nowhere.")
            return
        if isinstance(destination, Exit):
            self.session.msg(f"{destination.key} ({destination.dbref}) is an exit, not a place.")
            return
        if (clash := _exit_here(here, key, aliases)) is not None:
            self.session.msg(f"There is already an exit {clash.key} ({clash.dbref}) here.")
            return
        if not take_budget(self, 1):
            return
        made = _make(self, Exit, who, key, aliases=aliases, location=here, destination=destination)
        self.session.msg(f"Opened {describe_exit(made)}.")


class CmdCreateObject(BuilderCommand):
    """Make a thing, held by you.

    Usage:
      create <name>[;aliases]
      create <name>[;aliases] : <class>

    The class is Thing (the default), Room, Character, or a class of your game or of Ember
    written module.Class or module:Class (create door:world.Door). Things go into your
    hands, characters stand beside you, rooms are put nowhere. Exits come from open and dig.
    """

    key = "create"
    aliases = ("@create",)

    def build(self, who: Character) -> None:
        """Resolve the class (trusted modules only), make the object in your hands."""
        name_text, _, class_text = self.args.partition(":")
        if not name_text.strip():
            self.session.msg("Usage: create <name>[;aliases] [: <module.Class>]")
            return
        try:
            key, aliases = parse_names(name_text.strip(), "the object")
        except InvalidNameError as error:
            self.session.msg(f"create: {error}.")
            return
        cls = self._class(class_text.strip())
        if cls is None:
            return
        if not take_budget(self, 1):
            return
        # Things in your hands; characters beside you; rooms nowhere (they hold places).
        place = (
            None if issubclass(cls, Room) else who.location if issubclass(cls, Character) else who
        )
        try:
            obj = _make(self, cls, who, key, aliases=aliases, location=place, home=who.location)
        except EmberError as error:  # a class that cannot be stored by reference
            self.session.msg(f"create: {error}.")
            return
        where = (
            "You hold it."
            if place is who
            else "It stands here."
            if place is not None
            else f"Reach it with: teleport {obj.dbref}"
        )
        self.session.msg(f"Created {obj.key} ({obj.dbref}), a {type(obj).__name__}. {where}")

    def _class(self, text: str) -> type[GameObject] | None:
        """The class ``text`` names (empty: Thing), or ``None`` after saying why."""
        if not text:
            return Thing
        short = _SHORT_CLASSES.get(text.lower())
        if short is not None:
            return short
        if ":" in text:
            ref = text
        else:
            module, dot, name = text.rpartition(".")
            ref = f"{module}:{name}" if dot else text
        world = self.context.world
        trusted = world.trusted_modules if world.trusted_modules is not None else ("ember",)
        try:
            cls = resolve_class(ref, trusted)
        except UnresolvableReferenceError as error:
            self.session.msg(
                f"create: no class {text!r} to make objects of ({error}). Classes come from "
                "your game's modules or Ember: Thing, Room, Character, or module.Class."
            )
            return None
        if issubclass(cls, Exit):
            self.session.msg("create makes no exits: use open (or dig), which give them a way.")
            return None
        return cls


class CmdTeleport(BuilderCommand):
    """Move yourself or an object anywhere at once.

    Usage:
      teleport <destination>           yourself
      teleport <object> = <destination>

    Teleporting a character to a character puts it beside that one.
    """

    key = "teleport"
    aliases = ("tel", "@tel", "@teleport")

    def build(self, who: Character) -> None:
        """Move the object (yours to move: yourself or one you control) into the place."""
        left, right = split_assign(self.args)
        if not left or right == "":
            self.session.msg("Usage: teleport <destination>  or  teleport <object> = <destination>")
            return
        if right is None:
            obj: GameObject | None = who
            destination = find_target(self, who, left)
        else:
            obj = find_target(self, who, left)
            destination = find_target(self, who, right) if obj is not None else None
        if obj is None or destination is None:
            return
        if obj is not who and not controls(self, who, obj):
            return
        if destination is obj:
            self.session.msg(f"{obj.key} cannot be teleported into itself.")
            return
        if isinstance(obj, Character) and isinstance(destination, Character):
            # A character goes to where the other one stands, not into their pockets.
            if destination.location is None:
                self.session.msg(f"{destination.key} is nowhere just now.")
                return
            destination = destination.location
        if isinstance(destination, Exit):
            self.session.msg(f"{destination.key} ({destination.dbref}) is an exit, not a place.")
            return
        try:
            moved = obj.move_to(destination)
        except MoveError as error:
            self.session.msg(f"teleport: {error}.")
            return
        if not moved:
            self.session.msg(f"{obj.key} refused to move.")
            return
        if obj is who:
            self.session.msg(describe(who.location, who))
            return
        self.session.msg(f"Teleported {obj.key} ({obj.dbref}) to {destination.key}.")
        if isinstance(obj, Character):
            obj.msg(f"You are teleported to {destination.key}.\n{describe(destination, obj)}")


class CmdDestroy(BuilderCommand):
    """Destroy an object, after you confirm.

    Usage:
      destroy <object>

    Exits in it and exits leading to it go too; what is inside goes home. Characters that
    belong to an account are not destroyed here.
    """

    key = "destroy"
    aliases = ("@destroy",)

    def build(self, who: Character) -> Generator[Any, Any, None] | None:
        """Check, ask yes or no, check again, delete."""
        if not self.args:
            self.session.msg("Usage: destroy <object>")
            return None
        obj = find_target(self, who, self.args)
        if obj is None or not self._may_destroy(who, obj):
            return None
        return self._confirm(who, obj)

    def _may_destroy(self, who: Character, obj: GameObject) -> bool:
        if obj is who:
            self.session.msg("You cannot destroy yourself.")
            return False
        if obj.get_attribute(ACCOUNT_ATTRIBUTE) is not None:
            self.session.msg(f"{obj.key} ({obj.dbref}) is an account's character; not destroyed.")
            return False
        return controls(self, who, obj)

    def _confirm(self, who: Character, obj: GameObject) -> Generator[Any, Any, None]:
        inside = len(obj.contents)
        extra = f" It holds {inside} object{'s' if inside != 1 else ''}." if inside else ""
        sure = yield ask_yes_no(f"Really destroy {obj.key} ({obj.dbref})?{extra}", default=False)
        if not sure:
            self.session.msg(f"{obj.key} ({obj.dbref}) was not destroyed.")
            return
        if obj.deleted:
            self.session.msg(f"{obj.key} ({obj.dbref}) is gone already.")
            return
        if not controls(self, who, obj):  # its lock may have changed while we asked
            return
        name = f"{obj.key} ({obj.dbref})"
        if not obj.delete():
            self.session.msg(f"{name} refused to be destroyed.")
            return
        self.session.msg(f"Destroyed {name}.")
