"""The ``Command`` base class game makers subclass, and ``CmdSet``, a merged set of commands."""

from __future__ import annotations

import inspect
import types
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from ember.world import UnknownPermissionError, has_permission

if TYPE_CHECKING:
    from ember.game.accounts import Account
    from ember.game.context import GameContext
    from ember.game.sessions import Session
    from ember.world import Character

__all__ = ["DEFAULT_SHORTCUTS", "CmdSet", "Command"]

#: One-character prefixes typed without a space, and the command each stands for:
#: ``'hello`` is ``say hello``, ``:waves`` is ``emote waves``. A game changes them on its
#: command set (``cmdset.add_shortcut("@", "emote")``, ``cmdset.remove_shortcut('"')``).
DEFAULT_SHORTCUTS: Mapping[str, str] = types.MappingProxyType(
    {"'": "say", '"': "say", ":": "emote"}
)


class Command:
    """One command: subclass it, set ``key`` (and maybe ``aliases``), write ``func``.

    Before the hooks run, the instance gets ``caller`` (the Character in play; the Session
    at the login screen, the Account while it picks a character), ``account`` (the
    logged-in Account, or ``None``), ``session``, ``args`` (the text after the command
    word, stripped),
    ``switches`` (``tasks/cancel 3`` gives ``["cancel"]``), ``cmdstring`` (the word as
    typed), ``raw`` (the whole line), ``cmdset`` (the commands it was found among) and
    ``context`` (the running game as commands see it, a ``GameContext``; ``server`` is the
    same object under its older name). The hooks run in order: ``parse()``,
    ``at_pre_cmd()`` (returning True stops there), ``func()``, ``at_post_cmd()``. ``func``
    may be ``async def`` or a generator (``yield 5`` pauses, ``answer = yield "Sure?"``
    asks; see ``ember.interactive``); it then runs as a task, other commands run meanwhile,
    and ``at_post_cmd`` follows when it ends (also after an error). ``help`` lists the
    command under its ``help_category``.

    Example::

        class CmdSmile(Command):
            "Smile at everyone."
            key = "smile"
            aliases = ("grin",)

            def func(self):
                self.caller.msg("You smile.")
    """

    key: ClassVar[str] = ""
    aliases: ClassVar[tuple[str, ...]] = ()
    #: Shown by ``help <key>``; the class docstring when left empty.
    help_text: ClassVar[str] = ""
    #: The heading ``help`` lists the command under.
    help_category: ClassVar[str] = "General"
    #: ``None`` (anyone) or a permission the caller must hold (or one above it), such as
    #: ``"Builder"``.
    permission: ClassVar[str | None] = None
    #: Hold the session's further input until this command finishes (logins do).
    hold_input: ClassVar[bool] = False
    #: While the caller is busy with an action (docs/actions.md): ``None`` refuses this
    #: command with the action's message, ``True`` interrupts the action first (movement),
    #: ``False`` runs alongside it (look, say, help).
    interrupts_action: ClassVar[bool | None] = None
    #: A generator or ``async def`` ``func`` survives reloads and crashes: each completed
    #: step is journaled and replayed after a restart (docs/durable-flows.md).
    durable: ClassVar[bool] = False

    caller: Character | Account | Session
    session: Session
    args: str
    switches: list[str]
    cmdstring: str
    raw: str
    cmdset: CmdSet
    context: GameContext

    @property
    def account(self) -> Account | None:
        """The account logged in on this command's session (``None`` at the login screen)."""
        return self.session.account

    @property
    def server(self) -> GameContext:
        """The running game as commands see it: the same object as ``context``."""
        return self.context

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """Return the key and aliases, lower-cased."""
        return tuple(name.lower() for name in (cls.key, *cls.aliases) if name)

    @classmethod
    def help(cls) -> str:
        """Return the help text (``help_text`` or the class docstring)."""
        # The class's own docstring only: an inherited one would describe another command.
        text = cls.help_text or inspect.cleandoc(cls.__dict__.get("__doc__") or "")
        return text.strip() or f"No help for {cls.key}."

    @classmethod
    def summary(cls) -> str:
        """Return the first line of the help text."""
        return cls.help().splitlines()[0]

    @classmethod
    def allowed(cls, caller: object) -> bool:
        """Return whether ``caller`` may run this command: ``permission`` is ``None``, or
        the caller holds it or one above it (Player < Builder < Admin < Developer, as locks'
        ``perm()``). A game's own permission name outside the hierarchy must be held as is."""
        if cls.permission is None:
            return True
        held = getattr(caller, "permissions", ()) or ()
        try:
            return has_permission(held, cls.permission)
        except UnknownPermissionError:
            return cls.permission in held

    def parse(self) -> None:
        """Turn ``args`` into whatever ``func`` needs; by default nothing."""

    def at_pre_cmd(self) -> bool | None:
        """Run before ``func``; return True to stop the command there."""
        return None

    def func(self) -> Any:
        """Do the command's work; may be a coroutine or generator function."""
        self.caller.msg(f"Command {self.key!r} has no func() yet.")

    def at_post_cmd(self) -> None:
        """Run after ``func`` has finished (also an ``async`` or generator one, or an error)."""


