"""Interactive commands in the game process: prompts, login re-asks, reload notices, errors."""

from __future__ import annotations

import asyncio
import textwrap
from pathlib import Path

import pytest
from gamekit import WAIT, running_game, session_dict

from ember.game.sessions import QUESTION_HINT
from ember.interaction import questions

COMMANDS = """
from ember import Command, ask_yes_no, interactive


@interactive
def loop(caller):
    caller.msg("looping")
    try:
        while True:
            yield 600
    finally:
        caller.msg("loop cleaned up")


class CmdLoop(Command):
    key = "loop"

    def func(self):
        loop(self.caller)


class CmdQuestion(Command):
    key = "question"

    def func(self):
        answer = yield "Your quest?"
        self.caller.msg(f"quest: {answer}")


class CmdSure(Command):
    key = "sure"

    async def func(self):
        self.caller.msg(f"sure: {await ask_yes_no('Proceed?')}")


class CmdPending(Command):
    key = "pending"

    def func(self):
        yield 600

    def at_post_cmd(self):
        self.caller.msg("post pending")
"""


def write_commands(game_dir: Path) -> None:
    (game_dir / "commands.py").write_text(textwrap.dedent(COMMANDS))


async def test_questions_go_out_as_prompt_messages(tmp_path: Path) -> None:
    write_commands(tmp_path)
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        await game.portal.line(1, "question")
        message = await game.portal.expect_message(lambda m: m.name == "prompt", key="prompt")
        assert message.args == (1, "Your quest?")
        assert game.portal.texts(1)[-2:] == [QUESTION_HINT, "Your quest?"]  # the hint above
        await game.portal.command(1, "the grail", "quest: the grail")


async def test_a_command_runs_while_a_question_waits(tmp_path: Path) -> None:
    # Issue 11, item 8: a line starting with "/" runs as a command and the question waits on;
    # the hint with the question says so until the player has used it.
    write_commands(tmp_path)
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        await game.portal.command(1, "question", QUESTION_HINT)
        await game.portal.expect(1, "Your quest?")
        await game.portal.command(1, "/look", "The Hearth")
        await game.portal.command(1, "/say still here", 'You say, "still here"')
        await game.portal.command(1, "//grail", "quest: /grail")  # doubled: an answer
        await game.portal.command(1, "question", "Your quest?")
        assert QUESTION_HINT not in game.portal.texts(1)[-2:]  # the player knows the prefix
        await game.portal.command(1, "look", "quest: look")  # a plain line still answers
        await game.portal.command(1, "/look", "The Hearth")  # no question: a command too


async def test_invalid_answers_are_explained_and_giving_up_is_told(tmp_path: Path) -> None:
    # Issue 11, item 8: not "Please answer yes or no." three times, then silence.
    write_commands(tmp_path)
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        await game.portal.command(1, "sure", "Proceed? [y/n]")
        text = await game.portal.command(1, "look", "Please answer yes or no")
        assert text == (
            "Please answer yes or no: 'look' is neither. For a command, type /look instead. "
            "Proceed? [y/n] "
        )
        await game.portal.command(1, "/look", "The Hearth")  # not an attempt
        text = await game.portal.command(1, "maybe", "Last try")
        assert "another answer that is not valid gives the question up. Proceed?" in text
        await game.portal.command(1, "hm", "No valid answer in 3 tries: giving up on 'Proceed?'.")
        await game.portal.command(1, "look", "The Hearth")  # a command again
        await game.portal.command(1, "sure", "Proceed?")
        await game.portal.command(1, "y", "sure: True")


async def test_a_question_is_asked_again_on_the_new_session(tmp_path: Path) -> None:
    write_commands(tmp_path)
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        await game.portal.command(1, "question", "Your quest?")
        await game.portal.send("disconnect", 1, reason="gone")
        await game.login(2, "Ann", new=False)
        await game.portal.expect(2, "Your quest?")
        await game.portal.command(2, "cake", "quest: cake")


async def test_reload_interrupts_flows_and_commands_and_tells_after(tmp_path: Path) -> None:
    write_commands(tmp_path)
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        await game.portal.command(1, "loop", "looping")
        await game.portal.line(1, "pending")
        await game.portal.line(1, "say waiting")
        await game.portal.expect(1, 'You say, "waiting"')
        game.server.stop("reload", by="test")
        assert await game.stopped() == "reload"
        texts = game.portal.texts(1)
        assert "loop cleaned up" in texts
        assert not [t for t in texts if "interrupted" in t or "post pending" in t]
    sessions = [session_dict(1, account="Ann")]
    async with running_game(tmp_path, sessions=sessions, reason="reload") as game:
        await game.portal.command(1, "say free", 'You say, "free"')
        texts = game.portal.texts(1)
        assert "loop was interrupted by the reload." in texts
        assert "pending was interrupted by the reload." in texts
        assert game.server.scheduler.tasks() == []


async def test_shutdown_tells_at_once(tmp_path: Path) -> None:
    write_commands(tmp_path)
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        await game.portal.line(1, "pending")
        await game.portal.command(1, "question", "Your quest?")
        game.server.stop("shutdown", by="test")
        assert await game.stopped() == "shutdown"
        texts = game.portal.texts(1)
        assert "pending was interrupted: the game is stopping." in texts
        assert "question was interrupted: the game is stopping." in texts


async def test_reload_during_a_question_of_an_interactive_function(tmp_path: Path) -> None:
    (tmp_path / "commands.py").write_text(
        textwrap.dedent(COMMANDS)
        + textwrap.dedent("""
            @interactive
            def quiz(caller):
                yield "Capital of Assyria?"


            class CmdQuiz(Command):
                key = "quiz"

                def func(self):
                    quiz(self.caller)
            """)
    )
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        await game.portal.command(1, "quiz", "Capital of Assyria?")
        game.server.stop("reload", by="test")
        assert await game.stopped() == "reload"
    sessions = [session_dict(1, account="Ann")]
    async with running_game(tmp_path, sessions=sessions, reason="reload") as game:
        await game.portal.expect(1, "quiz was interrupted by the reload.")


async def test_a_question_to_a_login_screen_session_ends_when_it_disconnects(
    tmp_path: Path,
) -> None:
    # Issue 11, item 9: it used to wait for its timeout (here ten minutes) after the session
    # had gone, though no one could ever answer it.
    async with running_game(tmp_path) as game:
        await game.portal.connect(1)
        session = game.server.sessions.get(1)
        assert session is not None and session.account is None
        asked = asyncio.create_task(session.ask("Your name, traveller?", timeout=600))
        await game.portal.expect(1, "Your name, traveller?")
        await game.portal.send("disconnect", 1, reason="gone")
        with pytest.raises(asyncio.CancelledError):
            async with asyncio.timeout(WAIT):
                await asyncio.shield(asked)
        assert not questions.has_question(session)
