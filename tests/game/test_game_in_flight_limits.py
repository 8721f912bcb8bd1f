"""Per-player caps on commands running, questions pending and interactive functions (issue 9)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from gamekit import FAST, running_game

COMMANDS = """
from ember import Command, interactive, sleep


@interactive
def wonder(caller):
    answer = yield "Wonder what?"
    caller.msg(f"wondered: {answer}")


class CmdPonder(Command):
    key = "ponder"

    async def func(self):
        await sleep(600)


class CmdWonder(Command):
    key = "wonder"

    def func(self):
        for _ in range(int(self.args)):
            wonder(self.caller)
        self.caller.msg("wonder started")
"""


def game_dir(tmp_path: Path) -> Path:
    (tmp_path / "commands.py").write_text(textwrap.dedent(COMMANDS))
    return tmp_path


async def test_one_command_more_than_the_cap_is_refused(tmp_path: Path) -> None:
    settings = FAST.with_overrides(max_commands_running=3)
    async with running_game(game_dir(tmp_path), settings) as game:
        await game.login(1, "Ann")
        for _ in range(3):
            await game.portal.line(1, "ponder")
        await game.portal.command(
            1, "ponder", "ponder was not run: you have 3 commands still running"
        )
        assert game.server.dispatcher.running(game.server.accounts.registry.by_name("Ann")) == 3
        await game.login(2, "Bob")  # others are not limited by Ann's commands
        await game.portal.command(2, "look", "The Hearth")


async def test_questions_and_interactive_functions_are_capped(tmp_path: Path) -> None:
    settings = FAST.with_overrides(max_questions_pending=2, max_flows_running=4)
    async with running_game(game_dir(tmp_path), settings) as game:
        await game.login(1, "Ann")
        # The third function asks one question too many: refused, the player told.
        await game.portal.command(1, "wonder 3", "You have 2 questions waiting")
        await game.portal.command(1, "first", "wondered: first")
        await game.portal.command(1, "second", "wondered: second")
        # A fifth interactive function is not started.
        await game.portal.command(1, "wonder 5", "You have 4 things running already")
        await game.portal.command(1, "third", "wondered: third")
