"""The game process: sessions, accounts, commands, settings and the server tying them together.

The names load lazily (PEP 562), like ``ember``'s own: the CLI and the portal read
``ember.game.settings`` and must not pay for importing the whole game on their way up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ember._lazy import lazy_names

if TYPE_CHECKING:
    from ember.game._account_admin import create_account
    from ember.game.accounts import Account, AccountError, LoginError
    from ember.game.commands import CmdSet, Command
    from ember.game.server import GameServer
    from ember.game.sessions import Session, SessionRegistry
    from ember.game.settings import Settings, SettingsError, load_settings

# public name -> the module that defines it
_LAZY: dict[str, str] = {
    "create_account": "ember.game._account_admin",
    "Account": "ember.game.accounts",
    "AccountError": "ember.game.accounts",
    "LoginError": "ember.game.accounts",
    "CmdSet": "ember.game.commands",
    "Command": "ember.game.commands",
    "GameServer": "ember.game.server",
    "Session": "ember.game.sessions",
    "SessionRegistry": "ember.game.sessions",
    "Settings": "ember.game.settings",
    "SettingsError": "ember.game.settings",
    "load_settings": "ember.game.settings",
}

__all__ = [
    "Account",
    "AccountError",
    "CmdSet",
    "Command",
    "GameServer",
    "LoginError",
    "Session",
    "SessionRegistry",
    "Settings",
    "SettingsError",
    "create_account",
    "load_settings",
]


__getattr__, __dir__ = lazy_names(globals(), _LAZY)
