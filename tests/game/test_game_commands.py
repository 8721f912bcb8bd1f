"""Default commands as players see them: say, who, look, help, unknown words, permissions, py."""

from __future__ import annotations

from pathlib import Path

from gamekit import make_developer, running_game

WAVE = """
from ember.game.commands import Command

class CmdWave(Command):
    key = "wave"
    aliases = ("hello",)

    def func(self):
        self.caller.msg("You wave.")
"""


async def test_say_reaches_the_other_session(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        await game.login(2, "Bob")
        await game.portal.command(1, "say hi", 'You say, "hi"')
        assert await game.portal.expect(2, "says") == 'Ann says, "hi"'
        assert not [t for t in game.portal.texts(1) if "Ann says" in t]
        await game.portal.command(2, "say", "Say what?")


async def test_account_msg_reaches_every_session_of_the_account(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        await game.portal.connect(2)
        await game.portal.command(2, "connect Ann password1", "Welcome, Ann!")
        await game.login(3, "Bob")
        await game.portal.command(3, "say hello Ann", 'You say, "hello Ann"')
        await game.portal.expect(1, 'Bob says, "hello Ann"')
        await game.portal.expect(2, 'Bob says, "hello Ann"')
        await game.portal.command(1, "say from one", 'You say, "from one"')
        await game.portal.expect(2, 'You say, "from one"')  # the speaker's other session


async def test_who_lists_accounts_online(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        await game.login(2, "Bob")
        text = await game.portal.command(1, "who", "online")
        assert "Ann" in text and "Bob" in text and "2 accounts online." in text
        await game.portal.connect(3)
        await game.portal.command(3, "who", "2 accounts online.")  # allowed before login


async def test_look_shows_the_room_and_who_is_here(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        await game.login(2, "Bob")
        text = await game.portal.command(1, "look", "The Hearth")
        assert "crackling fire" in text and "Here: you, Bob." in text


async def test_help_lists_and_explains(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await game.portal.connect(1)
        text = await game.portal.command(1, "help", "Commands:")
        assert "connect" in text and "create" in text and "say" not in text
        await game.login(2, "Ann")
        text = await game.portal.command(2, "help", "Commands:")
        for word in ("say", "look", "who", "quit", "tasks"):
            assert f"  {word}" in text
        assert "  py" not in text and "reload" not in text  # not for non-developers
        text = await game.portal.command(2, "help say", "Help for say")
        assert "Usage: say <text>" in text
        text = await game.portal.command(2, "help lokk", "Did you mean: look?")
        assert text.startswith("No help for 'lokk'.")


async def test_help_for_an_unknown_word_says_there_is_no_help(tmp_path: Path) -> None:
    # Issue 11, item 7: not "Unknown command" (help is a known command).
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        text = await game.portal.command(1, "help nothing", "nothing")
        assert text == "No help for 'nothing'. Type 'help' for a list of commands."
        text = await game.portal.command(1, "help sya", "No help for")
        assert text == "No help for 'sya'. Did you mean: say? Type 'help' for a list of commands."


async def test_suggestions_are_typos_not_lookalikes(tmp_path: Path) -> None:
    # Issue 11, item 7: `tell` suggested `hello` (difflib's ratio 0.67 passed its 0.6 cut).
    (tmp_path / "commands.py").write_text(WAVE)
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        await game.portal.command(1, "hello", "You wave.")
        # `tell` is a command now (page); `jelly` is two edits from `hello` as `tell` was.
        text = await game.portal.command(1, "jelly Bob hi", "Unknown command")
        assert text == "Unknown command 'jelly'. Type 'help' for a list of commands."
        await game.portal.command(1, "helo", "Did you mean: hello, help?")
        await game.portal.command(1, "wvae", "Did you mean: wave?")  # a swap is one slip


async def test_unknown_command_suggests_close_matches(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        text = await game.portal.command(1, "lokk", "Unknown command")
        assert (
            text
            == "Unknown command 'lokk'. Did you mean: look? Type 'help' for a list of commands."
        )
        text = await game.portal.command(1, "xyzzy", "Unknown command")
        assert "Did you mean" not in text
        await game.portal.line(1, "")  # an empty line does nothing
        await game.portal.command(1, "LOOK", "The Hearth")  # case-insensitive


async def test_py_and_reload_are_denied_to_players(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        await game.portal.command(1, "py 1 + 1", "permission denied")
        await game.portal.command(1, "reload", "permission denied")
        assert not game.task.done()


async def test_py_for_developers(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await make_developer(game, "Dev")
        await game.login(1, "Dev", new=False)
        assert await game.portal.command(1, "py 1 + 1", ">>>") == ">>> 1 + 1\n2"
        text = await game.portal.command(1, "py print('hello', me.name); x = 5", ">>>")
        assert text.endswith("hello Dev")
        text = await game.portal.command(1, "py 1 / 0", ">>>")
        assert "Traceback (most recent call last):" in text
        assert "ZeroDivisionError: division by zero" in text
        assert "run_python" not in text and 'File "<py>", line 1' in text
        text = await game.portal.command(1, "py here.name, self is me is caller", ">>>")
        assert "('The Hearth', True)" in text
        text = await game.portal.command(1, "py from ember import delay; print(delay)", ">>>")
        assert "function delay" in text
        text = await game.portal.command(1, "py import math; x = 2; math.sqrt(x * 8)", ">>>")
        assert text.endswith("\n4.0")
        assert await game.portal.command(1, "py None", ">>>") == ">>> None"
        text = await game.portal.command(1, "py 1 +", ">>>")
        assert "SyntaxError" in text
        text = await game.portal.command(
            1, "py import asyncio; print(await asyncio.sleep(0, 7))", ">>>"
        )
        assert text.endswith("\n7")
        text = await game.portal.command(
            1, "py await __import__('asyncio').sleep(0, 'awaited')", ">>>"
        )
        assert text.endswith("'awaited'")
        text = await game.portal.command(1, "py await __import__('asyncio').sleep(0, 1 / 0)", ">>>")
        assert "ZeroDivisionError" in text and 'File "<py>"' in text and "developer.py" not in text


async def test_quit_closes_only_that_connection(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        await game.portal.line(1, "quit")
        close = await game.portal.expect_named("close")
        assert close.args[0] == 1 and close.kwargs == {"reason": "Goodbye!"}
        assert game.server.sessions.get(1) is None
        await game.portal.send("disconnect", 1, reason="closed")  # the portal confirms: no error
        await game.login(2, "Bob")
        await game.portal.command(2, "who", "1 account online.")


async def test_disconnect_forgets_the_session(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        await game.login(2, "Bob")
        await game.portal.send("disconnect", 1, reason="lost")
        await game.portal.command(2, "who", "1 account online.")
        await game.portal.send("line", 1, "look")  # late input of a gone session is dropped
        await game.portal.command(2, "look", "Here: you.")


async def test_info_updates_the_session(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        await game.portal.send("info", 1, cols=132, rows=50, ttype="XTERM")
        await game.portal.command(1, "look", "Hearth")
        session = game.server.sessions.get(1)
        assert session is not None and (session.cols, session.rows) == (132, 50)
        assert session.ttype == "XTERM"


async def test_status_reply(tmp_path: Path) -> None:
    async with running_game(tmp_path) as game:
        await game.login(1, "Ann")
        await game.portal.send("status", request=7)
        reply = await game.portal.expect_named("status_reply")
        assert reply.kwargs["request"] == 7
        assert reply.kwargs["sessions"] == 1 and reply.kwargs["accounts"] == ["Ann"]
        assert isinstance(reply.kwargs["pid"], int)
