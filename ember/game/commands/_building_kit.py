"""What the building commands share: finding targets, names, control, the build budget.

One rule for targets: ``here``, ``me``, a name among what the builder can see (``2-sword``
picks the second), and then, for a name nothing nearby answers to, the whole world by exact
key or alias; ``#12`` names object 12 wherever it is. One rule for changing an object: the
``control`` lock (default ``perm(Admin)``); what a builder makes gets the lock
``control: id(#builder) or perm(Admin)``, so builders change what they made and Admins
everything. One budget: each account may make ``BUILD_OBJECTS_PER_MINUTE`` objects a
minute (a token bucket), so no line or loop of lines floods the world.
"""

from __future__ import annotations

import unicodedata
import weakref
from typing import Any, ClassVar

from ember.game.commands._command import Command
from ember.world import (
    MAX_ALIASES,
    Character,
    Exit,
    GameObject,
    InvalidNameError,
    has_permission,
)
from ember.world._limits import check_name

__all__ = [
    "BUILDER",
    "BuildBudget",
    "BuilderCommand",
    "builder",
    "check_text",
    "controls",
    "find_target",
    "owner_lock",
    "parse_names",
    "split_assign",
    "take_budget",
]

#: The permission the building commands need.
BUILDER = "Builder"

#: Shown when a target is given as an empty string.
_NOTHING = "Name something: a name, 'here', 'me' or an id such as #12."


class BuilderCommand(Command):
    """A building command: it needs Builder (or a permission above), ``help`` lists it under
    Building, and it runs for a character: ``build(who)`` gets the character in play, or is
    not called after the player is told to pick one."""

    permission: ClassVar[str | None] = BUILDER
    help_category = "Building"

    def func(self) -> Any:
        """Run :meth:`build` with the caller's character (its result is the command's)."""
        who = builder(self)
        return None if who is None else self.build(who)

    def build(self, who: Character) -> Any:
        """Do the command's work as ``who``; may return a generator (it then pauses/asks)."""
        raise NotImplementedError(f"{type(self).__name__} has no build() method")


def builder(command: Command) -> Character | None:
    """The character running ``command``, or ``None`` after telling the player they need
    one (an account that has not picked a character yet)."""
    caller = command.caller
    if isinstance(caller, Character):
        return caller
    command.session.msg("You are not playing a character yet (ic <name>).")
    return None


def split_assign(args: str) -> tuple[str, str | None]:
    """Split ``"left = right"`` at the first ``=`` into stripped parts; ``(args, None)``
    when there is no ``=``."""
    left, equals, right = args.partition("=")
    return (left.strip(), right.strip()) if equals else (args.strip(), None)


def parse_names(text: str, what: str) -> tuple[str, tuple[str, ...]]:
    """Split ``"north;n;no"`` into the key and its aliases, each checked as a name.

    Raises :class:`InvalidNameError` (its message is for the player) for an empty part,
    a name too long, one with control characters, or more than ``MAX_ALIASES`` aliases.
    """
    parts = [part.strip() for part in text.split(";")]
    if not parts[0]:
        raise InvalidNameError(f"{what} needs a name")
    if len(parts) - 1 > MAX_ALIASES:
        raise InvalidNameError(f"{what} may have at most {MAX_ALIASES} aliases")
    key = check_name(parts[0], what)
    aliases = tuple(dict.fromkeys(check_name(p, f"an alias of {key!r}") for p in parts[1:] if p))
    return key, aliases


def check_text(text: str, what: str) -> str:
    """Return ``text`` if it holds no control or format characters (escape codes, bidi
    marks); raise :class:`InvalidNameError` naming the first one otherwise."""
    if not text.isprintable():
        for char in text:
            if unicodedata.category(char)[0] == "C":
                raise InvalidNameError(
                    f"{what} holds the control character U+{ord(char):04X}; "
                    "use plain text (colour markup such as |r is fine)"
                )
    return text


