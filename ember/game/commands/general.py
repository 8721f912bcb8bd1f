"""Everyday commands: who, quit (help, look and say have their own modules)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ember.game.commands._command import Command
from ember.world import has_permission

if TYPE_CHECKING:
    from ember.game.sessions import Session

__all__ = ["CmdQuit", "CmdWho", "format_duration"]


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


class CmdWho(Command):
    """List who is online: each character being played, how long its player has been idle
    and (to players) where it is.

    Usage:
      who

    An account that is still choosing a character is counted, not named. Admins also
    see the account behind each character.
    """

    key = "who"
    aliases = ("doing",)
    interrupts_action = False  # runs alongside an action

    def func(self) -> None:
        """Show one line per character played (by any number of sessions)."""
        sessions = self.server.sessions
        online = self.server.accounts.registry.online()
        logged_in = self.session.account is not None  # "where" is not shown at the login
        staff = logged_in and _is_admin(self.caller)
        rows: dict[object, list[Session]] = {}
        for session in sessions:
            if session.account is not None and session.character is not None:
                rows.setdefault(session.character, []).append(session)
        players = {id(s.account) for row in rows.values() for s in row}
        choosing = sum(1 for account in online if id(account) not in players)
        lines = [f"{'Name':<30} {'Idle':>6}  Where" if logged_in else f"{'Name':<30} {'Idle':>6}"]
        for character, playing in sorted(rows.items(), key=lambda row: str(row[0]).lower()):
            idle = min(sessions.idle(s) for s in playing)
            name = str(character)
            account = playing[0].account
            if staff and account is not None and account.name != name:
                name += f" ({account.name})"
            where = _place(playing[0]) if logged_in else ""
            lines.append(f"{name:<30} {format_duration(idle):>6}  {where}".rstrip())
        if choosing:
            lines.append(f"({choosing} choosing a character)")
        count = len(online)
        lines.append(f"{count} account{'s' if count != 1 else ''} online.")
        self.session.msg("\n".join(lines))


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


def _is_admin(caller: object) -> bool:
    """Whether ``caller`` holds Admin or more (it sees the accounts behind characters)."""
    return has_permission(getattr(caller, "permissions", ()), "Admin")
