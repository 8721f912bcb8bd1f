"""The one shared room every logged-in player stands in (until the game grows a world)."""

from __future__ import annotations

from collections.abc import Callable

from ember.game.accounts import Account

__all__ = ["Room"]


class Room:
    """A place: a name, a description, and the accounts online in it.

    ``occupants`` is a function returning who is here right now (the server passes the
    online accounts), so the room never holds stale lists.
    """

    def __init__(self, name: str, description: str, occupants: Callable[[], list[Account]]) -> None:
        self.name = name
        self.description = description
        self._occupants = occupants

    def contents(self) -> list[Account]:
        """Return the accounts here, by name."""
        return self._occupants()

    def msg_contents(self, text: str, *, exclude: Account | None = None) -> None:
        """Send ``text`` to everyone here except ``exclude``."""
        for account in self.contents():
            if account is not exclude:
                account.msg(text)

    def describe(self, looker: Account | None = None) -> str:
        """Return what ``look`` shows: name, description and who is here."""
        names = [a.name if a is not looker else "you" for a in self.contents()]
        here = ", ".join(names) if names else "nobody"
        return f"{self.name}\n{self.description}\nHere: {here}."

    def __repr__(self) -> str:
        return f"<Room {self.name!r}>"
