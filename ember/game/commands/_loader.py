"""Loading the game directory's ``commands`` module: its Command classes and hooks
(``at_cmdset``, ``at_gmcp``)."""

from __future__ import annotations

import inspect
import logging
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ember.game._game_modules import import_game_module
from ember.game.commands._command import CmdSet, Command
from ember.game.commands.helping import HELP_FOLDER, load_help_topics

__all__ = ["GAME_COMMANDS_MODULE", "GameCommands", "load_game_commands"]

log = logging.getLogger("ember.game")

GAME_COMMANDS_MODULE = "commands"


@dataclass(frozen=True, slots=True)
class GameCommands:
    """What the game's commands module offers; ``error`` holds the traceback if it broke."""

    commands: tuple[type[Command], ...] = ()
    at_cmdset: Callable[[CmdSet], object] | None = None
    error: str | None = None
    #: ``at_gmcp(session, package, data)``: called with each GMCP message from a client.
    at_gmcp: Callable[[Any, str, Any], object] | None = None
    #: The topic pages of the game's ``help/`` folder (name -> text).
    help_topics: Mapping[str, str] = field(default_factory=dict)

    def apply(self, cmdset: CmdSet) -> CmdSet:
        """Add the game's commands and help topics to ``cmdset`` and run its ``at_cmdset``
        hook on it."""
        for command in self.commands:
            cmdset.add(command)
        cmdset.help_topics.update(self.help_topics)
        if self.at_cmdset is not None:
            self.at_cmdset(cmdset)
        return cmdset


def load_game_commands(game_dir: str | Path) -> GameCommands:
    """Import ``GAME_DIR/commands.py`` (or package) afresh and collect what it defines,
    with the help topics of ``GAME_DIR/help/`` (see :func:`load_help_topics`).

    Every :class:`Command` subclass defined in the module itself (not imported into it) with a
    ``key`` is collected. A module that fails to import is logged with its traceback and
    reported in ``error``; the server then runs with the default commands.
    """
    game_dir = Path(game_dir).resolve()
    topics = load_help_topics(game_dir / HELP_FOLDER)
    if (
        not (game_dir / f"{GAME_COMMANDS_MODULE}.py").exists()
        and not (game_dir / GAME_COMMANDS_MODULE / "__init__.py").exists()
    ):
        return GameCommands(help_topics=topics)
    try:
        module = import_game_module(game_dir, GAME_COMMANDS_MODULE)
        commands = tuple(
            obj
            for obj in vars(module).values()
            if inspect.isclass(obj)
            and issubclass(obj, Command)
            and obj.__module__ == module.__name__
            and obj.key
        )
        hook = getattr(module, "at_cmdset", None)
        if hook is not None and not callable(hook):
            raise TypeError(f"at_cmdset in {module.__file__} must be a function, not {hook!r}")
        gmcp_hook = getattr(module, "at_gmcp", None)
        if gmcp_hook is not None and not callable(gmcp_hook):
            raise TypeError(f"at_gmcp in {module.__file__} must be a function, not {gmcp_hook!r}")
    except Exception:
        error = traceback.format_exc()
        log.error("the game's commands module failed to load; using the defaults:\n%s", error)
        return GameCommands(error=error, help_topics=topics)
    return GameCommands(commands, hook, at_gmcp=gmcp_hook, help_topics=topics)
