"""The game process: sessions, accounts, commands, settings and the server tying them together."""

from ember.game._account_admin import create_account
from ember.game.accounts import Account, AccountError, LoginError
from ember.game.commands import CmdSet, Command
from ember.game.server import GameServer
from ember.game.sessions import Session, SessionRegistry
from ember.game.settings import Settings, SettingsError, load_settings

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
