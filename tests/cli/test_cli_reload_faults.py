"""Reloads that must not count as done: broken game code, a store that fails to open (issue 10
item 4, issue 11 item 4). ``ember reload`` succeeds only once the new game is ready."""

from __future__ import annotations

import shutil
from pathlib import Path

from support.cli_harness import aember, make_game, portal_status, wait_exit

from ember.testing import TelnetClient

PASSWORD = "long-password-1"


async def login(port: int, name: str, *, create: bool = False) -> TelnetClient:
    client = await TelnetClient.connect(port)
    await client.expect("connect NAME PASSWORD")
    client.send(f"{'create' if create else 'connect'} {name} {PASSWORD}")
    await client.expect(f"Welcome, {name}")
    return client


async def test_a_reload_with_a_syntax_error_fails_and_keeps_the_old_commands(
    tmp_path: Path,
) -> None:
    game = make_game(tmp_path)
    code, _, err = await aember("account", "create", "dev", "--developer", cwd=game,
                                stdin=PASSWORD + "\n")  # fmt: skip
    assert code == 0, err
    code, out, err = await aember("start", cwd=game)
    assert code == 0, out + err
    pid = portal_status(game)["game_pid"]
    try:
        dev = await login(portal_status(game)["telnet_port"], "dev")
        dev.send("wave")
        await dev.expect("You wave.")
        commands = game / "commands.py"
        commands.write_text(commands.read_text() + "\ndef broken(:\n    pass\n")

        code, out, err = await aember("reload", cwd=game)

        assert code != 0, out
        assert "the reload failed" in err and "SyntaxError" in err and "Traceback" in err
        assert "commands.py" in err
        await dev.expect("the reload was refused because the new code does not load")
        dev.send("wave")  # the old process, with the working commands, still answers
        await dev.expect("You wave.")
        assert portal_status(game)["game_pid"] == pid

        # Fixed again: the reload goes through and says so only once the game is ready.
        commands.write_text(commands.read_text().replace("\ndef broken(:\n    pass\n", ""))
        code, out, err = await aember("reload", cwd=game)
        assert code == 0, out + err
        assert "Reloaded in" in out
        status = portal_status(game)
        assert status["game_pid"] != pid and status["game_ready"]
        dev.send("wave")
        await dev.expect("You wave.")
    finally:
        code, _, err = await aember("stop", cwd=game)
    assert code == 0, err


async def test_a_store_failing_at_start_never_announces_back_and_keeps_input(
    tmp_path: Path,
) -> None:
    """The new game cannot open its database: players are not told "back", what they type
    is held, and delivered once (in order) when a game starts that can open it."""
    game = make_game(tmp_path)
    code, out, err = await aember("start", cwd=game)
    assert code == 0, out + err
    database = game / "server" / "ember.db"
    try:
        ann = await login(portal_status(game)["telnet_port"], "ann", create=True)
        ann.send("say before")
        await ann.expect('You say, "before"')
        # The new game is told to use a database in a folder that does not exist (yet).
        old_game = portal_status(game)["game_pid"]
        with (game / "settings.py").open("a") as settings:
            settings.write('DATABASE = "server/later/ember.db"\n')
        code, out, err = await aember("reload", cwd=game)
        await wait_exit(old_game)
        assert code != 0
        assert "the reload failed" in err and "check that its folder exists" in err, err
        for number in range(3):
            ann.send(f"say held-{number}")
        await ann.expect("your input will be delivered shortly")
        assert portal_status(game)["game_ready"] is False
        code, out, _ = await aember("status", cwd=game)
        assert "The game cannot start: cannot open the account database" in out, out

        # The folder appears, holding the database: the next restart opens it and gets the
        # held lines.
        (game / "server" / "later").mkdir()
        shutil.copy(database, game / "server" / "later" / "ember.db")
        for number in range(3):
            await ann.expect(f'You say, "held-{number}"', within=60.0)
        ann.send("say after")
        await ann.expect('You say, "after"')
        assert "The game is back." in ann.text
        for number in range(3):
            assert ann.text.count(f'You say, "held-{number}"') == 1
        # Announced once the game was ready, before it answered the held lines.
        assert ann.text.index("The game is back.") < ann.text.index('You say, "held-0"')
        assert ann.text.count("The game is back.") == 1
        assert ann.text.count("The game process stopped unexpectedly") <= 1
    finally:
        code, _, err = await aember("stop", cwd=game)
    assert code == 0, err
