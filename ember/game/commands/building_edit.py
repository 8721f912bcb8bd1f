"""Builder commands that look at and change objects: desc, name, set, examine, find, lock.

Changing an object needs its ``control`` lock; ``examine`` (and listing locks) needs its
``examine`` lock, whoever asks, so a Player sees only what a lock opens to them. Output is
bounded: long values are cut, long lists end with a count. See docs/building.md.
"""

from __future__ import annotations

import json
from typing import Any

from ember.game._players import ACCOUNT_ATTRIBUTE, AWAY_ATTRIBUTE, LAST_PLAYED_ATTRIBUTE
from ember.game.commands._building_kit import (
    BuilderCommand,
    builder,
    check_text,
    controls,
    find_target,
    parse_names,
    split_assign,
)
from ember.game.commands._command import Command
from ember.world import (
    DEFAULT_LOCKS,
    MAX_KEY_LENGTH,
    Character,
    Exit,
    GameObject,
    InvalidNameError,
    LockError,
    UnstorableValueError,
    has_permission,
)
from ember.world._values import encode_value

__all__ = ["CmdDesc", "CmdExamine", "CmdFind", "CmdLock", "CmdName", "CmdSetAttribute"]

#: Attributes Ember keeps for itself (which account a character belongs to...): only a
#: Developer sets them by hand.
PROTECTED_ATTRIBUTES = frozenset({ACCOUNT_ATTRIBUTE, AWAY_ATTRIBUTE, LAST_PLAYED_ATTRIBUTE})
#: What examine and find show at most: characters of one value, lines of a list.
VALUE_SHOWN, LINES_SHOWN = 200, 30


def _json(obj: GameObject, name: str, value: Any) -> str:
    """An attribute's value as JSON (references as {"$object": 12}), cut to VALUE_SHOWN."""
    world = obj.world
    text = json.dumps(encode_value(world, name, value, assigning=False), ensure_ascii=False)
    return text if len(text) <= VALUE_SHOWN else f"{text[:VALUE_SHOWN]}... ({len(text):,} chars)"


def _bounded(lines: list[str], what: str) -> list[str]:
    if len(lines) <= LINES_SHOWN:
        return lines
    return [*lines[:LINES_SHOWN], f"  ... and {len(lines) - LINES_SHOWN:,} more {what}"]


def _ref(obj: GameObject | None) -> str:
    return "nowhere" if obj is None else f"{obj.key} ({obj.dbref})"


class CmdDesc(BuilderCommand):
    """Describe an object (what look shows).

    Usage:
      desc <text>             the room you stand in
      desc <object> = <text>
    """

    key = "desc"
    aliases = ("@desc", "describe")

    def build(self, who: Character) -> None:
        """Set ``db.desc`` of the object (or the room) you control."""
        target_text, text = split_assign(self.args)
        if text is None:
            target_text, text = "here", target_text
        if not text:
            self.session.msg("Usage: desc <text>  or  desc <object> = <text>")
            return
        obj = find_target(self, who, target_text)
        if obj is None or not controls(self, who, obj):
            return
        try:
            obj.db.desc = check_text(text, "the description")
        except (InvalidNameError, UnstorableValueError, ValueError) as error:
            self.session.msg(f"desc: {error}.")
            return
        self.session.msg(f"Described {_ref(obj)}.")


class CmdName(BuilderCommand):
    """Rename an object, and give it aliases.

    Usage:
      name <object> = <new name>[;alias;alias]
    """

    key = "name"
    aliases = ("@name", "rename")

    def build(self, who: Character) -> None:
        """Set the key (and the aliases, if any are given) of an object you control."""
        target_text, names = split_assign(self.args)
        if not target_text or not names:
            self.session.msg("Usage: name <object> = <new name>[;alias;alias]")
            return
        try:
            key, aliases = parse_names(names, "the new name")
        except InvalidNameError as error:
            self.session.msg(f"name: {error}.")
            return
        obj = find_target(self, who, target_text)
        if obj is None or not controls(self, who, obj):
            return
        if obj.get_attribute(ACCOUNT_ATTRIBUTE) is not None and not _developer(who):
            self.session.msg(f"{_ref(obj)} is an account's character; its name stays.")
            return
        old = _ref(obj)
        obj.key = key
        if ";" in names:
            obj.aliases = aliases
        shown = f" (aliases: {', '.join(obj.aliases)})" if obj.aliases else ""
        self.session.msg(f"Renamed {old} to {obj.key}{shown}.")


