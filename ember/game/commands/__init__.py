"""Commands: the ``Command`` class, command sets, dispatch, and Ember's default commands."""

from ember.game.commands._command import CmdSet, Command
from ember.game.commands._dispatch import Dispatcher, split_command
from ember.game.commands._loader import GameCommands, load_game_commands
from ember.game.commands.actions import CmdStop
from ember.game.commands.characters import CmdCharCreate, CmdIc, CmdMissing
from ember.game.commands.developer import CmdPy, CmdReload
from ember.game.commands.general import CmdHelp, CmdLook, CmdQuit, CmdSay, CmdWho
from ember.game.commands.login import LOGIN_SCREEN, CmdConnect, CmdCreate
from ember.game.commands.tasks import CmdTasks

__all__ = [
    "LOGIN_SCREEN",
    "CmdCharCreate",
    "CmdConnect",
    "CmdCreate",
    "CmdHelp",
    "CmdIc",
    "CmdLook",
    "CmdMissing",
    "CmdPy",
    "CmdQuit",
    "CmdReload",
    "CmdSay",
    "CmdSet",
    "CmdStop",
    "CmdTasks",
    "CmdWho",
    "Command",
    "Dispatcher",
    "GameCommands",
    "default_cmdset",
    "load_game_commands",
    "login_cmdset",
    "split_command",
]


def login_cmdset() -> CmdSet:
    """Return the commands of the login screen: create, connect, help, who, quit."""
    return CmdSet([CmdCreate, CmdConnect, CmdHelp, CmdWho, CmdQuit])


def default_cmdset() -> CmdSet:
    """Return the commands of a logged-in account before the game adds its own."""
    return CmdSet(
        [
            *(CmdHelp, CmdWho, CmdSay, CmdLook, CmdQuit, CmdPy, CmdReload, CmdTasks),
            *(CmdIc, CmdCharCreate, CmdMissing, CmdStop),
        ]
    )