def find_target(command: Command, searcher: GameObject, text: str) -> GameObject | None:
    """The object ``text`` names for ``searcher``'s builder, or ``None`` after saying why.

    ``here``, ``me``, names of what ``searcher`` can see (exact before partial, ``2-sword``
    for the second), ``#12`` anywhere in the world, else an exact key or alias anywhere.
    Several fitting is answered with a numbered choice. Only Builders reach past what
    they can see (a Player examining learns nothing of far-away objects).
    """
    query = text.strip()
    if not query:
        command.session.msg(_NOTHING)
        return None
    local = searcher.search(query)
    if local.found is not None:
        return local.found
    if local.matches or not has_permission(getattr(searcher, "permissions", ()), "Builder"):
        command.session.msg(local.message())
        return None
    anywhere = command.context.world.search(query)
    if anywhere.found is not None:
        return anywhere.found
    if anywhere.matches:
        command.session.msg(anywhere.message().replace(" here.", " in the world.", 1))
        return None
    shown = query if len(query) <= 40 else query[:40] + "..."
    command.session.msg(f"Nothing called '{shown}' here or anywhere (an id such as #12 works).")
    return None


def controls(command: Command, who: Character, obj: GameObject) -> bool:
    """Whether ``who`` passes ``obj``'s ``control`` lock; if not, say so."""
    if obj.access(who, "control"):
        return True
    command.session.msg(
        f"You do not control {obj.key} ({obj.dbref}): its control lock refuses you"
        " (builders control what they made; Admins control everything)."
    )
    return False


def owner_lock(who: Character) -> str:
    """The lock a builder's new objects get: the builder and Admins control them."""
    return f"control: id({who.dbref}) or perm(Admin)"


def describe_exit(exit_: Exit) -> str:
    """``north (#5) to Kitchen (#4)`` for messages."""
    target = exit_.destination
    where = f"{target.key} ({target.dbref})" if target is not None else "nowhere"
    return f"{exit_.key} ({exit_.dbref}) to {where}"


class BuildBudget:
    """A token bucket: ``per_minute`` objects at once at most, refilled at ``per_minute``
    a minute, so a builder works freely and a flood stops at a clear message."""

    __slots__ = ("last", "per_minute", "tokens")

    def __init__(self, per_minute: int, now: float) -> None:
        self.per_minute = per_minute
        self.tokens = float(per_minute)
        self.last = now

    def take(self, count: int, now: float) -> bool:
        """Spend ``count`` objects if the budget holds them all (else spend nothing)."""
        elapsed = max(0.0, now - self.last)
        self.last = now
        self.tokens = min(float(self.per_minute), self.tokens + elapsed * self.per_minute / 60)
        if count > self.tokens:
            return False
        self.tokens -= count
        return True

    def wait(self, count: int) -> float:
        """Seconds until ``count`` objects fit in the budget."""
        return max(0.0, (count - self.tokens) * 60 / self.per_minute)


# One budget per account (or character, without one); gone with the account object.
_budgets: weakref.WeakKeyDictionary[object, BuildBudget] = weakref.WeakKeyDictionary()


def take_budget(command: Command, count: int) -> bool:
    """Spend ``count`` objects of the caller's build budget, or say how long to wait."""
    per_minute = command.context.settings.build_objects_per_minute
    now = command.context.scheduler.clock.monotonic()
    owner: object = command.account or command.caller
    budget = _budgets.get(owner)
    if budget is None or budget.per_minute != per_minute:
        budget = _budgets[owner] = BuildBudget(per_minute, now)
    if budget.take(count, now):
        return True
    if count > per_minute:
        command.session.msg(
            f"That makes {count} objects at once; builders may make {per_minute} a minute"
            " (BUILD_OBJECTS_PER_MINUTE)."
        )
        return False
    command.session.msg(
        f"You have built as much as you may for now: {per_minute} objects a minute "
        f"(BUILD_OBJECTS_PER_MINUTE). This needs {count}; try again in "
        f"{max(1, round(budget.wait(count)))} s."
    )
    return False
