"""The login screen's commands: create an account, connect to one, quit."""

from __future__ import annotations

from ember.errors import StoreError
from ember.game.accounts import AccountError, DuplicateAccountError, LoginError
from ember.game.commands._command import Command
from ember.game.commands._dispatch import CONNECT_WORDS, CREATE_WORDS
from ember.game.sessions import Session

__all__ = ["LOGIN_SCREEN", "STORE_AWAY", "CmdConnect", "CmdCreate"]

STORE_AWAY = "The account database is not answering right now; please try again in a moment."
LOGIN_SCREEN = """\
Welcome to Ember.

  connect NAME PASSWORD   log in to your account
  create NAME PASSWORD    make a new account (names: 3-30 letters, digits, _ or -)
  who                     who is playing
  help                    more help
  quit                    leave"""


def _name_and_password(command: Command, usage: str) -> tuple[str, str] | None:
    if command.switches:
        # Refused rather than ignored: `connect/x` must not log in by a side door.
        command.session.msg(f"{command.key} takes no switches. Usage: {usage}")
        return None
    name, _, password = command.args.partition(" ")
    if not name or not password.strip():
        command.session.msg(f"Usage: {usage}")
        return None
    return name, password.strip()


class CmdCreate(Command):
    """Create an account and log in to it.

    Usage: create NAME PASSWORD

    A name has 3 to 30 letters, digits, _ or -, starting with a letter. A password has at
    least 8 characters.
    """

    key, aliases = CREATE_WORDS[0], CREATE_WORDS[1:]
    hold_input = True

    async def func(self) -> None:
        """Validate, hash the password off the loop, store the account and log in."""
        parsed = _name_and_password(self, "create NAME PASSWORD")
        if parsed is None:
            return
        name, password = parsed
        try:
            account = await self.server.accounts.create(name, password)
        except (AccountError, DuplicateAccountError) as error:
            self.session.msg(str(error))
            return
        except StoreError:  # the database is away (logged by the store); it reconnects itself
            self.session.msg(STORE_AWAY)
            return
        self.session.msg(f"Account {account.name} created.")
        self.server.login(self.session, account)


class CmdConnect(Command):
    """Log in to your account.

    Usage: connect NAME PASSWORD
    """

    key, aliases = CONNECT_WORDS[0], CONNECT_WORDS[1:]
    hold_input = True

    async def func(self) -> None:
        """Check the password (throttled after repeated failures) and log in."""
        parsed = _name_and_password(self, "connect NAME PASSWORD")
        if parsed is None:
            return
        name, password = parsed
        try:
            account = await self.server.accounts.authenticate(
                name, password, address=self.session.address
            )
        except LoginError as error:
            self.session.msg(str(error))
            return
        if not isinstance(self.caller, Session) or self.session.account is not None:
            return  # logged in some other way while the password was checked
        self.server.login(self.session, account)
