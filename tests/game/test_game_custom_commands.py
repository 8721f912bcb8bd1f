"""The game directory's commands module: additions, overrides, hooks, errors, a broken module."""

from __future__ import annotations

import logging
import re
import textwrap
from pathlib import Path

import pytest
from gamekit import make_developer, running_game

GAME_COMMANDS = '''
import asyncio
from ember.game.commands import Command

EVENTS = []

class CmdBoom(Command):
    """Explode on purpose."""
    key = "boom"

    def func(self):
        raise RuntimeError("kaboom " + self.args)


class CmdLook(Command):
    """A game's own look."""
    key = "look"
    aliases = ("l", "peer")

    def func(self):
        self.caller.msg("You see the game's own look.")


class CmdSlow(Command):
    """An async command: post runs after it."""
    key = "slow"

    async def func(self):
        await asyncio.sleep(0)
        self.caller.msg("slow done " + self.args)

    def at_post_cmd(self):
        self.caller.msg("post after slow")


class CmdAsyncBoom(Command):
    key = "aboom"

    async def func(self):
        await asyncio.sleep(0)
        raise ValueError("late failure")


class CmdGen(Command):
    key = "gen"

    def func(self):
        answer = yield "Which one?"
        yield 0
        self.caller.msg("gen got " + answer)

    def at_post_cmd(self):
        self.caller.msg("post after gen")


class CmdGuarded(Command):
    key = "guarded"

    def at_pre_cmd(self):
        self.caller.msg("stopped before func")
        return True

    def func(self):
        self.caller.msg("func ran")


class CmdParsed(Command):
    key = "count"

    def parse(self):
        self.words = self.args.split()

    def func(self):
        self.caller.msg(f"{len(self.words)} words, switches {self.switches}")


from ember import interactive


@interactive
def cracking(caller):
    yield 0
    raise RuntimeError("the flow cracked")


class CmdAwaitFlow(Command):
    key = "awaitflow"

    async def func(self):
        await cracking(self.caller)

    def at_post_cmd(self):
        self.caller.msg("post awaitflow")


def at_cmdset(cmdset):
    cmdset.remove("who")
'''


def write_commands(game_dir: Path, source: str) -> None:
    (game_dir / "commands.py").write_text(textwrap.dedent(source))


async def test_game_commands_add_and_override(tmp_path: Path) -> None:
    write_commands(tmp_path, GAME_COMMANDS)
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        await game.portal.command(1, "look", "You see the game's own look.")
        await game.portal.command(1, "peer", "You see the game's own look.")
        await game.portal.command(1, "who", "Unknown command 'who'")  # removed by at_cmdset
        await game.portal.command(1, "count/fast a b c", "3 words, switches ['fast']")
        await game.portal.command(1, "guarded", "stopped before func")
        await game.portal.command(1, "slow x", "slow done x")
        await game.portal.expect(1, "post after slow")
        assert "func ran" not in game.portal.texts(1)


async def test_an_error_in_a_command_is_logged_and_the_player_sees_one_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write_commands(tmp_path, GAME_COMMANDS)
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        with caplog.at_level(logging.ERROR, logger="ember.game"):
            text = await game.portal.command(1, "boom now", "An error occurred")
        found = re.fullmatch(
            r"An error occurred running boom \(error id ([0-9a-f]{6})\); it has been logged\.",
            text,
        )
        assert found is not None, text
        assert not [t for t in game.portal.texts(1) if "Traceback" in t]
        [record] = [r for r in caplog.records if "boom now" in r.getMessage()]
        # The id the player can quote is on the log line that carries the traceback.
        assert f"[error id {found[1]}]" in record.getMessage()
        assert record.error_id == found[1]  # type: ignore[attr-defined]
        assert "Ann" in record.getMessage() and "session 1" in record.getMessage()
        assert record.exc_info is not None and "kaboom now" in str(record.exc_info[1])
        assert record.command_line == "boom now"  # type: ignore[attr-defined]
        await game.portal.command(1, "say still fine", 'You say, "still fine"')
        # An error after an await is reported the same way.
        text = await game.portal.command(1, "aboom", "An error occurred")
        later = re.fullmatch(
            r"An error occurred running aboom \(error id ([0-9a-f]{6})\); it has been logged\.",
            text,
        )
        assert later is not None and later[1] != found[1], text  # each error its own id
        assert any("late failure" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)


async def test_a_command_awaiting_a_failing_flow_reports_the_error_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Issue 11, item 9: the flow reported it, then the command awaiting it reported it again.
    write_commands(tmp_path, GAME_COMMANDS)
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        with caplog.at_level(logging.ERROR):
            await game.portal.command(1, "awaitflow", "post awaitflow")
        told = [t for t in game.portal.texts(1) if "An error occurred" in t]
        assert len(told) == 1 and "cracking (error id " in told[0], told
        logged = [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert len(logged) == 1 and "the flow cracked" in str(logged[0].exc_info), logged


async def test_developers_see_the_traceback(tmp_path: Path) -> None:
    write_commands(tmp_path, GAME_COMMANDS)
    async with running_game(tmp_path) as game:
        await make_developer(game, "Dev")
        await game.login(1, "Dev", new=False)
        await game.portal.command(1, "boom x", "An error occurred running boom")
        text = await game.portal.expect(1, "Traceback")
        assert "RuntimeError: kaboom x" in text


async def test_generator_commands_pause_and_ask(tmp_path: Path) -> None:
    write_commands(tmp_path, GAME_COMMANDS)
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        await game.portal.command(1, "gen", "Which one?")
        await game.portal.command(1, "look", "gen got look")  # an answer, not a command
        await game.portal.expect(1, "post after gen")
        assert "You see the game's own look." not in game.portal.texts(1)


async def test_a_broken_commands_module_leaves_the_defaults(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write_commands(tmp_path, "from ember.game.commands import Command\n\nclass Broken(:\n")
    with caplog.at_level(logging.ERROR, logger="ember.game"):
        async with running_game(tmp_path) as game:
            await game.login(1, "Ann")
            await game.portal.command(1, "look", "The Hearth")
            assert not [t for t in game.portal.texts(1) if "Developer notice" in t]
            await make_developer(game, "Dev")
            await game.portal.connect(2)
            await game.portal.line(2, "connect Dev password1")
            text = await game.portal.expect(2, "Developer notice")
            assert "commands module failed to load" in text and "SyntaxError" in text
    assert any("commands module failed to load" in r.getMessage() for r in caplog.records)


async def test_a_commands_module_raising_at_import(tmp_path: Path) -> None:
    write_commands(tmp_path, "raise ImportError('missing thing')\n")
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        await game.portal.command(1, "look", "The Hearth")
        assert game.server.game_commands.error is not None
        assert "missing thing" in game.server.game_commands.error


async def test_commands_are_picked_up_on_restart(tmp_path: Path) -> None:
    write_commands(tmp_path, GAME_COMMANDS)
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        await game.portal.command(1, "look", "game's own look")
    write_commands(tmp_path, GAME_COMMANDS.replace("game's own look", "new look"))
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann", new=False)
        await game.portal.command(1, "look", "You see the new look.")
