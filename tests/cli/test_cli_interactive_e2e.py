"""Interactive code on a real server over telnet: pauses, questions, reloads, errors, bad input."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.cli_harness import aember, ember, make_game, started

from ember.testing import TelnetClient

PASSWORD = "long-password-1"
_names = itertools.count(1)

# Added to the template's commands.py (which ships the seed page's demos: waitloop, compute).
TEST_COMMANDS = '''

from ember import ask


@interactive
def asker(caller, label):
    answer = yield f"{label}: favourite colour?"
    caller.msg(f"{label} got {answer}")
    return answer


@interactive
def returning(caller):
    yield 0.05
    return 5


class CmdHold(Command):
    """Pause (in steps) until the player types 'release'."""
    key = "hold"
    released = set()

    def func(self):
        self.caller.msg("holding")
        while self.caller.name not in CmdHold.released:
            yield 0.05
        CmdHold.released.discard(self.caller.name)
        self.caller.msg("hold over")

    def at_post_cmd(self):
        self.caller.msg("post hold")


class CmdRelease(Command):
    key = "release"

    def func(self):
        CmdHold.released.add(self.caller.name)


class CmdName(Command):
    key = "name"

    def func(self):
        name = yield "What is your name?"
        self.caller.msg(f"Hello, {name[:12]!r} ({len(name)} characters).")


class CmdTwo(Command):
    key = "two"

    def func(self):
        asker(self.caller, "first")
        asker(self.caller, "second")


class CmdHurry(Command):
    key = "hurry"

    def func(self):
        try:
            yield ask("Quick, a number!", timeout=0.5)
        except TimeoutError:
            self.caller.msg("Too slow.")


class CmdPatient(Command):
    key = "patient"

    def func(self):
        answer = yield "Still there?"
        self.caller.msg(f"You said {answer}.")


class CmdLongDig(Command):
    key = "longdig"

    def func(self):
        try:
            self.caller.msg("digging deep")
            yield 600
        finally:
            self.caller.msg("cleanup ran")


class CmdBreak(Command):
    key = "break"

    def func(self):
        yield 0.05
        raise RuntimeError("broke after the pause")

    def at_post_cmd(self):
        self.caller.msg("post break")


class CmdBadYield(Command):
    key = "badyield"

    def func(self):
        try:
            yield [1, 2]
        finally:
            self.caller.msg("badyield closed")


class CmdNegative(Command):
    key = "negative"

    def func(self):
        yield -1


class CmdConfirm(Command):
    key = "confirm"

    async def func(self):
        ok = await ask_yes_no("Proceed?", default=False)
        self.caller.msg(f"proceed={ok}")


class CmdResults(Command):
    key = "results"

    async def func(self):
        self.caller.msg(f"results {await returning(self.caller)} {await compute()}")


class CmdAskOther(Command):
    """Ask another (maybe offline) account a question; report its answer."""
    key = "askother"

    def func(self):
        other = self.server.accounts.registry.by_name(self.args)
        flow = asker(other, "for " + other.name)
        me = self.caller
        async def report():
            me.msg(f"{other.name} answered {await flow}")
        from ember import delay
        delay(0, report)
'''


@pytest.fixture(scope="module")
def game(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, int]]:
    """One running game for the module (every test logs in its own accounts)."""
    game = make_game(tmp_path_factory.mktemp("interactive"))
    with (game / "commands.py").open("a") as commands:
        commands.write(TEST_COMMANDS)
    done = ember("account", "create", "dev", "--developer", cwd=game, stdin=PASSWORD + "\n")
    assert done.returncode == 0, done.stderr
    with started(game) as status:
        yield game, status["telnet_port"]


async def login(port: int, name: str | None = None, *, create: bool = True) -> TelnetClient:
    name = name or f"player{next(_names)}"
    client = await TelnetClient.connect(port)
    await client.expect("connect NAME PASSWORD")
    client.send(f"{'create' if create else 'connect'} {name} {PASSWORD}")
    await client.expect(f"Welcome, {name}")
    await client.expect("Here:")
    return client


async def test_the_seed_wait_loop_yes_then_no(game: tuple[Path, int]) -> None:
    async with await login(game[1]) as ann:
        ann.send("waitloop")
        await ann.expect("Getting ready to wait ...")
        await ann.expect("Now 5 seconds have passed.")
        await ann.expect("Do you want to wait another 5 secs?")
        ann.send("yes")
        await ann.expect("Getting ready to wait ...")
        await ann.expect("Do you want to wait another 5 secs?")
        ann.send("no")
        ann.send("say done")  # a command again: the loop has ended
        tail = await ann.expect('You say, "done"')
        assert "Getting ready" not in tail


async def test_a_paused_command_while_playing_and_chatting(game: tuple[Path, int]) -> None:
    async with await login(game[1], "ann") as ann, await login(game[1], "bob") as bob:
        ann.send("hold")
        await ann.expect("holding")
        ann.send("who")
        who = await ann.expect("bob")
        assert "ann" in who
        bob.send("say hi ann")
        await ann.expect('bob says, "hi ann"')
        assert "hold over" not in ann.text
        ann.send("release")
        await ann.expect("hold over")
        await ann.expect("post hold")


async def test_the_next_line_answers_and_is_not_run(game: tuple[Path, int]) -> None:
    async with await login(game[1]) as ann:
        ann.send("name")
        await ann.expect("What is your name?")
        ann.send("who")
        await ann.expect("Hello, 'who' (3 characters).")
        ann.send("say after")
        tail = await ann.expect('You say, "after"')
        assert "Players" not in tail and "online" not in tail.lower()


async def test_two_functions_ask_one_player_in_order(game: tuple[Path, int]) -> None:
    async with await login(game[1]) as ann:
        ann.send("two")
        await ann.expect("first: favourite colour?")
        assert "second: favourite colour?" not in ann.text
        ann.send("red")
        await ann.expect("first got red")  # the first function goes on before the next question
        await ann.expect("second: favourite colour?")
        ann.send("blue")
        await ann.expect("second got blue")


async def test_a_question_times_out(game: tuple[Path, int]) -> None:
    async with await login(game[1]) as ann:
        ann.send("hurry")
        await ann.expect("Quick, a number!")
        await ann.expect("Too slow.")
        ann.send("say free")  # the question is gone: this is a command
        await ann.expect('You say, "free"')


async def test_disconnect_and_reconnect_during_a_question(game: tuple[Path, int]) -> None:
    name = f"player{next(_names)}"
    ann = await login(game[1], name)
    ann.send("patient")
    await ann.expect("Still there?")
    await ann.close()
    async with await login(game[1], name, create=False) as again:
        await again.expect("Still there?")  # asked again
        again.send("yes")
        await again.expect("You said yes.")


async def test_an_error_after_a_yield(game: tuple[Path, int]) -> None:
    async with await login(game[1]) as ann:
        ann.send("break")
        await ann.expect("An error occurred running break (error id ")
        ident = (await ann.expect("); it has been logged.")).partition(")")[0]
        await ann.expect("post break")
        assert "Traceback" not in ann.text
    log = (game[0] / "server" / "logs" / "game.log").read_text()
    assert "RuntimeError: broke after the pause" in log and "Traceback" in log
    # The id the player can quote finds the log line, and the traceback follows it.
    assert len(ident) == 6 and log.index("Traceback", log.index(f"[error id {ident}]")) > 0
    async with await login(game[1], "dev", create=False) as dev:
        dev.send("break")
        await dev.expect("Traceback")  # Developers see it
        await dev.expect("post break")


async def test_async_command_with_ask_yes_no(game: tuple[Path, int]) -> None:
    async with await login(game[1]) as ann:
        ann.send("confirm")
        await ann.expect("Proceed? [y/N]")
        ann.send("")  # empty: the default
        await ann.expect("proceed=False")
        ann.send("confirm")
        await ann.expect("Proceed? [y/N]")
        ann.send("maybe")
        await ann.expect("Please answer yes or no:")
        ann.send("y")
        await ann.expect("proceed=True")


async def test_results_through_return_and_return_value(game: tuple[Path, int]) -> None:
    async with await login(game[1]) as ann:
        ann.send("results")
        await ann.expect("results 5 10")
        ann.send("compute")
        await ann.expect("The result is 10.")


async def test_bad_yields_and_negative_pauses(game: tuple[Path, int]) -> None:
    async with await login(game[1]) as ann:
        ann.send("badyield")
        await ann.expect("badyield closed")
        await ann.expect("An error occurred running badyield")
        ann.send("negative")
        await ann.expect("An error occurred running negative")
        ann.send("say still here")
        await ann.expect('You say, "still here"')
    log = (game[0] / "server" / "logs" / "game.log").read_text()
    assert "TypeError: badyield yielded [1, 2] (list)" in log
    assert "ValueError: negative: yield needs a finite number of seconds >= 0, got -1" in log


async def test_a_caller_with_no_sessions_is_asked_on_login(game: tuple[Path, int]) -> None:
    offline = f"player{next(_names)}"
    (await login(game[1], offline)).writer.close()  # created, then gone
    async with await login(game[1]) as ann:
        ann.send(f"askother {offline}")
        async with await login(game[1], offline, create=False) as other:
            await other.expect(f"for {offline}: favourite colour?")
            other.send("green")
            await other.expect(f"for {offline} got green")
        await ann.expect(f"{offline} answered green")


async def test_empty_and_100_kib_answers(game: tuple[Path, int]) -> None:
    async with await login(game[1]) as ann:
        ann.send("name")
        await ann.expect("What is your name?")
        ann.send("")
        await ann.expect("Hello, '' (0 characters).")
        ann.send("name")
        await ann.expect("What is your name?")
        ann.send("x" * (100 * 1024))  # over the portal's line limit: dropped, still asked
        await ann.expect("Line too long")
        ann.send("y" * (60 * 1024))
        await ann.expect(f"Hello, 'yyyyyyyyyyyy' ({60 * 1024} characters).")


async def test_reload_during_a_pause_and_a_question(game: tuple[Path, int]) -> None:
    async with await login(game[1]) as ann, await login(game[1]) as bob:
        ann.send("longdig")
        await ann.expect("digging deep")
        bob.send("waitloop")
        await bob.expect("Do you want to wait another 5 secs?")
        code, _, err = await aember("reload", cwd=game[0])
        assert code == 0, err
        await ann.expect("cleanup ran")
        await ann.expect("Reloaded.")
        await ann.expect("longdig was interrupted by the reload.")
        await bob.expect("Reloaded.")
        await bob.expect("myfunc was interrupted by the reload.")
        # Nothing is stuck: no question waits, commands run.
        bob.send("say free again")
        await bob.expect('You say, "free again"')
        ann.send("name")
        await ann.expect("What is your name?")
        ann.send("ann")
        await ann.expect("Hello, 'ann'")
