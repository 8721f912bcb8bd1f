"""Commands: the ``Command`` class, command sets, dispatch, and Ember's default commands."""

from ember.game.commands._command import DEFAULT_SHORTCUTS, CmdSet, Command
from ember.game.commands._dispatch import Dispatcher, split_command
from ember.game.commands._loader import GameCommands, load_game_commands
from ember.game.commands.actions import CmdStop
from ember.game.commands.building import (
    CmdCreateObject,
    CmdDestroy,
    CmdDig,
    CmdOpen,
    CmdTeleport,
)
from ember.game.commands.building_edit import (
    CmdDesc,
    CmdExamine,
    CmdFind,
    CmdLock,
    CmdName,
    CmdSetAttribute,
)
from ember.game.commands.channels import ChannelCommand, CmdChannels
from ember.game.commands.characters import CmdCharCreate, CmdIc, CmdMissing
from ember.game.commands.developer import CmdPy, CmdReload
from ember.game.commands.general import CmdQuit, CmdWho
from ember.game.commands.helping import CmdHelp, load_help_topics
from ember.game.commands.items import CmdDrop, CmdGet, CmdGive, CmdInventory
from ember.game.commands.login import LOGIN_SCREEN, CmdConnect, CmdCreate
from ember.game.commands.looking import CmdGo, CmdLook
from ember.game.commands.talking import CmdEmote, CmdPage, CmdSay, CmdWhisper
from ember.game.commands.tasks import CmdTasks

__all__ = [
    "BUILDING_COMMANDS",
    "DEFAULT_SHORTCUTS",
    "LOGIN_SCREEN",
    "ChannelCommand",
    "CmdChannels",
    "CmdCharCreate",
    "CmdConnect",
    "CmdCreate",
    "CmdCreateObject",
    "CmdDesc",
    "CmdDestroy",
    "CmdDig",
    "CmdDrop",
    "CmdEmote",
    "CmdExamine",
    "CmdFind",
    "CmdGet",
    "CmdGive",
    "CmdGo",
    "CmdHelp",
    "CmdIc",
    "CmdInventory",
    "CmdLock",
    "CmdLook",
    "CmdMissing",
    "CmdName",
    "CmdOpen",
    "CmdPage",
    "CmdPy",
    "CmdQuit",
    "CmdReload",
    "CmdSay",
    "CmdSet",
    "CmdSetAttribute",
    "CmdStop",
    "CmdTasks",
    "CmdTeleport",
    "CmdWhisper",
    "CmdWho",
    "Command",
    "Dispatcher",
    "GameCommands",
    "default_cmdset",
    "load_game_commands",
    "load_help_topics",
    "login_cmdset",
    "split_command",
]


#: The builders' commands (permission Builder; ``examine`` is open to all, behind locks).
BUILDING_COMMANDS = (
    *(CmdDig, CmdOpen, CmdCreateObject, CmdTeleport, CmdDestroy),
    *(CmdDesc, CmdName, CmdSetAttribute, CmdExamine, CmdFind, CmdLock),
)


def login_cmdset() -> CmdSet:
    """Return the commands of the login screen: create, connect, help, who, quit (and no
    shortcuts: ``'hi`` means nothing before logging in)."""
    return CmdSet([CmdCreate, CmdConnect, CmdHelp, CmdWho, CmdQuit], shortcuts={})


def default_cmdset() -> CmdSet:
    """Return the commands of a logged-in account before the game adds its own."""
    return CmdSet(
        [
            *(CmdHelp, CmdWho, CmdSay, CmdLook, CmdQuit, CmdPy, CmdReload, CmdTasks),
            *(CmdIc, CmdCharCreate, CmdMissing, CmdStop),
            *BUILDING_COMMANDS,
            CmdChannels,
            # Player commands (issue 14): looking, moving, things, talking.
            *(CmdGo, CmdGet, CmdDrop, CmdGive, CmdInventory, CmdEmote, CmdWhisper, CmdPage),
        ]
    )