class CmdSetAttribute(BuilderCommand):
    """Set, show or delete an attribute of an object; values are JSON.

    Usage:
      set <object>/<attribute> = <JSON value>
      set <object>/<attribute>        show it
      set <object>/<attribute> =      delete it

    Examples: set sword/damage = 7    set chest/keys = ["brass", "iron"]
              set sign/text = "Keep out"   (text needs quotes)
    """

    key = "set"
    aliases = ("@set",)

    def build(self, who: Character) -> None:
        """Parse the JSON, check the name, store it (or show it, or delete it)."""
        left, value_text = split_assign(self.args)
        target_text, slash, name = left.rpartition("/")
        name = name.strip()
        if not slash or not target_text.strip() or not name:
            self.session.msg("Usage: set <object>/<attribute> = <JSON value>")
            return
        obj = find_target(self, who, target_text)
        if obj is None:
            return
        if value_text is None:
            if obj.access(who, "examine"):
                shown = _json(obj, name, obj.get_attribute(name)) if name in obj.db else "unset"
                self.session.msg(f"{_ref(obj)}/{name} = {shown}")
            else:
                self.session.msg(f"You may not examine {_ref(obj)}.")
            return
        if name in PROTECTED_ATTRIBUTES and not _developer(who):
            self.session.msg(f"{name} is kept by Ember itself; only a Developer changes it.")
            return
        if not controls(self, who, obj):
            return
        if not value_text:
            found = obj.delete_attribute(name) if name.isidentifier() else False
            self.session.msg(f"{'Deleted' if found else 'There was no'} {_ref(obj)}/{name}.")
            return
        try:
            value = json.loads(value_text)
        except RecursionError:
            self.session.msg("set: the value nests too deeply.")
            return
        except ValueError as error:
            self.session.msg(
                f'set: the value is not JSON ({error}). Text needs double quotes: "like this".'
            )
            return
        try:
            obj.set_attribute(name, value)
        except (InvalidNameError, UnstorableValueError, ValueError) as error:
            self.session.msg(f"set: {error}.")
            return
        self.session.msg(f"Set {_ref(obj)}/{name} = {_json(obj, name, value)}")


class CmdExamine(Command):
    """Show what an object is made of: id, class, place, home, tags, locks, attributes.

    Usage:
      examine [<object>]     (the room you stand in without one)

    Anyone may try; the object's examine lock says who sees (Builders, by default).
    """

    key = "examine"
    aliases = ("ex", "@examine")
    interrupts_action = False  # runs alongside an action
    help_category = "Building"

    def func(self) -> None:
        """Show the object if its examine lock lets the caller."""
        who = builder(self)
        if who is None:
            return
        obj = find_target(self, who, self.args or "here")
        if obj is None:
            return
        if not obj.access(who, "examine"):
            self.session.msg(f"You may not examine {_ref(obj)}.")
            return
        cls = type(obj)
        lines = [f"{obj.key} ({obj.dbref})", f"  class: {cls.__module__}:{cls.__qualname__}"]
        missing = self.context.world.missing_classes().get(obj.id)
        if missing is not None:
            lines.append(f"  stored class (missing): {missing}")
        if obj.aliases:
            lines.append(f"  aliases: {', '.join(obj.aliases)}")
        lines.append(f"  location: {_ref(obj.location)}")
        lines.append(f"  home: {_ref(obj.home)}")
        if isinstance(obj, Exit):
            lines.append(f"  destination: {_ref(obj.destination)}")
        if obj.tags:
            lines.append(f"  tags: {', '.join(sorted(obj.tags))}")
        lines.append(f"  locks: {str(obj.locks) or '(defaults)'}")
        if obj.locks.broken:
            lines.append(f"  locks are broken, every access is refused: {obj.locks.broken}")
        names = obj.attribute_names()
        attrs = [f"  {n} = {_json(obj, n, obj.get_attribute(n))}" for n in names]
        lines.append(f"  attributes: {len(names)}" if names else "  attributes: none")
        lines.extend(_bounded(attrs, "attributes"))
        contents = [f"  {_ref(o)}" for o in obj.contents]
        if contents:
            lines.append(f"  contents: {len(contents)}")
            lines.extend(_bounded(contents, "objects"))
        self.session.msg("\n".join(lines))


