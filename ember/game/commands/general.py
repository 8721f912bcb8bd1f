"""Everyday commands: help, who, say, look, quit."""

from __future__ import annotations

from ember.game._look import describe
from ember.game.commands._command import Command
from ember.game.commands._suggest import unknown_message
from ember.world import Character

__all__ = ["CmdHelp", "CmdLook", "CmdQuit", "CmdSay", "CmdWho", "format_duration"]


def format_duration(seconds: float) -> str:
    """Return ``seconds`` (rounded) as a short duration: ``5s``, ``4m59s``, ``2h05m``, ``3d04h``."""
    total = max(0, round(seconds))
    units = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))
    for index, (unit, size) in enumerate(units[:-1]):
        if total >= size:
            major, rest = divmod(total, size)
            minor_unit, minor_size = units[index + 1]
            minor = rest // minor_size
            return f"{major}{unit}" + (f"{minor:02d}{minor_unit}" if minor else "")
    return f"{total}s"


class CmdHelp(Command):
    """Show the commands you can use, or the help of one.

    Usage:
      help            list the commands
      help <command>  how to use one command
    """

    key = "help"
    aliases = ("?",)
    interrupts_action = False  # runs alongside an action

    def func(self) -> None:
        """List the allowed commands, or show one's help text."""
        cmdset = self.cmdset
        if self.args:
            found = cmdset.get(self.args.split()[0])
            if found is None or not found.allowed(self.caller):
                self.session.msg(
                    unknown_message(self.args.split()[0], cmdset, self.caller, lead="No help for")
                )
                return
            names = ", ".join(found.names())
            self.session.msg(f"Help for {found.key} ({names}):\n{found.help()}")
            return
        lines = ["Commands:"]
        for command in cmdset:
            if command.allowed(self.caller):
                lines.append(f"  {command.key:<12} {command.summary()}")
        lines.append("Type 'help <command>' for more.")
        self.session.msg("\n".join(lines))


class CmdWho(Command):
    """List the accounts online, how long each has been idle, and (to players) where each
    one's character is."""

    key = "who"
    aliases = ("doing",)
    interrupts_action = False  # runs alongside an action

    def func(self) -> None:
        """Show one line per online account."""
        sessions = self.server.sessions
        online = self.server.accounts.registry.online()
        lines = [f"{'Account':<30} {'Idle':>6}  Sessions  Where"]
        for account in online:
            idle = min(sessions.idle(s) for s in account.sessions)
            where = ""
            if self.session.account is not None:  # not shown at the login screen
                places = {_place(s) for s in account.sessions} - {""}
                where = ", ".join(sorted(places))
            lines.append(
                f"{account.name:<30} {format_duration(idle):>6}  {len(account.sessions):>8}"
                f"  {where}".rstrip()
            )
        count = len(online)
        lines.append(f"{count} account{'s' if count != 1 else ''} online.")
        self.session.msg("\n".join(lines))


class CmdSay(Command):
    """Say something to everyone in the room your character stands in.

    Usage: say <text>
    """

    key = "say"
    interrupts_action = False  # runs alongside an action

    def func(self) -> None:
        """Send the speech to the speaker and to everyone else in the room."""
        if not self.args:
            self.session.msg("Say what?")
            return
        speaker = self.caller
        if not isinstance(speaker, Character):
            self.session.msg("You are not playing a character yet.")
            return
        speaker.msg(f'You say, "{self.args}"')
        if speaker.location is not None:
            speaker.location.msg_contents(f'{speaker.key} says, "{self.args}"', exclude=speaker)


class CmdLook(Command):
    """Look around: the room's name, its description, its exits and who and what is here."""

    key = "look"
    aliases = ("l",)
    interrupts_action = False  # runs alongside an action

    def func(self) -> None:
        """Describe the room the caller's character stands in."""
        looker = self.caller
        if not isinstance(looker, Character):
            self.session.msg("You are not playing a character yet.")
            return
        self.session.msg(describe(looker.location, looker))


class CmdQuit(Command):
    """Leave the game (this connection only)."""

    key = "quit"
    aliases = ("exit",)
    interrupts_action = False  # runs alongside an action

    def func(self) -> None:
        """Close this session's connection."""
        self.server.sessions.close(self.session, "Goodbye!")
        self.server.status_changed()


def _place(session: object) -> str:
    """The key of the room the character played on ``session`` stands in, or ``""``."""
    character = getattr(session, "character", None)
    place = character.location if character is not None else None
    return place.key if place is not None else ""
