"""Everyday commands: help, who, say, look, quit."""

from __future__ import annotations

from ember.game.commands._command import Command
from ember.game.commands._suggest import unknown_message

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
    """List the accounts online and how long each has been idle."""

    key = "who"
    aliases = ("doing",)

    def func(self) -> None:
        """Show one line per online account."""
        sessions = self.server.sessions
        online = self.server.accounts.registry.online()
        lines = [f"{'Account':<30} {'Idle':>6}  Sessions"]
        for account in online:
            idle = min(sessions.idle(s) for s in account.sessions)
            lines.append(f"{account.name:<30} {format_duration(idle):>6}  {len(account.sessions)}")
        count = len(online)
        lines.append(f"{count} account{'s' if count != 1 else ''} online.")
        self.session.msg("\n".join(lines))


class CmdSay(Command):
    """Say something to everyone in the room.

    Usage: say <text>
    """

    key = "say"

    def func(self) -> None:
        """Send the speech to the speaker and to everyone else in the room."""
        if not self.args:
            self.session.msg("Say what?")
            return
        speaker = self.session.account
        assert speaker is not None
        speaker.msg(f'You say, "{self.args}"')
        self.server.room.msg_contents(f'{speaker.name} says, "{self.args}"', exclude=speaker)


class CmdLook(Command):
    """Look around: the room's name, its description and who is here."""

    key = "look"
    aliases = ("l",)

    def func(self) -> None:
        """Describe the shared room."""
        self.session.msg(self.server.room.describe(self.session.account))


class CmdQuit(Command):
    """Leave the game (this connection only)."""

    key = "quit"
    aliases = ("exit",)

    def func(self) -> None:
        """Close this session's connection."""
        self.server.sessions.close(self.session, "Goodbye!")
        self.server.status_changed()