class CmdFind(BuilderCommand):
    """Find objects anywhere in the world by exact name or alias, or by id.

    Usage:
      find <name>
      find #<id>
    """

    key = "find"
    aliases = ("@find", "locate")

    def build(self, who: Character) -> None:
        """List up to LINES_SHOWN matches with their id, class and place."""
        query = self.args.strip()
        if not query:
            self.session.msg("Usage: find <name>  or  find #<id>")
            return
        world = self.context.world
        if query.startswith("#") and query[1:].isdigit():
            obj = world.get(int(query[1:]))
            found = [obj] if obj is not None else []
        elif len(query) > MAX_KEY_LENGTH:
            self.session.msg(f"No name is longer than {MAX_KEY_LENGTH} characters.")
            return
        else:
            found = world.find(query)
        shown = query if len(query) <= 40 else query[:40] + "..."
        if not found:
            self.session.msg(f"No object is called '{shown}' (find looks for whole names).")
            return
        lines = [f"{len(found):,} found for '{shown}':"]
        lines.extend(
            _bounded(
                [f"  {_ref(o)} {type(o).__name__} in {_ref(o.location)}" for o in found],
                "objects",
            )
        )
        self.session.msg("\n".join(lines))


class CmdLock(BuilderCommand):
    """Set, list or remove the locks of an object.

    Usage:
      lock <object>                      list its locks
      lock <object> = <type>: <expression>[; <type>: <expression>]
      lock/del <object> = <type>         back to the default

    Example: lock chest = get: perm(Builder) or holds(brass key)
    A lock that does not parse is refused here, with where it goes wrong.
    """

    key = "lock"
    aliases = ("@lock",)

    def build(self, who: Character) -> None:
        """List (needs examine), or set or remove (needs control) the locks."""
        target_text, text = split_assign(self.args)
        if not target_text:
            self.session.msg("Usage: lock <object> [= <type>: <expression>]")
            return
        obj = find_target(self, who, target_text)
        if obj is None:
            return
        if text is None:
            self._list(who, obj)
            return
        if not text:
            self.session.msg("lock: give the lock after '=', such as get: perm(Builder).")
            return
        if not controls(self, who, obj):
            return
        if "del" in self.switches:
            removed = obj.locks.remove(text)
            self.session.msg(
                f"Removed the {text} lock of {_ref(obj)}."
                if removed
                else f"{_ref(obj)} has no {text} lock of its own."
            )
            return
        try:
            kinds = obj.locks.add(text)
        except LockError as error:
            self.session.msg(f"lock: {error}. The locks are unchanged.")
            return
        self.session.msg(f"Locked {_ref(obj)}: {', '.join(kinds)}.")

    def _list(self, who: Character, obj: GameObject) -> None:
        if not obj.access(who, "examine"):
            self.session.msg(f"You may not examine {_ref(obj)}.")
            return
        lines = [f"Locks of {_ref(obj)}:"]
        own = obj.locks.types()
        lines.extend(f"  {kind}: {obj.locks.get(kind)}" for kind in own)
        lines.extend(
            f"  {kind}: {text}  (default)"
            for kind, text in DEFAULT_LOCKS.items()
            if kind not in own
        )
        if obj.locks.broken:
            lines.append(f"  broken, every access refused: {obj.locks.broken}")
        self.session.msg("\n".join(lines))


def _developer(who: Character) -> bool:
    return has_permission(who.permissions, "Developer")
