"""Playing characters: pick one (``ic``), make another (``charcreate``), and the Developers'
list of objects whose class no longer exists (``missing``)."""

from __future__ import annotations

from ember.game._players import CharacterLimitError
from ember.game.accounts import DEVELOPER
from ember.game.commands._command import Command
from ember.world import InvalidNameError

__all__ = ["CmdCharCreate", "CmdIc", "CmdMissing"]


class CmdIc(Command):
    """Play one of your characters ("in character").

    Usage:
      ic            list your characters
      ic <name>     play that one
    """

    key = "ic"
    aliases = ("puppet",)

    def func(self) -> None:
        """List the account's characters, or play the one named."""
        account = self.account
        if account is None:
            return
        characters = self.context.players.characters_of(account)
        if not self.args:
            names = ", ".join(c.key for c in characters) or "none"
            self.session.msg(f"Your characters: {names}. Type 'ic <name>' to play one.")
            return
        found = [c for c in characters if c.key.lower() == self.args.lower()]
        if not found:
            self.session.msg(f"You have no character called {self.args!r}.")
            return
        self.context.play(self.session, found[0])


class CmdCharCreate(Command):
    """Make a new character for your account (up to MAX_CHARACTERS_PER_ACCOUNT).

    Usage: charcreate <name>
    """

    key = "charcreate"

    def func(self) -> None:
        """Create the character in the start location; play it with ``ic <name>``."""
        account = self.account
        if account is None:
            return
        if not self.args:
            self.session.msg("Usage: charcreate <name>")
            return
        try:
            character = self.context.players.create_for(account, self.args)
        except (CharacterLimitError, InvalidNameError) as error:
            self.session.msg(str(error))
            return
        self.session.msg(f"Made {character.key} ({character.dbref}). Type 'ic {character.key}'.")


class CmdMissing(Command):
    """List the objects whose class no longer exists, or whose stored attributes could not
    be read (Developers only).

    Such an object loaded with the base class; it is kept as it is stored until its class
    is back (restore the code and reload) or a Developer deletes it.
    """

    key = "missing"
    permission = DEVELOPER
    help_category = "Developer"

    def func(self) -> None:
        """One line per object: its id, key and the class reference it was stored with; then
        objects whose stored attributes proved unreadable after start, with the reason."""
        world = self.context.world
        missing, damaged = world.missing_classes(), world.damaged_objects()
        if not missing and not damaged:
            self.session.msg("Every object's class exists.")
            return
        lines: list[str] = []
        if missing:
            lines.append(
                f"{len(missing)} object{'s' if len(missing) != 1 else ''} without a class:"
            )
        for object_id, ref in sorted(missing.items()):
            obj = world.get(object_id)
            lines.append(f"  #{object_id} {obj.key if obj is not None else '?'}: {ref}")
        if damaged:
            lines.append(
                f"{len(damaged)} object{'s' if len(damaged) != 1 else ''} with unreadable stored"
                " attributes (left out; their rows stay in the database):"
            )
        for object_id, reason in sorted(damaged.items()):
            obj = world.get(object_id)
            lines.append(f"  #{object_id} {obj.key if obj is not None else '?'}: {reason}")
        self.session.msg("\n".join(lines))