class CmdSet:
    """A set of command classes found by key or alias (case-insensitive).

    Adding a command whose key or alias is already taken replaces the older one for those
    names; ``merge`` adds another set's commands on top (later wins). A set also holds the
    one-character ``shortcuts`` (``'hello`` for ``say hello``; :data:`DEFAULT_SHORTCUTS`)
    and the ``help_topics`` that ``help`` shows beside the commands.

    Example::

        cmdset = CmdSet([CmdLook, CmdSay])
        cmdset.add(CmdSmile)
        cmdset.remove("say")
        cmdset.add_shortcut(";", "emote")
        cmdset.help_topics["rules"] = "Be kind."
    """

    def __init__(
        self,
        commands: Iterable[type[Command]] = (),
        *,
        shortcuts: Mapping[str, str] = DEFAULT_SHORTCUTS,
    ) -> None:
        self._names: dict[str, type[Command]] = {}
        self._shortcuts: dict[str, str] = {}
        #: Help pages beyond the commands' own (name -> text): ``help <name>`` shows one.
        #: The game's ``help/`` folder fills it at start; ``at_cmdset`` may add more.
        self.help_topics: dict[str, str] = {}
        for command in commands:
            self.add(command)
        for prefix, key in shortcuts.items():
            self.add_shortcut(prefix, key)

    @property
    def shortcuts(self) -> Mapping[str, str]:
        """The one-character prefixes and the command key each stands for (read only)."""
        return types.MappingProxyType(self._shortcuts)

    def add_shortcut(self, prefix: str, key: str) -> None:
        """Make ``prefix`` (one character, not a letter, digit or space) typed at the start
        of a line stand for the command ``key``: ``add_shortcut(":", "emote")`` turns
        ``:waves`` into ``emote waves``. Raises ``ValueError`` for another kind of prefix."""
        if (
            not isinstance(prefix, str)
            or len(prefix) != 1
            or prefix.isalnum()
            or prefix.isspace()
            or not prefix.isprintable()
        ):
            raise ValueError(
                f"a shortcut is one character that is not a letter, digit or space: {prefix!r}"
            )
        if not isinstance(key, str) or not key.strip() or " " in key.strip():
            raise ValueError(f"a shortcut stands for one command word, not {key!r}")
        self._shortcuts[prefix] = key.strip().lower()

    def remove_shortcut(self, prefix: str) -> None:
        """Stop ``prefix`` standing for a command (unknown: no error)."""
        self._shortcuts.pop(prefix, None)

    def add(self, command: type[Command]) -> None:
        """Add ``command``; it overrides earlier commands with the same key or an alias."""
        if not (isinstance(command, type) and issubclass(command, Command)):
            raise TypeError(f"CmdSet.add needs a Command subclass, not {command!r}")
        if not command.key:
            raise ValueError(f"command class {command.__name__} has no key")
        for name in command.names():
            old = self._names.get(name)
            if old is not None and old is not command:
                self._drop(old)
        for name in command.names():
            self._names[name] = command

    def remove(self, command: type[Command] | str) -> None:
        """Remove a command, given its class or any of its names (unknown: no error)."""
        found = self._names.get(command.lower()) if isinstance(command, str) else command
        if found is not None:
            self._drop(found)

    def _drop(self, command: type[Command]) -> None:
        for name, held in list(self._names.items()):
            if held is command:
                del self._names[name]

    def merge(self, other: CmdSet) -> CmdSet:
        """Return a new set: this one's commands with ``other``'s added on top."""
        merged = CmdSet(self, shortcuts={**self._shortcuts, **other._shortcuts})
        for command in other:
            merged.add(command)
        merged.help_topics = {**self.help_topics, **other.help_topics}
        return merged

    def get(self, name: str) -> type[Command] | None:
        """Return the command called ``name`` (a key or an alias), or None."""
        return self._names.get(name.lower())

    def names(self) -> list[str]:
        """Return every key and alias, sorted."""
        return sorted(self._names)

    def __iter__(self) -> Iterator[type[Command]]:
        seen: dict[type[Command], None] = {}
        for command in self._names.values():
            seen.setdefault(command)
        return iter(sorted(seen, key=lambda c: c.key))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._names

    def __len__(self) -> int:
        return len(list(iter(self)))
